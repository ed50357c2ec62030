// The neural-net building blocks on raw f32 pointers: output first, sizes last.
//
// Every reduction has a fixed summation order written here, in the wasm, so the
// Node host and the wasm2c build on bare metal compute the same bits: explicit f32x4
// lanes, each adding in a written order, and the lanes reduced in a fixed order.
import { Matrix } from "../model/model";
import { dequantizeRow, halfToFloat } from "./quant";
import { reduceLanes } from "./simd";

/** Row `row` of W as f32 into out (cols,): the token embedding lookup. */
export function copyRow(out: usize, w: Matrix, row: i32): void {
  dequantizeRow(out, w.ptr + <usize>row * w.rowBytes, w.type, w.cols);
}

// The kernels below are explicit v128 (f32x4) over four floats at a time, with a scalar
// loop for the last size % 4. Lane-wise steps (adds, products, divisions) give the same
// bits as their scalar form; each reduction says its order. The four-lane sums in rmsnorm
// and softmax changed low bits when they came; llama2.c's published stories260K texts
// (test/golden.test.ts) still come out byte for byte with them.

/**
 * out = weight * x / sqrt(mean(x^2) + eps), over size floats. The squares are summed in
 * four lanes (lane k takes x[4i + k], in order), the lanes added as (l0 + l1) + (l2 + l3),
 * then the last size % 4 squares one by one.
 */
export function rmsnorm(out: usize, x: usize, weight: usize, size: i32, eps: f32): void {
  let lanes = f32x4.splat(0);
  let j = 0;
  for (; j + 4 <= size; j += 4) {
    const v = v128.load(x + (<usize>j << 2));
    lanes = f32x4.add(lanes, f32x4.mul(v, v));
  }
  let ss = reduceLanes(lanes);
  for (; j < size; j++) {
    const v = load<f32>(x + (<usize>j << 2));
    ss += v * v;
  }
  ss /= <f32>size;
  ss += eps;
  const scale: f32 = 1.0 / Mathf.sqrt(ss);
  const scales = f32x4.splat(scale);
  j = 0;
  for (; j + 4 <= size; j += 4) {
    const at = <usize>j << 2;
    v128.store(out + at, f32x4.mul(v128.load(weight + at), f32x4.mul(scales, v128.load(x + at))));
  }
  for (; j < size; j++) {
    const at = <usize>j << 2;
    store<f32>(out + at, load<f32>(weight + at) * (scale * load<f32>(x + at)));
  }
}

/** exp of each lane of v: wasm has no vector exp, so four scalar calls, then back into a vector. */
@inline function expLanes(v: v128): v128 {
  let e = f32x4.splat(Mathf.exp(f32x4.extract_lane(v, 0)));
  e = f32x4.replace_lane(e, 1, Mathf.exp(f32x4.extract_lane(v, 1)));
  e = f32x4.replace_lane(e, 2, Mathf.exp(f32x4.extract_lane(v, 2)));
  return f32x4.replace_lane(e, 3, Mathf.exp(f32x4.extract_lane(v, 3)));
}

/**
 * x = exp(x - max) / sum, in place over size floats (size >= 1). The maximum does not
 * depend on order. The exponentials are summed in four lanes (lane k takes x[4i + k], in
 * order), the lanes added as (l0 + l1) + (l2 + l3), then the last size % 4 one by one.
 */
export function softmax(x: usize, size: i32): void {
  let maxValue = load<f32>(x);
  let i = 0;
  if (size >= 4) {
    let maxes = v128.load(x);
    for (i = 4; i + 4 <= size; i += 4) maxes = f32x4.max(maxes, v128.load(x + (<usize>i << 2)));
    maxValue = max(max(f32x4.extract_lane(maxes, 0), f32x4.extract_lane(maxes, 1)), max(f32x4.extract_lane(maxes, 2), f32x4.extract_lane(maxes, 3)));
  }
  for (; i < size; i++) maxValue = max(maxValue, load<f32>(x + (<usize>i << 2)));
  const maxes = f32x4.splat(maxValue);
  let lanes = f32x4.splat(0);
  i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = x + (<usize>i << 2);
    const e = expLanes(f32x4.sub(v128.load(at), maxes));
    v128.store(at, e);
    lanes = f32x4.add(lanes, e);
  }
  let sum = reduceLanes(lanes);
  for (let k = i; k < size; k++) {
    const e = Mathf.exp(load<f32>(x + (<usize>k << 2)) - maxValue);
    store<f32>(x + (<usize>k << 2), e);
    sum += e;
  }
  const sums = f32x4.splat(sum);
  i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = x + (<usize>i << 2);
    v128.store(at, f32x4.div(v128.load(at), sums));
  }
  for (; i < size; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) / sum);
}

