// The neural-net building blocks on raw f32 pointers: output first, sizes last.
//
// Every reduction has a fixed summation order written here, in the wasm, so the
// Node host and the wasm2c build on bare metal compute the same bits. The dot
// product keeps 16 independent partial sums: the C compiler maps them onto SIMD
// registers without needing permission to reassociate floating point.
import { Matrix } from "../model/model";
import { dequantizeRow } from "./quant";

// dot (attention's scores) lives with the F32 matrix kernel it shares its order with.
export { dot } from "./f32";

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
