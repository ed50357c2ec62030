// Dot products of quantized weight rows with activations quantized to int8 as well,
// the way llama.cpp runs them: within a 32-value block both sides are small integers,
// and the block's two scales apply once to their products' sum.
//
// The activation codes are kept as f32 (exact: they are integers of at most 127), and so
// are the products of two codes and the sum of two products: most kernels compute
// llama.cpp's integer results with float multiplies, which clang's cost model takes for
// vectors more readily than 32-bit integer ones on generic x86-64 tuning; Q6_K's kernel
// vectorizes better on int8 codes. So an activation vector of n values is stored as n f32
// codes, the same n codes as int8, n / 32 f32 scales, and n / 32 f32 sums of each
// block's codes (for the K-quants' minimums). Lane k of a block takes the products
// of values k and k + 16 (the two nibbles of byte k in Q4_0); lanes collect block results
// in a fixed order, as in ops.ts, so Node and the C builds agree bit for bit.
import { halfTable, kMin, kScale } from "./quant";

/** Bytes of a quantized activation vector of n values (n a multiple of 32): f32 codes, int8 codes, then per block its scale and its codes' sum. */
export function int8VectorBytes(n: i32): usize {
  return (<usize>n << 2) + <usize>n + (<usize>n >> 2);
}

/**
 * x (n,) f32 -> out, as llama.cpp quantizes activations for these weights: per 32-value
 * block d = max |x| / 127, codes roundf(x / d) (halves away from zero), and d kept at
 * half precision, the way its Q8_0 blocks store it.
 */
