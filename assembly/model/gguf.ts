// GGUF files (versions 2 and 3): metadata key/values and tensor infos, indexed in
// place. Every count, length and offset is checked against the file's end before
// anything is read through it, so a corrupt file is an error, never a stray read.
import { fail } from "../runtime/status";
import { FileBytes } from "../runtime/files";
import { objectHeapLeft } from "../runtime/object-heap";
import { blockSize, typeSize, typeName } from "./tensor-types";

export const GGUF_MAGIC: u32 = 0x46554747; // "GGUF"

// Metadata value types
export const T_U8: u32 = 0, T_I8: u32 = 1, T_U16: u32 = 2, T_I16: u32 = 3, T_U32: u32 = 4, T_I32: u32 = 5, T_F32: u32 = 6,
  T_BOOL: u32 = 7, T_STRING: u32 = 8, T_ARRAY: u32 = 9, T_U64: u32 = 10, T_I64: u32 = 11, T_F64: u32 = 12;

const MAX_DIMS = 4;
const MAX_NESTING = 8;
// The GGUF specification's limits: a key is at most 65535 bytes, a tensor name at most 64.
const MAX_KEY_BYTES: u64 = 65535;
const MAX_NAME_BYTES: u64 = 64;
/**
 * Keys and tensor names become objects on the core's small object heap, below the arena
 * that holds the file: parsing stops with an error while this much of it is still free
 * (more than a longest key and the messages built from it need).
 */
const HEAP_RESERVE: u64 = 1 << 20;

/** One metadata entry; `value` points at the value's bytes in the file (for arrays: at the first element). */
export class GgufValue {
  constructor(public type: u32, public value: usize, public arrayType: u32, public count: u64) {}
}

export class GgufTensor {
  constructor(public name: string, public type: i32, public ne: StaticArray<i64>, public nDims: i32, public ptr: usize, public bytes: u64) {}

  /** Elements per row (ne[0]) and number of rows (the product of the other dimensions). */
  get cols(): i64 {
    return this.ne[0];
  }
  get rows(): i64 {
    return this.ne[1] * this.ne[2] * this.ne[3];
  }
}

export class GgufFile {
  version: u32 = 0;
  metadata: Map<string, GgufValue> = new Map<string, GgufValue>();
  tensors: Map<string, GgufTensor> = new Map<string, GgufTensor>();
  tensorNames: string[] = [];
  alignment: u64 = 32;
  path: string = "";

  has(key: string): bool {
    return this.metadata.has(key);
  }

  get(key: string): GgufValue | null {
    return this.metadata.has(key) ? this.metadata.get(key) : null;
  }

  tensor(name: string): GgufTensor | null {
    return this.tensors.has(name) ? this.tensors.get(name) : null;
  }
}

/** A bounds-checked reader over the file's bytes. */
class Cursor {
  failed: bool = false;
  constructor(public p: usize, public end: usize, public path: string) {}

  need(bytes: u64, what: string): bool {
    if (this.failed) return false;
    if (bytes > <u64>(this.end - this.p)) {
      this.failed = true;
      return fail("'" + this.path + "' is truncated or corrupt: " + what + " runs past the end of the file");
    }
    return true;
  }
  u32(what: string): u32 {
    if (!this.need(4, what)) return 0;
    const v = load<u32>(this.p);
    this.p += 4;
    return v;
  }
  u64(what: string): u64 {
    if (!this.need(8, what)) return 0;
    const v = load<u64>(this.p);
    this.p += 8;
    return v;
  }
  /** A GGUF string (u64 length, at most maxBytes, then the bytes) decoded; "" after a failure. */
  str(what: string, maxBytes: u64): string {
    const n = this.u64(what);
    if (!this.failed && n > maxBytes) {
      this.failed = true;
      fail("'" + this.path + "' is corrupt: " + what + " is " + n.toString() + " bytes long, more than GGUF allows (" + maxBytes.toString() + ")");
      return "";
    }
    if (!this.need(n, what)) return "";
    const s = String.UTF8.decodeUnsafe(this.p, <usize>n);
    this.p += <usize>n;
    return s;
  }
  skip(n: u64, what: string): bool {
    if (!this.need(n, what)) return false;
    this.p += <usize>n;
    return true;
  }
}

/** Size of a fixed-size metadata value, or 0 for strings and arrays. */
function scalarSize(type: u32): u64 {
  if (type == T_U8 || type == T_I8 || type == T_BOOL) return 1;
  if (type == T_U16 || type == T_I16) return 2;
  if (type == T_U32 || type == T_I32 || type == T_F32) return 4;
  if (type == T_U64 || type == T_I64 || type == T_F64) return 8;
  return 0;
}

