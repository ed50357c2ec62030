// Q5_K rows (super-blocks of 256 values: f16 d, f16 dmin, 12 bytes of 6-bit scales and
// mins, 32 bytes of fifth bits, 128 bytes of nibbles) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { reduceLanes } from "./simd";
import { bytes, codeSums } from "./q4_k";
import { laneSums } from "./q2_k";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values, as dot2Q4_K with 5-bit values:
 * value k of 32-value sub-block j is d·sc_j·q_k − dmin·m_j, q_k a nibble plus 16 times
 * bit j of qh[k mod 32]. Σ sc·q·q_x is exact in i32 (at most 63·32·31·127 < 2^23), one
 * float step per 32 values; the minimums add up in lanes of their own.
 */
export function dot2Q5_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), mins0 = f32x4.splat(0), mins1 = f32x4.splat(0);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 176, p1 = row1 + <usize>b * 176;
    const blockScales = scales + (<usize>b << 5), blockSums = sums + (<usize>b << 6);
    const xs0 = codeSums(blockScales, blockSums), xs1 = codeSums(blockScales + 16, blockSums + 32);
    const x = xq + (<usize>b << 9);
    sum0 = superBlock(sum0, p0, x, blockScales);
    sum1 = superBlock(sum1, p1, x, blockScales);
    mins0 = f32x4.add(mins0, minimums(p0, xs0, xs1));
    mins1 = f32x4.add(mins1, minimums(p1, xs0, xs1));
  }
  store<f32>(out0, reduceLanes(sum0) - reduceLanes(mins0));
  store<f32>(out1, reduceLanes(sum1) - reduceLanes(mins1));
}

/** dmin·Σ_j m_j·d_x·Σ q_x of one super-block at p, in four lanes (xs0, xs1: codeSums of its blocks 0..3 and 4..7). */
@inline function minimums(p: usize, xs0: v128, xs1: v128): v128 {
  const b = load<u32>(p, 8), c = load<u32>(p, 12);
  const low = b & 0x3f3f3f3f, high = ((c >> 4) & 0x0f0f0f0f) | (((b >> 6) & 0x03030303) << 4);
  const dmin = load<f32>(halfTable + (<usize>load<u16>(p, 2) << 2));
  return f32x4.mul(f32x4.add(f32x4.mul(bytes(low), xs0), f32x4.mul(bytes(high), xs1)), f32x4.splat(dmin));
}

/**
 * sum + d·d_x·sc_j·Σ q·q_x over the eight sub-blocks j of the super-block at p (codes at
 * x, their scales at dx), four sub-blocks a lane each: half h takes 64 bytes of nibbles
 * (sub-blocks 4h, 4h + 1 in the low and high halves of the first 32, 4h + 2, 4h + 3 in
 * the next) and bits 4h .. 4h + 3 of the 32 bytes qh.
 */
@inline function superBlock(sum: v128, p: usize, x: usize, dx: usize): v128 {
  const d = f32x4.splat(load<f32>(halfTable + (<usize>load<u16>(p) << 2)));
  const a = load<u32>(p, 4), c = load<u32>(p, 12);
  const low = a & 0x3f3f3f3f, high = (c & 0x0f0f0f0f) | (((a >> 6) & 0x03030303) << 4);
  const nibble = i16x8.splat(15), fifth = i16x8.splat(16);
  for (let h: usize = 0; h < 2; h++) {
    const q = p + 48 + (h << 6), xh = x + (h << 8), shift = <u32>h << 2;
    let l0 = i32x4.splat(0), l1 = i32x4.splat(0), l2 = i32x4.splat(0), l3 = i32x4.splat(0);
    for (let l: usize = 0; l < 32; l += 8) {
      const u = v128.load8x8_u(q + l), v = v128.load8x8_u(q + l, 32), bits = i16x8.shr_u(v128.load8x8_u(p + 16 + l), shift);
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(v128.or(v128.and(u, nibble), v128.and(i16x8.shl(bits, 4), fifth)), v128.load(xh + (l << 1))));
      l1 = i32x4.add(l1, i32x4.dot_i16x8_s(v128.or(i16x8.shr_u(u, 4), v128.and(i16x8.shl(bits, 3), fifth)), v128.load(xh + (l << 1), 64)));
      l2 = i32x4.add(l2, i32x4.dot_i16x8_s(v128.or(v128.and(v, nibble), v128.and(i16x8.shl(bits, 2), fifth)), v128.load(xh + (l << 1), 128)));
      l3 = i32x4.add(l3, i32x4.dot_i16x8_s(v128.or(i16x8.shr_u(v, 4), v128.and(i16x8.shl(bits, 1), fifth)), v128.load(xh + (l << 1), 192)));
    }
    const scales = i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(i32x4.splat(h == 0 ? low : high)));
    sum = f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(i32x4.mul(laneSums(l0, l1, l2, l3), scales)), f32x4.mul(d, v128.load(dx + (h << 4)))));
  }
  return sum;
}
