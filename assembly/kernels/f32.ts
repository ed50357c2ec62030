// F32 rows times f32 vectors, and the plain dot product attention uses.
//
// Both keep 16 partial sums s0..s15 in four f32x4 accumulators (lane l of accumulator k
// is s_{4k+l}, taking elements j + 4k + l as j steps by 16), then add them in one fixed
// order, (((s0+s1)+(s2+s3))+((s4+s5)+(s6+s7)))+(((s8+s9)+(s10+s11))+((s12+s13)+(s14+s15))),
// then the last n % 16 products one by one. The order, and so every bit of the result, is
// the one the scalar kernels had: llama2.c's published stories depend on it.
import { reduceSixteen } from "./simd";

/** Σ a[j]·b[j] over n floats. */
export function dot(a: usize, b: usize, n: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const pa = a + (<usize>j << 2), pb = b + (<usize>j << 2);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(pa, 0), v128.load(pb, 0)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(pa, 16), v128.load(pb, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(pa, 32), v128.load(pb, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(pa, 48), v128.load(pb, 48)));
  }
  let sum = reduceSixteen(a0, a1, a2, a3);
  for (; j < n; j++) sum += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return sum;
}

/** row0 · x -> out0 and row1 · x -> out1 over n floats, each summed exactly as dot() sums it; the two rows share each load of x. */
export function dot2F32(out0: usize, out1: usize, row0: usize, row1: usize, x: usize, n: i32): void {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let b0 = f32x4.splat(0), b1 = f32x4.splat(0), b2 = f32x4.splat(0), b3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const offset = <usize>j << 2, p0 = row0 + offset, p1 = row1 + offset, px = x + offset;
    const x0 = v128.load(px, 0), x1 = v128.load(px, 16), x2 = v128.load(px, 32), x3 = v128.load(px, 48);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(p0, 0), x0));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(p0, 16), x1));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(p0, 32), x2));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(p0, 48), x3));
    b0 = f32x4.add(b0, f32x4.mul(v128.load(p1, 0), x0));
    b1 = f32x4.add(b1, f32x4.mul(v128.load(p1, 16), x1));
    b2 = f32x4.add(b2, f32x4.mul(v128.load(p1, 32), x2));
    b3 = f32x4.add(b3, f32x4.mul(v128.load(p1, 48), x3));
  }
  let sum0 = reduceSixteen(a0, a1, a2, a3), sum1 = reduceSixteen(b0, b1, b2, b3);
  for (; j < n; j++) {
    const xj = load<f32>(x + (<usize>j << 2));
    sum0 += load<f32>(row0 + (<usize>j << 2)) * xj;
    sum1 += load<f32>(row1 + (<usize>j << 2)) * xj;
  }
  store<f32>(out0, sum0);
  store<f32>(out1, sum1);
}
