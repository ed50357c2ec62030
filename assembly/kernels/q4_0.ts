// Q4_0 rows (blocks of f16 d, 16 bytes of nibbles: low nibbles are values 0..15, high
// nibbles 16..31, value = nibble − 8) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { nibblesDot, reduceLanes } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values: Σ over blocks of d·d_x·Σ q·q_x,
 * summed as dot2Q8_0 sums (q8_0.ts): exact integer products per block in four i32 lanes,
 * then lanes × the block's scales added across blocks in f32x4, reduced in a fixed order.
 * The nibbles are taken as 0..15 (simd.ts, nibblesDot) and the −8 comes off as 8·Σ q_x,
 * from the code sums.
 */
export function dot2Q4_0(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 18, p1 = row1 + <usize>b * 18, x = xq + (<usize>b << 6);
    const offset = i32x4.replace_lane(i32x4.splat(0), 0, (load<i32>(sums + (<usize>b << 3)) + load<i32>(sums + (<usize>b << 3), 4)) << 3);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)) * dx;
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)) * dx;
    const i0 = i32x4.sub(nibblesDot(p0 + 2, x), offset);
    const i1 = i32x4.sub(nibblesDot(p1 + 2, x), offset);
    sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(i0), f32x4.splat(d0)));
    sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(i1), f32x4.splat(d1)));
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}
