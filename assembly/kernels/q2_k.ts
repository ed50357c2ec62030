// Q2_K rows (super-blocks of 256 values: 16 bytes of 4-bit scales and mins, 64 bytes of
// 2-bit values, f16 d, f16 dmin) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { reduceLanes } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values. Value k of 16-value group g is
 * d·sc_g·q_k − dmin·m_g (sc_g, m_g the low and high nibbles of scale byte g), so a
 * 32-value activation block (groups a, b) adds
 *   d·d_x·(sc_a·Σ_a q·q_x + sc_b·Σ_b q·q_x)  −  dmin·d_x·(m_a·Σ_a q_x + m_b·Σ_b q_x)
 * Both integer sums are exact (at most 2·15·16·3·127 and 2·15·16·127); each takes one
 * float step per block, the first in the lanes of `sum`, the second in those of `mins`.
 *
 * Each 128-value half of a super-block keeps 32 bytes of values: its block k takes bits
 * 2k, 2k + 1 of bytes l = 0..31, with scale bytes 2k (l < 16) and 2k + 1.
 */
export function dot2Q2_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), mins0 = f32x4.splat(0), mins1 = f32x4.splat(0);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 84, p1 = row1 + <usize>b * 84;
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0, 80) << 2)), dmin0 = load<f32>(halfTable + (<usize>load<u16>(p0, 82) << 2));
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1, 80) << 2)), dmin1 = load<f32>(halfTable + (<usize>load<u16>(p1, 82) << 2));
    for (let h: usize = 0; h < 2; h++) {
      const x = xq + (<usize>b << 9) + (h << 8), dx = v128.load(scales + (<usize>b << 5) + (h << 4));
      // the 16-value code sums of the half's four blocks, as i16 (each at most 16·127)
      const s = sums + (<usize>b << 6) + (h << 5), codeSums = i16x8.narrow_i32x4_s(v128.load(s), v128.load(s, 16));
      sum0 = f32x4.add(sum0, f32x4.mul(half(p0 + 16 + (h << 5), p0 + (h << 3), x), f32x4.mul(f32x4.splat(d0), dx)));
      sum1 = f32x4.add(sum1, f32x4.mul(half(p1 + 16 + (h << 5), p1 + (h << 3), x), f32x4.mul(f32x4.splat(d1), dx)));
      mins0 = f32x4.add(mins0, f32x4.mul(minimums(p0 + (h << 3), codeSums), f32x4.mul(f32x4.splat(dmin0), dx)));
      mins1 = f32x4.add(mins1, f32x4.mul(minimums(p1 + (h << 3), codeSums), f32x4.mul(f32x4.splat(dmin1), dx)));
    }
  }
  store<f32>(out0, reduceLanes(sum0) - reduceLanes(mins0));
  store<f32>(out1, reduceLanes(sum1) - reduceLanes(mins1));
}

/** m_a·Σ_a q_x + m_b·Σ_b q_x of a half's four blocks as f32 lanes: the high nibbles of its 8 scale bytes at sc times the code sums. */
@inline function minimums(sc: usize, codeSums: v128): v128 {
  return f32x4.convert_i32x4_s(i32x4.dot_i16x8_s(i16x8.shr_u(v128.load8x8_u(sc), 4), codeSums));
}

/**
 * Σ sc·q·q_x of a half's four blocks (values at q, scale bytes at sc, codes at x), one
 * block per lane, as f32: each block's i32 lanes summed exactly first.
 */
@inline function half(q: usize, sc: usize, x: usize): v128 {
  const two = i16x8.splat(3), nibble = i16x8.splat(15);
  let l0 = i32x4.splat(0), l1 = i32x4.splat(0), l2 = i32x4.splat(0), l3 = i32x4.splat(0);
  for (let g: usize = 0; g < 2; g++) { // the two 16-value groups of each block
    // lane 2k + g of the scale nibbles is block k's, group g's: move group g's to the even lanes and splat those
    const s = i32x4.shr_u(v128.and(v128.load8x8_u(sc), nibble), <u32>g << 4);
    const s0 = i16x8.shuffle(s, s, 0, 0, 0, 0, 0, 0, 0, 0), s1 = i16x8.shuffle(s, s, 2, 2, 2, 2, 2, 2, 2, 2);
    const s2 = i16x8.shuffle(s, s, 4, 4, 4, 4, 4, 4, 4, 4), s3 = i16x8.shuffle(s, s, 6, 6, 6, 6, 6, 6, 6, 6);
    for (let l = g << 4; l < (g << 4) + 16; l += 8) {
      const w = v128.load8x8_u(q + l);
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(i16x8.mul(v128.and(w, two), s0), v128.load(x + (l << 1))));
      l1 = i32x4.add(l1, i32x4.dot_i16x8_s(i16x8.mul(v128.and(i16x8.shr_u(w, 2), two), s1), v128.load(x + (l << 1), 64)));
      l2 = i32x4.add(l2, i32x4.dot_i16x8_s(i16x8.mul(v128.and(i16x8.shr_u(w, 4), two), s2), v128.load(x + (l << 1), 128)));
      l3 = i32x4.add(l3, i32x4.dot_i16x8_s(i16x8.mul(i16x8.shr_u(w, 6), s3), v128.load(x + (l << 1), 192)));
    }
  }
  return f32x4.convert_i32x4_s(laneSums(l0, l1, l2, l3));
}

/** Lane k: the four lanes of lk summed (a transpose of four i32x4 and three adds, exact). */
@inline export function laneSums(l0: v128, l1: v128, l2: v128, l3: v128): v128 {
  const e = i32x4.add(i32x4.shuffle(l0, l1, 0, 4, 1, 5), i32x4.shuffle(l0, l1, 2, 6, 3, 7)); // l0 0+2, l1 0+2, l0 1+3, l1 1+3
  const f = i32x4.add(i32x4.shuffle(l2, l3, 0, 4, 1, 5), i32x4.shuffle(l2, l3, 2, 6, 3, 7));
  return i32x4.add(i32x4.shuffle(e, f, 0, 1, 4, 5), i32x4.shuffle(e, f, 2, 3, 6, 7));
}
