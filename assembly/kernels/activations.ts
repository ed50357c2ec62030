// The input of a matrix product, and its int8 form for quantized weights.
//
// llama.cpp multiplies quantized weights by activations quantized to int8 as well: within
// a block of 32 values both sides are small integers, their products sum exactly, and the
// two scales apply once per block. Every int8 kernel here reads one layout, made at most
// once per input vector however many matrices multiply it (q, k and v share it; so do the
// FFN's gate and up):
//
//   codes   i16 (n,)       roundf(x / d), halves away from zero: int8 values, kept widened
//                          to 16 bits so that a kernel widens only its weights for i32x4.dot_i16x8_s
//   scales  f32 (n / 32,)  d = max |x| / 127 of each block, kept at half precision
//   sums    i32 (n / 16,)  Σ codes of each 16 values (the offsets of Q4_1, Q5_1 and the K-quants' minimums)
//
// n is a multiple of 32: every quantized type's blocks are 32 or 256 values.
import { arenaAlloc } from "../runtime/memory";

/** Bytes of one int8 vector of n values. */
export function int8VectorBytes(n: i32): usize {
  return (<usize>n << 1) + (<usize>n >> 3) + (<usize>n >> 2);
}

/** Where the block scales of an int8 vector of n values start. */
@inline export function int8Scales(xq: usize, n: i32): usize {
  return xq + (<usize>n << 1);
}

/** Where the 16-value code sums of an int8 vector of n values start. */
@inline export function int8Sums(xq: usize, n: i32): usize {
  return xq + (<usize>n << 1) + (<usize>n >> 3);
}

/**
 * T input vectors (T, n) f32 for the matmuls that follow, with their int8 form made at
 * most once, when the first quantized weight asks for it.
 */
export class Input {
  x: usize = 0; // (T, n) f32
  n: i32 = 0;
  T: i32 = 0;
  private xq: usize = 0; // (capacityT, int8VectorBytes(capacityN)) the int8 form
  private capacityN: i32 = 0;
  private capacityT: i32 = 0;
  private quantized: bool = false;

  /** Room for up to T vectors of up to n values; false with the reason recorded. */
  reserve(n: i32, T: i32): bool {
    if (n <= this.capacityN && T <= this.capacityT) return true;
    const xq = arenaAlloc(<u64>T * <u64>int8VectorBytes(n), "quantized activations");
    if (xq == 0) return false;
    this.xq = xq;
    this.capacityN = n;
    this.capacityT = T;
    return true;
  }

  /** The vectors the next matmuls multiply: (T, n) f32 at x. */
  set(x: usize, n: i32, T: i32): Input {
    if (n > this.capacityN || T > this.capacityT) abort("Input.set: beyond the reserved room");
    this.x = x;
    this.n = n;
    this.T = T;
    this.quantized = false;
    return this;
  }

  /** The int8 form: T vectors of int8VectorBytes(n) bytes each, quantized on first use. */
  int8(): usize {
    if (!this.quantized) {
      const n = this.n, stride = int8VectorBytes(n);
      for (let t = 0; t < this.T; t++) quantizeActivations(this.xq + <usize>t * stride, this.x + <usize>t * (<usize>n << 2), n);
      this.quantized = true;
    }
    return this.xq;
  }
}

/**
 * x (n,) f32 -> xq, as llama.cpp quantizes activations: per 32-value block d = max |x| / 127,
 * codes roundf(x / d) with the unrounded d, and d stored at half precision like its Q8_0
 * blocks. Eight f32x4 per block; every step is exact or a single IEEE operation, so the
 * codes are those of the scalar definition.
 */
export function quantizeActivations(xq: usize, x: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  for (let b = 0; b < n >> 5; b++) {
    const xb = x + (<usize>b << 7);
    let amax = f32x4.max(f32x4.abs(v128.load(xb, 0)), f32x4.abs(v128.load(xb, 16)));
    for (let k = 32; k < 128; k += 32) amax = f32x4.max(amax, f32x4.max(f32x4.abs(v128.load(xb + k, 0)), f32x4.abs(v128.load(xb + k, 16))));
    const blockMax = max(max(f32x4.extract_lane(amax, 0), f32x4.extract_lane(amax, 1)), max(f32x4.extract_lane(amax, 2), f32x4.extract_lane(amax, 3)));
    const d = blockMax / 127;
    const inverse = f32x4.splat(d != 0 ? 1 / d : 0);
    // 32 codes as eight i32x4, narrowed to four i16x8
    const c0 = codes(v128.load(xb, 0), inverse), c1 = codes(v128.load(xb, 16), inverse);
    const c2 = codes(v128.load(xb, 32), inverse), c3 = codes(v128.load(xb, 48), inverse);
    const c4 = codes(v128.load(xb, 64), inverse), c5 = codes(v128.load(xb, 80), inverse);
    const c6 = codes(v128.load(xb, 96), inverse), c7 = codes(v128.load(xb, 112), inverse);
    const block = xq + (<usize>b << 6);
    v128.store(block, i16x8.narrow_i32x4_s(c0, c1), 0);
    v128.store(block, i16x8.narrow_i32x4_s(c2, c3), 16);
    v128.store(block, i16x8.narrow_i32x4_s(c4, c5), 32);
    v128.store(block, i16x8.narrow_i32x4_s(c6, c7), 48);
    store<f32>(scales + (<usize>b << 2), toHalfPrecision(d));
    store<i32>(sums + (<usize>b << 3), horizontalSum(i32x4.add(i32x4.add(c0, c1), i32x4.add(c2, c3))));
    store<i32>(sums + (<usize>b << 3), horizontalSum(i32x4.add(i32x4.add(c4, c5), i32x4.add(c6, c7))), 4);
  }
}

/** roundf(v * inverse) lane by lane, halves away from zero, as i32. */
@inline function codes(v: v128, inverse: v128): v128 {
  const scaled = f32x4.mul(v, inverse);
  const truncated = f32x4.trunc(scaled);
  const roundsUp = f32x4.ge(f32x4.abs(f32x4.sub(scaled, truncated)), f32x4.splat(0.5));
  const awayFromZero = v128.or(v128.and(scaled, i32x4.splat(0x80000000)), f32x4.splat(1)); // ±1 with the sign of v
  return i32x4.trunc_sat_f32x4_s(f32x4.add(truncated, v128.and(awayFromZero, roundsUp)));
}

@inline function horizontalSum(v: v128): i32 {
  return (i32x4.extract_lane(v, 0) + i32x4.extract_lane(v, 1)) + (i32x4.extract_lane(v, 2) + i32x4.extract_lane(v, 3));
}

/** v >= 0 rounded to the nearest half-precision value (ties to even), as f32; beyond the half range, v itself. */
function toHalfPrecision(v: f32): f32 {
  if (v < 6.103515625e-5) return nearest(v * 16777216) / 16777216; // subnormal halves: multiples of 2^-24
  if (v > 65504) return v;
  const bits = reinterpret<u32>(v);
  return reinterpret<f32>((bits + 0xfff + ((bits >> 13) & 1)) & 0xffffe000);
}
