// Q4_0 rows (blocks of f16 d, 16 bytes of nibbles: low nibbles are values 0..15, high
// nibbles 16..31, value = nibble − 8) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { nibblesDot, reduceLanes } from "./simd";

/**
 * Rows row + k·rowStep · xq -> out + k·outStep for k = 0..3, over n values: Σ over blocks
 * of d·d_x·Σ q·q_x, summed as dot4Q8_0 sums (q8_0.ts): exact integer products per block in
 * four i32 lanes, then lanes × the block's scales added across blocks in f32x4, reduced in
 * a fixed order. The nibbles are taken as 0..15 (simd.ts, nibblesDot) and the −8 comes off
 * as 8·Σ q_x, from the code sums, once per block for the four rows.
 */
export function dot4Q4_0(out: usize, outStep: usize, row: usize, rowStep: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  const row1 = row + rowStep, row2 = row1 + rowStep, row3 = row2 + rowStep;
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), sum2 = f32x4.splat(0), sum3 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const offset = <usize>b * 18, x = xq + (<usize>b << 6), dx = load<f32>(scales + (<usize>b << 2));
    const codeSum = eights(sums + (<usize>b << 3));
    sum0 = addBlock(sum0, row + offset, x, dx, codeSum);
    sum1 = addBlock(sum1, row1 + offset, x, dx, codeSum);
    sum2 = addBlock(sum2, row2 + offset, x, dx, codeSum);
    sum3 = addBlock(sum3, row3 + offset, x, dx, codeSum);
  }
  store<f32>(out, reduceLanes(sum0));
  store<f32>(out + outStep, reduceLanes(sum1));
  store<f32>(out + 2 * outStep, reduceLanes(sum2));
  store<f32>(out + 3 * outStep, reduceLanes(sum3));
}

/** sum + the block at p times the codes at x (scale dx, 8·Σ q_x in lane 0 of codeSum), lane by lane. */
@inline function addBlock(sum: v128, p: usize, x: usize, dx: f32, codeSum: v128): v128 {
  const d = load<f32>(halfTable + (<usize>load<u16>(p) << 2)) * dx;
  return f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(nibblesDot(p + 2, x), codeSum)), f32x4.splat(d)));
}

/**
 * row · (x + k·xStep) -> out + k·outStep for k = 0..3: one row times four vectors (a
 * prompt's tokens), each sum as dot4Q4_0 forms it, bit for bit; the row's nibbles are
 * unpacked once for the four.
 */
export function dot1x4Q4_0(out: usize, outStep: usize, row: usize, x: usize, xStep: usize, n: i32): void {
  const x1 = x + xStep, x2 = x1 + xStep, x3 = x2 + xStep;
  const scales = int8Scales(0, n), sums = int8Sums(0, n); // from each vector's start
  const nibble = i16x8.splat(0x0f);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), sum2 = f32x4.splat(0), sum3 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const p = row + <usize>b * 18, d = load<f32>(halfTable + (<usize>load<u16>(p) << 2));
    const a = v128.load8x8_u(p, 2), c = v128.load8x8_u(p, 10);
    const w0 = v128.and(a, nibble), w1 = v128.and(c, nibble), w2 = i16x8.shr_u(a, 4), w3 = i16x8.shr_u(c, 4);
    const codes = <usize>b << 6, scale = scales + (<usize>b << 2), sum = sums + (<usize>b << 3);
    sum0 = addNibbles(sum0, w0, w1, w2, w3, x + codes, d * load<f32>(x + scale), eights(x + sum));
    sum1 = addNibbles(sum1, w0, w1, w2, w3, x1 + codes, d * load<f32>(x1 + scale), eights(x1 + sum));
    sum2 = addNibbles(sum2, w0, w1, w2, w3, x2 + codes, d * load<f32>(x2 + scale), eights(x2 + sum));
    sum3 = addNibbles(sum3, w0, w1, w2, w3, x3 + codes, d * load<f32>(x3 + scale), eights(x3 + sum));
  }
  store<f32>(out, reduceLanes(sum0));
  store<f32>(out + outStep, reduceLanes(sum1));
  store<f32>(out + 2 * outStep, reduceLanes(sum2));
  store<f32>(out + 3 * outStep, reduceLanes(sum3));
}

/** 8·Σ q_x of one block, from its two 16-value code sums at s, in lane 0. */
@inline function eights(s: usize): v128 {
  return i32x4.replace_lane(i32x4.splat(0), 0, (load<i32>(s) + load<i32>(s, 4)) << 3);
}

/** sum + (nibbles widened to i16 in w0..w3, as nibblesDot has them) · (the codes at x) − codeSum, times scale. */
@inline function addNibbles(sum: v128, w0: v128, w1: v128, w2: v128, w3: v128, x: usize, scale: f32, codeSum: v128): v128 {
  const dot = i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(w0, v128.load(x)), i32x4.dot_i16x8_s(w1, v128.load(x, 16))),
    i32x4.add(i32x4.dot_i16x8_s(w2, v128.load(x, 32)), i32x4.dot_i16x8_s(w3, v128.load(x, 48))),
  );
  return f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(dot, codeSum)), f32x4.splat(scale)));
}
