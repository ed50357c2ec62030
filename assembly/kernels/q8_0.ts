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

/**
 * row · (x + k·xStep) -> out + k·outStep for k = 0..3: one row times four vectors (a
 * prompt's tokens), each sum as dot4Q8_0 forms it, bit for bit; the row's bytes widen
 * once for the four.
 */
export function dot1x4Q8_0(out: usize, outStep: usize, row: usize, x: usize, xStep: usize, n: i32): void {
  const x1 = x + xStep, x2 = x1 + xStep, x3 = x2 + xStep, scales = int8Scales(0, n); // from each vector's start
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), sum2 = f32x4.splat(0), sum3 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const p = row + <usize>b * 34, d = load<f32>(halfTable + (<usize>load<u16>(p) << 2));
    const w0 = v128.load8x8_s(p, 2), w1 = v128.load8x8_s(p, 10), w2 = v128.load8x8_s(p, 18), w3 = v128.load8x8_s(p, 26);
    const codes = <usize>b << 6, scale = scales + (<usize>b << 2);
    sum0 = addWidened(sum0, w0, w1, w2, w3, x + codes, d * load<f32>(x + scale));
    sum1 = addWidened(sum1, w0, w1, w2, w3, x1 + codes, d * load<f32>(x1 + scale));
    sum2 = addWidened(sum2, w0, w1, w2, w3, x2 + codes, d * load<f32>(x2 + scale));
    sum3 = addWidened(sum3, w0, w1, w2, w3, x3 + codes, d * load<f32>(x3 + scale));
  }
  store<f32>(out, reduceLanes(sum0));
  store<f32>(out + outStep, reduceLanes(sum1));
  store<f32>(out + 2 * outStep, reduceLanes(sum2));
  store<f32>(out + 3 * outStep, reduceLanes(sum3));
}

/** sum + (32 values widened to i16 in w0..w3) · (the codes at x), times scale, lane by lane as bytesDot's. */
@inline export function addWidened(sum: v128, w0: v128, w1: v128, w2: v128, w3: v128, x: usize, scale: f32): v128 {
  const dot = i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(x)), i32x4.dot_i16x8_s(w1, v128.load(x, 16))),
    i32x4.add(i32x4.dot_i16x8_s(w2, v128.load(x, 32)), i32x4.dot_i16x8_s(w3, v128.load(x, 48))),
  );
  return f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(dot), f32x4.splat(scale)));
}
