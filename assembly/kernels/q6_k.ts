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
    for (let k = 0; k < 8; k++) { // the super-block's eight 32-value blocks
      const j = (b << 3) + k, x = xq + (<usize>j << 5);
      const x0 = v128.load8x8_s(x, 0), x1 = v128.load8x8_s(x, 8), x2 = v128.load8x8_s(x, 16), x3 = v128.load8x8_s(x, 24);
      const dx = load<f32>(scales + (<usize>j << 2));
      const half = k >> 2, part = k & 3;
      const ql = <usize>(half << 6) + <usize>((part & 1) << 5), qh = <usize>128 + <usize>(half << 5);
      const nibbleShift = <u32>(part >> 1) << 2, pairShift = <u32>part << 1;
      const sc = <usize>192 + <usize>(half << 3) + <usize>(part << 1);
      sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(block(p0 + ql, p0 + qh, p0 + sc, nibbleShift, pairShift, x0, x1, x2, x3)), f32x4.splat(d0 * dx)));
      sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(block(p1 + ql, p1 + qh, p1 + sc, nibbleShift, pairShift, x0, x1, x2, x3)), f32x4.splat(d1 * dx)));
    }
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}

/**
 * Σ sc·(q − 32)·q_x of one 32-value block in i32 lanes: q = ((ql >> nibbleShift) & 15) |
 * (((qh >> pairShift) & 3) << 4) over 32 bytes of ql and qh, scales sc[0] and sc[1] for
 * its two halves, codes x0..x3 as i16.
 */
@inline function block(ql: usize, qh: usize, sc: usize, nibbleShift: u32, pairShift: u32, x0: v128, x1: v128, x2: v128, x3: v128): v128 {
  const scaleA = i16x8.splat(<i16>load<i8>(sc)), scaleB = i16x8.splat(<i16>load<i8>(sc, 1));
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(i16x8.mul(codes(ql, qh, 0, nibbleShift, pairShift), scaleA), x0), i32x4.dot_i16x8_s(i16x8.mul(codes(ql, qh, 8, nibbleShift, pairShift), scaleA), x1)),
    i32x4.add(i32x4.dot_i16x8_s(i16x8.mul(codes(ql, qh, 16, nibbleShift, pairShift), scaleB), x2), i32x4.dot_i16x8_s(i16x8.mul(codes(ql, qh, 24, nibbleShift, pairShift), scaleB), x3)),
  );
}

/** Eight 6-bit values minus 32 as i16, from bytes l .. l + 7 of ql and qh. */
@inline function codes(ql: usize, qh: usize, l: usize, nibbleShift: u32, pairShift: u32): v128 {
  const low = v128.and(i16x8.shr_u(v128.load8x8_u(ql + l), nibbleShift), i16x8.splat(15));
  const high = v128.and(i16x8.shl(i16x8.shr_u(v128.load8x8_u(qh + l), pairShift), 4), i16x8.splat(0x30));
  return i16x8.sub(v128.or(low, high), i16x8.splat(32));
}
