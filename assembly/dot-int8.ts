// Dot products of quantized weight rows with activations quantized to int8 as well,
// the way llama.cpp runs them: within a 32-value block both sides are small integers,
// so the products are exact integer multiply-adds (which the C compiler turns into
// packed int16 multiply-adds), and floats appear once per block, for the two scales.
//
// An activation vector of n values is stored as n int8 codes followed by n / 32 f32
// scales. Lane k of a block sums the products of values k and k + 16 (the two nibbles
// of byte k in Q4_0); lanes collect block results in a fixed order, as in ops.ts, so
// Node and the C builds agree bit for bit.
import { halfTable } from "./quant";

/** Bytes of an int8-quantized vector of n values (n a multiple of 32). */
export function int8VectorBytes(n: i32): usize {
  return <usize>n + (<usize>n >> 3);
}

/**
 * x (n,) f32 -> out, as llama.cpp quantizes activations for these weights: per 32-value
 * block d = max |x| / 127, codes roundf(x / d) (halves away from zero), and d kept at
 * half precision, the way its Q8_0 blocks store it.
 */
export function quantizeActivations(out: usize, x: usize, n: i32): void {
  const scales = out + <usize>n;
  for (let b = 0; b < n >> 5; b++) {
    const xb = x + (<usize>b << 7);
    let amax: f32 = 0;
    for (let k = 0; k < 32; k++) amax = max(amax, abs(load<f32>(xb + (<usize>k << 2))));
    const d = amax / 127;
    const id: f32 = d != 0 ? 1 / d : 0;
    for (let k = 0; k < 32; k++) store<i8>(out + (<usize>b << 5) + k, <i8>roundHalfAway(load<f32>(xb + (<usize>k << 2)) * id));
    store<f32>(scales + (<usize>b << 2), toHalfPrecision(d));
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
