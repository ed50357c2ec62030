// Q5_1 rows (blocks of f16 d, f16 m, 32 fifth bits in a u32 qh, 16 bytes of low nibbles,
// laid out as Q5_0's; value = d·q + m) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { fifthBits, highNibbles, lowNibbles, reduceLanes, smallDot } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values: Σ over blocks of
 * d·d_x·Σ q·q_x + m·d_x·Σ q_x, summed as dot2Q4_1 sums (q4_1.ts); the values' bytes meet
 * the codes in i16 lanes (simd.ts, smallDot).
 */
export function dot2Q5_1(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  let offset0: f32 = 0, offset1: f32 = 0;
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 24, p1 = row1 + <usize>b * 24, x = xq + (<usize>b << 6);
    const dx = load<f32>(scales + (<usize>b << 2));
    const sx = <f32>(load<i32>(sums + (<usize>b << 3)) + load<i32>(sums + (<usize>b << 3), 4));
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)) * dx;
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)) * dx;
    offset0 += load<f32>(halfTable + (<usize>load<u16>(p0, 2) << 2)) * dx * sx;
    offset1 += load<f32>(halfTable + (<usize>load<u16>(p1, 2) << 2)) * dx * sx;
    const w0 = v128.load(p0, 8), w1 = v128.load(p1, 8);
    const h0 = v128.load32_splat(p0, 4), h1 = v128.load32_splat(p1, 4);
    const i0 = i32x4.add(
      smallDot(v128.or(lowNibbles(w0), fifthBits(h0, true)), x),
      smallDot(v128.or(highNibbles(w0), fifthBits(h0, false)), x + 32),
    );
    const i1 = i32x4.add(
      smallDot(v128.or(lowNibbles(w1), fifthBits(h1, true)), x),
      smallDot(v128.or(highNibbles(w1), fifthBits(h1, false)), x + 32),
    );
    sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(i0), f32x4.splat(d0)));
    sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(i1), f32x4.splat(d1)));
  }
  store<f32>(out0, reduceLanes(sum0) + offset0);
  store<f32>(out1, reduceLanes(sum1) + offset1);
}
