// GGUF reader (versions 2 and 3): header, metadata, tensor infos and the data
// offset, read front to back from a file handle; tensor data only when asked for.
//
// File layout (docs/gguf.md), all little-endian:
//   u32 magic "GGUF", u32 version, u64 tensor_count, u64 metadata_kv_count
//   metadata_kv_count x (string key, u32 value_type, value)
//   tensor_count x (string name, u32 n_dims, n_dims x u64 ne, u32 ggml_type, u64 offset)
//   zero padding to general.alignment (default 32), then the tensor data; each
//   tensor's offset is relative to the data start and a multiple of the alignment.
// A string is a u64 byte length then UTF-8 bytes; an array is u32 item type, u64
// count, then the items (arrays may nest). Version 1 used 32-bit counts and is not read.

import { open, type FileHandle } from "node:fs/promises";
import { endianness } from "node:os";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { fileError } from "../output-file.js";
import { dequantizeRow } from "./quantize.js";
import { type GGUFArray, type GGUFTypeId, type GGUFValue, GGUFType, ggmlType, ggmlTypeName, ggufScalarBytes, ggufTypeName, typedArrayFor } from "./types.js";

export const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian u32
export const GGUF_DEFAULT_ALIGNMENT = 32;
const MAX_NAME_BYTES = 63; // GGML_MAX_NAME - 1: llama.cpp keeps names in a 64-byte char array
const MAX_DIMS = 4;
const MAX_ARRAY_DEPTH = 8;

if (endianness() !== "LE") throw new Error("gguf reader: needs a little-endian host");

export interface GGUFTensorInfo {
  name: string;
  ne: number[]; // dims in ggml order: ne[0] is the row length (values per row)
  type: number; // ggml type id (types.ts GGML)
  offset: number; // bytes from the start of the data section
  fileOffset: number; // bytes from the start of the file
  nElements: number;
  nBytes: number;
}

/** Where bytes come from: a file handle, or memory in tests. */
export interface ByteSource {
  readonly size: number;
  /** Exactly `length` bytes from `position`; the caller has checked the range. */
  read(position: number, length: number): Promise<Uint8Array>;
  close(): Promise<void>;
}

class FileSource implements ByteSource {
  constructor(
    private readonly handle: FileHandle,
    readonly size: number,
  ) {}

  async read(position: number, length: number): Promise<Uint8Array> {
    const buffer = new Uint8Array(length);
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.handle.read(buffer, done, length - done, position + done);
      if (bytesRead === 0) throw new UserError(`file ended at ${position + done} while reading ${length} bytes at ${position}; did it change while being read?`);
      done += bytesRead;
    }
    return buffer;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

export function memorySource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.byteLength,
    read: async (position, length) => bytes.slice(position, position + length),
    close: async () => {},
  };
}

// ----------------------------------------------------------------------------
// A forward cursor over the source with a read-ahead buffer

const CHUNK = 1 << 20;

class Cursor {
  private buffer: Uint8Array = new Uint8Array(0);
  private view = new DataView(this.buffer.buffer);
  private bufferStart = 0;
  pos = 0;
  private readonly decoder = new TextDecoder("utf-8");
  private readonly strictDecoder = new TextDecoder("utf-8", { fatal: true });

  constructor(
    private readonly source: ByteSource,
    readonly label: string,
  ) {}

  get remaining(): number {
    return this.source.size - this.pos;
  }

  /** Makes `n` bytes at pos available, or fails naming `what`. */
  async need(n: number, what: string): Promise<void> {
    if (n > this.remaining) {
      throw new UserError(`${this.label}: truncated: ${what} at offset ${this.pos} needs ${n} bytes, the file ends at ${this.source.size}`);
    }
    if (this.pos + n <= this.bufferStart + this.buffer.length) return;
    const length = Math.min(Math.max(n, CHUNK), this.remaining);
    this.buffer = await this.source.read(this.pos, length);
    this.view = new DataView(this.buffer.buffer, this.buffer.byteOffset, this.buffer.byteLength);
    this.bufferStart = this.pos;
  }

