// Dot products of quantized weight rows with activations quantized to int8 as well,
// the way llama.cpp runs them: within a 32-value block both sides are small integers,
// so the products are exact integer multiply-adds (which the C compiler turns into
// packed int16 multiply-adds), and floats appear once per block, for the two scales.
//
// An activation vector of n values is stored as n int8 codes, n / 32 f32 scales, and
// n / 32 f32 sums of each block's codes (for the K-quants' minimums). Lane k of a block sums the products of values k and k + 16 (the two nibbles
// of byte k in Q4_0); lanes collect block results in a fixed order, as in ops.ts, so
// Node and the C builds agree bit for bit.
import { halfTable, kMin, kScale } from "./quant";

/** Bytes of an int8-quantized vector of n values (n a multiple of 32): codes, then per block its scale and its codes' sum. */
export function int8VectorBytes(n: i32): usize {
  return <usize>n + (<usize>n >> 2);
}

/**
 * x (n,) f32 -> out, as llama.cpp quantizes activations for these weights: per 32-value
 * block d = max |x| / 127, codes roundf(x / d) (halves away from zero), and d kept at
 * half precision, the way its Q8_0 blocks store it.
 */
export function quantizeActivations(out: usize, x: usize, n: i32): void {
  const scales = out + <usize>n, sums = scales + (<usize>n >> 3);
  for (let b = 0; b < n >> 5; b++) {
    const xb = x + (<usize>b << 7);
    let amax: f32 = 0;
    for (let k = 0; k < 32; k++) amax = max(amax, abs(load<f32>(xb + (<usize>k << 2))));
    const d = amax / 127;
    const id: f32 = d != 0 ? 1 / d : 0;
    let sum = 0;
    for (let k = 0; k < 32; k++) {
      const code = roundHalfAway(load<f32>(xb + (<usize>k << 2)) * id);
      store<i8>(out + (<usize>b << 5) + k, <i8>code);
      sum += code;
    }
    store<f32>(scales + (<usize>b << 2), toHalfPrecision(d));
    store<f32>(sums + (<usize>b << 2), <f32>sum);
  }
}

function roundHalfAway(v: f32): i32 {
  const t = trunc(v);
  return <i32>(abs(v - t) >= 0.5 ? t + copysign<f32>(1, v) : t);
}

/** v >= 0 rounded to the nearest half-precision value (ties to even), as f32; beyond the half range, v itself. */
function toHalfPrecision(v: f32): f32 {
  if (v < 6.103515625e-5) return nearest(v * 16777216) / 16777216; // subnormal halves: multiples of 2^-24
  if (v > 65504) return v;
  const bits = reinterpret<u32>(v);
  return reinterpret<f32>((bits + 0xfff + ((bits >> 13) & 1)) & 0xffffe000);
}

/**
 * Q8_0 rows row0 and row1 (blocks of f16 d, 32 × int8) · int8 activations xq, into out0 and
 * out1: Σ over blocks of d·d_x·Σ q·q_x, two rows at once so their weights stream from two
 * places and share each block of xq. As in ops.ts's dot2, the partial sums are stored side
 * by side in `lanes` (32 floats) only to show the C compiler which belong in one vector.
 */
