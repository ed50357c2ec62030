// GGUF v3 writer, streaming: the tensor list is declared up front (so the header,
// metadata and tensor infos with their offsets go out first), then each tensor's
// bytes are written in declared order, in as many pieces as the caller likes, so a
// multi-gigabyte model never has to be in memory. The file is an OutputFile
// (host/output-file.ts): written under a temporary name and renamed into place by
// close(); abort() removes it.

import { UserError } from "../errors.js";
import { OutputFile, type OutputOptions } from "../output-file.js";
import { GGUF_DEFAULT_ALIGNMENT, GGUF_MAGIC, alignUp } from "./reader.js";
import { type GGUFArray, type GGUFValue, GGUFType, ggmlTensorBytes, ggmlType, ggufScalarBytes, ggufTypeName, typedArrayFor } from "./types.js";

export interface GGUFTensorSpec {
  name: string;
  ne: number[]; // ggml order: ne[0] is the row length
  type: number; // ggml type id
}

/** Metadata in file order: a Map, or [key, value] pairs. */
export type GGUFMetadata = Map<string, GGUFValue> | [string, GGUFValue][];

const encoder = new TextEncoder();
const FLUSH_BYTES = 8 << 20;

// ----------------------------------------------------------------------------
// Encoding the front of the file

/** Grows as bytes are appended; the front of a GGUF is small (a vocabulary is a few MB). */
class ByteBuilder {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  length = 0;

  private reserve(n: number): number {
    if (this.length + n > this.buffer.length) {
      const bigger = new Uint8Array(Math.max(this.buffer.length * 2, this.length + n));
      bigger.set(this.buffer.subarray(0, this.length));
      this.buffer = bigger;
      this.view = new DataView(bigger.buffer);
    }
    const at = this.length;
    this.length += n;
    return at;
  }

  // reserve() may replace buffer and view, so it runs before either is touched
  u32(v: number): void {
    const at = this.reserve(4);
    this.view.setUint32(at, v, true);
  }

  u64(v: number | bigint): void {
    const at = this.reserve(8);
    this.view.setBigUint64(at, BigInt(v), true);
  }

  bytes(b: Uint8Array): void {
    const at = this.reserve(b.length);
    this.buffer.set(b, at);
  }

  string(s: string): void {
    const b = encoder.encode(s);
    this.u64(b.length);
    this.bytes(b);
  }

  /** One scalar of a fixed-size type, range-checked so nothing is silently wrapped. */
  scalar(type: number, value: unknown, what: string): void {
    const at = this.reserve(ggufScalarBytes(type));
    const v = this.view;
    const int = (min: number, max: number) => {
      if (typeof value !== "number" || !Number.isInteger(value) || value < min || value > max) {
        throw new UserError(`GGUF writer: ${what} must be an integer in [${min}, ${max}] for ${ggufTypeName(type)}, got ${String(value)}`);
      }
      return value;
    };
    const big = (min: bigint, max: bigint) => {
      const b = typeof value === "number" && Number.isInteger(value) ? BigInt(value) : value;
      if (typeof b !== "bigint" || b < min || b > max) throw new UserError(`GGUF writer: ${what} must be a ${ggufTypeName(type)} integer, got ${String(value)}`);
      return b;
    };
    const float = () => {
      if (typeof value !== "number") throw new UserError(`GGUF writer: ${what} must be a number for ${ggufTypeName(type)}, got ${typeof value}`);
      return value;
    };
    switch (type) {
      case GGUFType.UINT8: v.setUint8(at, int(0, 0xff)); break;
      case GGUFType.INT8: v.setInt8(at, int(-0x80, 0x7f)); break;
      case GGUFType.UINT16: v.setUint16(at, int(0, 0xffff), true); break;
      case GGUFType.INT16: v.setInt16(at, int(-0x8000, 0x7fff), true); break;
      case GGUFType.UINT32: v.setUint32(at, int(0, 0xffffffff), true); break;
      case GGUFType.INT32: v.setInt32(at, int(-0x80000000, 0x7fffffff), true); break;
      case GGUFType.FLOAT32: v.setFloat32(at, float(), true); break;
      case GGUFType.FLOAT64: v.setFloat64(at, float(), true); break;
      case GGUFType.UINT64: v.setBigUint64(at, big(0n, 2n ** 64n - 1n), true); break;
      case GGUFType.INT64: v.setBigInt64(at, big(-(2n ** 63n), 2n ** 63n - 1n), true); break;
      case GGUFType.BOOL:
        if (typeof value !== "boolean") throw new UserError(`GGUF writer: ${what} must be a boolean, got ${typeof value}`);
        v.setUint8(at, value ? 1 : 0);
        break;
      default: throw new Error(`scalar(): type ${type} is not a scalar`);
    }
  }

