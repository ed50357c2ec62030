// The neural-net building blocks on raw f32 pointers: output first, sizes last.
//
// Every reduction has a fixed summation order written here, in the wasm, so the
// Node host and the wasm2c build on bare metal compute the same bits. The dot
// product keeps 16 independent partial sums: the C compiler maps them onto SIMD
// registers without needing permission to reassociate floating point.
import { Matrix } from "../model/model";
import { dequantizeRow } from "./quant";

/** sum_j a[j] * b[j] over n floats. */
export function dot(a: usize, b: usize, n: i32): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const pa = a + (<usize>j << 2), pb = b + (<usize>j << 2);
    s0 += load<f32>(pa, 0) * load<f32>(pb, 0);
    s1 += load<f32>(pa, 4) * load<f32>(pb, 4);
    s2 += load<f32>(pa, 8) * load<f32>(pb, 8);
    s3 += load<f32>(pa, 12) * load<f32>(pb, 12);
    s4 += load<f32>(pa, 16) * load<f32>(pb, 16);
    s5 += load<f32>(pa, 20) * load<f32>(pb, 20);
    s6 += load<f32>(pa, 24) * load<f32>(pb, 24);
    s7 += load<f32>(pa, 28) * load<f32>(pb, 28);
    s8 += load<f32>(pa, 32) * load<f32>(pb, 32);
    s9 += load<f32>(pa, 36) * load<f32>(pb, 36);
    s10 += load<f32>(pa, 40) * load<f32>(pb, 40);
    s11 += load<f32>(pa, 44) * load<f32>(pb, 44);
    s12 += load<f32>(pa, 48) * load<f32>(pb, 48);
    s13 += load<f32>(pa, 52) * load<f32>(pb, 52);
    s14 += load<f32>(pa, 56) * load<f32>(pb, 56);
    s15 += load<f32>(pa, 60) * load<f32>(pb, 60);
  }
  let sum = (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15)));
  for (; j < n; j++) sum += load<f32>(a + (<usize>j << 2)) * load<f32>(b + (<usize>j << 2));
  return sum;
}

/**
 * Rows a0 and a1 each · b, into out0 and out1, each summed exactly as dot() sums it, with
 * two weight streams in flight at once. The 32 partial sums are also stored side by side
 * in `lanes` (32 floats of scratch). Nothing reads them there: the stores show the C
 * compiler which sums belong together in a vector register; without them it pairs sums
 * of the two rows and shuffles them, several times slower.
 */