/** x += y over size floats. */
export function addInPlace(x: usize, y: usize, size: i32): void {
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i << 2;
    v128.store(x + at, f32x4.add(v128.load(x + at), v128.load(y + at)));
  }
  for (; i < size; i++) {
    const at = <usize>i << 2;
    store<f32>(x + at, load<f32>(x + at) + load<f32>(y + at));
  }
}

/** gate = silu(gate) * up over size floats, silu(g) = g * (1 / (1 + exp(-g))): the SwiGLU activation. */
export function swiglu(gate: usize, up: usize, size: i32): void {
  const ones = f32x4.splat(1);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i << 2;
    const g = v128.load(gate + at);
    const sigmoid = f32x4.div(ones, f32x4.add(ones, expLanes(f32x4.neg(g))));
    v128.store(gate + at, f32x4.mul(f32x4.mul(g, sigmoid), v128.load(up + at)));
  }
  for (; i < size; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(gate + at);
    store<f32>(gate + at, g * (1.0 / (1.0 + Mathf.exp(-g))) * load<f32>(up + at));
  }
}

/**
 * out (size,) = Σ_p weights[p] · v_p over `count` vectors v_p at values + p · stride bytes:
 * attention's weighted sum of the values. Sixteen outputs at a time stay in four f32x4
 * registers while the positions stream past, then four, then one; every output adds its
 * products in position order (no reduction across lanes).
 */
export function weightedSum(out: usize, values: usize, stride: usize, weights: usize, count: i32, size: i32): void {
  let i = 0;
  for (; i + 16 <= size; i += 16) {
    let s0 = f32x4.splat(0), s1 = f32x4.splat(0), s2 = f32x4.splat(0), s3 = f32x4.splat(0);
    let vp = values + (<usize>i << 2);
    for (let p = 0; p < count; p++, vp += stride) {
      const a = f32x4.splat(load<f32>(weights + (<usize>p << 2)));
      s0 = f32x4.add(s0, f32x4.mul(a, v128.load(vp, 0)));
      s1 = f32x4.add(s1, f32x4.mul(a, v128.load(vp, 16)));
      s2 = f32x4.add(s2, f32x4.mul(a, v128.load(vp, 32)));
      s3 = f32x4.add(s3, f32x4.mul(a, v128.load(vp, 48)));
    }
    const o = out + (<usize>i << 2);
    v128.store(o, s0, 0);
    v128.store(o, s1, 16);
    v128.store(o, s2, 32);
    v128.store(o, s3, 48);
  }
  for (; i + 4 <= size; i += 4) {
    let s = f32x4.splat(0);
    let vp = values + (<usize>i << 2);
    for (let p = 0; p < count; p++, vp += stride) s = f32x4.add(s, f32x4.mul(f32x4.splat(load<f32>(weights + (<usize>p << 2))), v128.load(vp)));
    v128.store(out + (<usize>i << 2), s);
  }
  for (; i < size; i++) {
    let sum: f32 = 0;
    let vp = values + (<usize>i << 2);
    for (let p = 0; p < count; p++, vp += stride) sum += load<f32>(weights + (<usize>p << 2)) * load<f32>(vp);
    store<f32>(out + (<usize>i << 2), sum);
  }
}

/** x *= a over size floats. */
export function scaleInPlace(x: usize, a: f32, size: i32): void {
  const as = f32x4.splat(a);
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = x + (<usize>i << 2);
    v128.store(at, f32x4.mul(v128.load(at), as));
  }
  for (; i < size; i++) store<f32>(x + (<usize>i << 2), load<f32>(x + (<usize>i << 2)) * a);
}

/**
 * x = cap · tanh(x / cap) over size floats: Gemma 2's soft-capping of attention scores and
 * logits. wasm has no vector tanh, so it is lane by lane, in the order ggml writes it
 * (scale, tanh, scale).
 */
export function softcap(x: usize, cap: f32, size: i32): void {
  const inverse: f32 = 1.0 / cap;
  for (let i = 0; i < size; i++) {
    const at = x + (<usize>i << 2);
    store<f32>(at, Mathf.tanh(load<f32>(at) * inverse) * cap);
  }
}

