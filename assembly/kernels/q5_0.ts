// Q5_0 rows (blocks of f16 d, 32 fifth bits in a u32 qh, 16 bytes of low nibbles: value j
// is nibble j | bit j of qh << 4, values 0..15 in the low nibbles and 16..31 in the high
// ones; value = d·(q − 16)) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { fifthBits, highNibbles, lowNibbles, reduceLanes, smallDot } from "./simd";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values: Σ over blocks of d·d_x·Σ q·q_x,
 * summed as dot2Q8_0 sums (q8_0.ts). The values are taken as 0..31 (their bytes meet the
 * codes in i16 lanes, simd.ts smallDot) and the −16 comes off as 16·Σ q_x, from the code sums.
 */
export function dot2Q5_0(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  for (let b = 0; b < n >> 5; b++) {
    const p0 = row0 + <usize>b * 22, p1 = row1 + <usize>b * 22, x = xq + (<usize>b << 6);
    const offset = i32x4.replace_lane(i32x4.splat(0), 0, (load<i32>(sums + (<usize>b << 3)) + load<i32>(sums + (<usize>b << 3), 4)) << 4);
    const dx = load<f32>(scales + (<usize>b << 2));
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)) * dx;
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)) * dx;
    const w0 = v128.load(p0, 6), w1 = v128.load(p1, 6);
    const h0 = v128.load32_splat(p0, 2), h1 = v128.load32_splat(p1, 2);
    const i0 = i32x4.sub(i32x4.add(
      smallDot(v128.or(lowNibbles(w0), fifthBits(h0, true)), x),
      smallDot(v128.or(highNibbles(w0), fifthBits(h0, false)), x + 32),
    ), offset);
    const i1 = i32x4.sub(i32x4.add(
      smallDot(v128.or(lowNibbles(w1), fifthBits(h1, true)), x),
      smallDot(v128.or(highNibbles(w1), fifthBits(h1, false)), x + 32),
    ), offset);
    sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(i0), f32x4.splat(d0)));
    sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(i1), f32x4.splat(d1)));
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}