export function dot2(out0: usize, out1: usize, a0: usize, a1: usize, b: usize, n: i32, lanes: usize): void {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  let t0: f32 = 0, t1: f32 = 0, t2: f32 = 0, t3: f32 = 0, t4: f32 = 0, t5: f32 = 0, t6: f32 = 0, t7: f32 = 0;
  let t8: f32 = 0, t9: f32 = 0, t10: f32 = 0, t11: f32 = 0, t12: f32 = 0, t13: f32 = 0, t14: f32 = 0, t15: f32 = 0;
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const offset = <usize>j << 2, p0 = a0 + offset, p1 = a1 + offset, pb = b + offset;
    s0 += load<f32>(p0, 0) * load<f32>(pb, 0);
    s1 += load<f32>(p0, 4) * load<f32>(pb, 4);
    s2 += load<f32>(p0, 8) * load<f32>(pb, 8);
    s3 += load<f32>(p0, 12) * load<f32>(pb, 12);
    s4 += load<f32>(p0, 16) * load<f32>(pb, 16);
    s5 += load<f32>(p0, 20) * load<f32>(pb, 20);
    s6 += load<f32>(p0, 24) * load<f32>(pb, 24);
    s7 += load<f32>(p0, 28) * load<f32>(pb, 28);
    s8 += load<f32>(p0, 32) * load<f32>(pb, 32);
    s9 += load<f32>(p0, 36) * load<f32>(pb, 36);
    s10 += load<f32>(p0, 40) * load<f32>(pb, 40);
    s11 += load<f32>(p0, 44) * load<f32>(pb, 44);
    s12 += load<f32>(p0, 48) * load<f32>(pb, 48);
    s13 += load<f32>(p0, 52) * load<f32>(pb, 52);
    s14 += load<f32>(p0, 56) * load<f32>(pb, 56);
    s15 += load<f32>(p0, 60) * load<f32>(pb, 60);
    t0 += load<f32>(p1, 0) * load<f32>(pb, 0);
    t1 += load<f32>(p1, 4) * load<f32>(pb, 4);
    t2 += load<f32>(p1, 8) * load<f32>(pb, 8);
    t3 += load<f32>(p1, 12) * load<f32>(pb, 12);
    t4 += load<f32>(p1, 16) * load<f32>(pb, 16);
    t5 += load<f32>(p1, 20) * load<f32>(pb, 20);
    t6 += load<f32>(p1, 24) * load<f32>(pb, 24);
    t7 += load<f32>(p1, 28) * load<f32>(pb, 28);
    t8 += load<f32>(p1, 32) * load<f32>(pb, 32);
    t9 += load<f32>(p1, 36) * load<f32>(pb, 36);
    t10 += load<f32>(p1, 40) * load<f32>(pb, 40);
    t11 += load<f32>(p1, 44) * load<f32>(pb, 44);
    t12 += load<f32>(p1, 48) * load<f32>(pb, 48);
    t13 += load<f32>(p1, 52) * load<f32>(pb, 52);
    t14 += load<f32>(p1, 56) * load<f32>(pb, 56);
    t15 += load<f32>(p1, 60) * load<f32>(pb, 60);
  }
  store<f32>(lanes, s0, 0);
  store<f32>(lanes, s1, 4);
  store<f32>(lanes, s2, 8);
  store<f32>(lanes, s3, 12);
  store<f32>(lanes, s4, 16);
  store<f32>(lanes, s5, 20);
  store<f32>(lanes, s6, 24);
  store<f32>(lanes, s7, 28);
  store<f32>(lanes, s8, 32);
  store<f32>(lanes, s9, 36);
  store<f32>(lanes, s10, 40);
  store<f32>(lanes, s11, 44);
  store<f32>(lanes, s12, 48);
  store<f32>(lanes, s13, 52);
  store<f32>(lanes, s14, 56);
  store<f32>(lanes, s15, 60);
  store<f32>(lanes, t0, 64);
  store<f32>(lanes, t1, 68);
  store<f32>(lanes, t2, 72);
  store<f32>(lanes, t3, 76);
  store<f32>(lanes, t4, 80);
  store<f32>(lanes, t5, 84);
  store<f32>(lanes, t6, 88);
  store<f32>(lanes, t7, 92);
  store<f32>(lanes, t8, 96);
  store<f32>(lanes, t9, 100);
  store<f32>(lanes, t10, 104);
  store<f32>(lanes, t11, 108);
  store<f32>(lanes, t12, 112);
  store<f32>(lanes, t13, 116);
  store<f32>(lanes, t14, 120);
  store<f32>(lanes, t15, 124);
  let sum0 = (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15)));
  let sum1 = (((t0 + t1) + (t2 + t3)) + ((t4 + t5) + (t6 + t7))) + (((t8 + t9) + (t10 + t11)) + ((t12 + t13) + (t14 + t15)));
  for (; j < n; j++) {
    const bj = load<f32>(b + (<usize>j << 2));
    sum0 += load<f32>(a0 + (<usize>j << 2)) * bj;
    sum1 += load<f32>(a1 + (<usize>j << 2)) * bj;
  }
  store<f32>(out0, sum0);
  store<f32>(out1, sum1);
}

/** Row `row` of W as f32 into out (cols,): the token embedding lookup. */
export function copyRow(out: usize, w: Matrix, row: i32): void {
  dequantizeRow(out, w.ptr + <usize>row * w.rowBytes, w.type, w.cols);
}