export function quantizeActivations(out: usize, x: usize, n: i32): void {
  const codes = out + (<usize>n << 2), scales = codes + <usize>n, sums = scales + (<usize>n >> 3);
  for (let b = 0; b < n >> 5; b++) {
    const xb = x + (<usize>b << 7);
    let amax: f32 = 0;
    for (let k = 0; k < 32; k++) amax = max(amax, abs(load<f32>(xb + (<usize>k << 2))));
    const d = amax / 127;
    const id: f32 = d != 0 ? 1 / d : 0;
    let sum = 0;
    for (let k = 0; k < 32; k++) {
      const code = roundHalfAway(load<f32>(xb + (<usize>k << 2)) * id);
      store<f32>(out + (<usize>((b << 5) + k) << 2), <f32>code);
      store<i8>(codes + (<usize>b << 5) + k, <i8>code);
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
 * Q8_0 rows row0 and row1 (blocks of f16 d, 32 × int8) · xq, into out0 and out1: Σ over
 * blocks of d·d_x·Σ q·q_x, two rows at once so their weights stream from two places and
 * share each block of xq. As in ops.ts's dot2, the partial sums are stored side by side
 * in `lanes` (32 floats) only to show the C compiler which belong in one vector.
 */
export function dot2Q8_0(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  const table = halfTable, scales = xq + (<usize>n << 2) + <usize>n;
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 34, p1 = row1 + <usize>b * 34, q = xq + (<usize>b << 7);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(table + (<usize>load<u16>(p0) << 2)) * dx, d1 = load<f32>(table + (<usize>load<u16>(p1) << 2)) * dx;
    s0 += d0 * (<f32>load<i8>(p0, 2) * load<f32>(q, 0) + <f32>load<i8>(p0, 18) * load<f32>(q, 64));
    s1 += d0 * (<f32>load<i8>(p0, 3) * load<f32>(q, 4) + <f32>load<i8>(p0, 19) * load<f32>(q, 68));
    s2 += d0 * (<f32>load<i8>(p0, 4) * load<f32>(q, 8) + <f32>load<i8>(p0, 20) * load<f32>(q, 72));
    s3 += d0 * (<f32>load<i8>(p0, 5) * load<f32>(q, 12) + <f32>load<i8>(p0, 21) * load<f32>(q, 76));
    s4 += d0 * (<f32>load<i8>(p0, 6) * load<f32>(q, 16) + <f32>load<i8>(p0, 22) * load<f32>(q, 80));
    s5 += d0 * (<f32>load<i8>(p0, 7) * load<f32>(q, 20) + <f32>load<i8>(p0, 23) * load<f32>(q, 84));
    s6 += d0 * (<f32>load<i8>(p0, 8) * load<f32>(q, 24) + <f32>load<i8>(p0, 24) * load<f32>(q, 88));
    s7 += d0 * (<f32>load<i8>(p0, 9) * load<f32>(q, 28) + <f32>load<i8>(p0, 25) * load<f32>(q, 92));
    s8 += d0 * (<f32>load<i8>(p0, 10) * load<f32>(q, 32) + <f32>load<i8>(p0, 26) * load<f32>(q, 96));
    s9 += d0 * (<f32>load<i8>(p0, 11) * load<f32>(q, 36) + <f32>load<i8>(p0, 27) * load<f32>(q, 100));
    s10 += d0 * (<f32>load<i8>(p0, 12) * load<f32>(q, 40) + <f32>load<i8>(p0, 28) * load<f32>(q, 104));
    s11 += d0 * (<f32>load<i8>(p0, 13) * load<f32>(q, 44) + <f32>load<i8>(p0, 29) * load<f32>(q, 108));
    s12 += d0 * (<f32>load<i8>(p0, 14) * load<f32>(q, 48) + <f32>load<i8>(p0, 30) * load<f32>(q, 112));
    s13 += d0 * (<f32>load<i8>(p0, 15) * load<f32>(q, 52) + <f32>load<i8>(p0, 31) * load<f32>(q, 116));
    s14 += d0 * (<f32>load<i8>(p0, 16) * load<f32>(q, 56) + <f32>load<i8>(p0, 32) * load<f32>(q, 120));
    s15 += d0 * (<f32>load<i8>(p0, 17) * load<f32>(q, 60) + <f32>load<i8>(p0, 33) * load<f32>(q, 124));
    t0 += d1 * (<f32>load<i8>(p1, 2) * load<f32>(q, 0) + <f32>load<i8>(p1, 18) * load<f32>(q, 64));
    t1 += d1 * (<f32>load<i8>(p1, 3) * load<f32>(q, 4) + <f32>load<i8>(p1, 19) * load<f32>(q, 68));
    t2 += d1 * (<f32>load<i8>(p1, 4) * load<f32>(q, 8) + <f32>load<i8>(p1, 20) * load<f32>(q, 72));
    t3 += d1 * (<f32>load<i8>(p1, 5) * load<f32>(q, 12) + <f32>load<i8>(p1, 21) * load<f32>(q, 76));
    t4 += d1 * (<f32>load<i8>(p1, 6) * load<f32>(q, 16) + <f32>load<i8>(p1, 22) * load<f32>(q, 80));
    t5 += d1 * (<f32>load<i8>(p1, 7) * load<f32>(q, 20) + <f32>load<i8>(p1, 23) * load<f32>(q, 84));
    t6 += d1 * (<f32>load<i8>(p1, 8) * load<f32>(q, 24) + <f32>load<i8>(p1, 24) * load<f32>(q, 88));
    t7 += d1 * (<f32>load<i8>(p1, 9) * load<f32>(q, 28) + <f32>load<i8>(p1, 25) * load<f32>(q, 92));
    t8 += d1 * (<f32>load<i8>(p1, 10) * load<f32>(q, 32) + <f32>load<i8>(p1, 26) * load<f32>(q, 96));
    t9 += d1 * (<f32>load<i8>(p1, 11) * load<f32>(q, 36) + <f32>load<i8>(p1, 27) * load<f32>(q, 100));
    t10 += d1 * (<f32>load<i8>(p1, 12) * load<f32>(q, 40) + <f32>load<i8>(p1, 28) * load<f32>(q, 104));
    t11 += d1 * (<f32>load<i8>(p1, 13) * load<f32>(q, 44) + <f32>load<i8>(p1, 29) * load<f32>(q, 108));
    t12 += d1 * (<f32>load<i8>(p1, 14) * load<f32>(q, 48) + <f32>load<i8>(p1, 30) * load<f32>(q, 112));
    t13 += d1 * (<f32>load<i8>(p1, 15) * load<f32>(q, 52) + <f32>load<i8>(p1, 31) * load<f32>(q, 116));
    t14 += d1 * (<f32>load<i8>(p1, 16) * load<f32>(q, 56) + <f32>load<i8>(p1, 32) * load<f32>(q, 120));
    t15 += d1 * (<f32>load<i8>(p1, 17) * load<f32>(q, 60) + <f32>load<i8>(p1, 33) * load<f32>(q, 124));
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

/** Q4_0 rows row0 and row1 (blocks of f16 d, 16 bytes of nibbles) · xq into out0 and out1, as dot2Q8_0: Σ d·d_x·Σ (q − 8)·q_x. */
export function dot2Q4_0(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  const table = halfTable, scales = xq + (<usize>n << 2) + <usize>n;
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 18, p1 = row1 + <usize>b * 18, q = xq + (<usize>b << 7);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(table + (<usize>load<u16>(p0) << 2)) * dx, d1 = load<f32>(table + (<usize>load<u16>(p1) << 2)) * dx;
    s0 += d0 * (<f32>((<i32>load<u8>(p0, 2) & 15) - 8) * load<f32>(q, 0) + <f32>((<i32>load<u8>(p0, 2) >> 4) - 8) * load<f32>(q, 64));
    s1 += d0 * (<f32>((<i32>load<u8>(p0, 3) & 15) - 8) * load<f32>(q, 4) + <f32>((<i32>load<u8>(p0, 3) >> 4) - 8) * load<f32>(q, 68));
    s2 += d0 * (<f32>((<i32>load<u8>(p0, 4) & 15) - 8) * load<f32>(q, 8) + <f32>((<i32>load<u8>(p0, 4) >> 4) - 8) * load<f32>(q, 72));
    s3 += d0 * (<f32>((<i32>load<u8>(p0, 5) & 15) - 8) * load<f32>(q, 12) + <f32>((<i32>load<u8>(p0, 5) >> 4) - 8) * load<f32>(q, 76));
    s4 += d0 * (<f32>((<i32>load<u8>(p0, 6) & 15) - 8) * load<f32>(q, 16) + <f32>((<i32>load<u8>(p0, 6) >> 4) - 8) * load<f32>(q, 80));
    s5 += d0 * (<f32>((<i32>load<u8>(p0, 7) & 15) - 8) * load<f32>(q, 20) + <f32>((<i32>load<u8>(p0, 7) >> 4) - 8) * load<f32>(q, 84));
    s6 += d0 * (<f32>((<i32>load<u8>(p0, 8) & 15) - 8) * load<f32>(q, 24) + <f32>((<i32>load<u8>(p0, 8) >> 4) - 8) * load<f32>(q, 88));
    s7 += d0 * (<f32>((<i32>load<u8>(p0, 9) & 15) - 8) * load<f32>(q, 28) + <f32>((<i32>load<u8>(p0, 9) >> 4) - 8) * load<f32>(q, 92));
    s8 += d0 * (<f32>((<i32>load<u8>(p0, 10) & 15) - 8) * load<f32>(q, 32) + <f32>((<i32>load<u8>(p0, 10) >> 4) - 8) * load<f32>(q, 96));
    s9 += d0 * (<f32>((<i32>load<u8>(p0, 11) & 15) - 8) * load<f32>(q, 36) + <f32>((<i32>load<u8>(p0, 11) >> 4) - 8) * load<f32>(q, 100));
    s10 += d0 * (<f32>((<i32>load<u8>(p0, 12) & 15) - 8) * load<f32>(q, 40) + <f32>((<i32>load<u8>(p0, 12) >> 4) - 8) * load<f32>(q, 104));
    s11 += d0 * (<f32>((<i32>load<u8>(p0, 13) & 15) - 8) * load<f32>(q, 44) + <f32>((<i32>load<u8>(p0, 13) >> 4) - 8) * load<f32>(q, 108));
    s12 += d0 * (<f32>((<i32>load<u8>(p0, 14) & 15) - 8) * load<f32>(q, 48) + <f32>((<i32>load<u8>(p0, 14) >> 4) - 8) * load<f32>(q, 112));
    s13 += d0 * (<f32>((<i32>load<u8>(p0, 15) & 15) - 8) * load<f32>(q, 52) + <f32>((<i32>load<u8>(p0, 15) >> 4) - 8) * load<f32>(q, 116));
    s14 += d0 * (<f32>((<i32>load<u8>(p0, 16) & 15) - 8) * load<f32>(q, 56) + <f32>((<i32>load<u8>(p0, 16) >> 4) - 8) * load<f32>(q, 120));
    s15 += d0 * (<f32>((<i32>load<u8>(p0, 17) & 15) - 8) * load<f32>(q, 60) + <f32>((<i32>load<u8>(p0, 17) >> 4) - 8) * load<f32>(q, 124));
    t0 += d1 * (<f32>((<i32>load<u8>(p1, 2) & 15) - 8) * load<f32>(q, 0) + <f32>((<i32>load<u8>(p1, 2) >> 4) - 8) * load<f32>(q, 64));
    t1 += d1 * (<f32>((<i32>load<u8>(p1, 3) & 15) - 8) * load<f32>(q, 4) + <f32>((<i32>load<u8>(p1, 3) >> 4) - 8) * load<f32>(q, 68));
    t2 += d1 * (<f32>((<i32>load<u8>(p1, 4) & 15) - 8) * load<f32>(q, 8) + <f32>((<i32>load<u8>(p1, 4) >> 4) - 8) * load<f32>(q, 72));
    t3 += d1 * (<f32>((<i32>load<u8>(p1, 5) & 15) - 8) * load<f32>(q, 12) + <f32>((<i32>load<u8>(p1, 5) >> 4) - 8) * load<f32>(q, 76));
    t4 += d1 * (<f32>((<i32>load<u8>(p1, 6) & 15) - 8) * load<f32>(q, 16) + <f32>((<i32>load<u8>(p1, 6) >> 4) - 8) * load<f32>(q, 80));
    t5 += d1 * (<f32>((<i32>load<u8>(p1, 7) & 15) - 8) * load<f32>(q, 20) + <f32>((<i32>load<u8>(p1, 7) >> 4) - 8) * load<f32>(q, 84));
    t6 += d1 * (<f32>((<i32>load<u8>(p1, 8) & 15) - 8) * load<f32>(q, 24) + <f32>((<i32>load<u8>(p1, 8) >> 4) - 8) * load<f32>(q, 88));
    t7 += d1 * (<f32>((<i32>load<u8>(p1, 9) & 15) - 8) * load<f32>(q, 28) + <f32>((<i32>load<u8>(p1, 9) >> 4) - 8) * load<f32>(q, 92));
    t8 += d1 * (<f32>((<i32>load<u8>(p1, 10) & 15) - 8) * load<f32>(q, 32) + <f32>((<i32>load<u8>(p1, 10) >> 4) - 8) * load<f32>(q, 96));
    t9 += d1 * (<f32>((<i32>load<u8>(p1, 11) & 15) - 8) * load<f32>(q, 36) + <f32>((<i32>load<u8>(p1, 11) >> 4) - 8) * load<f32>(q, 100));
    t10 += d1 * (<f32>((<i32>load<u8>(p1, 12) & 15) - 8) * load<f32>(q, 40) + <f32>((<i32>load<u8>(p1, 12) >> 4) - 8) * load<f32>(q, 104));
    t11 += d1 * (<f32>((<i32>load<u8>(p1, 13) & 15) - 8) * load<f32>(q, 44) + <f32>((<i32>load<u8>(p1, 13) >> 4) - 8) * load<f32>(q, 108));
    t12 += d1 * (<f32>((<i32>load<u8>(p1, 14) & 15) - 8) * load<f32>(q, 48) + <f32>((<i32>load<u8>(p1, 14) >> 4) - 8) * load<f32>(q, 112));
    t13 += d1 * (<f32>((<i32>load<u8>(p1, 15) & 15) - 8) * load<f32>(q, 52) + <f32>((<i32>load<u8>(p1, 15) >> 4) - 8) * load<f32>(q, 116));
    t14 += d1 * (<f32>((<i32>load<u8>(p1, 16) & 15) - 8) * load<f32>(q, 56) + <f32>((<i32>load<u8>(p1, 16) >> 4) - 8) * load<f32>(q, 120));
    t15 += d1 * (<f32>((<i32>load<u8>(p1, 17) & 15) - 8) * load<f32>(q, 60) + <f32>((<i32>load<u8>(p1, 17) >> 4) - 8) * load<f32>(q, 124));
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
 * Q4_K rows row0 and row1 · xq into out0 and out1, as dot2Q8_0. Per 256-value super-block
 * (f16 d, dmin, 12 bytes of 6-bit scales and mins, 128 bytes of nibbles), 32-value
 * sub-block j adds d·sc_j·d_x·Σ q·q_x − dmin·m_j·d_x·Σ q_x; a 32-byte chunk holds two
 * sub-blocks, low nibbles then high ones. The minimums collect in a sum of their own.
 */
export function dot2Q4_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  let mins0: f32 = 0, mins1: f32 = 0;
  const table = halfTable, scales = xq + (<usize>n << 2) + <usize>n, sums = scales + (<usize>n >> 3);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 144, p1 = row1 + <usize>b * 144;
    const d0 = load<f32>(table + (<usize>load<u16>(p0) << 2)), dmin0 = load<f32>(table + (<usize>load<u16>(p0, 2) << 2));
    const d1 = load<f32>(table + (<usize>load<u16>(p1) << 2)), dmin1 = load<f32>(table + (<usize>load<u16>(p1, 2) << 2));
    for (let c = 0; c < 4; c++) {
      const q0 = p0 + 16 + (<usize>c << 5), q1 = p1 + 16 + (<usize>c << 5);
      const block = (b << 3) + 2 * c, xa = xq + (<usize>block << 7), xb = xa + 128; // sub-blocks 2c and 2c + 1
      const dxa = load<f32>(scales + (<usize>block << 2)), dxb = load<f32>(scales + (<usize>block << 2), 4);
      const suma = load<f32>(sums + (<usize>block << 2)), sumb = load<f32>(sums + (<usize>block << 2), 4);
      const da0 = d0 * <f32>kScale(p0 + 4, 2 * c) * dxa, db0 = d0 * <f32>kScale(p0 + 4, 2 * c + 1) * dxb;
      const da1 = d1 * <f32>kScale(p1 + 4, 2 * c) * dxa, db1 = d1 * <f32>kScale(p1 + 4, 2 * c + 1) * dxb;
      mins0 += dmin0 * (<f32>kMin(p0 + 4, 2 * c) * dxa * suma + <f32>kMin(p0 + 4, 2 * c + 1) * dxb * sumb);
      mins1 += dmin1 * (<f32>kMin(p1 + 4, 2 * c) * dxa * suma + <f32>kMin(p1 + 4, 2 * c + 1) * dxb * sumb);
      s0 += da0 * (<f32>(<i32>load<u8>(q0, 0) & 15) * load<f32>(xa, 0) + <f32>(<i32>load<u8>(q0, 16) & 15) * load<f32>(xa, 64)) + db0 * (<f32>(<i32>load<u8>(q0, 0) >> 4) * load<f32>(xb, 0) + <f32>(<i32>load<u8>(q0, 16) >> 4) * load<f32>(xb, 64));
      s1 += da0 * (<f32>(<i32>load<u8>(q0, 1) & 15) * load<f32>(xa, 4) + <f32>(<i32>load<u8>(q0, 17) & 15) * load<f32>(xa, 68)) + db0 * (<f32>(<i32>load<u8>(q0, 1) >> 4) * load<f32>(xb, 4) + <f32>(<i32>load<u8>(q0, 17) >> 4) * load<f32>(xb, 68));
      s2 += da0 * (<f32>(<i32>load<u8>(q0, 2) & 15) * load<f32>(xa, 8) + <f32>(<i32>load<u8>(q0, 18) & 15) * load<f32>(xa, 72)) + db0 * (<f32>(<i32>load<u8>(q0, 2) >> 4) * load<f32>(xb, 8) + <f32>(<i32>load<u8>(q0, 18) >> 4) * load<f32>(xb, 72));
      s3 += da0 * (<f32>(<i32>load<u8>(q0, 3) & 15) * load<f32>(xa, 12) + <f32>(<i32>load<u8>(q0, 19) & 15) * load<f32>(xa, 76)) + db0 * (<f32>(<i32>load<u8>(q0, 3) >> 4) * load<f32>(xb, 12) + <f32>(<i32>load<u8>(q0, 19) >> 4) * load<f32>(xb, 76));
      s4 += da0 * (<f32>(<i32>load<u8>(q0, 4) & 15) * load<f32>(xa, 16) + <f32>(<i32>load<u8>(q0, 20) & 15) * load<f32>(xa, 80)) + db0 * (<f32>(<i32>load<u8>(q0, 4) >> 4) * load<f32>(xb, 16) + <f32>(<i32>load<u8>(q0, 20) >> 4) * load<f32>(xb, 80));
      s5 += da0 * (<f32>(<i32>load<u8>(q0, 5) & 15) * load<f32>(xa, 20) + <f32>(<i32>load<u8>(q0, 21) & 15) * load<f32>(xa, 84)) + db0 * (<f32>(<i32>load<u8>(q0, 5) >> 4) * load<f32>(xb, 20) + <f32>(<i32>load<u8>(q0, 21) >> 4) * load<f32>(xb, 84));
      s6 += da0 * (<f32>(<i32>load<u8>(q0, 6) & 15) * load<f32>(xa, 24) + <f32>(<i32>load<u8>(q0, 22) & 15) * load<f32>(xa, 88)) + db0 * (<f32>(<i32>load<u8>(q0, 6) >> 4) * load<f32>(xb, 24) + <f32>(<i32>load<u8>(q0, 22) >> 4) * load<f32>(xb, 88));
      s7 += da0 * (<f32>(<i32>load<u8>(q0, 7) & 15) * load<f32>(xa, 28) + <f32>(<i32>load<u8>(q0, 23) & 15) * load<f32>(xa, 92)) + db0 * (<f32>(<i32>load<u8>(q0, 7) >> 4) * load<f32>(xb, 28) + <f32>(<i32>load<u8>(q0, 23) >> 4) * load<f32>(xb, 92));
      s8 += da0 * (<f32>(<i32>load<u8>(q0, 8) & 15) * load<f32>(xa, 32) + <f32>(<i32>load<u8>(q0, 24) & 15) * load<f32>(xa, 96)) + db0 * (<f32>(<i32>load<u8>(q0, 8) >> 4) * load<f32>(xb, 32) + <f32>(<i32>load<u8>(q0, 24) >> 4) * load<f32>(xb, 96));
      s9 += da0 * (<f32>(<i32>load<u8>(q0, 9) & 15) * load<f32>(xa, 36) + <f32>(<i32>load<u8>(q0, 25) & 15) * load<f32>(xa, 100)) + db0 * (<f32>(<i32>load<u8>(q0, 9) >> 4) * load<f32>(xb, 36) + <f32>(<i32>load<u8>(q0, 25) >> 4) * load<f32>(xb, 100));
      s10 += da0 * (<f32>(<i32>load<u8>(q0, 10) & 15) * load<f32>(xa, 40) + <f32>(<i32>load<u8>(q0, 26) & 15) * load<f32>(xa, 104)) + db0 * (<f32>(<i32>load<u8>(q0, 10) >> 4) * load<f32>(xb, 40) + <f32>(<i32>load<u8>(q0, 26) >> 4) * load<f32>(xb, 104));
      s11 += da0 * (<f32>(<i32>load<u8>(q0, 11) & 15) * load<f32>(xa, 44) + <f32>(<i32>load<u8>(q0, 27) & 15) * load<f32>(xa, 108)) + db0 * (<f32>(<i32>load<u8>(q0, 11) >> 4) * load<f32>(xb, 44) + <f32>(<i32>load<u8>(q0, 27) >> 4) * load<f32>(xb, 108));
      s12 += da0 * (<f32>(<i32>load<u8>(q0, 12) & 15) * load<f32>(xa, 48) + <f32>(<i32>load<u8>(q0, 28) & 15) * load<f32>(xa, 112)) + db0 * (<f32>(<i32>load<u8>(q0, 12) >> 4) * load<f32>(xb, 48) + <f32>(<i32>load<u8>(q0, 28) >> 4) * load<f32>(xb, 112));
      s13 += da0 * (<f32>(<i32>load<u8>(q0, 13) & 15) * load<f32>(xa, 52) + <f32>(<i32>load<u8>(q0, 29) & 15) * load<f32>(xa, 116)) + db0 * (<f32>(<i32>load<u8>(q0, 13) >> 4) * load<f32>(xb, 52) + <f32>(<i32>load<u8>(q0, 29) >> 4) * load<f32>(xb, 116));
      s14 += da0 * (<f32>(<i32>load<u8>(q0, 14) & 15) * load<f32>(xa, 56) + <f32>(<i32>load<u8>(q0, 30) & 15) * load<f32>(xa, 120)) + db0 * (<f32>(<i32>load<u8>(q0, 14) >> 4) * load<f32>(xb, 56) + <f32>(<i32>load<u8>(q0, 30) >> 4) * load<f32>(xb, 120));
      s15 += da0 * (<f32>(<i32>load<u8>(q0, 15) & 15) * load<f32>(xa, 60) + <f32>(<i32>load<u8>(q0, 31) & 15) * load<f32>(xa, 124)) + db0 * (<f32>(<i32>load<u8>(q0, 15) >> 4) * load<f32>(xb, 60) + <f32>(<i32>load<u8>(q0, 31) >> 4) * load<f32>(xb, 124));
      t0 += da1 * (<f32>(<i32>load<u8>(q1, 0) & 15) * load<f32>(xa, 0) + <f32>(<i32>load<u8>(q1, 16) & 15) * load<f32>(xa, 64)) + db1 * (<f32>(<i32>load<u8>(q1, 0) >> 4) * load<f32>(xb, 0) + <f32>(<i32>load<u8>(q1, 16) >> 4) * load<f32>(xb, 64));
      t1 += da1 * (<f32>(<i32>load<u8>(q1, 1) & 15) * load<f32>(xa, 4) + <f32>(<i32>load<u8>(q1, 17) & 15) * load<f32>(xa, 68)) + db1 * (<f32>(<i32>load<u8>(q1, 1) >> 4) * load<f32>(xb, 4) + <f32>(<i32>load<u8>(q1, 17) >> 4) * load<f32>(xb, 68));
      t2 += da1 * (<f32>(<i32>load<u8>(q1, 2) & 15) * load<f32>(xa, 8) + <f32>(<i32>load<u8>(q1, 18) & 15) * load<f32>(xa, 72)) + db1 * (<f32>(<i32>load<u8>(q1, 2) >> 4) * load<f32>(xb, 8) + <f32>(<i32>load<u8>(q1, 18) >> 4) * load<f32>(xb, 72));
      t3 += da1 * (<f32>(<i32>load<u8>(q1, 3) & 15) * load<f32>(xa, 12) + <f32>(<i32>load<u8>(q1, 19) & 15) * load<f32>(xa, 76)) + db1 * (<f32>(<i32>load<u8>(q1, 3) >> 4) * load<f32>(xb, 12) + <f32>(<i32>load<u8>(q1, 19) >> 4) * load<f32>(xb, 76));
      t4 += da1 * (<f32>(<i32>load<u8>(q1, 4) & 15) * load<f32>(xa, 16) + <f32>(<i32>load<u8>(q1, 20) & 15) * load<f32>(xa, 80)) + db1 * (<f32>(<i32>load<u8>(q1, 4) >> 4) * load<f32>(xb, 16) + <f32>(<i32>load<u8>(q1, 20) >> 4) * load<f32>(xb, 80));
      t5 += da1 * (<f32>(<i32>load<u8>(q1, 5) & 15) * load<f32>(xa, 20) + <f32>(<i32>load<u8>(q1, 21) & 15) * load<f32>(xa, 84)) + db1 * (<f32>(<i32>load<u8>(q1, 5) >> 4) * load<f32>(xb, 20) + <f32>(<i32>load<u8>(q1, 21) >> 4) * load<f32>(xb, 84));
      t6 += da1 * (<f32>(<i32>load<u8>(q1, 6) & 15) * load<f32>(xa, 24) + <f32>(<i32>load<u8>(q1, 22) & 15) * load<f32>(xa, 88)) + db1 * (<f32>(<i32>load<u8>(q1, 6) >> 4) * load<f32>(xb, 24) + <f32>(<i32>load<u8>(q1, 22) >> 4) * load<f32>(xb, 88));
      t7 += da1 * (<f32>(<i32>load<u8>(q1, 7) & 15) * load<f32>(xa, 28) + <f32>(<i32>load<u8>(q1, 23) & 15) * load<f32>(xa, 92)) + db1 * (<f32>(<i32>load<u8>(q1, 7) >> 4) * load<f32>(xb, 28) + <f32>(<i32>load<u8>(q1, 23) >> 4) * load<f32>(xb, 92));
      t8 += da1 * (<f32>(<i32>load<u8>(q1, 8) & 15) * load<f32>(xa, 32) + <f32>(<i32>load<u8>(q1, 24) & 15) * load<f32>(xa, 96)) + db1 * (<f32>(<i32>load<u8>(q1, 8) >> 4) * load<f32>(xb, 32) + <f32>(<i32>load<u8>(q1, 24) >> 4) * load<f32>(xb, 96));
      t9 += da1 * (<f32>(<i32>load<u8>(q1, 9) & 15) * load<f32>(xa, 36) + <f32>(<i32>load<u8>(q1, 25) & 15) * load<f32>(xa, 100)) + db1 * (<f32>(<i32>load<u8>(q1, 9) >> 4) * load<f32>(xb, 36) + <f32>(<i32>load<u8>(q1, 25) >> 4) * load<f32>(xb, 100));
      t10 += da1 * (<f32>(<i32>load<u8>(q1, 10) & 15) * load<f32>(xa, 40) + <f32>(<i32>load<u8>(q1, 26) & 15) * load<f32>(xa, 104)) + db1 * (<f32>(<i32>load<u8>(q1, 10) >> 4) * load<f32>(xb, 40) + <f32>(<i32>load<u8>(q1, 26) >> 4) * load<f32>(xb, 104));
      t11 += da1 * (<f32>(<i32>load<u8>(q1, 11) & 15) * load<f32>(xa, 44) + <f32>(<i32>load<u8>(q1, 27) & 15) * load<f32>(xa, 108)) + db1 * (<f32>(<i32>load<u8>(q1, 11) >> 4) * load<f32>(xb, 44) + <f32>(<i32>load<u8>(q1, 27) >> 4) * load<f32>(xb, 108));
      t12 += da1 * (<f32>(<i32>load<u8>(q1, 12) & 15) * load<f32>(xa, 48) + <f32>(<i32>load<u8>(q1, 28) & 15) * load<f32>(xa, 112)) + db1 * (<f32>(<i32>load<u8>(q1, 12) >> 4) * load<f32>(xb, 48) + <f32>(<i32>load<u8>(q1, 28) >> 4) * load<f32>(xb, 112));
      t13 += da1 * (<f32>(<i32>load<u8>(q1, 13) & 15) * load<f32>(xa, 52) + <f32>(<i32>load<u8>(q1, 29) & 15) * load<f32>(xa, 116)) + db1 * (<f32>(<i32>load<u8>(q1, 13) >> 4) * load<f32>(xb, 52) + <f32>(<i32>load<u8>(q1, 29) >> 4) * load<f32>(xb, 116));
      t14 += da1 * (<f32>(<i32>load<u8>(q1, 14) & 15) * load<f32>(xa, 56) + <f32>(<i32>load<u8>(q1, 30) & 15) * load<f32>(xa, 120)) + db1 * (<f32>(<i32>load<u8>(q1, 14) >> 4) * load<f32>(xb, 56) + <f32>(<i32>load<u8>(q1, 30) >> 4) * load<f32>(xb, 120));
      t15 += da1 * (<f32>(<i32>load<u8>(q1, 15) & 15) * load<f32>(xa, 60) + <f32>(<i32>load<u8>(q1, 31) & 15) * load<f32>(xa, 124)) + db1 * (<f32>(<i32>load<u8>(q1, 15) >> 4) * load<f32>(xb, 60) + <f32>(<i32>load<u8>(q1, 31) >> 4) * load<f32>(xb, 124));
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

/**
 * Q6_K rows row0 and row1 · xq into out0 and out1, as dot2Q8_0, but on the int8 codes:
 * with float products clang gathers this kernel's lanes one by one, 5× slower. Per 256-value
 * super-block (128 bytes of low nibbles, 64 of high bit pairs, 16 int8 scales, f16 d), each
 * 16-value group g adds d·sc_g·d_x·Σ (q − 32)·q_x. A half super-block is four 32-value
 * blocks m, whose values l (0..31) take nibbles from byte l or l + 32 and bit pairs at 2m.
 * The two 16-value groups of a lane add in separate statements: written as one sum, the
 * C compiler leaves the whole kernel scalar.
 */
export function dot2Q6_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  const table = halfTable, codes = xq + (<usize>n << 2), scales = codes + <usize>n;
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 210, p1 = row1 + <usize>b * 210;
    const d0 = load<f32>(table + (<usize>load<u16>(p0, 208) << 2)), d1 = load<f32>(table + (<usize>load<u16>(p1, 208) << 2));
    for (let half = 0; half < 2; half++) {
      const low0 = p0 + (<usize>half << 6), high0 = p0 + 128 + (<usize>half << 5), sc0 = p0 + 192 + (<usize>half << 3);
      const low1 = p1 + (<usize>half << 6), high1 = p1 + 128 + (<usize>half << 5), sc1 = p1 + 192 + (<usize>half << 3);
      const block = (b << 3) + (half << 2), x = codes + (<usize>block << 5), dx = scales + (<usize>block << 2);
      // block 0: values 0..31 of the half
      const dx0 = load<f32>(dx, 0);
      const a00 = d0 * <f32>load<i8>(sc0, 0) * dx0, b00 = d0 * <f32>load<i8>(sc0, 1) * dx0;
      const a10 = d1 * <f32>load<i8>(sc1, 0) * dx0, b10 = d1 * <f32>load<i8>(sc1, 1) * dx0;
      s0 += a00 * <f32>((((<i32>load<u8>(low0, 0) & 15) | (((<i32>load<u8>(high0, 0) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 0));
      s0 += b00 * <f32>((((<i32>load<u8>(low0, 16) & 15) | (((<i32>load<u8>(high0, 16) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 16));
      s1 += a00 * <f32>((((<i32>load<u8>(low0, 1) & 15) | (((<i32>load<u8>(high0, 1) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 1));
      s1 += b00 * <f32>((((<i32>load<u8>(low0, 17) & 15) | (((<i32>load<u8>(high0, 17) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 17));
      s2 += a00 * <f32>((((<i32>load<u8>(low0, 2) & 15) | (((<i32>load<u8>(high0, 2) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 2));
      s2 += b00 * <f32>((((<i32>load<u8>(low0, 18) & 15) | (((<i32>load<u8>(high0, 18) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 18));
      s3 += a00 * <f32>((((<i32>load<u8>(low0, 3) & 15) | (((<i32>load<u8>(high0, 3) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 3));
      s3 += b00 * <f32>((((<i32>load<u8>(low0, 19) & 15) | (((<i32>load<u8>(high0, 19) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 19));
      s4 += a00 * <f32>((((<i32>load<u8>(low0, 4) & 15) | (((<i32>load<u8>(high0, 4) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 4));
      s4 += b00 * <f32>((((<i32>load<u8>(low0, 20) & 15) | (((<i32>load<u8>(high0, 20) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 20));
      s5 += a00 * <f32>((((<i32>load<u8>(low0, 5) & 15) | (((<i32>load<u8>(high0, 5) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 5));
      s5 += b00 * <f32>((((<i32>load<u8>(low0, 21) & 15) | (((<i32>load<u8>(high0, 21) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 21));
      s6 += a00 * <f32>((((<i32>load<u8>(low0, 6) & 15) | (((<i32>load<u8>(high0, 6) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 6));
      s6 += b00 * <f32>((((<i32>load<u8>(low0, 22) & 15) | (((<i32>load<u8>(high0, 22) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 22));
      s7 += a00 * <f32>((((<i32>load<u8>(low0, 7) & 15) | (((<i32>load<u8>(high0, 7) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 7));
      s7 += b00 * <f32>((((<i32>load<u8>(low0, 23) & 15) | (((<i32>load<u8>(high0, 23) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 23));
      s8 += a00 * <f32>((((<i32>load<u8>(low0, 8) & 15) | (((<i32>load<u8>(high0, 8) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 8));
      s8 += b00 * <f32>((((<i32>load<u8>(low0, 24) & 15) | (((<i32>load<u8>(high0, 24) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 24));
      s9 += a00 * <f32>((((<i32>load<u8>(low0, 9) & 15) | (((<i32>load<u8>(high0, 9) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 9));
      s9 += b00 * <f32>((((<i32>load<u8>(low0, 25) & 15) | (((<i32>load<u8>(high0, 25) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 25));
      s10 += a00 * <f32>((((<i32>load<u8>(low0, 10) & 15) | (((<i32>load<u8>(high0, 10) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 10));
      s10 += b00 * <f32>((((<i32>load<u8>(low0, 26) & 15) | (((<i32>load<u8>(high0, 26) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 26));
      s11 += a00 * <f32>((((<i32>load<u8>(low0, 11) & 15) | (((<i32>load<u8>(high0, 11) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 11));
      s11 += b00 * <f32>((((<i32>load<u8>(low0, 27) & 15) | (((<i32>load<u8>(high0, 27) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 27));
      s12 += a00 * <f32>((((<i32>load<u8>(low0, 12) & 15) | (((<i32>load<u8>(high0, 12) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 12));
      s12 += b00 * <f32>((((<i32>load<u8>(low0, 28) & 15) | (((<i32>load<u8>(high0, 28) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 28));
      s13 += a00 * <f32>((((<i32>load<u8>(low0, 13) & 15) | (((<i32>load<u8>(high0, 13) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 13));
      s13 += b00 * <f32>((((<i32>load<u8>(low0, 29) & 15) | (((<i32>load<u8>(high0, 29) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 29));
      s14 += a00 * <f32>((((<i32>load<u8>(low0, 14) & 15) | (((<i32>load<u8>(high0, 14) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 14));
      s14 += b00 * <f32>((((<i32>load<u8>(low0, 30) & 15) | (((<i32>load<u8>(high0, 30) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 30));
      s15 += a00 * <f32>((((<i32>load<u8>(low0, 15) & 15) | (((<i32>load<u8>(high0, 15) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 15));
      s15 += b00 * <f32>((((<i32>load<u8>(low0, 31) & 15) | (((<i32>load<u8>(high0, 31) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 31));
      t0 += a10 * <f32>((((<i32>load<u8>(low1, 0) & 15) | (((<i32>load<u8>(high1, 0) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 0));
      t0 += b10 * <f32>((((<i32>load<u8>(low1, 16) & 15) | (((<i32>load<u8>(high1, 16) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 16));
      t1 += a10 * <f32>((((<i32>load<u8>(low1, 1) & 15) | (((<i32>load<u8>(high1, 1) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 1));
      t1 += b10 * <f32>((((<i32>load<u8>(low1, 17) & 15) | (((<i32>load<u8>(high1, 17) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 17));
      t2 += a10 * <f32>((((<i32>load<u8>(low1, 2) & 15) | (((<i32>load<u8>(high1, 2) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 2));
      t2 += b10 * <f32>((((<i32>load<u8>(low1, 18) & 15) | (((<i32>load<u8>(high1, 18) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 18));
      t3 += a10 * <f32>((((<i32>load<u8>(low1, 3) & 15) | (((<i32>load<u8>(high1, 3) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 3));
      t3 += b10 * <f32>((((<i32>load<u8>(low1, 19) & 15) | (((<i32>load<u8>(high1, 19) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 19));
      t4 += a10 * <f32>((((<i32>load<u8>(low1, 4) & 15) | (((<i32>load<u8>(high1, 4) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 4));
      t4 += b10 * <f32>((((<i32>load<u8>(low1, 20) & 15) | (((<i32>load<u8>(high1, 20) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 20));
      t5 += a10 * <f32>((((<i32>load<u8>(low1, 5) & 15) | (((<i32>load<u8>(high1, 5) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 5));
      t5 += b10 * <f32>((((<i32>load<u8>(low1, 21) & 15) | (((<i32>load<u8>(high1, 21) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 21));
      t6 += a10 * <f32>((((<i32>load<u8>(low1, 6) & 15) | (((<i32>load<u8>(high1, 6) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 6));
      t6 += b10 * <f32>((((<i32>load<u8>(low1, 22) & 15) | (((<i32>load<u8>(high1, 22) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 22));
      t7 += a10 * <f32>((((<i32>load<u8>(low1, 7) & 15) | (((<i32>load<u8>(high1, 7) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 7));
      t7 += b10 * <f32>((((<i32>load<u8>(low1, 23) & 15) | (((<i32>load<u8>(high1, 23) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 23));
      t8 += a10 * <f32>((((<i32>load<u8>(low1, 8) & 15) | (((<i32>load<u8>(high1, 8) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 8));
      t8 += b10 * <f32>((((<i32>load<u8>(low1, 24) & 15) | (((<i32>load<u8>(high1, 24) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 24));
      t9 += a10 * <f32>((((<i32>load<u8>(low1, 9) & 15) | (((<i32>load<u8>(high1, 9) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 9));
      t9 += b10 * <f32>((((<i32>load<u8>(low1, 25) & 15) | (((<i32>load<u8>(high1, 25) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 25));
      t10 += a10 * <f32>((((<i32>load<u8>(low1, 10) & 15) | (((<i32>load<u8>(high1, 10) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 10));
      t10 += b10 * <f32>((((<i32>load<u8>(low1, 26) & 15) | (((<i32>load<u8>(high1, 26) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 26));
      t11 += a10 * <f32>((((<i32>load<u8>(low1, 11) & 15) | (((<i32>load<u8>(high1, 11) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 11));
      t11 += b10 * <f32>((((<i32>load<u8>(low1, 27) & 15) | (((<i32>load<u8>(high1, 27) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 27));
      t12 += a10 * <f32>((((<i32>load<u8>(low1, 12) & 15) | (((<i32>load<u8>(high1, 12) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 12));
      t12 += b10 * <f32>((((<i32>load<u8>(low1, 28) & 15) | (((<i32>load<u8>(high1, 28) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 28));
      t13 += a10 * <f32>((((<i32>load<u8>(low1, 13) & 15) | (((<i32>load<u8>(high1, 13) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 13));
      t13 += b10 * <f32>((((<i32>load<u8>(low1, 29) & 15) | (((<i32>load<u8>(high1, 29) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 29));
      t14 += a10 * <f32>((((<i32>load<u8>(low1, 14) & 15) | (((<i32>load<u8>(high1, 14) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 14));
      t14 += b10 * <f32>((((<i32>load<u8>(low1, 30) & 15) | (((<i32>load<u8>(high1, 30) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 30));
      t15 += a10 * <f32>((((<i32>load<u8>(low1, 15) & 15) | (((<i32>load<u8>(high1, 15) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 15));
      t15 += b10 * <f32>((((<i32>load<u8>(low1, 31) & 15) | (((<i32>load<u8>(high1, 31) >> 0) & 3) << 4)) - 32) * <i32>load<i8>(x, 31));
      // block 1: values 32..63 of the half
      const dx1 = load<f32>(dx, 4);
      const a01 = d0 * <f32>load<i8>(sc0, 2) * dx1, b01 = d0 * <f32>load<i8>(sc0, 3) * dx1;
      const a11 = d1 * <f32>load<i8>(sc1, 2) * dx1, b11 = d1 * <f32>load<i8>(sc1, 3) * dx1;
      s0 += a01 * <f32>((((<i32>load<u8>(low0, 32) & 15) | (((<i32>load<u8>(high0, 0) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 32));
      s0 += b01 * <f32>((((<i32>load<u8>(low0, 48) & 15) | (((<i32>load<u8>(high0, 16) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 48));
      s1 += a01 * <f32>((((<i32>load<u8>(low0, 33) & 15) | (((<i32>load<u8>(high0, 1) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 33));
      s1 += b01 * <f32>((((<i32>load<u8>(low0, 49) & 15) | (((<i32>load<u8>(high0, 17) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 49));
      s2 += a01 * <f32>((((<i32>load<u8>(low0, 34) & 15) | (((<i32>load<u8>(high0, 2) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 34));
      s2 += b01 * <f32>((((<i32>load<u8>(low0, 50) & 15) | (((<i32>load<u8>(high0, 18) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 50));
      s3 += a01 * <f32>((((<i32>load<u8>(low0, 35) & 15) | (((<i32>load<u8>(high0, 3) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 35));
      s3 += b01 * <f32>((((<i32>load<u8>(low0, 51) & 15) | (((<i32>load<u8>(high0, 19) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 51));
      s4 += a01 * <f32>((((<i32>load<u8>(low0, 36) & 15) | (((<i32>load<u8>(high0, 4) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 36));
      s4 += b01 * <f32>((((<i32>load<u8>(low0, 52) & 15) | (((<i32>load<u8>(high0, 20) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 52));
      s5 += a01 * <f32>((((<i32>load<u8>(low0, 37) & 15) | (((<i32>load<u8>(high0, 5) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 37));
      s5 += b01 * <f32>((((<i32>load<u8>(low0, 53) & 15) | (((<i32>load<u8>(high0, 21) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 53));
      s6 += a01 * <f32>((((<i32>load<u8>(low0, 38) & 15) | (((<i32>load<u8>(high0, 6) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 38));
      s6 += b01 * <f32>((((<i32>load<u8>(low0, 54) & 15) | (((<i32>load<u8>(high0, 22) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 54));
      s7 += a01 * <f32>((((<i32>load<u8>(low0, 39) & 15) | (((<i32>load<u8>(high0, 7) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 39));
      s7 += b01 * <f32>((((<i32>load<u8>(low0, 55) & 15) | (((<i32>load<u8>(high0, 23) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 55));
      s8 += a01 * <f32>((((<i32>load<u8>(low0, 40) & 15) | (((<i32>load<u8>(high0, 8) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 40));
      s8 += b01 * <f32>((((<i32>load<u8>(low0, 56) & 15) | (((<i32>load<u8>(high0, 24) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 56));
      s9 += a01 * <f32>((((<i32>load<u8>(low0, 41) & 15) | (((<i32>load<u8>(high0, 9) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 41));
      s9 += b01 * <f32>((((<i32>load<u8>(low0, 57) & 15) | (((<i32>load<u8>(high0, 25) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 57));
      s10 += a01 * <f32>((((<i32>load<u8>(low0, 42) & 15) | (((<i32>load<u8>(high0, 10) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 42));
      s10 += b01 * <f32>((((<i32>load<u8>(low0, 58) & 15) | (((<i32>load<u8>(high0, 26) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 58));
      s11 += a01 * <f32>((((<i32>load<u8>(low0, 43) & 15) | (((<i32>load<u8>(high0, 11) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 43));
      s11 += b01 * <f32>((((<i32>load<u8>(low0, 59) & 15) | (((<i32>load<u8>(high0, 27) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 59));
      s12 += a01 * <f32>((((<i32>load<u8>(low0, 44) & 15) | (((<i32>load<u8>(high0, 12) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 44));
      s12 += b01 * <f32>((((<i32>load<u8>(low0, 60) & 15) | (((<i32>load<u8>(high0, 28) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 60));
      s13 += a01 * <f32>((((<i32>load<u8>(low0, 45) & 15) | (((<i32>load<u8>(high0, 13) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 45));
      s13 += b01 * <f32>((((<i32>load<u8>(low0, 61) & 15) | (((<i32>load<u8>(high0, 29) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 61));
      s14 += a01 * <f32>((((<i32>load<u8>(low0, 46) & 15) | (((<i32>load<u8>(high0, 14) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 46));
      s14 += b01 * <f32>((((<i32>load<u8>(low0, 62) & 15) | (((<i32>load<u8>(high0, 30) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 62));
      s15 += a01 * <f32>((((<i32>load<u8>(low0, 47) & 15) | (((<i32>load<u8>(high0, 15) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 47));
      s15 += b01 * <f32>((((<i32>load<u8>(low0, 63) & 15) | (((<i32>load<u8>(high0, 31) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 63));
      t0 += a11 * <f32>((((<i32>load<u8>(low1, 32) & 15) | (((<i32>load<u8>(high1, 0) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 32));
      t0 += b11 * <f32>((((<i32>load<u8>(low1, 48) & 15) | (((<i32>load<u8>(high1, 16) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 48));
      t1 += a11 * <f32>((((<i32>load<u8>(low1, 33) & 15) | (((<i32>load<u8>(high1, 1) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 33));
      t1 += b11 * <f32>((((<i32>load<u8>(low1, 49) & 15) | (((<i32>load<u8>(high1, 17) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 49));
      t2 += a11 * <f32>((((<i32>load<u8>(low1, 34) & 15) | (((<i32>load<u8>(high1, 2) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 34));
      t2 += b11 * <f32>((((<i32>load<u8>(low1, 50) & 15) | (((<i32>load<u8>(high1, 18) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 50));
      t3 += a11 * <f32>((((<i32>load<u8>(low1, 35) & 15) | (((<i32>load<u8>(high1, 3) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 35));
      t3 += b11 * <f32>((((<i32>load<u8>(low1, 51) & 15) | (((<i32>load<u8>(high1, 19) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 51));
      t4 += a11 * <f32>((((<i32>load<u8>(low1, 36) & 15) | (((<i32>load<u8>(high1, 4) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 36));
      t4 += b11 * <f32>((((<i32>load<u8>(low1, 52) & 15) | (((<i32>load<u8>(high1, 20) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 52));
      t5 += a11 * <f32>((((<i32>load<u8>(low1, 37) & 15) | (((<i32>load<u8>(high1, 5) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 37));
      t5 += b11 * <f32>((((<i32>load<u8>(low1, 53) & 15) | (((<i32>load<u8>(high1, 21) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 53));
      t6 += a11 * <f32>((((<i32>load<u8>(low1, 38) & 15) | (((<i32>load<u8>(high1, 6) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 38));
      t6 += b11 * <f32>((((<i32>load<u8>(low1, 54) & 15) | (((<i32>load<u8>(high1, 22) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 54));
      t7 += a11 * <f32>((((<i32>load<u8>(low1, 39) & 15) | (((<i32>load<u8>(high1, 7) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 39));
      t7 += b11 * <f32>((((<i32>load<u8>(low1, 55) & 15) | (((<i32>load<u8>(high1, 23) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 55));
      t8 += a11 * <f32>((((<i32>load<u8>(low1, 40) & 15) | (((<i32>load<u8>(high1, 8) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 40));
      t8 += b11 * <f32>((((<i32>load<u8>(low1, 56) & 15) | (((<i32>load<u8>(high1, 24) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 56));
      t9 += a11 * <f32>((((<i32>load<u8>(low1, 41) & 15) | (((<i32>load<u8>(high1, 9) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 41));
      t9 += b11 * <f32>((((<i32>load<u8>(low1, 57) & 15) | (((<i32>load<u8>(high1, 25) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 57));
      t10 += a11 * <f32>((((<i32>load<u8>(low1, 42) & 15) | (((<i32>load<u8>(high1, 10) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 42));
      t10 += b11 * <f32>((((<i32>load<u8>(low1, 58) & 15) | (((<i32>load<u8>(high1, 26) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 58));
      t11 += a11 * <f32>((((<i32>load<u8>(low1, 43) & 15) | (((<i32>load<u8>(high1, 11) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 43));
      t11 += b11 * <f32>((((<i32>load<u8>(low1, 59) & 15) | (((<i32>load<u8>(high1, 27) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 59));
      t12 += a11 * <f32>((((<i32>load<u8>(low1, 44) & 15) | (((<i32>load<u8>(high1, 12) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 44));
      t12 += b11 * <f32>((((<i32>load<u8>(low1, 60) & 15) | (((<i32>load<u8>(high1, 28) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 60));
      t13 += a11 * <f32>((((<i32>load<u8>(low1, 45) & 15) | (((<i32>load<u8>(high1, 13) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 45));
      t13 += b11 * <f32>((((<i32>load<u8>(low1, 61) & 15) | (((<i32>load<u8>(high1, 29) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 61));
      t14 += a11 * <f32>((((<i32>load<u8>(low1, 46) & 15) | (((<i32>load<u8>(high1, 14) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 46));
      t14 += b11 * <f32>((((<i32>load<u8>(low1, 62) & 15) | (((<i32>load<u8>(high1, 30) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 62));
      t15 += a11 * <f32>((((<i32>load<u8>(low1, 47) & 15) | (((<i32>load<u8>(high1, 15) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 47));
      t15 += b11 * <f32>((((<i32>load<u8>(low1, 63) & 15) | (((<i32>load<u8>(high1, 31) >> 2) & 3) << 4)) - 32) * <i32>load<i8>(x, 63));
      // block 2: values 64..95 of the half
      const dx2 = load<f32>(dx, 8);
      const a02 = d0 * <f32>load<i8>(sc0, 4) * dx2, b02 = d0 * <f32>load<i8>(sc0, 5) * dx2;
      const a12 = d1 * <f32>load<i8>(sc1, 4) * dx2, b12 = d1 * <f32>load<i8>(sc1, 5) * dx2;
      s0 += a02 * <f32>((((<i32>load<u8>(low0, 0) >> 4) | (((<i32>load<u8>(high0, 0) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 64));
      s0 += b02 * <f32>((((<i32>load<u8>(low0, 16) >> 4) | (((<i32>load<u8>(high0, 16) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 80));
      s1 += a02 * <f32>((((<i32>load<u8>(low0, 1) >> 4) | (((<i32>load<u8>(high0, 1) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 65));
      s1 += b02 * <f32>((((<i32>load<u8>(low0, 17) >> 4) | (((<i32>load<u8>(high0, 17) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 81));
      s2 += a02 * <f32>((((<i32>load<u8>(low0, 2) >> 4) | (((<i32>load<u8>(high0, 2) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 66));
      s2 += b02 * <f32>((((<i32>load<u8>(low0, 18) >> 4) | (((<i32>load<u8>(high0, 18) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 82));
      s3 += a02 * <f32>((((<i32>load<u8>(low0, 3) >> 4) | (((<i32>load<u8>(high0, 3) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 67));
      s3 += b02 * <f32>((((<i32>load<u8>(low0, 19) >> 4) | (((<i32>load<u8>(high0, 19) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 83));
      s4 += a02 * <f32>((((<i32>load<u8>(low0, 4) >> 4) | (((<i32>load<u8>(high0, 4) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 68));
      s4 += b02 * <f32>((((<i32>load<u8>(low0, 20) >> 4) | (((<i32>load<u8>(high0, 20) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 84));
      s5 += a02 * <f32>((((<i32>load<u8>(low0, 5) >> 4) | (((<i32>load<u8>(high0, 5) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 69));
      s5 += b02 * <f32>((((<i32>load<u8>(low0, 21) >> 4) | (((<i32>load<u8>(high0, 21) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 85));
      s6 += a02 * <f32>((((<i32>load<u8>(low0, 6) >> 4) | (((<i32>load<u8>(high0, 6) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 70));
      s6 += b02 * <f32>((((<i32>load<u8>(low0, 22) >> 4) | (((<i32>load<u8>(high0, 22) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 86));
      s7 += a02 * <f32>((((<i32>load<u8>(low0, 7) >> 4) | (((<i32>load<u8>(high0, 7) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 71));
      s7 += b02 * <f32>((((<i32>load<u8>(low0, 23) >> 4) | (((<i32>load<u8>(high0, 23) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 87));
      s8 += a02 * <f32>((((<i32>load<u8>(low0, 8) >> 4) | (((<i32>load<u8>(high0, 8) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 72));
      s8 += b02 * <f32>((((<i32>load<u8>(low0, 24) >> 4) | (((<i32>load<u8>(high0, 24) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 88));
      s9 += a02 * <f32>((((<i32>load<u8>(low0, 9) >> 4) | (((<i32>load<u8>(high0, 9) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 73));
      s9 += b02 * <f32>((((<i32>load<u8>(low0, 25) >> 4) | (((<i32>load<u8>(high0, 25) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 89));
      s10 += a02 * <f32>((((<i32>load<u8>(low0, 10) >> 4) | (((<i32>load<u8>(high0, 10) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 74));
      s10 += b02 * <f32>((((<i32>load<u8>(low0, 26) >> 4) | (((<i32>load<u8>(high0, 26) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 90));
      s11 += a02 * <f32>((((<i32>load<u8>(low0, 11) >> 4) | (((<i32>load<u8>(high0, 11) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 75));
      s11 += b02 * <f32>((((<i32>load<u8>(low0, 27) >> 4) | (((<i32>load<u8>(high0, 27) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 91));
      s12 += a02 * <f32>((((<i32>load<u8>(low0, 12) >> 4) | (((<i32>load<u8>(high0, 12) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 76));
      s12 += b02 * <f32>((((<i32>load<u8>(low0, 28) >> 4) | (((<i32>load<u8>(high0, 28) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 92));
      s13 += a02 * <f32>((((<i32>load<u8>(low0, 13) >> 4) | (((<i32>load<u8>(high0, 13) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 77));
      s13 += b02 * <f32>((((<i32>load<u8>(low0, 29) >> 4) | (((<i32>load<u8>(high0, 29) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 93));
      s14 += a02 * <f32>((((<i32>load<u8>(low0, 14) >> 4) | (((<i32>load<u8>(high0, 14) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 78));
      s14 += b02 * <f32>((((<i32>load<u8>(low0, 30) >> 4) | (((<i32>load<u8>(high0, 30) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 94));
      s15 += a02 * <f32>((((<i32>load<u8>(low0, 15) >> 4) | (((<i32>load<u8>(high0, 15) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 79));
      s15 += b02 * <f32>((((<i32>load<u8>(low0, 31) >> 4) | (((<i32>load<u8>(high0, 31) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 95));
      t0 += a12 * <f32>((((<i32>load<u8>(low1, 0) >> 4) | (((<i32>load<u8>(high1, 0) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 64));
      t0 += b12 * <f32>((((<i32>load<u8>(low1, 16) >> 4) | (((<i32>load<u8>(high1, 16) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 80));
      t1 += a12 * <f32>((((<i32>load<u8>(low1, 1) >> 4) | (((<i32>load<u8>(high1, 1) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 65));
      t1 += b12 * <f32>((((<i32>load<u8>(low1, 17) >> 4) | (((<i32>load<u8>(high1, 17) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 81));
      t2 += a12 * <f32>((((<i32>load<u8>(low1, 2) >> 4) | (((<i32>load<u8>(high1, 2) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 66));
      t2 += b12 * <f32>((((<i32>load<u8>(low1, 18) >> 4) | (((<i32>load<u8>(high1, 18) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 82));
      t3 += a12 * <f32>((((<i32>load<u8>(low1, 3) >> 4) | (((<i32>load<u8>(high1, 3) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 67));
      t3 += b12 * <f32>((((<i32>load<u8>(low1, 19) >> 4) | (((<i32>load<u8>(high1, 19) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 83));
      t4 += a12 * <f32>((((<i32>load<u8>(low1, 4) >> 4) | (((<i32>load<u8>(high1, 4) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 68));
      t4 += b12 * <f32>((((<i32>load<u8>(low1, 20) >> 4) | (((<i32>load<u8>(high1, 20) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 84));
      t5 += a12 * <f32>((((<i32>load<u8>(low1, 5) >> 4) | (((<i32>load<u8>(high1, 5) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 69));
      t5 += b12 * <f32>((((<i32>load<u8>(low1, 21) >> 4) | (((<i32>load<u8>(high1, 21) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 85));
      t6 += a12 * <f32>((((<i32>load<u8>(low1, 6) >> 4) | (((<i32>load<u8>(high1, 6) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 70));
      t6 += b12 * <f32>((((<i32>load<u8>(low1, 22) >> 4) | (((<i32>load<u8>(high1, 22) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 86));
      t7 += a12 * <f32>((((<i32>load<u8>(low1, 7) >> 4) | (((<i32>load<u8>(high1, 7) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 71));
      t7 += b12 * <f32>((((<i32>load<u8>(low1, 23) >> 4) | (((<i32>load<u8>(high1, 23) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 87));
      t8 += a12 * <f32>((((<i32>load<u8>(low1, 8) >> 4) | (((<i32>load<u8>(high1, 8) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 72));
      t8 += b12 * <f32>((((<i32>load<u8>(low1, 24) >> 4) | (((<i32>load<u8>(high1, 24) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 88));
      t9 += a12 * <f32>((((<i32>load<u8>(low1, 9) >> 4) | (((<i32>load<u8>(high1, 9) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 73));
      t9 += b12 * <f32>((((<i32>load<u8>(low1, 25) >> 4) | (((<i32>load<u8>(high1, 25) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 89));
      t10 += a12 * <f32>((((<i32>load<u8>(low1, 10) >> 4) | (((<i32>load<u8>(high1, 10) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 74));
      t10 += b12 * <f32>((((<i32>load<u8>(low1, 26) >> 4) | (((<i32>load<u8>(high1, 26) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 90));
      t11 += a12 * <f32>((((<i32>load<u8>(low1, 11) >> 4) | (((<i32>load<u8>(high1, 11) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 75));
      t11 += b12 * <f32>((((<i32>load<u8>(low1, 27) >> 4) | (((<i32>load<u8>(high1, 27) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 91));
      t12 += a12 * <f32>((((<i32>load<u8>(low1, 12) >> 4) | (((<i32>load<u8>(high1, 12) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 76));
      t12 += b12 * <f32>((((<i32>load<u8>(low1, 28) >> 4) | (((<i32>load<u8>(high1, 28) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 92));
      t13 += a12 * <f32>((((<i32>load<u8>(low1, 13) >> 4) | (((<i32>load<u8>(high1, 13) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 77));
      t13 += b12 * <f32>((((<i32>load<u8>(low1, 29) >> 4) | (((<i32>load<u8>(high1, 29) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 93));
      t14 += a12 * <f32>((((<i32>load<u8>(low1, 14) >> 4) | (((<i32>load<u8>(high1, 14) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 78));
      t14 += b12 * <f32>((((<i32>load<u8>(low1, 30) >> 4) | (((<i32>load<u8>(high1, 30) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 94));
      t15 += a12 * <f32>((((<i32>load<u8>(low1, 15) >> 4) | (((<i32>load<u8>(high1, 15) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 79));
      t15 += b12 * <f32>((((<i32>load<u8>(low1, 31) >> 4) | (((<i32>load<u8>(high1, 31) >> 4) & 3) << 4)) - 32) * <i32>load<i8>(x, 95));
      // block 3: values 96..127 of the half
      const dx3 = load<f32>(dx, 12);
      const a03 = d0 * <f32>load<i8>(sc0, 6) * dx3, b03 = d0 * <f32>load<i8>(sc0, 7) * dx3;
      const a13 = d1 * <f32>load<i8>(sc1, 6) * dx3, b13 = d1 * <f32>load<i8>(sc1, 7) * dx3;
      s0 += a03 * <f32>((((<i32>load<u8>(low0, 32) >> 4) | (((<i32>load<u8>(high0, 0) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 96));
      s0 += b03 * <f32>((((<i32>load<u8>(low0, 48) >> 4) | (((<i32>load<u8>(high0, 16) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 112));
      s1 += a03 * <f32>((((<i32>load<u8>(low0, 33) >> 4) | (((<i32>load<u8>(high0, 1) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 97));
      s1 += b03 * <f32>((((<i32>load<u8>(low0, 49) >> 4) | (((<i32>load<u8>(high0, 17) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 113));
      s2 += a03 * <f32>((((<i32>load<u8>(low0, 34) >> 4) | (((<i32>load<u8>(high0, 2) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 98));
      s2 += b03 * <f32>((((<i32>load<u8>(low0, 50) >> 4) | (((<i32>load<u8>(high0, 18) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 114));
      s3 += a03 * <f32>((((<i32>load<u8>(low0, 35) >> 4) | (((<i32>load<u8>(high0, 3) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 99));
      s3 += b03 * <f32>((((<i32>load<u8>(low0, 51) >> 4) | (((<i32>load<u8>(high0, 19) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 115));
      s4 += a03 * <f32>((((<i32>load<u8>(low0, 36) >> 4) | (((<i32>load<u8>(high0, 4) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 100));
      s4 += b03 * <f32>((((<i32>load<u8>(low0, 52) >> 4) | (((<i32>load<u8>(high0, 20) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 116));
      s5 += a03 * <f32>((((<i32>load<u8>(low0, 37) >> 4) | (((<i32>load<u8>(high0, 5) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 101));
      s5 += b03 * <f32>((((<i32>load<u8>(low0, 53) >> 4) | (((<i32>load<u8>(high0, 21) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 117));
      s6 += a03 * <f32>((((<i32>load<u8>(low0, 38) >> 4) | (((<i32>load<u8>(high0, 6) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 102));
      s6 += b03 * <f32>((((<i32>load<u8>(low0, 54) >> 4) | (((<i32>load<u8>(high0, 22) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 118));
      s7 += a03 * <f32>((((<i32>load<u8>(low0, 39) >> 4) | (((<i32>load<u8>(high0, 7) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 103));
      s7 += b03 * <f32>((((<i32>load<u8>(low0, 55) >> 4) | (((<i32>load<u8>(high0, 23) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 119));
      s8 += a03 * <f32>((((<i32>load<u8>(low0, 40) >> 4) | (((<i32>load<u8>(high0, 8) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 104));
      s8 += b03 * <f32>((((<i32>load<u8>(low0, 56) >> 4) | (((<i32>load<u8>(high0, 24) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 120));
      s9 += a03 * <f32>((((<i32>load<u8>(low0, 41) >> 4) | (((<i32>load<u8>(high0, 9) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 105));
      s9 += b03 * <f32>((((<i32>load<u8>(low0, 57) >> 4) | (((<i32>load<u8>(high0, 25) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 121));
      s10 += a03 * <f32>((((<i32>load<u8>(low0, 42) >> 4) | (((<i32>load<u8>(high0, 10) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 106));
      s10 += b03 * <f32>((((<i32>load<u8>(low0, 58) >> 4) | (((<i32>load<u8>(high0, 26) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 122));
      s11 += a03 * <f32>((((<i32>load<u8>(low0, 43) >> 4) | (((<i32>load<u8>(high0, 11) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 107));
      s11 += b03 * <f32>((((<i32>load<u8>(low0, 59) >> 4) | (((<i32>load<u8>(high0, 27) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 123));
      s12 += a03 * <f32>((((<i32>load<u8>(low0, 44) >> 4) | (((<i32>load<u8>(high0, 12) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 108));
      s12 += b03 * <f32>((((<i32>load<u8>(low0, 60) >> 4) | (((<i32>load<u8>(high0, 28) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 124));
      s13 += a03 * <f32>((((<i32>load<u8>(low0, 45) >> 4) | (((<i32>load<u8>(high0, 13) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 109));
      s13 += b03 * <f32>((((<i32>load<u8>(low0, 61) >> 4) | (((<i32>load<u8>(high0, 29) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 125));
      s14 += a03 * <f32>((((<i32>load<u8>(low0, 46) >> 4) | (((<i32>load<u8>(high0, 14) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 110));
      s14 += b03 * <f32>((((<i32>load<u8>(low0, 62) >> 4) | (((<i32>load<u8>(high0, 30) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 126));
      s15 += a03 * <f32>((((<i32>load<u8>(low0, 47) >> 4) | (((<i32>load<u8>(high0, 15) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 111));
      s15 += b03 * <f32>((((<i32>load<u8>(low0, 63) >> 4) | (((<i32>load<u8>(high0, 31) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 127));
      t0 += a13 * <f32>((((<i32>load<u8>(low1, 32) >> 4) | (((<i32>load<u8>(high1, 0) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 96));
      t0 += b13 * <f32>((((<i32>load<u8>(low1, 48) >> 4) | (((<i32>load<u8>(high1, 16) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 112));
      t1 += a13 * <f32>((((<i32>load<u8>(low1, 33) >> 4) | (((<i32>load<u8>(high1, 1) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 97));
      t1 += b13 * <f32>((((<i32>load<u8>(low1, 49) >> 4) | (((<i32>load<u8>(high1, 17) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 113));
      t2 += a13 * <f32>((((<i32>load<u8>(low1, 34) >> 4) | (((<i32>load<u8>(high1, 2) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 98));
      t2 += b13 * <f32>((((<i32>load<u8>(low1, 50) >> 4) | (((<i32>load<u8>(high1, 18) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 114));
      t3 += a13 * <f32>((((<i32>load<u8>(low1, 35) >> 4) | (((<i32>load<u8>(high1, 3) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 99));
      t3 += b13 * <f32>((((<i32>load<u8>(low1, 51) >> 4) | (((<i32>load<u8>(high1, 19) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 115));
      t4 += a13 * <f32>((((<i32>load<u8>(low1, 36) >> 4) | (((<i32>load<u8>(high1, 4) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 100));
      t4 += b13 * <f32>((((<i32>load<u8>(low1, 52) >> 4) | (((<i32>load<u8>(high1, 20) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 116));
      t5 += a13 * <f32>((((<i32>load<u8>(low1, 37) >> 4) | (((<i32>load<u8>(high1, 5) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 101));
      t5 += b13 * <f32>((((<i32>load<u8>(low1, 53) >> 4) | (((<i32>load<u8>(high1, 21) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 117));
      t6 += a13 * <f32>((((<i32>load<u8>(low1, 38) >> 4) | (((<i32>load<u8>(high1, 6) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 102));
      t6 += b13 * <f32>((((<i32>load<u8>(low1, 54) >> 4) | (((<i32>load<u8>(high1, 22) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 118));
      t7 += a13 * <f32>((((<i32>load<u8>(low1, 39) >> 4) | (((<i32>load<u8>(high1, 7) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 103));
      t7 += b13 * <f32>((((<i32>load<u8>(low1, 55) >> 4) | (((<i32>load<u8>(high1, 23) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 119));
      t8 += a13 * <f32>((((<i32>load<u8>(low1, 40) >> 4) | (((<i32>load<u8>(high1, 8) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 104));
      t8 += b13 * <f32>((((<i32>load<u8>(low1, 56) >> 4) | (((<i32>load<u8>(high1, 24) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 120));
      t9 += a13 * <f32>((((<i32>load<u8>(low1, 41) >> 4) | (((<i32>load<u8>(high1, 9) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 105));
      t9 += b13 * <f32>((((<i32>load<u8>(low1, 57) >> 4) | (((<i32>load<u8>(high1, 25) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 121));
      t10 += a13 * <f32>((((<i32>load<u8>(low1, 42) >> 4) | (((<i32>load<u8>(high1, 10) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 106));
      t10 += b13 * <f32>((((<i32>load<u8>(low1, 58) >> 4) | (((<i32>load<u8>(high1, 26) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 122));
      t11 += a13 * <f32>((((<i32>load<u8>(low1, 43) >> 4) | (((<i32>load<u8>(high1, 11) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 107));
      t11 += b13 * <f32>((((<i32>load<u8>(low1, 59) >> 4) | (((<i32>load<u8>(high1, 27) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 123));
      t12 += a13 * <f32>((((<i32>load<u8>(low1, 44) >> 4) | (((<i32>load<u8>(high1, 12) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 108));
      t12 += b13 * <f32>((((<i32>load<u8>(low1, 60) >> 4) | (((<i32>load<u8>(high1, 28) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 124));
      t13 += a13 * <f32>((((<i32>load<u8>(low1, 45) >> 4) | (((<i32>load<u8>(high1, 13) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 109));
      t13 += b13 * <f32>((((<i32>load<u8>(low1, 61) >> 4) | (((<i32>load<u8>(high1, 29) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 125));
      t14 += a13 * <f32>((((<i32>load<u8>(low1, 46) >> 4) | (((<i32>load<u8>(high1, 14) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 110));
      t14 += b13 * <f32>((((<i32>load<u8>(low1, 62) >> 4) | (((<i32>load<u8>(high1, 30) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 126));
      t15 += a13 * <f32>((((<i32>load<u8>(low1, 47) >> 4) | (((<i32>load<u8>(high1, 15) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 111));
      t15 += b13 * <f32>((((<i32>load<u8>(low1, 63) >> 4) | (((<i32>load<u8>(high1, 31) >> 6) & 3) << 4)) - 32) * <i32>load<i8>(x, 127));
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
  store<f32>(out0, (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15))));
  store<f32>(out1, (((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7))) + (((t8 + t9) + (t10 + t11)) + ((t12 + t13) + (t14 + t15))));
}