/** Step over one value of `type` (arrays nest at most MAX_NESTING deep). */
function skipValue(c: Cursor, type: u32, key: string, depth: i32): bool {
  // Built once per key: a string per array element would fill the object heap (a vocabulary has 10^5 elements).
  return skipValueOf(c, type, key, depth, "the value of '" + key + "'");
}

function skipValueOf(c: Cursor, type: u32, key: string, depth: i32, what: string): bool {
  const size = scalarSize(type);
  if (size > 0) return c.skip(size, what);
  if (type == T_STRING) return c.skip(c.u64(what), what);
  if (type != T_ARRAY) return fail("'" + c.path + "' is corrupt: metadata '" + key + "' has unknown value type " + type.toString());
  if (depth >= MAX_NESTING) return fail("'" + c.path + "' is corrupt: metadata '" + key + "' nests arrays more than " + MAX_NESTING.toString() + " deep");
  const elementType = c.u32(what);
  const count = c.u64(what);
  if (c.failed) return false;
  const elementSize = scalarSize(elementType);
  if (elementSize > 0) {
    if (count > <u64>(c.end - c.p) / elementSize) return c.need(U64.MAX_VALUE, what);
    return c.skip(count * elementSize, what);
  }
  // Every string or array element takes at least 8 bytes: a bound before walking them.
  if (count > <u64>(c.end - c.p) / 8) return c.need(U64.MAX_VALUE, what);
  for (let i: u64 = 0; i < count; i++) if (!skipValueOf(c, elementType, key, depth + 1, what)) return false;
  return true;
}

export function isGguf(file: FileBytes): bool {
  return file.size >= 4 && load<u32>(file.ptr) == GGUF_MAGIC;
}

/** Whether the object heap has room to index one more of `count` entries; false with the reason recorded. */
function heapLeft(path: string, what: string, count: u64): bool {
  return objectHeapLeft() >= HEAP_RESERVE || fail("'" + path + "' has too many " + what + " (" + count.toString() + ") for the core to index");
}