/** out = weight * x / sqrt(mean(x^2) + eps), over size floats. */
export function rmsnorm(out: usize, x: usize, weight: usize, size: i32, eps: f32): void {
  let ss: f32 = 0;
  for (let j = 0; j < size; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    ss += v * v;
  }
  ss /= <f32>size;
  ss += eps;
  const scale: f32 = 1.0 / Mathf.sqrt(ss);
  for (let j = 0; j < size; j++) {
    const at = <usize>j << 2;
    store<f32>(out + at, load<f32>(weight + at) * (scale * load<f32>(x + at)));
  }
}

/** x = exp(x - max) / sum, in place over size floats. */
export function softmax(x: usize, size: i32): void {
  let maxValue = load<f32>(x);
  for (let i = 1; i < size; i++) maxValue = max(maxValue, load<f32>(x + (<usize>i << 2)));
  let sum: f32 = 0;
  for (let i = 0; i < size; i++) {
    const e = Mathf.exp(load<f32>(x + (<usize>i << 2)) - maxValue);
    store<f32>(x + (<usize>i << 2), e);
    sum += e;
  }
  for (let i = 0; i < size; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) / sum);
}

/** x += y over size floats. */
export function addInPlace(x: usize, y: usize, size: i32): void {
  for (let i = 0; i < size; i++) {
    const at = <usize>i << 2;
    store<f32>(x + at, load<f32>(x + at) + load<f32>(y + at));
  }
}

/** gate = silu(gate) * up over size floats: the SwiGLU activation. */
export function swiglu(gate: usize, up: usize, size: i32): void {
  for (let i = 0; i < size; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(gate + at);
    store<f32>(gate + at, g * (1.0 / (1.0 + Mathf.exp(-g))) * load<f32>(up + at));
  }
}

/**
 * out (size,) = Σ_p weights[p] · v_p over `count` vectors v_p at values + p · stride bytes:
 * attention's weighted sum of the values. Each output keeps its sum in a register while
 * the positions stream past (16 at a time, so the compiler vectorizes them), adding in
 * position order.
 */
export function weightedSum(out: usize, values: usize, stride: usize, weights: usize, count: i32, size: i32): void {
  let i = 0;
  for (; i + 16 <= size; i += 16) {
    let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
    let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
    for (let p = 0; p < count; p++) {
      const a = load<f32>(weights + (<usize>p << 2)), vp = values + <usize>p * stride + (<usize>i << 2);
      s0 += a * load<f32>(vp, 0);
      s1 += a * load<f32>(vp, 4);
      s2 += a * load<f32>(vp, 8);
      s3 += a * load<f32>(vp, 12);
      s4 += a * load<f32>(vp, 16);
      s5 += a * load<f32>(vp, 20);
      s6 += a * load<f32>(vp, 24);
      s7 += a * load<f32>(vp, 28);
      s8 += a * load<f32>(vp, 32);
      s9 += a * load<f32>(vp, 36);
      s10 += a * load<f32>(vp, 40);
      s11 += a * load<f32>(vp, 44);
      s12 += a * load<f32>(vp, 48);
      s13 += a * load<f32>(vp, 52);
      s14 += a * load<f32>(vp, 56);
      s15 += a * load<f32>(vp, 60);
    }
    const o = out + (<usize>i << 2);
    store<f32>(o, s0, 0);
    store<f32>(o, s1, 4);
    store<f32>(o, s2, 8);
    store<f32>(o, s3, 12);
    store<f32>(o, s4, 16);
    store<f32>(o, s5, 20);
    store<f32>(o, s6, 24);
    store<f32>(o, s7, 28);
    store<f32>(o, s8, 32);
    store<f32>(o, s9, 36);
    store<f32>(o, s10, 40);
    store<f32>(o, s11, 44);
    store<f32>(o, s12, 48);
    store<f32>(o, s13, 52);
    store<f32>(o, s14, 56);
    store<f32>(o, s15, 60);
  }
  for (; i < size; i++) {
    let sum: f32 = 0;
    for (let p = 0; p < count; p++) sum += load<f32>(weights + (<usize>p << 2)) * load<f32>(values + <usize>p * stride + (<usize>i << 2));
    store<f32>(out + (<usize>i << 2), sum);
  }
}
