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
    const eights = i32x4.replace_lane(i32x4.splat(0), 0, (load<i32>(sums + (<usize>b << 3)) + load<i32>(sums + (<usize>b << 3), 4)) << 3);
    sum0 = addBlock(sum0, row + offset, x, dx, eights);
    sum1 = addBlock(sum1, row1 + offset, x, dx, eights);
    sum2 = addBlock(sum2, row2 + offset, x, dx, eights);
    sum3 = addBlock(sum3, row3 + offset, x, dx, eights);
  }
  store<f32>(out, reduceLanes(sum0));
  store<f32>(out + outStep, reduceLanes(sum1));
  store<f32>(out + 2 * outStep, reduceLanes(sum2));
  store<f32>(out + 3 * outStep, reduceLanes(sum3));
}

/** sum + the block at p times the codes at x (scale dx, 8·Σ q_x in lane 0 of eights), lane by lane. */
@inline function addBlock(sum: v128, p: usize, x: usize, dx: f32, eights: v128): v128 {
  const d = load<f32>(halfTable + (<usize>load<u16>(p) << 2)) * dx;
  return f32x4.add(sum, f32x4.mul(f32x4.convert_i32x4_s(i32x4.sub(nibblesDot(p + 2, x), eights)), f32x4.splat(d)));
}
