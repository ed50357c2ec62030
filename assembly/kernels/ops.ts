// The neural-net building blocks on raw f32 pointers: output first, sizes last.
//
// Every reduction has a fixed summation order written here, in the wasm, so the
// Node host and the wasm2c build on bare metal compute the same bits. The dot
// product keeps 16 independent partial sums: the C compiler maps them onto SIMD
// registers without needing permission to reassociate floating point.
import { Matrix } from "../model/model";
import { dequantizeRow } from "./quant";
import { reduceLanes } from "./simd";

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
 * q · k over n floats, for one attention head's score. Sixteen partial sums in four
 * f32x4 accumulators (a_m lane k takes the products 16i + 4m + k); each a_m's lanes are
 * added as r_m = (l0 + l1) + (l2 + l3), the four as (r0 + r1) + (r2 + r3), then the last
 * n % 16 products one by one: the order dot() used until now, so the scores kept their bits.
 */
export function headDot(q: usize, k: usize, n: i32): f32 {
  let a0 = f32x4.splat(0), a1 = f32x4.splat(0), a2 = f32x4.splat(0), a3 = f32x4.splat(0);
  let j = 0;
  for (; j + 16 <= n; j += 16) {
    const pq = q + (<usize>j << 2), pk = k + (<usize>j << 2);
    a0 = f32x4.add(a0, f32x4.mul(v128.load(pq, 0), v128.load(pk, 0)));
    a1 = f32x4.add(a1, f32x4.mul(v128.load(pq, 16), v128.load(pk, 16)));
    a2 = f32x4.add(a2, f32x4.mul(v128.load(pq, 32), v128.load(pk, 32)));
    a3 = f32x4.add(a3, f32x4.mul(v128.load(pq, 48), v128.load(pk, 48)));
  }
  let sum = (reduceLanes(a0) + reduceLanes(a1)) + (reduceLanes(a2) + reduceLanes(a3));
  for (; j < n; j++) sum += load<f32>(q + (<usize>j << 2)) * load<f32>(k + (<usize>j << 2));
  return sum;
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