export function dot2Q8_0_int8(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  const table = halfTable, scales = xq + <usize>n;
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 34, p1 = row1 + <usize>b * 34, q = xq + (<usize>b << 5);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(table + (<usize>load<u16>(p0) << 2)) * dx, d1 = load<f32>(table + (<usize>load<u16>(p1) << 2)) * dx;
    s0 += d0 * <f32>(<i32>load<i8>(p0, 2) * <i32>load<i8>(q, 0) + <i32>load<i8>(p0, 18) * <i32>load<i8>(q, 16));
    s1 += d0 * <f32>(<i32>load<i8>(p0, 3) * <i32>load<i8>(q, 1) + <i32>load<i8>(p0, 19) * <i32>load<i8>(q, 17));
    s2 += d0 * <f32>(<i32>load<i8>(p0, 4) * <i32>load<i8>(q, 2) + <i32>load<i8>(p0, 20) * <i32>load<i8>(q, 18));
    s3 += d0 * <f32>(<i32>load<i8>(p0, 5) * <i32>load<i8>(q, 3) + <i32>load<i8>(p0, 21) * <i32>load<i8>(q, 19));
    s4 += d0 * <f32>(<i32>load<i8>(p0, 6) * <i32>load<i8>(q, 4) + <i32>load<i8>(p0, 22) * <i32>load<i8>(q, 20));
    s5 += d0 * <f32>(<i32>load<i8>(p0, 7) * <i32>load<i8>(q, 5) + <i32>load<i8>(p0, 23) * <i32>load<i8>(q, 21));
    s6 += d0 * <f32>(<i32>load<i8>(p0, 8) * <i32>load<i8>(q, 6) + <i32>load<i8>(p0, 24) * <i32>load<i8>(q, 22));
    s7 += d0 * <f32>(<i32>load<i8>(p0, 9) * <i32>load<i8>(q, 7) + <i32>load<i8>(p0, 25) * <i32>load<i8>(q, 23));
    s8 += d0 * <f32>(<i32>load<i8>(p0, 10) * <i32>load<i8>(q, 8) + <i32>load<i8>(p0, 26) * <i32>load<i8>(q, 24));
    s9 += d0 * <f32>(<i32>load<i8>(p0, 11) * <i32>load<i8>(q, 9) + <i32>load<i8>(p0, 27) * <i32>load<i8>(q, 25));
    s10 += d0 * <f32>(<i32>load<i8>(p0, 12) * <i32>load<i8>(q, 10) + <i32>load<i8>(p0, 28) * <i32>load<i8>(q, 26));
    s11 += d0 * <f32>(<i32>load<i8>(p0, 13) * <i32>load<i8>(q, 11) + <i32>load<i8>(p0, 29) * <i32>load<i8>(q, 27));
    s12 += d0 * <f32>(<i32>load<i8>(p0, 14) * <i32>load<i8>(q, 12) + <i32>load<i8>(p0, 30) * <i32>load<i8>(q, 28));
    s13 += d0 * <f32>(<i32>load<i8>(p0, 15) * <i32>load<i8>(q, 13) + <i32>load<i8>(p0, 31) * <i32>load<i8>(q, 29));
    s14 += d0 * <f32>(<i32>load<i8>(p0, 16) * <i32>load<i8>(q, 14) + <i32>load<i8>(p0, 32) * <i32>load<i8>(q, 30));
    s15 += d0 * <f32>(<i32>load<i8>(p0, 17) * <i32>load<i8>(q, 15) + <i32>load<i8>(p0, 33) * <i32>load<i8>(q, 31));
    t0 += d1 * <f32>(<i32>load<i8>(p1, 2) * <i32>load<i8>(q, 0) + <i32>load<i8>(p1, 18) * <i32>load<i8>(q, 16));
    t1 += d1 * <f32>(<i32>load<i8>(p1, 3) * <i32>load<i8>(q, 1) + <i32>load<i8>(p1, 19) * <i32>load<i8>(q, 17));
    t2 += d1 * <f32>(<i32>load<i8>(p1, 4) * <i32>load<i8>(q, 2) + <i32>load<i8>(p1, 20) * <i32>load<i8>(q, 18));
    t3 += d1 * <f32>(<i32>load<i8>(p1, 5) * <i32>load<i8>(q, 3) + <i32>load<i8>(p1, 21) * <i32>load<i8>(q, 19));
    t4 += d1 * <f32>(<i32>load<i8>(p1, 6) * <i32>load<i8>(q, 4) + <i32>load<i8>(p1, 22) * <i32>load<i8>(q, 20));
    t5 += d1 * <f32>(<i32>load<i8>(p1, 7) * <i32>load<i8>(q, 5) + <i32>load<i8>(p1, 23) * <i32>load<i8>(q, 21));
    t6 += d1 * <f32>(<i32>load<i8>(p1, 8) * <i32>load<i8>(q, 6) + <i32>load<i8>(p1, 24) * <i32>load<i8>(q, 22));
    t7 += d1 * <f32>(<i32>load<i8>(p1, 9) * <i32>load<i8>(q, 7) + <i32>load<i8>(p1, 25) * <i32>load<i8>(q, 23));
    t8 += d1 * <f32>(<i32>load<i8>(p1, 10) * <i32>load<i8>(q, 8) + <i32>load<i8>(p1, 26) * <i32>load<i8>(q, 24));
    t9 += d1 * <f32>(<i32>load<i8>(p1, 11) * <i32>load<i8>(q, 9) + <i32>load<i8>(p1, 27) * <i32>load<i8>(q, 25));
    t10 += d1 * <f32>(<i32>load<i8>(p1, 12) * <i32>load<i8>(q, 10) + <i32>load<i8>(p1, 28) * <i32>load<i8>(q, 26));
    t11 += d1 * <f32>(<i32>load<i8>(p1, 13) * <i32>load<i8>(q, 11) + <i32>load<i8>(p1, 29) * <i32>load<i8>(q, 27));
    t12 += d1 * <f32>(<i32>load<i8>(p1, 14) * <i32>load<i8>(q, 12) + <i32>load<i8>(p1, 30) * <i32>load<i8>(q, 28));
    t13 += d1 * <f32>(<i32>load<i8>(p1, 15) * <i32>load<i8>(q, 13) + <i32>load<i8>(p1, 31) * <i32>load<i8>(q, 29));
    t14 += d1 * <f32>(<i32>load<i8>(p1, 16) * <i32>load<i8>(q, 14) + <i32>load<i8>(p1, 32) * <i32>load<i8>(q, 30));
    t15 += d1 * <f32>(<i32>load<i8>(p1, 17) * <i32>load<i8>(q, 15) + <i32>load<i8>(p1, 33) * <i32>load<i8>(q, 31));
  }
  store<f32>(lanes, s0, 0);
  store<f32>(lanes, s1, 4);
  store<f32>(lanes, s2, 8);
  store<f32>(lanes, s3, 12);
  store<f32>(lanes, s4, 16);
  store<f32>(lanes, s5, 20);
  store<f32>(lanes, s6, 24);
  store<f32>(lanes, s7, 28);
  store<f32>(lanes, s8, 32);
  store<f32>(lanes, s9, 36);
  store<f32>(lanes, s10, 40);
  store<f32>(lanes, s11, 44);
  store<f32>(lanes, s12, 48);
  store<f32>(lanes, s13, 52);
  store<f32>(lanes, s14, 56);
  store<f32>(lanes, s15, 60);
  store<f32>(lanes, t0, 64);
  store<f32>(lanes, t1, 68);
  store<f32>(lanes, t2, 72);
  store<f32>(lanes, t3, 76);
  store<f32>(lanes, t4, 80);
  store<f32>(lanes, t5, 84);
  store<f32>(lanes, t6, 88);
  store<f32>(lanes, t7, 92);
  store<f32>(lanes, t8, 96);
  store<f32>(lanes, t9, 100);
  store<f32>(lanes, t10, 104);
  store<f32>(lanes, t11, 108);
  store<f32>(lanes, t12, 112);
  store<f32>(lanes, t13, 116);
  store<f32>(lanes, t14, 120);
  store<f32>(lanes, t15, 124);
  store<f32>(out0, (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15))));
  store<f32>(out1, (((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7))) + (((t8 + t9) + (t10 + t11)) + ((t12 + t13) + (t14 + t15))));
}

