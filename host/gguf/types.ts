// GGUF's two type systems on the host: ggml tensor element types (id, name, block
// geometry, as in ggml's type_traits) and GGUF metadata value types.

import { UserError } from "../errors.js";

// ----------------------------------------------------------------------------
// ggml tensor types

/** ggml_type ids as stored in GGUF tensor infos (ggml.h). */
export const GGML = {
  F32: 0,
  F16: 1,
  Q4_0: 2,
  Q4_1: 3,
  Q5_0: 6,
  Q5_1: 7,
  Q8_0: 8,
  Q8_1: 9,
  Q2_K: 10,
  Q3_K: 11,
  Q4_K: 12,
  Q5_K: 13,
  Q6_K: 14,
  Q8_K: 15,
  IQ2_XXS: 16,
  IQ2_XS: 17,
  IQ3_XXS: 18,
  IQ1_S: 19,
  IQ4_NL: 20,
  IQ3_S: 21,
  IQ2_S: 22,
  IQ4_XS: 23,
  I8: 24,
  I16: 25,
  I32: 26,
  I64: 27,
  F64: 28,
  IQ1_M: 29,
  BF16: 30,
  TQ1_0: 34,
  TQ2_0: 35,
  MXFP4: 39,
  NVFP4: 40,
  Q1_0: 41,
  Q2_0: 42,
} as const;

export type GgmlTypeName = keyof typeof GGML;

interface GgmlTypeInfo {
  name: GgmlTypeName;
  blockSize: number; // values per block
  typeSize: number; // bytes per block
}

// [name, values per block, bytes per block], the sizes from ggml-common.h's block structs
const TYPE_TABLE: [GgmlTypeName, number, number][] = [
  ["F32", 1, 4], ["F16", 1, 2], ["Q4_0", 32, 18], ["Q4_1", 32, 20], ["Q5_0", 32, 22], ["Q5_1", 32, 24],
  ["Q8_0", 32, 34], ["Q8_1", 32, 36], ["Q2_K", 256, 84], ["Q3_K", 256, 110], ["Q4_K", 256, 144],
  ["Q5_K", 256, 176], ["Q6_K", 256, 210], ["Q8_K", 256, 292], ["IQ2_XXS", 256, 66], ["IQ2_XS", 256, 74],
  ["IQ3_XXS", 256, 98], ["IQ1_S", 256, 50], ["IQ4_NL", 32, 18], ["IQ3_S", 256, 110], ["IQ2_S", 256, 82],
  ["IQ4_XS", 256, 136], ["I8", 1, 1], ["I16", 1, 2], ["I32", 1, 4], ["I64", 1, 8], ["F64", 1, 8],
  ["IQ1_M", 256, 56], ["BF16", 1, 2], ["TQ1_0", 256, 54], ["TQ2_0", 256, 66], ["MXFP4", 32, 17],
  ["NVFP4", 64, 36], ["Q1_0", 128, 18], ["Q2_0", 64, 18],
];

const TYPES = new Map<number, GgmlTypeInfo>(TYPE_TABLE.map(([name, blockSize, typeSize]) => [GGML[name], { name, blockSize, typeSize }]));

/** Block geometry of a ggml type id, or undefined for an id ggml doesn't define. */
export function ggmlType(type: number): GgmlTypeInfo | undefined {
  return TYPES.get(type);
}

export function ggmlTypeName(type: number): string {
  return TYPES.get(type)?.name ?? `type ${type}`;
}

/** Bytes of a row of `rowLength` values; throws when the row is not whole blocks. */
export function ggmlRowBytes(type: number, rowLength: number): number {
  const info = TYPES.get(type);
  if (info === undefined) throw new UserError(`unknown ggml type ${type}`);
  if (rowLength % info.blockSize !== 0) throw new UserError(`${info.name} rows must be a multiple of ${info.blockSize} values, got ${rowLength}`);
  return (rowLength / info.blockSize) * info.typeSize;
}

/** Bytes of a tensor with dims `ne` (ggml order: ne[0] is the row length). */
export function ggmlTensorBytes(type: number, ne: readonly number[]): number {
  const rows = ne.slice(1).reduce((product, n) => product * n, 1);
  return ggmlRowBytes(type, ne[0] ?? 1) * rows;
}

/** llama_ftype values for general.file_type (llama.h), for the types this toolchain writes. */
export const LLAMA_FTYPE = { F32: 0, F16: 1, Q4_0: 2, Q8_0: 7, Q4_K: 15 /* Q4_K_M */, Q6_K: 18 } as const;

