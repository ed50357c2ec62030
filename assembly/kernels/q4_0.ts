// Q4_0 rows (blocks of f16 d, 16 bytes of nibbles: low nibbles are values 0..15, high
// nibbles 16..31, value = nibble − 8) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales } from "./activations";
import { blockDotWide, highNibbles, lowNibbles, reduceLanes } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values: Σ over blocks of d·d_x·Σ q·q_x,
 * summed as dot2Q8_0 sums (q8_0.ts): exact integer products per block in four i32 lanes,
 * then lanes × the block's scales added across blocks in f32x4, reduced in a fixed order.
 */
export function dot2Q4_0(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), eight = i8x16.splat(8);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 18, p1 = row1 + <usize>b * 18, q = xq + (<usize>b << 5);
    const x0 = v128.load(q, 0), x1 = v128.load(q, 16);
    const x0l = i16x8.extend_low_i8x16_s(x0), x0h = i16x8.extend_high_i8x16_s(x0);
    const x1l = i16x8.extend_low_i8x16_s(x1), x1h = i16x8.extend_high_i8x16_s(x1);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)) * dx;
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)) * dx;
    const w0 = v128.load(p0, 2), w1 = v128.load(p1, 2);
    const i0 = i32x4.add(blockDotWide(i8x16.sub(lowNibbles(w0), eight), x0l, x0h), blockDotWide(i8x16.sub(highNibbles(w0), eight), x1l, x1h));
    const i1 = i32x4.add(blockDotWide(i8x16.sub(lowNibbles(w1), eight), x0l, x0h), blockDotWide(i8x16.sub(highNibbles(w1), eight), x1l, x1h));
    sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(i0), f32x4.splat(d0)));
    sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(i1), f32x4.splat(d1)));
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}
