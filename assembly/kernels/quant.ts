// Weight rows of every supported ggml type turned into f32, with exactly the
// arithmetic of ggml's reference dequantizers (same products, same order), so the
// values are bit-identical to llama.cpp's. Block layouts are ggml-common.h's.
import {
  GGML_BF16, GGML_F16, GGML_F32, GGML_Q2_K, GGML_Q3_K, GGML_Q4_0, GGML_Q4_1, GGML_Q4_K,
  GGML_Q5_0, GGML_Q5_1, GGML_Q5_K, GGML_Q6_K, GGML_Q8_0, blockSize, typeSize,
} from "../model/tensor-types";
import { arenaAlloc } from "../runtime/memory";

/** IEEE half precision to single, exactly (subnormals, infinities and NaN included). */
export function halfToFloat(h: u32): f32 {
  const sign = (h & 0x8000) << 16;
  const exponent = (h >> 10) & 0x1f;
  let mantissa = h & 0x3ff;
  if (exponent == 0x1f) return reinterpret<f32>(sign | 0x7f800000 | (mantissa << 13));
  if (exponent != 0) return reinterpret<f32>(sign | ((exponent + 112) << 23) | (mantissa << 13));
  if (mantissa == 0) return reinterpret<f32>(sign);
  // subnormal half: normalize it into a single-precision normal number
  let e: u32 = 113;
  while ((mantissa & 0x400) == 0) { mantissa <<= 1; e--; }
  return reinterpret<f32>(sign | (e << 23) | ((mantissa & 0x3ff) << 13));
}

/** (65536,) f32: every half-precision value as single, for the kernels' per-block scales. */
export let halfTable: usize = 0;

/** Build halfTable once; false with the reason recorded if memory runs out. */
export function initHalfTable(): bool {
  if (halfTable != 0) return true;
  halfTable = arenaAlloc(65536 * 4, "the half-precision table");
  if (halfTable == 0) return false;
  for (let h: u32 = 0; h < 65536; h++) store<f32>(halfTable + (<usize>h << 2), halfToFloat(h));
  return true;
}

@inline function half(p: usize): f32 {
  return halfToFloat(<u32>load<u16>(p));
}

/** Bytes of one row of `cols` values of `type`. */
export function rowBytes(type: i32, cols: i32): usize {
  return <usize>(cols / blockSize(type)) * <usize>typeSize(type);
}

/** The n values of one row of `type` at `row`, as f32 into out. */
export function dequantizeRow(out: usize, row: usize, type: i32, n: i32): void {
  const blocks = n / blockSize(type);
  const size = <usize>typeSize(type);
  switch (type) {
    case GGML_F32: memory.copy(out, row, <usize>n << 2); return;
    case GGML_F16: for (let i = 0; i < n; i++) store<f32>(out + (<usize>i << 2), half(row + (<usize>i << 1))); return;
    case GGML_BF16: for (let i = 0; i < n; i++) store<u32>(out + (<usize>i << 2), <u32>load<u16>(row + (<usize>i << 1)) << 16); return;
    case GGML_Q8_0: for (let b = 0; b < blocks; b++) q8_0(out + (<usize>b << 7), row + <usize>b * size); return;
    case GGML_Q4_0: for (let b = 0; b < blocks; b++) q4_0(out + (<usize>b << 7), row + <usize>b * size); return;
    case GGML_Q4_1: for (let b = 0; b < blocks; b++) q4_1(out + (<usize>b << 7), row + <usize>b * size); return;
    case GGML_Q5_0: for (let b = 0; b < blocks; b++) q5_0(out + (<usize>b << 7), row + <usize>b * size); return;
    case GGML_Q5_1: for (let b = 0; b < blocks; b++) q5_1(out + (<usize>b << 7), row + <usize>b * size); return;
    case GGML_Q2_K: for (let b = 0; b < blocks; b++) q2_K(out + (<usize>b << 10), row + <usize>b * size); return;
    case GGML_Q3_K: for (let b = 0; b < blocks; b++) q3_K(out + (<usize>b << 10), row + <usize>b * size); return;
    case GGML_Q4_K: for (let b = 0; b < blocks; b++) q4_K(out + (<usize>b << 10), row + <usize>b * size); return;
    case GGML_Q5_K: for (let b = 0; b < blocks; b++) q5_K(out + (<usize>b << 10), row + <usize>b * size); return;
    case GGML_Q6_K: for (let b = 0; b < blocks; b++) q6_K(out + (<usize>b << 10), row + <usize>b * size); return;
    default: abort("dequantizeRow: unsupported type");
  }
}

