// Q6_K rows (super-blocks of 256 values: 128 bytes of low nibbles, 64 bytes of high bit
// pairs, 16 int8 scales, f16 d) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales } from "./activations";
import { reduceLanes } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values. Value k of 16-value group g is
 * d·sc_g·(q_k − 32), so a 32-value activation block (two groups) adds
 *   d·d_x·Σ sc_g·(q − 32)·q_x
 * The products sc_g·(q − 32) fit in i16 (at most 128·32), the block's sum is exact in
 * four i32 lanes, and each block takes one float step.
 *
 * Each 128-value half of a super-block keeps its low nibbles in 64 bytes ql and its high
 * bit pairs in 32 bytes qh: its 32-value block k takes ql[32·(k & 1) + l], low nibbles
 * for k < 2 and high ones after, with bits 2k, 2k + 1 of qh[l] above them (l = 0..31),
 * and scales 2k (l < 16) and 2k + 1.
 */
export function dot2Q6_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 210, p1 = row1 + <usize>b * 210;
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0, 208) << 2)), d1 = load<f32>(halfTable + (<usize>load<u16>(p1, 208) << 2));
    const x = xq + (<usize>b << 8), dx = scales + (<usize>b << 5);
    sum0 = half(sum0, p0, p0 + 128, p0 + 192, d0, x, dx);
    sum0 = half(sum0, p0 + 64, p0 + 160, p0 + 200, d0, x + 128, dx + 16);
    sum1 = half(sum1, p1, p1 + 128, p1 + 192, d1, x, dx);
    sum1 = half(sum1, p1 + 64, p1 + 160, p1 + 200, d1, x + 128, dx + 16);
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}

/**
 * sum + the four 32-value blocks of one 128-value half of a super-block (its 64 bytes of
 * ql, 32 of qh, 8 scales; its 128 codes at x and their 4 scales at dx), one float step
 * per block in block order. Per 8 bytes of ql and qh (l and l + 32 of ql, l of qh) the
 * four blocks' codes come out at once, with constant shifts; the i32 lanes of block k
 * are its exact sum Σ sc·(q − 32)·q_x.
 */
@inline function half(sum: v128, ql: usize, qh: usize, sc: usize, d: f32, x: usize, dx: usize): v128 {
  const nibble = i16x8.splat(15), pair = i16x8.splat(0x30), offset = i16x8.splat(32);
  let l0 = i32x4.splat(0), l1 = i32x4.splat(0), l2 = i32x4.splat(0), l3 = i32x4.splat(0);
  for (let g: usize = 0; g < 2; g++) { // the two 16-value groups of each block
    const s0 = i16x8.splat(<i16>load<i8>(sc + g)), s1 = i16x8.splat(<i16>load<i8>(sc + g, 2));
    const s2 = i16x8.splat(<i16>load<i8>(sc + g, 4)), s3 = i16x8.splat(<i16>load<i8>(sc + g, 6));
    for (let l = g << 4; l < (g << 4) + 16; l += 8) {
      const a = v128.load8x8_u(ql + l), b = v128.load8x8_u(ql + l, 32), h = v128.load8x8_u(qh + l);
      const q0 = i16x8.sub(v128.or(v128.and(a, nibble), v128.and(i16x8.shl(h, 4), pair)), offset);
      const q1 = i16x8.sub(v128.or(v128.and(b, nibble), v128.and(i16x8.shl(h, 2), pair)), offset);
      const q2 = i16x8.sub(v128.or(i16x8.shr_u(a, 4), v128.and(h, pair)), offset);
      const q3 = i16x8.sub(v128.or(i16x8.shr_u(b, 4), v128.and(i16x8.shr_u(h, 2), pair)), offset);
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(i16x8.mul(q0, s0), v128.load8x8_s(x + l)));
      l1 = i32x4.add(l1, i32x4.dot_i16x8_s(i16x8.mul(q1, s1), v128.load8x8_s(x + l, 32)));
      l2 = i32x4.add(l2, i32x4.dot_i16x8_s(i16x8.mul(q2, s2), v128.load8x8_s(x + l, 64)));
      l3 = i32x4.add(l3, i32x4.dot_i16x8_s(i16x8.mul(q3, s3), v128.load8x8_s(x + l, 96)));
    }
  }
  sum = f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(l0), f32x4.splat(d * load<f32>(dx))));
  sum = f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(l1), f32x4.splat(d * load<f32>(dx, 4))));
  sum = f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(l2), f32x4.splat(d * load<f32>(dx, 8))));
  return f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(l3), f32x4.splat(d * load<f32>(dx, 12))));
}