  value(type: number, value: unknown, what: string): void {
    if (type === GGUFType.STRING) {
      if (typeof value !== "string") throw new UserError(`GGUF writer: ${what} must be a string, got ${typeof value}`);
      this.string(value);
    } else if (type === GGUFType.ARRAY) {
      this.array(value as GGUFArray, what);
    } else {
      this.scalar(type, value, what);
    }
  }

  array(array: GGUFArray, what: string): void {
    if (typeof array !== "object" || array === null || !("values" in array)) throw new UserError(`GGUF writer: ${what} must be an array value`);
    const { itemType, values } = array;
    this.u32(itemType);
    this.u64(values.length);
    const Typed = typedArrayFor(itemType);
    if (Typed !== undefined && values instanceof Typed) {
      // typed arrays go out as their bytes (the host is little-endian, as GGUF is)
      this.bytes(new Uint8Array(values.buffer, values.byteOffset, values.byteLength));
      return;
    }
    for (let i = 0; i < values.length; i++) this.value(itemType, values[i], `${what}[${i}]`);
  }

  result(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }
}

/** Header, metadata and tensor infos, padded to the alignment: everything before the tensor data. */
export function encodeGGUFFront(metadata: GGUFMetadata, tensors: GGUFTensorSpec[], alignment = GGUF_DEFAULT_ALIGNMENT): { front: Uint8Array; offsets: number[]; sizes: number[] } {
  const entries = metadata instanceof Map ? [...metadata] : metadata;
  const keys = new Set<string>();
  for (const [key] of entries) {
    if (key.length === 0) throw new UserError("GGUF writer: empty metadata key");
    if (keys.has(key)) throw new UserError(`GGUF writer: metadata key '${key}' given twice`);
    keys.add(key);
  }
  const given = entries.find(([key]) => key === "general.alignment")?.[1];
  if (given !== undefined && (given.type !== GGUFType.UINT32 || given.value !== alignment)) {
    throw new UserError(`GGUF writer: metadata general.alignment disagrees with the writer's alignment ${alignment}`);
  }
  if (alignment <= 0 || (alignment & (alignment - 1)) !== 0) throw new UserError(`GGUF writer: alignment ${alignment} is not a power of two`);
  const all: [string, GGUFValue][] = given === undefined && alignment !== GGUF_DEFAULT_ALIGNMENT ? [...entries, ["general.alignment", { type: GGUFType.UINT32, value: alignment }]] : entries;

  const out = new ByteBuilder();
  out.u32(GGUF_MAGIC);
  out.u32(3);
  out.u64(tensors.length);
  out.u64(all.length);
  for (const [key, { type, value }] of all) {
    out.string(key);
    out.u32(type);
    out.value(type, value, `metadata '${key}'`);
  }

  const names = new Set<string>();
  const offsets: number[] = [];
  const sizes: number[] = [];
  let offset = 0;
  for (const t of tensors) {
    if (names.has(t.name)) throw new UserError(`GGUF writer: tensor '${t.name}' declared twice`);
    names.add(t.name);
    if (encoder.encode(t.name).length > 63) throw new UserError(`GGUF writer: tensor name '${t.name}' is longer than 63 bytes`);
    if (t.ne.length > 4 || t.ne.some((n) => !Number.isSafeInteger(n) || n < 0)) throw new UserError(`GGUF writer: tensor '${t.name}' has bad dims [${t.ne.join(", ")}]`);
    if (ggmlType(t.type) === undefined) throw new UserError(`GGUF writer: tensor '${t.name}' has unknown ggml type ${t.type}`);
    const size = ggmlTensorBytes(t.type, t.ne);
    out.string(t.name);
    out.u32(t.ne.length);
    for (const n of t.ne) out.u64(n);
    out.u32(t.type);
    out.u64(offset);
    offsets.push(offset);
    sizes.push(size);
    offset = alignUp(offset + size, alignment);
  }
  if (tensors.length > 0) out.bytes(new Uint8Array(alignUp(out.length, alignment) - out.length)); // as llama.cpp: no padding without data
  return { front: out.result(), offsets, sizes };
}