/** Q4_0 rows row0 and row1 (blocks of f16 d, 16 bytes of nibbles) · xq into out0 and out1, as dot2Q8_0_int8: Σ d·d_x·Σ (q − 8)·q_x. */
export function dot2Q4_0_int8(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  const table = halfTable, scales = xq + <usize>n;
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 18, p1 = row1 + <usize>b * 18, q = xq + (<usize>b << 5);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(table + (<usize>load<u16>(p0) << 2)) * dx, d1 = load<f32>(table + (<usize>load<u16>(p1) << 2)) * dx;
    s0 += d0 * <f32>(((<i32>load<u8>(p0, 2) & 15) - 8) * <i32>load<i8>(q, 0) + ((<i32>load<u8>(p0, 2) >> 4) - 8) * <i32>load<i8>(q, 16));
    s1 += d0 * <f32>(((<i32>load<u8>(p0, 3) & 15) - 8) * <i32>load<i8>(q, 1) + ((<i32>load<u8>(p0, 3) >> 4) - 8) * <i32>load<i8>(q, 17));
    s2 += d0 * <f32>(((<i32>load<u8>(p0, 4) & 15) - 8) * <i32>load<i8>(q, 2) + ((<i32>load<u8>(p0, 4) >> 4) - 8) * <i32>load<i8>(q, 18));
    s3 += d0 * <f32>(((<i32>load<u8>(p0, 5) & 15) - 8) * <i32>load<i8>(q, 3) + ((<i32>load<u8>(p0, 5) >> 4) - 8) * <i32>load<i8>(q, 19));
    s4 += d0 * <f32>(((<i32>load<u8>(p0, 6) & 15) - 8) * <i32>load<i8>(q, 4) + ((<i32>load<u8>(p0, 6) >> 4) - 8) * <i32>load<i8>(q, 20));
    s5 += d0 * <f32>(((<i32>load<u8>(p0, 7) & 15) - 8) * <i32>load<i8>(q, 5) + ((<i32>load<u8>(p0, 7) >> 4) - 8) * <i32>load<i8>(q, 21));
    s6 += d0 * <f32>(((<i32>load<u8>(p0, 8) & 15) - 8) * <i32>load<i8>(q, 6) + ((<i32>load<u8>(p0, 8) >> 4) - 8) * <i32>load<i8>(q, 22));
    s7 += d0 * <f32>(((<i32>load<u8>(p0, 9) & 15) - 8) * <i32>load<i8>(q, 7) + ((<i32>load<u8>(p0, 9) >> 4) - 8) * <i32>load<i8>(q, 23));
    s8 += d0 * <f32>(((<i32>load<u8>(p0, 10) & 15) - 8) * <i32>load<i8>(q, 8) + ((<i32>load<u8>(p0, 10) >> 4) - 8) * <i32>load<i8>(q, 24));
    s9 += d0 * <f32>(((<i32>load<u8>(p0, 11) & 15) - 8) * <i32>load<i8>(q, 9) + ((<i32>load<u8>(p0, 11) >> 4) - 8) * <i32>load<i8>(q, 25));
    s10 += d0 * <f32>(((<i32>load<u8>(p0, 12) & 15) - 8) * <i32>load<i8>(q, 10) + ((<i32>load<u8>(p0, 12) >> 4) - 8) * <i32>load<i8>(q, 26));
    s11 += d0 * <f32>(((<i32>load<u8>(p0, 13) & 15) - 8) * <i32>load<i8>(q, 11) + ((<i32>load<u8>(p0, 13) >> 4) - 8) * <i32>load<i8>(q, 27));
    s12 += d0 * <f32>(((<i32>load<u8>(p0, 14) & 15) - 8) * <i32>load<i8>(q, 12) + ((<i32>load<u8>(p0, 14) >> 4) - 8) * <i32>load<i8>(q, 28));
    s13 += d0 * <f32>(((<i32>load<u8>(p0, 15) & 15) - 8) * <i32>load<i8>(q, 13) + ((<i32>load<u8>(p0, 15) >> 4) - 8) * <i32>load<i8>(q, 29));
    s14 += d0 * <f32>(((<i32>load<u8>(p0, 16) & 15) - 8) * <i32>load<i8>(q, 14) + ((<i32>load<u8>(p0, 16) >> 4) - 8) * <i32>load<i8>(q, 30));
    s15 += d0 * <f32>(((<i32>load<u8>(p0, 17) & 15) - 8) * <i32>load<i8>(q, 15) + ((<i32>load<u8>(p0, 17) >> 4) - 8) * <i32>load<i8>(q, 31));
    t0 += d1 * <f32>(((<i32>load<u8>(p1, 2) & 15) - 8) * <i32>load<i8>(q, 0) + ((<i32>load<u8>(p1, 2) >> 4) - 8) * <i32>load<i8>(q, 16));
    t1 += d1 * <f32>(((<i32>load<u8>(p1, 3) & 15) - 8) * <i32>load<i8>(q, 1) + ((<i32>load<u8>(p1, 3) >> 4) - 8) * <i32>load<i8>(q, 17));
    t2 += d1 * <f32>(((<i32>load<u8>(p1, 4) & 15) - 8) * <i32>load<i8>(q, 2) + ((<i32>load<u8>(p1, 4) >> 4) - 8) * <i32>load<i8>(q, 18));
    t3 += d1 * <f32>(((<i32>load<u8>(p1, 5) & 15) - 8) * <i32>load<i8>(q, 3) + ((<i32>load<u8>(p1, 5) >> 4) - 8) * <i32>load<i8>(q, 19));
    t4 += d1 * <f32>(((<i32>load<u8>(p1, 6) & 15) - 8) * <i32>load<i8>(q, 4) + ((<i32>load<u8>(p1, 6) >> 4) - 8) * <i32>load<i8>(q, 20));
    t5 += d1 * <f32>(((<i32>load<u8>(p1, 7) & 15) - 8) * <i32>load<i8>(q, 5) + ((<i32>load<u8>(p1, 7) >> 4) - 8) * <i32>load<i8>(q, 21));
    t6 += d1 * <f32>(((<i32>load<u8>(p1, 8) & 15) - 8) * <i32>load<i8>(q, 6) + ((<i32>load<u8>(p1, 8) >> 4) - 8) * <i32>load<i8>(q, 22));
    t7 += d1 * <f32>(((<i32>load<u8>(p1, 9) & 15) - 8) * <i32>load<i8>(q, 7) + ((<i32>load<u8>(p1, 9) >> 4) - 8) * <i32>load<i8>(q, 23));
    t8 += d1 * <f32>(((<i32>load<u8>(p1, 10) & 15) - 8) * <i32>load<i8>(q, 8) + ((<i32>load<u8>(p1, 10) >> 4) - 8) * <i32>load<i8>(q, 24));
    t9 += d1 * <f32>(((<i32>load<u8>(p1, 11) & 15) - 8) * <i32>load<i8>(q, 9) + ((<i32>load<u8>(p1, 11) >> 4) - 8) * <i32>load<i8>(q, 25));
    t10 += d1 * <f32>(((<i32>load<u8>(p1, 12) & 15) - 8) * <i32>load<i8>(q, 10) + ((<i32>load<u8>(p1, 12) >> 4) - 8) * <i32>load<i8>(q, 26));
    t11 += d1 * <f32>(((<i32>load<u8>(p1, 13) & 15) - 8) * <i32>load<i8>(q, 11) + ((<i32>load<u8>(p1, 13) >> 4) - 8) * <i32>load<i8>(q, 27));
    t12 += d1 * <f32>(((<i32>load<u8>(p1, 14) & 15) - 8) * <i32>load<i8>(q, 12) + ((<i32>load<u8>(p1, 14) >> 4) - 8) * <i32>load<i8>(q, 28));
    t13 += d1 * <f32>(((<i32>load<u8>(p1, 15) & 15) - 8) * <i32>load<i8>(q, 13) + ((<i32>load<u8>(p1, 15) >> 4) - 8) * <i32>load<i8>(q, 29));
    t14 += d1 * <f32>(((<i32>load<u8>(p1, 16) & 15) - 8) * <i32>load<i8>(q, 14) + ((<i32>load<u8>(p1, 16) >> 4) - 8) * <i32>load<i8>(q, 30));
    t15 += d1 * <f32>(((<i32>load<u8>(p1, 17) & 15) - 8) * <i32>load<i8>(q, 15) + ((<i32>load<u8>(p1, 17) >> 4) - 8) * <i32>load<i8>(q, 31));
  }
  store<f32>(lanes, s0, 0);
  store<f32>(lanes, s1, 4);
  store<f32>(lanes, s2, 8);
  store<f32>(lanes, s3, 12);
  store<f32>(lanes, s4, 16);
  store<f32>(lanes, s5, 20);
  store<f32>(lanes, s6, 24);
  store<f32>(lanes, s7, 28);
  store<f32>(lanes, s8, 32);
  store<f32>(lanes, s9, 36);
  store<f32>(lanes, s10, 40);
  store<f32>(lanes, s11, 44);
  store<f32>(lanes, s12, 48);
  store<f32>(lanes, s13, 52);
  store<f32>(lanes, s14, 56);
  store<f32>(lanes, s15, 60);
  store<f32>(lanes, t0, 64);
  store<f32>(lanes, t1, 68);
  store<f32>(lanes, t2, 72);
  store<f32>(lanes, t3, 76);
  store<f32>(lanes, t4, 80);
  store<f32>(lanes, t5, 84);
  store<f32>(lanes, t6, 88);
  store<f32>(lanes, t7, 92);
  store<f32>(lanes, t8, 96);
  store<f32>(lanes, t9, 100);
  store<f32>(lanes, t10, 104);
  store<f32>(lanes, t11, 108);
  store<f32>(lanes, t12, 112);
  store<f32>(lanes, t13, 116);
  store<f32>(lanes, t14, 120);
  store<f32>(lanes, t15, 124);
  store<f32>(out0, (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15))));
  store<f32>(out1, (((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7))) + (((t8 + t9) + (t10 + t11)) + ((t12 + t13) + (t14 + t15))));
}

