// F16 rows times f32 vectors: each 8 halves become two f32x4 in registers (simd.ts,
// halvesToFloats: exact for every half), then the products add up as F32's do (f32.ts):
// 16 partial sums in four f32x4, one fixed final order, a scalar tail.
import { halfTable } from "./quant";
import { halvesToFloats, reduceSixteen } from "./simd";

/** row0 · x -> out0 and row1 · x -> out1 over n values, rows of f16, x f32. */
export function dot2F16(out0: usize, out1: usize, row0: usize, row1: usize, x: usize, n: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const p0 = row0 + (<usize>j << 1), p1 = row1 + (<usize>j << 1), px = x + (<usize>j << 2);
    const x0 = v128.load(px, 0), x1 = v128.load(px, 16), x2 = v128.load(px, 32), x3 = v128.load(px, 48);
    const h0 = v128.load(p0, 0), h1 = v128.load(p0, 16), g0 = v128.load(p1, 0), g1 = v128.load(p1, 16);
    a0 = f32x4.add(a0, f32x4.mul(halvesToFloats(i32x4.extend_low_i16x8_s(h0)), x0));
    a1 = f32x4.add(a1, f32x4.mul(halvesToFloats(i32x4.extend_high_i16x8_s(h0)), x1));
    a2 = f32x4.add(a2, f32x4.mul(halvesToFloats(i32x4.extend_low_i16x8_s(h1)), x2));
    a3 = f32x4.add(a3, f32x4.mul(halvesToFloats(i32x4.extend_high_i16x8_s(h1)), x3));
    b0 = f32x4.add(b0, f32x4.mul(halvesToFloats(i32x4.extend_low_i16x8_s(g0)), x0));
    b1 = f32x4.add(b1, f32x4.mul(halvesToFloats(i32x4.extend_high_i16x8_s(g0)), x1));
    b2 = f32x4.add(b2, f32x4.mul(halvesToFloats(i32x4.extend_low_i16x8_s(g1)), x2));
    b3 = f32x4.add(b3, f32x4.mul(halvesToFloats(i32x4.extend_high_i16x8_s(g1)), x3));
  }
  let sum0 = reduceSixteen(a0, a1, a2, a3), sum1 = reduceSixteen(b0, b1, b2, b3);
  const table = halfTable;
  for (; j < n; j++) {
    const xj = load<f32>(x + (<usize>j << 2));
    sum0 += load<f32>(table + (<usize>load<u16>(row0 + (<usize>j << 1)) << 2)) * xj;
    sum1 += load<f32>(table + (<usize>load<u16>(row1 + (<usize>j << 1)) << 2)) * xj;
  }
  store<f32>(out0, sum0);
  store<f32>(out1, sum1);
}