/** f32 to IEEE half bits, rounding to nearest even (what x86's F16C vcvtps2ph does with imm 0). */
export function floatToHalf(f: f32): u32 {
  const x = reinterpret<u32>(f);
  const sign = (x >> 16) & 0x8000;
  const biased = <i32>((x >> 23) & 0xff);
  let m = x & 0x7fffff;
  if (biased == 0xff) return sign | 0x7c00 | (m != 0 ? 0x200 : 0);
  const e = biased - 127 + 15;
  if (e >= 31) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    m |= 0x800000;
    const shift = <u32>(14 - e);
    let h = m >> shift;
    const rest = m & ((1 << shift) - 1), half: u32 = 1 << (shift - 1);
    if (rest > half || (rest == half && (h & 1) != 0)) h++;
    return sign | h;
  }
  let h = (<u32>e << 10) | (m >> 13);
  const rest = m & 0x1fff;
  if (rest > 0x1000 || (rest == 0x1000 && (h & 1) != 0)) h++; // a carry runs into the exponent, as it should
  return sign | h;
}

/** GELU, tanh form: 0.5 x (1 + tanh(sqrt(2/pi) x (1 + 0.044715 x^2))), in f32 as ggml writes it. */
export function geluTanh(x: f32): f32 {
  const sqrt2OverPi: f32 = 0.79788456080286535587989211986876;
  const coefA: f32 = 0.044715;
  return <f32>0.5 * x * (<f32>1.0 + Mathf.tanh(sqrt2OverPi * x * (<f32>1.0 + coefA * x * x)));
}

/**
 * gate = gelu(gate) · up over size floats: Gemma's GeGLU. As llama.cpp's CPU backend computes
 * it, so greedy paths agree with it: for |g| < 10, g is rounded to half precision, GELU taken
 * in f32 and the result rounded to half again (ggml's f16 lookup table); 0 for g <= -10, g at
 * or above 10. Against an exact GELU this moves values by up to ~1e-3 relative.
 */
export function geglu(gate: usize, up: usize, size: i32): void {
  for (let i = 0; i < size; i++) {
    const at = <usize>i << 2;
    const g = load<f32>(gate + at);
    let y: f32;
    if (g <= -10.0) y = 0;
    else if (g >= 10.0) y = g;
    else y = halfToFloat(floatToHalf(geluTanh(halfToFloat(floatToHalf(g)))));
    store<f32>(gate + at, y * load<f32>(up + at));
  }
}

/** x *= y over size floats. */
export function mulInPlace(x: usize, y: usize, size: i32): void {
  let i = 0;
  for (; i + 4 <= size; i += 4) {
    const at = <usize>i << 2;
    v128.store(x + at, f32x4.mul(v128.load(x + at), v128.load(y + at)));
  }
  for (; i < size; i++) {
    const at = <usize>i << 2;
    store<f32>(x + at, load<f32>(x + at) * load<f32>(y + at));
  }
}

/**
 * out[c] = (w[c][0] · u2[c] + w[c][1] · u1[c]) + w[c][2] · u0[c] over size channels: LFM2's
 * causal short convolution (kernel 3) at one position, u0 its own input, u1 and u2 the one and
 * two positions before (0 = before the start: zero). w is (size, 3); the order is ggml's.
 */
export function shortConv(out: usize, w: usize, u0: usize, u1: usize, u2: usize, size: i32): void {
  const zero = f32x4.splat(0);
  let c = 0;
  for (; c + 4 <= size; c += 4) {
    const wc = w + <usize>c * 12; // four rows of three
    const w0 = f32x4(load<f32>(wc, 0), load<f32>(wc, 12), load<f32>(wc, 24), load<f32>(wc, 36));
    const w1 = f32x4(load<f32>(wc, 4), load<f32>(wc, 16), load<f32>(wc, 28), load<f32>(wc, 40));
    const w2 = f32x4(load<f32>(wc, 8), load<f32>(wc, 20), load<f32>(wc, 32), load<f32>(wc, 44));
    const at = <usize>c << 2;
    const a = u2 != 0 ? f32x4.mul(w0, v128.load(u2 + at)) : zero;
    const b = u1 != 0 ? f32x4.mul(w1, v128.load(u1 + at)) : zero;
    v128.store(out + at, f32x4.add(f32x4.add(f32x4.add(zero, a), b), f32x4.mul(w2, v128.load(u0 + at))));
  }
  for (; c < size; c++) {
    const wc = w + <usize>c * 12, at = <usize>c << 2;
    let sum: f32 = 0;
    if (u2 != 0) sum += load<f32>(wc, 0) * load<f32>(u2 + at);
    if (u1 != 0) sum += load<f32>(wc, 4) * load<f32>(u1 + at);
    sum += load<f32>(wc, 8) * load<f32>(u0 + at);
    store<f32>(out + at, sum);
  }
}
