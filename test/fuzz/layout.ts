// Where the integer fields, strings and entries of a seed file are, so mutations can
// aim at them (a count set to 2^64-1, a key/value pair duplicated) instead of only at
// random bytes. The walks stop quietly at the first thing that does not parse: a
// mutated file still gets a layout of its readable front.

/** An integer field: `size` bytes little-endian at `at`. */
export interface Field {
  at: number;
  size: 1 | 2 | 4 | 8;
  /** Inside an array (a vocabulary has thousands of these; mutations pick them only half the time). */
  element?: boolean;
}

/** Bytes [start, end). */
export interface Span {
  start: number;
  end: number;
}

export interface Layout {
  fields: Field[];
  /** Byte ranges of strings (keys, token pieces, names). */
  strings: Span[];
  /** Whole records that can be duplicated or removed, each list with the field that counts it (if the file has one). */
  records: { count?: Field; spans: Span[] }[];
  /** The end of the structured front of the file; past it only tensor data or weights follow. */
  frontEnd: number;
}

const GGUF_SCALAR_BYTES: Record<number, 1 | 2 | 4 | 8> = { 0: 1, 1: 1, 2: 2, 3: 2, 4: 4, 5: 4, 6: 4, 7: 1, 10: 8, 11: 8, 12: 8 };
const GGUF_STRING = 8;
const GGUF_ARRAY = 9;

class Walker {
  readonly layout: Layout = { fields: [], strings: [], records: [], frontEnd: 0 };
  private readonly view: DataView;
  p = 0;
  /** Fields read now are array elements. */
  inArray = false;

  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }

  /** Read a field of `size` bytes and record it; throws past the end. */
  int(size: 1 | 2 | 4 | 8): number {
    if (this.p + size > this.bytes.length) throw new RangeError("end of file");
    this.layout.fields.push(this.inArray ? { at: this.p, size, element: true } : { at: this.p, size });
    const v = size === 8 ? Number(this.view.getBigUint64(this.p, true)) : size === 4 ? this.view.getUint32(this.p, true) : size === 2 ? this.view.getUint16(this.p, true) : this.bytes[this.p];
    this.p += size;
    return v;
  }

  /** Step over `n` bytes of string, recording them. */
  string(n: number): void {
    if (this.p + n > this.bytes.length) throw new RangeError("end of file");
    this.layout.strings.push({ start: this.p, end: this.p + n });
    this.p += n;
  }
}

function ggufValue(w: Walker, type: number, depth: number): void {
  const scalar = GGUF_SCALAR_BYTES[type];
  if (scalar !== undefined) w.int(scalar);
  else if (type === GGUF_STRING) w.string(w.int(8));
  else if (type === GGUF_ARRAY && depth < 2) {
    const itemType = w.int(4);
    const countField = { at: w.p, size: 8 as const };
    const count = w.int(8);
    if (count > w.bytes.length) throw new RangeError("count");
    const elements: Span[] = [];
    w.layout.records.push({ count: countField, spans: elements });
    const outer = w.inArray;
    w.inArray = true;
    for (let i = 0; i < count; i++) {
      const start = w.p;
      ggufValue(w, itemType, depth + 1);
      elements.push({ start, end: w.p });
    }
    w.inArray = outer;
  } else throw new RangeError("type");
}

/** Header counts, every key/value (key, type, value fields) and every tensor info of a GGUF file. */
export function ggufLayout(bytes: Uint8Array): Layout {
  const w = new Walker(bytes);
  const kvRecords: Span[] = [], tensorRecords: Span[] = [];
  try {
    w.p = 4; // magic
    w.int(4); // version
    const tensorCountField = { at: w.p, size: 8 as const };
    const tensorCount = w.int(8);
    const kvCountField = { at: w.p, size: 8 as const };
    const kvCount = w.int(8);
    w.layout.records.push({ count: kvCountField, spans: kvRecords }, { count: tensorCountField, spans: tensorRecords });
    for (let i = 0; i < kvCount; i++) {
      const start = w.p;
      w.string(w.int(8));
      ggufValue(w, w.int(4), 0);
      kvRecords.push({ start, end: w.p });
    }
    for (let i = 0; i < tensorCount; i++) {
      const start = w.p;
      w.string(w.int(8));
      const dims = w.int(4);
      if (dims > 4) throw new RangeError("dims");
      for (let d = 0; d < dims; d++) w.int(8);
      w.int(4); // type
      w.int(8); // offset
      tensorRecords.push({ start, end: w.p });
    }
  } catch {
    // a mutated file: its layout is what could be read
  }
  w.layout.frontEnd = Math.min(w.p, bytes.length);
  return w.layout;
}

/** llama2.c's tokenizer.bin: max_token_length, then per token an f32 score, an i32 length and the bytes. */
export function llama2cTokenizerLayout(bytes: Uint8Array): Layout {
  const w = new Walker(bytes);
  const tokens: Span[] = [];
  try {
    w.int(4);
    w.inArray = true;
    while (w.p < bytes.length) {
      const start = w.p;
      w.int(4); // score
      w.string(w.int(4));
      tokens.push({ start, end: w.p });
    }
  } catch {
    // a mutated file: its layout is what could be read
  }
  // No count field: the model's vocabulary size says how many tokens there are.
  w.layout.records.push({ spans: tokens });
  w.layout.frontEnd = bytes.length;
  return w.layout;
}

/** A llama2.c checkpoint: seven int32 header values; the rest is weights. */
export function llama2cCheckpointLayout(bytes: Uint8Array): Layout {
  const fields: Field[] = [];
  for (let at = 0; at + 4 <= Math.min(bytes.length, 28); at += 4) fields.push({ at, size: 4 });
  return { fields, strings: [], records: [], frontEnd: Math.min(bytes.length, 28) };
}