  private at(n: number): number {
    const offset = this.pos - this.bufferStart;
    this.pos += n;
    return offset;
  }

  async u32(what: string): Promise<number> {
    await this.need(4, what);
    return this.view.getUint32(this.at(4), true);
  }

  /** A u64 that must fit a JavaScript number exactly (any real count or size does). */
  async u64(what: string): Promise<number> {
    await this.need(8, what);
    const value = this.view.getBigUint64(this.at(8), true);
    if (value > BigInt(Number.MAX_SAFE_INTEGER)) throw new UserError(`${this.label}: ${what} is ${value}, beyond any possible size (at offset ${this.pos - 8})`);
    return Number(value);
  }

  async bytes(n: number, what: string): Promise<Uint8Array> {
    await this.need(n, what);
    const offset = this.at(n);
    return this.buffer.subarray(offset, offset + n);
  }

  async string(what: string, strict = false): Promise<string> {
    const length = await this.u64(`${what} length`);
    if (length > this.remaining) {
      throw new UserError(`${this.label}: ${what} claims ${length} bytes at offset ${this.pos - 8}, only ${this.remaining} remain in the file`);
    }
    const bytes = await this.bytes(length, what);
    if (!strict) return this.decoder.decode(bytes);
    try {
      return this.strictDecoder.decode(bytes);
    } catch {
      throw new UserError(`${this.label}: ${what} at offset ${this.pos - length} is not valid UTF-8`);
    }
  }

  /** One scalar of a fixed-size type. */
  async scalar(type: number, what: string): Promise<number | bigint | boolean> {
    const size = ggufScalarBytes(type);
    await this.need(size, what);
    const o = this.at(size);
    const v = this.view;
    switch (type) {
      case GGUFType.UINT8: return v.getUint8(o);
      case GGUFType.INT8: return v.getInt8(o);
      case GGUFType.UINT16: return v.getUint16(o, true);
      case GGUFType.INT16: return v.getInt16(o, true);
      case GGUFType.UINT32: return v.getUint32(o, true);
      case GGUFType.INT32: return v.getInt32(o, true);
      case GGUFType.FLOAT32: return v.getFloat32(o, true);
      case GGUFType.FLOAT64: return v.getFloat64(o, true);
      case GGUFType.UINT64: return v.getBigUint64(o, true);
      case GGUFType.INT64: return v.getBigInt64(o, true);
      case GGUFType.BOOL: {
        const b = v.getUint8(o);
        if (b > 1) throw new UserError(`${this.label}: ${what} at offset ${this.pos - 1} is a bool of value ${b}, must be 0 or 1`);
        return b === 1;
      }
      default: throw new Error(`scalar(): type ${type} is not a scalar`);
    }
  }
}

// ----------------------------------------------------------------------------
// Metadata values

function isValueType(type: number): type is GGUFTypeId {
  return Number.isInteger(type) && type >= 0 && type <= 12;
}

async function readValue(cur: Cursor, type: number, what: string, depth: number): Promise<GGUFValue["value"]> {
  if (type === GGUFType.STRING) return cur.string(what);
  if (type === GGUFType.ARRAY) return readArray(cur, what, depth + 1);
  return cur.scalar(type, what);
}