/** Parse header, metadata and tensor infos of a GGUF file in memory; null with the reason recorded. */
export function parseGguf(file: FileBytes, path: string): GgufFile | null {
  const g = new GgufFile();
  g.path = path;
  const c = new Cursor(file.ptr, file.ptr + <usize>file.size, path);
  if (c.u32("the header") != GGUF_MAGIC) {
    if (!c.failed) fail("'" + path + "' is not a GGUF file (bad magic)");
    return null;
  }
  g.version = c.u32("the header");
  if (c.failed) return null;
  if (g.version != 2 && g.version != 3) {
    fail("'" + path + "' is GGUF version " + g.version.toString() + "; versions 2 and 3 are supported");
    return null;
  }
  const tensorCount = c.u64("the header");
  const kvCount = c.u64("the header");
  if (c.failed) return null;
  // Each key/value takes at least 12 bytes and each tensor info at least 24: bound the counts first.
  if (kvCount > <u64>file.size / 12 || tensorCount > <u64>file.size / 24) {
    fail("'" + path + "' is corrupt: it claims " + kvCount.toString() + " metadata entries and " + tensorCount.toString() + " tensors");
    return null;
  }

  for (let i: u64 = 0; i < kvCount; i++) {
    if (!heapLeft(path, "metadata entries", kvCount)) return null;
    const key = c.str("metadata key " + i.toString(), MAX_KEY_BYTES);
    const type = c.u32("metadata '" + key + "'");
    if (c.failed) return null;
    const start = c.p;
    if (!skipValue(c, type, key, 0)) return null;
    // skipValue has checked the array header and every element: reading them is safe now.
    const isArray = type == T_ARRAY;
    const arrayType = isArray ? load<u32>(start) : 0;
    const count = isArray ? load<u64>(start, 4) : 1;
    const value = isArray ? start + 12 : start;
    if (g.metadata.has(key)) {
      fail("'" + path + "' is corrupt: metadata key '" + key + "' appears twice");
      return null;
    }
    g.metadata.set(key, new GgufValue(type, value, arrayType, count));
  }

  const alignment = g.get("general.alignment");
  if (alignment != null) {
    const a = alignment.type == T_U32 ? <u64>load<u32>(alignment.value) : 0;
    if (a == 0 || (a & (a - 1)) != 0) {
      fail("'" + path + "' has general.alignment " + a.toString() + ": it must be a power of two (as a u32)");
      return null;
    }
    g.alignment = a;
  }

  const infos = new Array<GgufTensor>();
  const offsets = new Array<u64>();
  for (let i: u64 = 0; i < tensorCount; i++) {
    if (!heapLeft(path, "tensors", tensorCount)) return null;
    const name = c.str("the name of tensor " + i.toString(), MAX_NAME_BYTES);
    const nDims = c.u32("tensor '" + name + "'");
    if (c.failed) return null;
    if (nDims < 1 || nDims > <u32>MAX_DIMS) {
      fail("'" + path + "' is corrupt: tensor '" + name + "' has " + nDims.toString() + " dimensions");
      return null;
    }
    const ne = new StaticArray<i64>(MAX_DIMS);
    let elements: u64 = 1;
    for (let d = 0; d < MAX_DIMS; d++) {
      const n = <u32>d < nDims ? c.u64("tensor '" + name + "'") : 1;
      if (c.failed) return null;
      // Each dimension below 2^40 and their product below 2^48: far beyond any real file, no overflow.
      if (n == 0 || n >= (<u64>1 << 40) || elements * n >= (<u64>1 << 48)) {
        fail("'" + path + "' is corrupt: tensor '" + name + "' has dimension " + d.toString() + " of size " + n.toString());
        return null;
      }
      elements *= n;
      ne[d] = <i64>n;
    }
    const type = c.u32("tensor '" + name + "'");
    const offset = c.u64("tensor '" + name + "'");
    if (c.failed) return null;
    const block = blockSize(<i32>type);
    if (block == 0) {
      fail("tensor '" + name + "' in '" + path + "' has type " + typeName(<i32>type) + ", which is not supported");
      return null;
    }
    if (<u64>ne[0] % <u64>block != 0) {
      fail("'" + path + "' is corrupt: tensor '" + name + "' has rows of " + ne[0].toString() + " values, not a multiple of " +
        typeName(<i32>type) + "'s block of " + block.toString());
      return null;
    }
    if (g.tensors.has(name)) {
      fail("'" + path + "' is corrupt: tensor '" + name + "' appears twice");
      return null;
    }
    const bytes = elements / <u64>block * <u64>typeSize(<i32>type);
    const t = new GgufTensor(name, <i32>type, ne, <i32>nDims, 0, bytes);
    g.tensors.set(name, t);
    g.tensorNames.push(name);
    infos.push(t);
    offsets.push(offset);
  }

  const headerEnd = <u64>(c.p - file.ptr);
  const dataStart = (headerEnd + g.alignment - 1) / g.alignment * g.alignment;
  const dataSize = file.size >= dataStart ? file.size - dataStart : 0;
  for (let i = 0; i < infos.length; i++) {
    const t = infos[i], offset = offsets[i];
    if (offset % g.alignment != 0 || offset > dataSize || t.bytes > dataSize - offset) {
      fail("'" + path + "' is truncated or corrupt: tensor '" + t.name + "' (" + t.bytes.toString() + " bytes at data offset " +
        offset.toString() + ") lies outside the file's " + dataSize.toString() + " bytes of tensor data");
      return null;
    }
    t.ptr = file.ptr + <usize>(dataStart + offset);
  }
  return g;
}

// ---- typed metadata access: each returns a default or records why the value is unusable

export function metaU32(g: GgufFile, key: string, fallback: i64): i64 {
  const v = g.get(key);
  if (v == null) return fallback;
  if (v.type == T_U32) return <i64>load<u32>(v.value);
  if (v.type == T_I32) return <i64>load<i32>(v.value);
  if (v.type == T_U64) return <i64>load<u64>(v.value);
  if (v.type == T_I64) return load<i64>(v.value);
  if (v.type == T_U16) return <i64>load<u16>(v.value);
  if (v.type == T_U8) return <i64>load<u8>(v.value);
  return fallback;
}

export function metaF32(g: GgufFile, key: string, fallback: f32): f32 {
  const v = g.get(key);
  if (v == null) return fallback;
  if (v.type == T_F32) return load<f32>(v.value);
  if (v.type == T_F64) return <f32>load<f64>(v.value);
  return fallback;
}

export function metaBool(g: GgufFile, key: string, fallback: bool): bool {
  const v = g.get(key);
  return v != null && v.type == T_BOOL ? load<u8>(v.value) != 0 : fallback;
}

export function metaString(g: GgufFile, key: string): string | null {
  const v = g.get(key);
  if (v == null || v.type != T_STRING) return null;
  return String.UTF8.decodeUnsafe(v.value + 8, <usize>load<u64>(v.value));
}