@inline function put(out: usize, i: i32, v: f32): void {
  store<f32>(out + (<usize>i << 2), v);
}

// ---- 32-value blocks

/** d (f16), 32 × int8: y = q * d */
function q8_0(y: usize, x: usize): void {
  const d = half(x);
  for (let j = 0; j < 32; j++) put(y, j, <f32>load<i8>(x + 2 + j) * d);
}

/** d (f16), 16 bytes of nibbles (low nibbles are values 0..15, high 16..31): y = (q - 8) * d */
function q4_0(y: usize, x: usize): void {
  const d = half(x);
  for (let j = 0; j < 16; j++) {
    const q = <i32>load<u8>(x + 2 + j);
    put(y, j, <f32>((q & 0xf) - 8) * d);
    put(y, j + 16, <f32>((q >> 4) - 8) * d);
  }
}

/** d, m (f16), 16 bytes of nibbles: y = q * d + m */
function q4_1(y: usize, x: usize): void {
  const d = half(x), m = half(x + 2);
  for (let j = 0; j < 16; j++) {
    const q = <i32>load<u8>(x + 4 + j);
    put(y, j, <f32>(q & 0xf) * d + m);
    put(y, j + 16, <f32>(q >> 4) * d + m);
  }
}

/** d (f16), 32 high bits (u32), 16 bytes of low nibbles: y = (q - 16) * d */
function q5_0(y: usize, x: usize): void {
  const d = half(x);
  const qh = load<u32>(x + 2);
  for (let j = 0; j < 16; j++) {
    const q = <i32>load<u8>(x + 6 + j);
    const h0 = <i32>((qh >> <u32>j) << 4) & 0x10;
    const h1 = <i32>(qh >> <u32>(j + 12)) & 0x10;
    put(y, j, <f32>(((q & 0xf) | h0) - 16) * d);
    put(y, j + 16, <f32>(((q >> 4) | h1) - 16) * d);
  }
}

/** d, m (f16), 32 high bits, 16 bytes of low nibbles: y = q * d + m */
function q5_1(y: usize, x: usize): void {
  const d = half(x), m = half(x + 2);
  const qh = load<u32>(x + 4);
  for (let j = 0; j < 16; j++) {
    const q = <i32>load<u8>(x + 8 + j);
    const h0 = <i32>((qh >> <u32>j) << 4) & 0x10;
    const h1 = <i32>(qh >> <u32>(j + 12)) & 0x10;
    put(y, j, <f32>((q & 0xf) | h0) * d + m);
    put(y, j + 16, <f32>((q >> 4) | h1) * d + m);
  }
}

// ---- 256-value super-blocks (K-quants)

/** scales[16] (4-bit scale, 4-bit min), qs[64] (2-bit), d, dmin (f16): y = d*sc*q - dmin*m per 16 values */
function q2_K(y: usize, x: usize): void {
  const d = half(x + 80), dmin = half(x + 82);
  let q = x + 16;
  let is = 0, o = 0;
  for (let n = 0; n < 256; n += 128) {
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 32; half16 += 16) {
        const sc = <i32>load<u8>(x + is++);
        const dl = d * <f32>(sc & 0xf), ml = dmin * <f32>(sc >> 4);
        for (let l = 0; l < 16; l++) put(y, o++, dl * <f32>((<i32>load<u8>(q + half16 + l) >> shift) & 3) - ml);
      }
    }
    q += 32;
  }
}

/** hmask[32], qs[64] (2 low bits), scales[12] (6-bit, packed), d (f16): y = d*(sc-32)*(q - 4 unless the high bit is set) */
function q3_K(y: usize, x: usize): void {
  const d = half(x + 108);
  const hm = x, s = x + 96;
  let q = x + 32;
  let m: i32 = 1, is = 0, o = 0;
  for (let n = 0; n < 256; n += 128) {
    for (let shift = 0; shift < 8; shift += 2) {
      for (let half16 = 0; half16 < 32; half16 += 16) {
        const dl = d * <f32>(q3Scale(s, is++) - 32);
        for (let l = 0; l < 16; l++) {
          const low = (<i32>load<u8>(q + half16 + l) >> shift) & 3;
          const high = (<i32>load<u8>(hm + half16 + l) & m) != 0 ? 0 : 4;
          put(y, o++, dl * <f32>(low - high));
        }
      }
      m <<= 1;
    }
    q += 32;
  }
}