async function readArray(cur: Cursor, what: string, depth: number): Promise<GGUFArray> {
  if (depth > MAX_ARRAY_DEPTH) throw new UserError(`${cur.label}: ${what} nests arrays more than ${MAX_ARRAY_DEPTH} deep`);
  const itemType = await cur.u32(`${what} item type`);
  if (!isValueType(itemType)) throw new UserError(`${cur.label}: ${what} has unknown array item type ${itemType} (at offset ${cur.pos - 4})`);
  const count = await cur.u64(`${what} count`);
  // the smallest encoding of one item: strings carry an 8-byte length, arrays 12 bytes of type and count
  const minItemBytes = itemType === GGUFType.STRING ? 8 : itemType === GGUFType.ARRAY ? 12 : ggufScalarBytes(itemType);
  if (count * minItemBytes > cur.remaining) {
    throw new UserError(`${cur.label}: ${what} claims ${count} items of ${ggufTypeName(itemType)} at offset ${cur.pos - 8}, only ${cur.remaining} bytes remain`);
  }
  const Typed = typedArrayFor(itemType);
  if (Typed !== undefined) {
    const values = new Typed(count);
    // in pieces, so that a huge array never needs one huge read-ahead buffer
    const step = Math.max(1, Math.floor(CHUNK / Typed.BYTES_PER_ELEMENT));
    const out = new Uint8Array(values.buffer);
    for (let i = 0; i < count; i += step) {
      const n = Math.min(step, count - i) * Typed.BYTES_PER_ELEMENT;
      out.set(await cur.bytes(n, what), i * Typed.BYTES_PER_ELEMENT);
    }
    return { itemType, values } as GGUFArray;
  }
  if (itemType === GGUFType.BOOL) {
    const values: boolean[] = [];
    for (let i = 0; i < count; i++) values.push((await cur.scalar(GGUFType.BOOL, `${what}[${i}]`)) as boolean);
    return { itemType, values };
  }
  if (itemType === GGUFType.STRING) {
    const values: string[] = new Array(count);
    for (let i = 0; i < count; i++) values[i] = await cur.string(`${what}[${i}]`);
    return { itemType, values };
  }
  const values: GGUFArray[] = [];
  for (let i = 0; i < count; i++) values.push(await readArray(cur, `${what}[${i}]`, depth + 1));
  return { itemType, values };
}

// ----------------------------------------------------------------------------
// The file

export class GGUFFile {
  constructor(
    readonly path: string,
    private readonly source: ByteSource,
    readonly version: number,
    readonly metadata: Map<string, GGUFValue>,
    readonly tensors: GGUFTensorInfo[],
    readonly alignment: number,
    readonly dataOffset: number, // start of the tensor data section
    readonly fileSize: number,
  ) {}

  get(key: string): GGUFValue | undefined {
    return this.metadata.get(key);
  }

  /** A numeric value (any integer or float type; 64-bit integers converted when exact), or undefined when absent. */
  number(key: string): number | undefined {
    const entry = this.metadata.get(key);
    if (entry === undefined) return undefined;
    if (typeof entry.value === "number") return entry.value;
    if (typeof entry.value === "bigint" && entry.value <= BigInt(Number.MAX_SAFE_INTEGER) && entry.value >= -BigInt(Number.MAX_SAFE_INTEGER)) {
      return Number(entry.value);
    }
    throw new UserError(`${this.path}: metadata '${key}' is ${ggufTypeName(entry.type)}, expected a number`);
  }

  string(key: string): string | undefined {
    const entry = this.metadata.get(key);
    if (entry === undefined) return undefined;
    if (typeof entry.value !== "string") throw new UserError(`${this.path}: metadata '${key}' is ${ggufTypeName(entry.type)}, expected a string`);
    return entry.value;
  }

  bool(key: string): boolean | undefined {
    const entry = this.metadata.get(key);
    if (entry === undefined) return undefined;
    if (typeof entry.value !== "boolean") throw new UserError(`${this.path}: metadata '${key}' is ${ggufTypeName(entry.type)}, expected a bool`);
    return entry.value;
  }

  array(key: string): GGUFArray | undefined {
    const entry = this.metadata.get(key);
    if (entry === undefined) return undefined;
    if (entry.type !== GGUFType.ARRAY) throw new UserError(`${this.path}: metadata '${key}' is ${ggufTypeName(entry.type)}, expected an array`);
    return entry.value as GGUFArray;
  }

  /** The tensor of this name; throws a UserError naming the file when there is none. */
  tensor(name: string): GGUFTensorInfo {
    const info = this.tensors.find((t) => t.name === name);
    if (info === undefined) throw new UserError(`${this.path}: no tensor '${name}'`);
    return info;
  }

