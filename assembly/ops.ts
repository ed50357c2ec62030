// The neural-net building blocks on raw f32 pointers: output first, sizes last.
//
// Every reduction has a fixed summation order written here, in the wasm, so the
// Node host and the wasm2c build on bare metal compute the same bits. The dot
// product keeps 16 independent partial sums: the C compiler maps them onto SIMD
// registers without needing permission to reassociate floating point.
import { Matrix } from "./model";
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

/** out += a * v over size floats. */
export function addScaled(out: usize, v: usize, a: f32, size: i32): void {
  for (let i = 0; i < size; i++) {
    const at = <usize>i << 2;
    store<f32>(out + at, load<f32>(out + at) + a * load<f32>(v + at));
  }
}