/** Scale j (0..15) of a Q3_K block: 4 low bits from bytes 0..7, 2 high bits from bytes 8..11. */
function q3Scale(s: usize, j: i32): i32 {
  const low = j < 8 ? <i32>load<u8>(s + j) & 0xf : <i32>load<u8>(s + j - 8) >> 4;
  const high = (<i32>load<u8>(s + 8 + (j & 3)) >> (2 * (j >> 2))) & 3;
  return low | (high << 4);
}

/** Scale and min j (0..7) of a Q4_K/Q5_K block, 6 bits each, packed in 12 bytes. */
@inline export function kScale(s: usize, j: i32): i32 {
  return j < 4 ? <i32>load<u8>(s + j) & 63 : (<i32>load<u8>(s + j + 4) & 0xf) | ((<i32>load<u8>(s + j - 4) >> 6) << 4);
}
@inline export function kMin(s: usize, j: i32): i32 {
  return j < 4 ? <i32>load<u8>(s + j + 4) & 63 : (<i32>load<u8>(s + j + 4) >> 4) | ((<i32>load<u8>(s + j) >> 6) << 4);
}

/** d, dmin (f16), scales[12], qs[128] nibbles: y = d*sc*q - dmin*m per 32 values */
function q4_K(y: usize, x: usize): void {
  const d = half(x), dmin = half(x + 2);
  const s = x + 4;
  let q = x + 16;
  let o = 0;
  for (let is = 0; is < 8; is += 2) {
    const d1 = d * <f32>kScale(s, is), m1 = dmin * <f32>kMin(s, is);
    const d2 = d * <f32>kScale(s, is + 1), m2 = dmin * <f32>kMin(s, is + 1);
    for (let l = 0; l < 32; l++) put(y, o++, d1 * <f32>(<i32>load<u8>(q + l) & 0xf) - m1);
    for (let l = 0; l < 32; l++) put(y, o++, d2 * <f32>(<i32>load<u8>(q + l) >> 4) - m2);
    q += 32;
  }
}

/** d, dmin (f16), scales[12], qh[32] (5th bits), qs[128] nibbles: y = d*sc*q - dmin*m per 32 values */
function q5_K(y: usize, x: usize): void {
  const d = half(x), dmin = half(x + 2);
  const s = x + 4, qh = x + 16;
  let ql = x + 48;
  let u1: i32 = 1, u2: i32 = 2, o = 0;
  for (let is = 0; is < 8; is += 2) {
    const d1 = d * <f32>kScale(s, is), m1 = dmin * <f32>kMin(s, is);
    const d2 = d * <f32>kScale(s, is + 1), m2 = dmin * <f32>kMin(s, is + 1);
    for (let l = 0; l < 32; l++) {
      const h = (<i32>load<u8>(qh + l) & u1) != 0 ? 16 : 0;
      put(y, o++, d1 * <f32>((<i32>load<u8>(ql + l) & 0xf) + h) - m1);
    }
    for (let l = 0; l < 32; l++) {
      const h = (<i32>load<u8>(qh + l) & u2) != 0 ? 16 : 0;
      put(y, o++, d2 * <f32>((<i32>load<u8>(ql + l) >> 4) + h) - m2);
    }
    ql += 32;
    u1 <<= 2;
    u2 <<= 2;
  }
}

/** ql[128] low nibbles, qh[64] high 2 bits, scales[16] (int8), d (f16): y = d*sc*(q - 32) per 16 values */
function q6_K(y: usize, x: usize): void {
  const d = half(x + 208);
  let ql = x, qh = x + 128, sc = x + 192;
  for (let n = 0; n < 256; n += 128) {
    for (let l = 0; l < 32; l++) {
      const is = l >> 4;
      const a = <i32>load<u8>(ql + l), b = <i32>load<u8>(ql + l + 32), h = <i32>load<u8>(qh + l);
      const q1 = ((a & 0xf) | ((h & 3) << 4)) - 32;
      const q2 = ((b & 0xf) | (((h >> 2) & 3) << 4)) - 32;
      const q3 = ((a >> 4) | (((h >> 4) & 3) << 4)) - 32;
      const q4 = ((b >> 4) | (((h >> 6) & 3) << 4)) - 32;
      put(y, n + l, d * <f32>load<i8>(sc + is) * <f32>q1);
      put(y, n + l + 32, d * <f32>load<i8>(sc + is + 2) * <f32>q2);
      put(y, n + l + 64, d * <f32>load<i8>(sc + is + 4) * <f32>q3);
      put(y, n + l + 96, d * <f32>load<i8>(sc + is + 6) * <f32>q4);
    }
    ql += 64;
    qh += 32;
    sc += 8;
  }
}