/**
 * Q4_K rows row0 and row1 · xq into out0 and out1, as dot2Q8_0_int8. Per 256-value
 * super-block (f16 d, dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles),
 * 32-value sub-block j adds d·sc_j·d_x·Σ q·q_x − dmin·m_j·d_x·Σ q_x; a 32-byte chunk holds
 * two sub-blocks, low nibbles then high ones. The minimums collect in a sum of their own.
 */
export function dot2Q4_K_int8(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  let mins0: f32 = 0, mins1: f32 = 0;
  const table = halfTable, scales = xq + <usize>n, sums = scales + (<usize>n >> 3);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 144, p1 = row1 + <usize>b * 144;
    const d0 = load<f32>(table + (<usize>load<u16>(p0) << 2)), dmin0 = load<f32>(table + (<usize>load<u16>(p0, 2) << 2));
    const d1 = load<f32>(table + (<usize>load<u16>(p1) << 2)), dmin1 = load<f32>(table + (<usize>load<u16>(p1, 2) << 2));
    for (let c = 0; c < 4; c++) {
      const q0 = p0 + 16 + (<usize>c << 5), q1 = p1 + 16 + (<usize>c << 5);
      const block = (b << 3) + 2 * c, xa = xq + (<usize>block << 5), xb = xa + 32; // sub-blocks 2c and 2c + 1
      const dxa = load<f32>(scales + (<usize>block << 2)), dxb = load<f32>(scales + (<usize>block << 2), 4);
      const suma = load<f32>(sums + (<usize>block << 2)), sumb = load<f32>(sums + (<usize>block << 2), 4);
      const da0 = d0 * <f32>kScale(p0 + 4, 2 * c) * dxa, db0 = d0 * <f32>kScale(p0 + 4, 2 * c + 1) * dxb;
      const da1 = d1 * <f32>kScale(p1 + 4, 2 * c) * dxa, db1 = d1 * <f32>kScale(p1 + 4, 2 * c + 1) * dxb;
      mins0 += dmin0 * (<f32>kMin(p0 + 4, 2 * c) * dxa * suma + <f32>kMin(p0 + 4, 2 * c + 1) * dxb * sumb);
      mins1 += dmin1 * (<f32>kMin(p1 + 4, 2 * c) * dxa * suma + <f32>kMin(p1 + 4, 2 * c + 1) * dxb * sumb);
      s0 += da0 * <f32>((<i32>load<u8>(q0, 0) & 15) * <i32>load<i8>(xa, 0) + (<i32>load<u8>(q0, 16) & 15) * <i32>load<i8>(xa, 16)) + db0 * <f32>((<i32>load<u8>(q0, 0) >> 4) * <i32>load<i8>(xb, 0) + (<i32>load<u8>(q0, 16) >> 4) * <i32>load<i8>(xb, 16));
      s1 += da0 * <f32>((<i32>load<u8>(q0, 1) & 15) * <i32>load<i8>(xa, 1) + (<i32>load<u8>(q0, 17) & 15) * <i32>load<i8>(xa, 17)) + db0 * <f32>((<i32>load<u8>(q0, 1) >> 4) * <i32>load<i8>(xb, 1) + (<i32>load<u8>(q0, 17) >> 4) * <i32>load<i8>(xb, 17));
      s2 += da0 * <f32>((<i32>load<u8>(q0, 2) & 15) * <i32>load<i8>(xa, 2) + (<i32>load<u8>(q0, 18) & 15) * <i32>load<i8>(xa, 18)) + db0 * <f32>((<i32>load<u8>(q0, 2) >> 4) * <i32>load<i8>(xb, 2) + (<i32>load<u8>(q0, 18) >> 4) * <i32>load<i8>(xb, 18));
      s3 += da0 * <f32>((<i32>load<u8>(q0, 3) & 15) * <i32>load<i8>(xa, 3) + (<i32>load<u8>(q0, 19) & 15) * <i32>load<i8>(xa, 19)) + db0 * <f32>((<i32>load<u8>(q0, 3) >> 4) * <i32>load<i8>(xb, 3) + (<i32>load<u8>(q0, 19) >> 4) * <i32>load<i8>(xb, 19));
      s4 += da0 * <f32>((<i32>load<u8>(q0, 4) & 15) * <i32>load<i8>(xa, 4) + (<i32>load<u8>(q0, 20) & 15) * <i32>load<i8>(xa, 20)) + db0 * <f32>((<i32>load<u8>(q0, 4) >> 4) * <i32>load<i8>(xb, 4) + (<i32>load<u8>(q0, 20) >> 4) * <i32>load<i8>(xb, 20));
      s5 += da0 * <f32>((<i32>load<u8>(q0, 5) & 15) * <i32>load<i8>(xa, 5) + (<i32>load<u8>(q0, 21) & 15) * <i32>load<i8>(xa, 21)) + db0 * <f32>((<i32>load<u8>(q0, 5) >> 4) * <i32>load<i8>(xb, 5) + (<i32>load<u8>(q0, 21) >> 4) * <i32>load<i8>(xb, 21));
      s6 += da0 * <f32>((<i32>load<u8>(q0, 6) & 15) * <i32>load<i8>(xa, 6) + (<i32>load<u8>(q0, 22) & 15) * <i32>load<i8>(xa, 22)) + db0 * <f32>((<i32>load<u8>(q0, 6) >> 4) * <i32>load<i8>(xb, 6) + (<i32>load<u8>(q0, 22) >> 4) * <i32>load<i8>(xb, 22));
      s7 += da0 * <f32>((<i32>load<u8>(q0, 7) & 15) * <i32>load<i8>(xa, 7) + (<i32>load<u8>(q0, 23) & 15) * <i32>load<i8>(xa, 23)) + db0 * <f32>((<i32>load<u8>(q0, 7) >> 4) * <i32>load<i8>(xb, 7) + (<i32>load<u8>(q0, 23) >> 4) * <i32>load<i8>(xb, 23));
      s8 += da0 * <f32>((<i32>load<u8>(q0, 8) & 15) * <i32>load<i8>(xa, 8) + (<i32>load<u8>(q0, 24) & 15) * <i32>load<i8>(xa, 24)) + db0 * <f32>((<i32>load<u8>(q0, 8) >> 4) * <i32>load<i8>(xb, 8) + (<i32>load<u8>(q0, 24) >> 4) * <i32>load<i8>(xb, 24));
      s9 += da0 * <f32>((<i32>load<u8>(q0, 9) & 15) * <i32>load<i8>(xa, 9) + (<i32>load<u8>(q0, 25) & 15) * <i32>load<i8>(xa, 25)) + db0 * <f32>((<i32>load<u8>(q0, 9) >> 4) * <i32>load<i8>(xb, 9) + (<i32>load<u8>(q0, 25) >> 4) * <i32>load<i8>(xb, 25));
      s10 += da0 * <f32>((<i32>load<u8>(q0, 10) & 15) * <i32>load<i8>(xa, 10) + (<i32>load<u8>(q0, 26) & 15) * <i32>load<i8>(xa, 26)) + db0 * <f32>((<i32>load<u8>(q0, 10) >> 4) * <i32>load<i8>(xb, 10) + (<i32>load<u8>(q0, 26) >> 4) * <i32>load<i8>(xb, 26));
      s11 += da0 * <f32>((<i32>load<u8>(q0, 11) & 15) * <i32>load<i8>(xa, 11) + (<i32>load<u8>(q0, 27) & 15) * <i32>load<i8>(xa, 27)) + db0 * <f32>((<i32>load<u8>(q0, 11) >> 4) * <i32>load<i8>(xb, 11) + (<i32>load<u8>(q0, 27) >> 4) * <i32>load<i8>(xb, 27));
      s12 += da0 * <f32>((<i32>load<u8>(q0, 12) & 15) * <i32>load<i8>(xa, 12) + (<i32>load<u8>(q0, 28) & 15) * <i32>load<i8>(xa, 28)) + db0 * <f32>((<i32>load<u8>(q0, 12) >> 4) * <i32>load<i8>(xb, 12) + (<i32>load<u8>(q0, 28) >> 4) * <i32>load<i8>(xb, 28));
      s13 += da0 * <f32>((<i32>load<u8>(q0, 13) & 15) * <i32>load<i8>(xa, 13) + (<i32>load<u8>(q0, 29) & 15) * <i32>load<i8>(xa, 29)) + db0 * <f32>((<i32>load<u8>(q0, 13) >> 4) * <i32>load<i8>(xb, 13) + (<i32>load<u8>(q0, 29) >> 4) * <i32>load<i8>(xb, 29));
      s14 += da0 * <f32>((<i32>load<u8>(q0, 14) & 15) * <i32>load<i8>(xa, 14) + (<i32>load<u8>(q0, 30) & 15) * <i32>load<i8>(xa, 30)) + db0 * <f32>((<i32>load<u8>(q0, 14) >> 4) * <i32>load<i8>(xb, 14) + (<i32>load<u8>(q0, 30) >> 4) * <i32>load<i8>(xb, 30));
      s15 += da0 * <f32>((<i32>load<u8>(q0, 15) & 15) * <i32>load<i8>(xa, 15) + (<i32>load<u8>(q0, 31) & 15) * <i32>load<i8>(xa, 31)) + db0 * <f32>((<i32>load<u8>(q0, 15) >> 4) * <i32>load<i8>(xb, 15) + (<i32>load<u8>(q0, 31) >> 4) * <i32>load<i8>(xb, 31));
      t0 += da1 * <f32>((<i32>load<u8>(q1, 0) & 15) * <i32>load<i8>(xa, 0) + (<i32>load<u8>(q1, 16) & 15) * <i32>load<i8>(xa, 16)) + db1 * <f32>((<i32>load<u8>(q1, 0) >> 4) * <i32>load<i8>(xb, 0) + (<i32>load<u8>(q1, 16) >> 4) * <i32>load<i8>(xb, 16));
      t1 += da1 * <f32>((<i32>load<u8>(q1, 1) & 15) * <i32>load<i8>(xa, 1) + (<i32>load<u8>(q1, 17) & 15) * <i32>load<i8>(xa, 17)) + db1 * <f32>((<i32>load<u8>(q1, 1) >> 4) * <i32>load<i8>(xb, 1) + (<i32>load<u8>(q1, 17) >> 4) * <i32>load<i8>(xb, 17));
      t2 += da1 * <f32>((<i32>load<u8>(q1, 2) & 15) * <i32>load<i8>(xa, 2) + (<i32>load<u8>(q1, 18) & 15) * <i32>load<i8>(xa, 18)) + db1 * <f32>((<i32>load<u8>(q1, 2) >> 4) * <i32>load<i8>(xb, 2) + (<i32>load<u8>(q1, 18) >> 4) * <i32>load<i8>(xb, 18));
      t3 += da1 * <f32>((<i32>load<u8>(q1, 3) & 15) * <i32>load<i8>(xa, 3) + (<i32>load<u8>(q1, 19) & 15) * <i32>load<i8>(xa, 19)) + db1 * <f32>((<i32>load<u8>(q1, 3) >> 4) * <i32>load<i8>(xb, 3) + (<i32>load<u8>(q1, 19) >> 4) * <i32>load<i8>(xb, 19));
      t4 += da1 * <f32>((<i32>load<u8>(q1, 4) & 15) * <i32>load<i8>(xa, 4) + (<i32>load<u8>(q1, 20) & 15) * <i32>load<i8>(xa, 20)) + db1 * <f32>((<i32>load<u8>(q1, 4) >> 4) * <i32>load<i8>(xb, 4) + (<i32>load<u8>(q1, 20) >> 4) * <i32>load<i8>(xb, 20));
      t5 += da1 * <f32>((<i32>load<u8>(q1, 5) & 15) * <i32>load<i8>(xa, 5) + (<i32>load<u8>(q1, 21) & 15) * <i32>load<i8>(xa, 21)) + db1 * <f32>((<i32>load<u8>(q1, 5) >> 4) * <i32>load<i8>(xb, 5) + (<i32>load<u8>(q1, 21) >> 4) * <i32>load<i8>(xb, 21));
      t6 += da1 * <f32>((<i32>load<u8>(q1, 6) & 15) * <i32>load<i8>(xa, 6) + (<i32>load<u8>(q1, 22) & 15) * <i32>load<i8>(xa, 22)) + db1 * <f32>((<i32>load<u8>(q1, 6) >> 4) * <i32>load<i8>(xb, 6) + (<i32>load<u8>(q1, 22) >> 4) * <i32>load<i8>(xb, 22));
      t7 += da1 * <f32>((<i32>load<u8>(q1, 7) & 15) * <i32>load<i8>(xa, 7) + (<i32>load<u8>(q1, 23) & 15) * <i32>load<i8>(xa, 23)) + db1 * <f32>((<i32>load<u8>(q1, 7) >> 4) * <i32>load<i8>(xb, 7) + (<i32>load<u8>(q1, 23) >> 4) * <i32>load<i8>(xb, 23));
      t8 += da1 * <f32>((<i32>load<u8>(q1, 8) & 15) * <i32>load<i8>(xa, 8) + (<i32>load<u8>(q1, 24) & 15) * <i32>load<i8>(xa, 24)) + db1 * <f32>((<i32>load<u8>(q1, 8) >> 4) * <i32>load<i8>(xb, 8) + (<i32>load<u8>(q1, 24) >> 4) * <i32>load<i8>(xb, 24));
      t9 += da1 * <f32>((<i32>load<u8>(q1, 9) & 15) * <i32>load<i8>(xa, 9) + (<i32>load<u8>(q1, 25) & 15) * <i32>load<i8>(xa, 25)) + db1 * <f32>((<i32>load<u8>(q1, 9) >> 4) * <i32>load<i8>(xb, 9) + (<i32>load<u8>(q1, 25) >> 4) * <i32>load<i8>(xb, 25));
      t10 += da1 * <f32>((<i32>load<u8>(q1, 10) & 15) * <i32>load<i8>(xa, 10) + (<i32>load<u8>(q1, 26) & 15) * <i32>load<i8>(xa, 26)) + db1 * <f32>((<i32>load<u8>(q1, 10) >> 4) * <i32>load<i8>(xb, 10) + (<i32>load<u8>(q1, 26) >> 4) * <i32>load<i8>(xb, 26));
      t11 += da1 * <f32>((<i32>load<u8>(q1, 11) & 15) * <i32>load<i8>(xa, 11) + (<i32>load<u8>(q1, 27) & 15) * <i32>load<i8>(xa, 27)) + db1 * <f32>((<i32>load<u8>(q1, 11) >> 4) * <i32>load<i8>(xb, 11) + (<i32>load<u8>(q1, 27) >> 4) * <i32>load<i8>(xb, 27));
      t12 += da1 * <f32>((<i32>load<u8>(q1, 12) & 15) * <i32>load<i8>(xa, 12) + (<i32>load<u8>(q1, 28) & 15) * <i32>load<i8>(xa, 28)) + db1 * <f32>((<i32>load<u8>(q1, 12) >> 4) * <i32>load<i8>(xb, 12) + (<i32>load<u8>(q1, 28) >> 4) * <i32>load<i8>(xb, 28));
      t13 += da1 * <f32>((<i32>load<u8>(q1, 13) & 15) * <i32>load<i8>(xa, 13) + (<i32>load<u8>(q1, 29) & 15) * <i32>load<i8>(xa, 29)) + db1 * <f32>((<i32>load<u8>(q1, 13) >> 4) * <i32>load<i8>(xb, 13) + (<i32>load<u8>(q1, 29) >> 4) * <i32>load<i8>(xb, 29));
      t14 += da1 * <f32>((<i32>load<u8>(q1, 14) & 15) * <i32>load<i8>(xa, 14) + (<i32>load<u8>(q1, 30) & 15) * <i32>load<i8>(xa, 30)) + db1 * <f32>((<i32>load<u8>(q1, 14) >> 4) * <i32>load<i8>(xb, 14) + (<i32>load<u8>(q1, 30) >> 4) * <i32>load<i8>(xb, 30));
      t15 += da1 * <f32>((<i32>load<u8>(q1, 15) & 15) * <i32>load<i8>(xa, 15) + (<i32>load<u8>(q1, 31) & 15) * <i32>load<i8>(xa, 31)) + db1 * <f32>((<i32>load<u8>(q1, 15) >> 4) * <i32>load<i8>(xb, 15) + (<i32>load<u8>(q1, 31) >> 4) * <i32>load<i8>(xb, 31));
    }
  }
  store<f32>(lanes, s0, 0);
  store<f32>(lanes, s1, 4);
  store<f32>(lanes, s2, 8);
  store<f32>(lanes, s3, 12);
  store<f32>(lanes, s4, 16);
  store<f32>(lanes, s5, 20);
  store<f32>(lanes, s6, 24);
  store<f32>(lanes, s7, 28);
  store<f32>(lanes, s8, 32);
  store<f32>(lanes, s9, 36);
  store<f32>(lanes, s10, 40);
  store<f32>(lanes, s11, 44);
  store<f32>(lanes, s12, 48);
  store<f32>(lanes, s13, 52);
  store<f32>(lanes, s14, 56);
  store<f32>(lanes, s15, 60);
  store<f32>(lanes, t0, 64);
  store<f32>(lanes, t1, 68);
  store<f32>(lanes, t2, 72);
  store<f32>(lanes, t3, 76);
  store<f32>(lanes, t4, 80);
  store<f32>(lanes, t5, 84);
  store<f32>(lanes, t6, 88);
  store<f32>(lanes, t7, 92);
  store<f32>(lanes, t8, 96);
  store<f32>(lanes, t9, 100);
  store<f32>(lanes, t10, 104);
  store<f32>(lanes, t11, 108);
  store<f32>(lanes, t12, 112);
  store<f32>(lanes, t13, 116);
  store<f32>(lanes, t14, 120);
  store<f32>(lanes, t15, 124);
  store<f32>(out0, ((((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15)))) - mins0);
  store<f32>(out1, ((((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7))) + (((t8 + t9) + (t10 + t11)) + ((t12 + t13) + (t14 + t15)))) - mins1);
}
