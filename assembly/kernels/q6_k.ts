// Q6_K rows (super-blocks of 256 values: 128 bytes of low nibbles, 64 bytes of high bit
// pairs, 16 int8 scales, f16 d) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { reduceLanes } from "./simd";
import { laneSums } from "./q2_k";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values. Value k of 16-value group g is
 * d·sc_g·(q_k − 32), so a 32-value activation block (two groups) adds
 *   d·d_x·Σ sc_g·(q − 32)·q_x
 * The block's integer sum is exact (at most 32·128·63·127 < 2^25) and takes one float
 * step, four blocks side by side in f32 lanes.
 *
 * Each 128-value half of a super-block keeps its low nibbles in 64 bytes ql and its high
 * bit pairs in 32 bytes qh: its 32-value block k takes ql[32·(k & 1) + l], low nibbles
 * for k < 2 and high ones after, with bits 2k, 2k + 1 of qh[l] above them (l = 0..31),
 * and scales 2k (l < 16) and 2k + 1.
 */
export function dot2Q6_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  // One row after the other: a row's values and sums fill the registers, and the codes are
  // loads the products take straight from memory.
  store<f32>(out0, dotQ6_K(row0, xq, n));
  store<f32>(out1, dotQ6_K(row1, xq, n));
}

/** row · xq over n values, as above. */
function dotQ6_K(row: usize, xq: usize, n: i32): f32 {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum = f32x4.splat(0);
  for (let b = 0; b < n >> 8; b++) {
    const p = row + <usize>b * 210, d = f32x4.splat(load<f32>(halfTable + (<usize>load<u16>(p, 208) << 2)));
    for (let h: usize = 0; h < 2; h++) {
      const x = xq + (<usize>b << 9) + (h << 8), dx = v128.load(scales + (<usize>b << 5) + (h << 4));
      // the 16-value code sums of the half's four blocks, as i16 (each at most 16·127)
      const s = sums + (<usize>b << 6) + (h << 5), codeSums = i16x8.narrow_i32x4_s(v128.load(s), v128.load(s, 16));
      sum = f32x4.add(sum, f32x4.mul(half(p + (h << 6), p + 128 + (h << 5), p + 192 + (h << 3), x, codeSums), f32x4.mul(d, dx)));
    }
  }
  return reduceLanes(sum);
}

/**
 * Σ sc·(q − 32)·q_x of the four 32-value blocks of one 128-value half of a super-block
 * (64 bytes of ql, 32 of qh, 8 scales; codes at x, their 16-value sums in codeSums), one
 * block per lane, as f32. Per 8 bytes of ql and qh (l and l + 32 of ql, l of qh) the four
 * blocks' values q come out at once with constant shifts and meet the codes unscaled; each
 * 16-value group's four block sums then take their scales in one i32 multiply (exact: at
 * most 16·63·127·128 < 2^24). The offset comes off once per block as 32·Σ sc·Σ q_x.
 */
@inline function half(ql: usize, qh: usize, sc: usize, x: usize, codeSums: v128): v128 {
  const nibble = i16x8.splat(15), pair = i16x8.splat(0x30);
  const groupScales = v128.load8x8_s(sc); // lane 2k + g: block k, group g
  let sum = i32x4.splat(0);
  for (let g: usize = 0; g < 2; g++) { // the two 16-value groups of each block
    let l0 = i32x4.splat(0), l1 = i32x4.splat(0), l2 = i32x4.splat(0), l3 = i32x4.splat(0);
    for (let l = g << 4; l < (g << 4) + 16; l += 8) {
      const a = v128.load8x8_u(ql + l), b = v128.load8x8_u(ql + l, 32), h = v128.load8x8_u(qh + l);
      const q0 = v128.or(v128.and(a, nibble), v128.and(i16x8.shl(h, 4), pair));
      const q1 = v128.or(v128.and(b, nibble), v128.and(i16x8.shl(h, 2), pair));
      const q2 = v128.or(i16x8.shr_u(a, 4), v128.and(h, pair));
      const q3 = v128.or(i16x8.shr_u(b, 4), v128.and(i16x8.shr_u(h, 2), pair));
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(q0, v128.load(x + (l << 1))));
      l1 = i32x4.add(l1, i32x4.dot_i16x8_s(q1, v128.load(x + (l << 1), 64)));
      l2 = i32x4.add(l2, i32x4.dot_i16x8_s(q2, v128.load(x + (l << 1), 128)));
      l3 = i32x4.add(l3, i32x4.dot_i16x8_s(q3, v128.load(x + (l << 1), 192)));
    }
    // group g's scales of the four blocks, lane k: block k (i16 lane 2k + g, sign-extended)
    const scales = g == 0 ? i32x4.shr_s(i32x4.shl(groupScales, 16), 16) : i32x4.shr_s(groupScales, 16);
    sum = i32x4.add(sum, i32x4.mul(laneSums(l0, l1, l2, l3), scales));
  }
  const offsets = i32x4.shl(i32x4.dot_i16x8_s(groupScales, codeSums), 5); // 32·Σ_g sc_g·Σ_g q_x per block
  return f32x4.convert_i32x4_s(i32x4.sub(sum, offsets));
}
