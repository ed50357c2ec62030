// Q4_1 rows (blocks of f16 d, f16 m, 16 bytes of nibbles: low nibbles are values 0..15,
// high nibbles 16..31, value = d·q + m) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { nibblesDot, reduceLanes } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values: Σ over blocks of
 * d·d_x·Σ q·q_x + m·d_x·Σ q_x. The first term adds up as in dot2Q8_0 (q8_0.ts), in f32x4
 * lanes; the second, from the activations' code sums, in one f32 per row, block by block;
 * the two join at the end. Nibbles and codes meet in i16 lanes (simd.ts, nibblesDot).
 */
export function dot2Q4_1(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  let offset0: f32 = 0, offset1: f32 = 0;
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 20, p1 = row1 + <usize>b * 20, x = xq + (<usize>b << 6);
    const dx = load<f32>(scales + (<usize>b << 2));
    const sx = <f32>(load<i32>(sums + (<usize>b << 3)) + load<i32>(sums + (<usize>b << 3), 4));
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)) * dx;
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)) * dx;
    offset0 += load<f32>(halfTable + (<usize>load<u16>(p0, 2) << 2)) * dx * sx;
    offset1 += load<f32>(halfTable + (<usize>load<u16>(p1, 2) << 2)) * dx * sx;
    const i0 = nibblesDot(p0 + 4, x);
    const i1 = nibblesDot(p1 + 4, x);
    sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(i0), f32x4.splat(d0)));
    sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(i1), f32x4.splat(d1)));
  }
  store<f32>(out0, reduceLanes(sum0) + offset0);
  store<f32>(out1, reduceLanes(sum1) + offset1);
}