// ----------------------------------------------------------------------------
// Streaming to a file

export class GGUFWriter {
  private current = 0; // index of the tensor being written
  private written = 0; // bytes of it so far
  private pending: Uint8Array[] = [];
  private pendingBytes = 0;
  private closed = false;

  private constructor(
    readonly path: string,
    private readonly file: OutputFile,
    private readonly tensors: GGUFTensorSpec[],
    private readonly sizes: number[],
    private readonly alignment: number,
    private readonly frontBytes: number,
  ) {}

  /**
   * Starts `path` (under a temporary name until close()): writes everything up to
   * the tensor data. An existing regular file at `path` is replaced on close() only
   * with `output.force`; anything that is not a regular file never is.
   */
  static async create(path: string, metadata: GGUFMetadata, tensors: GGUFTensorSpec[], alignment = GGUF_DEFAULT_ALIGNMENT, output: OutputOptions = {}): Promise<GGUFWriter> {
    const { front, sizes } = encodeGGUFFront(metadata, tensors, alignment);
    const file = await OutputFile.create(path, output);
    const writer = new GGUFWriter(path, file, tensors, sizes, alignment, front.length);
    try {
      await writer.push(front);
    } catch (error) {
      await writer.abort();
      throw error;
    }
    return writer;
  }

  /** Total size the file will have. */
  get fileSize(): number {
    return this.frontBytes + this.sizes.reduce((sum, size) => alignUp(sum + size, this.alignment), 0);
  }

  /** Appends bytes of tensor `name`, which must be the next one in declared order (or the one in progress). */
  async write(name: string, bytes: Uint8Array): Promise<void> {
    if (this.closed) throw new Error("GGUFWriter: write after close");
    while (this.current < this.tensors.length && this.written === this.sizes[this.current] && this.tensors[this.current].name !== name) await this.endTensor();
    const spec = this.tensors[this.current];
    if (spec === undefined || spec.name !== name) {
      throw new UserError(`GGUF writer: got data for '${name}' but the next tensor is '${spec?.name ?? "(none)"}'`);
    }
    if (this.written + bytes.length > this.sizes[this.current]) {
      throw new UserError(`GGUF writer: tensor '${name}' gets more than its ${this.sizes[this.current]} bytes`);
    }
    this.written += bytes.length;
    await this.push(bytes);
  }

  private async endTensor(): Promise<void> {
    const size = this.sizes[this.current];
    if (this.written !== size) throw new UserError(`GGUF writer: tensor '${this.tensors[this.current].name}' got ${this.written} of its ${size} bytes`);
    await this.push(new Uint8Array(alignUp(size, this.alignment) - size));
    this.current++;
    this.written = 0;
  }

  private async push(bytes: Uint8Array): Promise<void> {
    if (bytes.length === 0) return;
    this.pending.push(bytes.slice()); // a copy: callers may reuse their buffers
    this.pendingBytes += bytes.length;
    if (this.pendingBytes >= FLUSH_BYTES) await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.pendingBytes === 0) return;
    const chunk = this.pending.length === 1 ? this.pending[0] : Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    await this.file.write(chunk);
  }

  /** Checks that every tensor got all its bytes, then moves the file into place. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      while (this.current < this.tensors.length) await this.endTensor();
      await this.flush();
    } catch (error) {
      await this.abort();
      throw error;
    }
    this.closed = true;
    await this.file.commit();
  }

  /** Stops and removes the partial file. */
  async abort(): Promise<void> {
    this.closed = true;
    await this.file.abort();
  }
}

/** A whole GGUF in memory, for small files and tests. */
export function encodeGGUF(metadata: GGUFMetadata, tensors: (GGUFTensorSpec & { data: Uint8Array })[], alignment = GGUF_DEFAULT_ALIGNMENT): Uint8Array {
  const { front, offsets, sizes } = encodeGGUFFront(metadata, tensors, alignment);
  const total = front.length + (tensors.length > 0 ? alignUp(offsets[offsets.length - 1] + sizes[sizes.length - 1], alignment) : 0);
  const out = new Uint8Array(total);
  out.set(front);
  tensors.forEach((t, i) => {
    if (t.data.length !== sizes[i]) throw new UserError(`GGUF writer: tensor '${t.name}' has ${t.data.length} bytes, its shape and type need ${sizes[i]}`);
    out.set(t.data, front.length + offsets[i]);
  });
  return out;
}
