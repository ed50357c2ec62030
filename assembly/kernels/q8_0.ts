// Q8_0 rows (blocks of f16 d, 32 × int8 q) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales } from "./activations";
import { bytesDot, reduceLanes } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values: Σ over blocks of d·d_x·Σ q·q_x.
 * The two rows stream from two places at once and share each block of xq. Per block the
 * 32 products sum exactly in four i32 lanes; the lanes become floats, take the block's
 * scales and add up across blocks in lane order, as llama.cpp's x86 kernels do.
 */
export function dot2Q8_0(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 34, p1 = row1 + <usize>b * 34, x = xq + (<usize>b << 6);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)) * dx;
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)) * dx;
    sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(bytesDot(p0 + 2, x)), f32x4.splat(d0)));
    sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(bytesDot(p1 + 2, x)), f32x4.splat(d1)));
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}
