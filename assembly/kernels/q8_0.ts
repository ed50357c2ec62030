// Q8_0 rows (blocks of f16 d, 32 × int8 q) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales } from "./activations";
import { bytesDot, reduceLanes } from "./simd";

/**
 * Rows row + k·rowStep · xq -> out + k·outStep for k = 0..3, over n values: Σ over blocks
 * of d·d_x·Σ q·q_x. The four rows share each block's codes and scale. Per block the 32
 * products sum exactly in four i32 lanes; the lanes become floats, take the block's
 * scales and add up across blocks in lane order, as llama.cpp's x86 kernels do.
 */
export function dot4Q8_0(out: usize, outStep: usize, row: usize, rowStep: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n);
  const row1 = row + rowStep, row2 = row1 + rowStep, row3 = row2 + rowStep;
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), sum2 = f32x4.splat(0), sum3 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const offset = <usize>b * 34, x = xq + (<usize>b << 6), dx = load<f32>(scales + (<usize>b << 2));
    sum0 = addBlock(sum0, row + offset, x, dx);
    sum1 = addBlock(sum1, row1 + offset, x, dx);
    sum2 = addBlock(sum2, row2 + offset, x, dx);
    sum3 = addBlock(sum3, row3 + offset, x, dx);
  }
  store<f32>(out, reduceLanes(sum0));
  store<f32>(out + outStep, reduceLanes(sum1));
  store<f32>(out + 2 * outStep, reduceLanes(sum2));
  store<f32>(out + 3 * outStep, reduceLanes(sum3));
}

/** sum + the block at p times the codes at x (scale dx), lane by lane. */
@inline function addBlock(sum: v128, p: usize, x: usize, dx: f32): v128 {
  const d = load<f32>(halfTable + (<usize>load<u16>(p) << 2)) * dx;
  return f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(bytesDot(p + 2, x)), f32x4.splat(d)));
}
