// BF16 rows times f32 vectors: a bfloat16 is the high half of an f32, so 8 of them become
// two f32x4 by widening and a 16-bit shift; the products add up as F32's do (f32.ts).
import { reduceSixteen } from "./simd";

/** row0 · x -> out0 and row1 · x -> out1 over n values, rows of bf16, x f32. */
export function dot2BF16(out0: usize, out1: usize, row0: usize, row1: usize, x: usize, n: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const p0 = row0 + (<usize>j << 1), p1 = row1 + (<usize>j << 1), px = x + (<usize>j << 2);
    const x0 = v128.load(px, 0), x1 = v128.load(px, 16), x2 = v128.load(px, 32), x3 = v128.load(px, 48);
    const h0 = v128.load(p0, 0), h1 = v128.load(p0, 16), g0 = v128.load(p1, 0), g1 = v128.load(p1, 16);
    a0 = f32x4.add(a0, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(h0), 16), x0));
    a1 = f32x4.add(a1, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(h0), 16), x1));
    a2 = f32x4.add(a2, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(h1), 16), x2));
    a3 = f32x4.add(a3, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(h1), 16), x3));
    b0 = f32x4.add(b0, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(g0), 16), x0));
    b1 = f32x4.add(b1, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(g0), 16), x1));
    b2 = f32x4.add(b2, f32x4.mul(i32x4.shl(i32x4.extend_low_i16x8_u(g1), 16), x2));
    b3 = f32x4.add(b3, f32x4.mul(i32x4.shl(i32x4.extend_high_i16x8_u(g1), 16), x3));
  }
  let sum0 = reduceSixteen(a0, a1, a2, a3), sum1 = reduceSixteen(b0, b1, b2, b3);
  for (; j < n; j++) {
    const xj = load<f32>(x + (<usize>j << 2));
    sum0 += reinterpret<f32>(<u32>load<u16>(row0 + (<usize>j << 1)) << 16) * xj;
    sum1 += reinterpret<f32>(<u32>load<u16>(row1 + (<usize>j << 1)) << 16) * xj;
  }
  store<f32>(out0, sum0);
  store<f32>(out1, sum1);
}