// ----------------------------------------------------------------------------
// GGUF metadata values

/** gguf_metadata_value_type (docs/gguf.md). */
export const GGUFType = {
  UINT8: 0,
  INT8: 1,
  UINT16: 2,
  INT16: 3,
  UINT32: 4,
  INT32: 5,
  FLOAT32: 6,
  BOOL: 7,
  STRING: 8,
  ARRAY: 9,
  UINT64: 10,
  INT64: 11,
  FLOAT64: 12,
} as const;

export type GGUFTypeId = (typeof GGUFType)[keyof typeof GGUFType];

const VALUE_TYPE_NAMES = ["u8", "i8", "u16", "i16", "u32", "i32", "f32", "bool", "string", "array", "u64", "i64", "f64"];

export function ggufTypeName(type: number): string {
  return VALUE_TYPE_NAMES[type] ?? `type ${type}`;
}

/** Bytes of one scalar of this type (0 for string and array, whose size varies). */
export function ggufScalarBytes(type: number): number {
  return [1, 1, 2, 2, 4, 4, 4, 1, 0, 0, 8, 8, 8][type] ?? 0;
}

/**
 * An array value. Numeric items come as the matching typed array (64-bit integers
 * as BigInt64Array/BigUint64Array), booleans and strings as plain arrays, nested
 * arrays as arrays of GGUFArray.
 */
export interface GGUFArray {
  itemType: GGUFTypeId;
  values:
    | Uint8Array
    | Int8Array
    | Uint16Array
    | Int16Array
    | Uint32Array
    | Int32Array
    | Float32Array
    | Float64Array
    | BigUint64Array
    | BigInt64Array
    | boolean[]
    | string[]
    | GGUFArray[];
}

/** A typed metadata value: numbers for the ≤32-bit and float types, bigint for the 64-bit integers. */
export interface GGUFValue {
  type: GGUFTypeId;
  value: number | bigint | boolean | string | GGUFArray;
}

/** Builders for typed metadata values, so a writer's metadata reads as a table. */
export const gguf = {
  u8: (value: number): GGUFValue => ({ type: GGUFType.UINT8, value }),
  i8: (value: number): GGUFValue => ({ type: GGUFType.INT8, value }),
  u16: (value: number): GGUFValue => ({ type: GGUFType.UINT16, value }),
  i16: (value: number): GGUFValue => ({ type: GGUFType.INT16, value }),
  u32: (value: number): GGUFValue => ({ type: GGUFType.UINT32, value }),
  i32: (value: number): GGUFValue => ({ type: GGUFType.INT32, value }),
  f32: (value: number): GGUFValue => ({ type: GGUFType.FLOAT32, value }),
  f64: (value: number): GGUFValue => ({ type: GGUFType.FLOAT64, value }),
  u64: (value: bigint): GGUFValue => ({ type: GGUFType.UINT64, value }),
  i64: (value: bigint): GGUFValue => ({ type: GGUFType.INT64, value }),
  bool: (value: boolean): GGUFValue => ({ type: GGUFType.BOOL, value }),
  str: (value: string): GGUFValue => ({ type: GGUFType.STRING, value }),
  strings: (values: string[]): GGUFValue => ({ type: GGUFType.ARRAY, value: { itemType: GGUFType.STRING, values } }),
  f32s: (values: Float32Array): GGUFValue => ({ type: GGUFType.ARRAY, value: { itemType: GGUFType.FLOAT32, values } }),
  i32s: (values: Int32Array): GGUFValue => ({ type: GGUFType.ARRAY, value: { itemType: GGUFType.INT32, values } }),
  array: (value: GGUFArray): GGUFValue => ({ type: GGUFType.ARRAY, value }),
};

/** The typed-array constructor for a fixed-size numeric item type, or undefined for bool, string and array. */
export function typedArrayFor(type: number) {
  switch (type) {
    case GGUFType.UINT8: return Uint8Array;
    case GGUFType.INT8: return Int8Array;
    case GGUFType.UINT16: return Uint16Array;
    case GGUFType.INT16: return Int16Array;
    case GGUFType.UINT32: return Uint32Array;
    case GGUFType.INT32: return Int32Array;
    case GGUFType.FLOAT32: return Float32Array;
    case GGUFType.FLOAT64: return Float64Array;
    case GGUFType.UINT64: return BigUint64Array;
    case GGUFType.INT64: return BigInt64Array;
    default: return undefined;
  }
}