  /** Raw bytes of a tensor, or of the part [start, start + length) of it. */
  async readTensorBytes(tensor: GGUFTensorInfo | string, start = 0, length?: number): Promise<Uint8Array> {
    const info = typeof tensor === "string" ? this.tensor(tensor) : tensor;
    const n = length ?? info.nBytes - start;
    if (!Number.isInteger(start) || !Number.isInteger(n) || start < 0 || n < 0 || start + n > info.nBytes) {
      throw new UserError(`${this.path}: bytes [${start}, ${start + n}) are outside tensor '${info.name}' (${info.nBytes} bytes)`);
    }
    return this.source.read(info.fileOffset + start, n);
  }

  /** A whole tensor as f32 values (dequantized for the types quantize.ts knows). */
  async readTensorF32(tensor: GGUFTensorInfo | string): Promise<Float32Array> {
    const info = typeof tensor === "string" ? this.tensor(tensor) : tensor;
    return dequantizeRow(info.type, await this.readTensorBytes(info), info.nElements);
  }

  close(): Promise<void> {
    return this.source.close();
  }
}

/** Opens a GGUF file and reads everything before the tensor data; the handle stays open for tensor reads until close(). */
export async function openGGUF(path: string): Promise<GGUFFile> {
  checkInputFile(path, "model");
  let handle: FileHandle;
  try {
    handle = await open(path, "r");
  } catch (error) {
    throw fileError(`cannot open model '${path}'`, error as NodeJS.ErrnoException);
  }
  try {
    const { size } = await handle.stat();
    return await readGGUF(new FileSource(handle, size), path);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

/** Parses the front of a GGUF from any byte source; `label` names it in errors. */
export async function readGGUF(source: ByteSource, label: string): Promise<GGUFFile> {
  const cur = new Cursor(source, label);

  // header
  if (source.size < 4) throw new UserError(`${label}: not a GGUF file (${source.size} bytes)`);
  const magic = await cur.u32("magic");
  if (magic !== GGUF_MAGIC) throw new UserError(`${label}: not a GGUF file (the first 4 bytes are not "GGUF")`);
  const version = await cur.u32("version");
  if (version === 1) throw new UserError(`${label}: GGUF version 1 is not supported (it predates 64-bit counts); reconvert the model`);
  if (version !== 2 && version !== 3) {
    const swapped = ((version & 0xff) << 24) | ((version & 0xff00) << 8) | ((version >>> 8) & 0xff00) | (version >>> 24);
    if (swapped === 2 || swapped === 3) throw new UserError(`${label}: big-endian GGUF is not supported`);
    throw new UserError(`${label}: unsupported GGUF version ${version} (2 and 3 are read)`);
  }
  const tensorCount = await cur.u64("tensor count");
  const kvCount = await cur.u64("metadata count");
  // smallest encodings: a kv is an 8-byte key length, a 1-byte key, a u32 type and a 1-byte value; a tensor info 8 + 1 + 4 + 4 + 8
  if (kvCount * 14 > cur.remaining) throw new UserError(`${label}: header claims ${kvCount} metadata entries, the file is too short for them`);
  if (tensorCount * 25 > cur.remaining) throw new UserError(`${label}: header claims ${tensorCount} tensors, the file is too short for them`);

  // metadata
  const metadata = new Map<string, GGUFValue>();
  for (let i = 0; i < kvCount; i++) {
    const key = await cur.string(`metadata key ${i}`, true);
    if (key.length === 0) throw new UserError(`${label}: metadata key ${i} is empty`);
    if (metadata.has(key)) throw new UserError(`${label}: metadata key '${key}' appears twice`);
    const type = await cur.u32(`type of '${key}'`);
    if (!isValueType(type)) throw new UserError(`${label}: metadata '${key}' has unknown value type ${type}`);
    metadata.set(key, { type, value: await readValue(cur, type, `metadata '${key}'`, 0) });
  }

  const alignmentEntry = metadata.get("general.alignment");
  let alignment = GGUF_DEFAULT_ALIGNMENT;
  if (alignmentEntry !== undefined) {
    if (alignmentEntry.type !== GGUFType.UINT32) throw new UserError(`${label}: general.alignment must be u32, it is ${ggufTypeName(alignmentEntry.type)}`);
    alignment = alignmentEntry.value as number;
    if (alignment === 0 || (alignment & (alignment - 1)) !== 0) throw new UserError(`${label}: general.alignment ${alignment} is not a power of two`);
  }

  // tensor infos
  const tensors: GGUFTensorInfo[] = [];
  const names = new Set<string>();
  for (let i = 0; i < tensorCount; i++) {
    const name = await cur.string(`tensor ${i} name`, true);
    if (Buffer.byteLength(name) > MAX_NAME_BYTES) throw new UserError(`${label}: tensor ${i} name '${name.slice(0, 80)}' is longer than ${MAX_NAME_BYTES} bytes`);
    if (names.has(name)) throw new UserError(`${label}: tensor '${name}' appears twice`);
    names.add(name);
    const nDims = await cur.u32(`tensor '${name}' dimension count`);
    if (nDims > MAX_DIMS) throw new UserError(`${label}: tensor '${name}' has ${nDims} dimensions, at most ${MAX_DIMS} are allowed`);
    const ne: number[] = [];
    let nElements = 1;
    for (let d = 0; d < nDims; d++) {
      const n = await cur.u64(`tensor '${name}' dimension ${d}`);
      ne.push(n);
      nElements *= n;
      if (nElements > Number.MAX_SAFE_INTEGER) throw new UserError(`${label}: tensor '${name}' has too many elements ([${ne.join(", ")}...])`);
    }
    const type = await cur.u32(`tensor '${name}' type`);
    const info = ggmlType(type);
    if (info === undefined) throw new UserError(`${label}: tensor '${name}' has unknown ggml type ${type}`);
    const rowLength = ne[0] ?? 1;
    if (rowLength % info.blockSize !== 0) {
      throw new UserError(`${label}: tensor '${name}' is ${info.name} with rows of ${rowLength} values, not a multiple of its ${info.blockSize}-value blocks`);
    }
    const nBytes = (nElements / info.blockSize) * info.typeSize;
    const offset = await cur.u64(`tensor '${name}' offset`);
    if (offset % alignment !== 0) throw new UserError(`${label}: tensor '${name}' offset ${offset} is not a multiple of the alignment ${alignment}`);
    tensors.push({ name, ne, type, offset, fileOffset: 0, nElements, nBytes });
  }

  // the data section starts at the next multiple of the alignment (a file without tensors may simply end)
  const dataOffset = tensorCount > 0 ? alignUp(cur.pos, alignment) : cur.pos;
  if (tensorCount > 0 && dataOffset > source.size) throw new UserError(`${label}: truncated: the tensor data should start at ${dataOffset}, the file ends at ${source.size}`);
  for (const t of tensors) {
    t.fileOffset = dataOffset + t.offset;
    if (t.fileOffset + t.nBytes > source.size) {
      throw new UserError(`${label}: truncated: tensor '${t.name}' (${ggmlTypeName(t.type)} [${t.ne.join(", ")}]) needs bytes up to ${t.fileOffset + t.nBytes}, the file ends at ${source.size}`);
    }
  }
  const byOffset = [...tensors].sort((a, b) => a.offset - b.offset);
  for (let i = 1; i < byOffset.length; i++) {
    const [a, b] = [byOffset[i - 1], byOffset[i]];
    if (a.offset + a.nBytes > b.offset) throw new UserError(`${label}: tensors '${a.name}' and '${b.name}' overlap`);
  }
  return new GGUFFile(label, source, version, metadata, tensors, alignment, dataOffset, source.size);
}

export function alignUp(offset: number, alignment: number): number {
  return Math.ceil(offset / alignment) * alignment;
}

/** A metadata value as plain JSON-friendly data: bigints as numbers when exact (strings otherwise), typed arrays as arrays. */
export function plainValue(value: GGUFValue["value"]): unknown {
  if (typeof value === "bigint") return value <= BigInt(Number.MAX_SAFE_INTEGER) && value >= -BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value.toString();
  if (typeof value !== "object") return value;
  const values = value.values as ArrayLike<unknown>;
  return Array.from(values, (item) => (typeof item === "object" && item !== null ? plainValue(item as GGUFArray) : plainValue(item as number | bigint)));
}
