// The per-token kernels in explicit v128 (assembly/kernels/ops.ts: rmsnorm, softmax,
// SwiGLU, the residual add, attention's scores and weighted sum; RoPE in
// assembly/model/forward.ts; attention in assembly/model/attention.ts), compiled on their
// own (test/fixtures/ops-entry.ts), at sizes that are not multiples of the vector width.
// Two kinds of evidence: float64 references within float32 rounding, and, where a
// kernel's order of float operations is documented, the same order replayed in JS with
// Math.fround, which must give the same bits.
import { execa } from "execa";
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDir, packageRoot } from "../host/paths.js";

const entryWasm = join(buildDir, "test", "ops.wasm");

interface OpsExports {
  memory: WebAssembly.Memory;
  floats(n: number): number;
  rms_norm(out: number, x: number, weight: number, size: number, eps: number): void;
  soft_max(x: number, size: number): void;
  swi_glu(gate: number, up: number, size: number): void;
  add_in_place(x: number, y: number, size: number): void;
  head_dot(q: number, k: number, n: number): number;
  weighted_sum(out: number, values: number, stride: number, weights: number, count: number, size: number): void;
  rope_heads(vec: number, heads: number, headSize: number, ropeDim: number, neox: number, theta: number, pos: number, cosines: number, sines: number): void;
  attend(nHeads: number, nKvHeads: number, headSize: number, seqLen: number, T: number, pos: number, q: number, keys: number, values: number, att: number, xb: number, window: number, cap: number): void;
  ge_glu(gate: number, up: number, size: number): void;
  soft_cap(x: number, cap: number, size: number): void;
  short_conv(out: number, w: number, u0: number, u1: number, u2: number, size: number): void;
}

let ops: OpsExports;

/** A new buffer in the entry's memory holding `values`; returns its address. */
function put(values: Float32Array): number {
  const ptr = ops.floats(values.length);
  new Float32Array(ops.memory.buffer, ptr, values.length).set(values);
  return ptr;
}

/** A copy of n floats at ptr. */
function get(ptr: number, n: number): Float32Array {
  return new Float32Array(ops.memory.buffer, ptr, n).slice();
}

/** Deterministic values in about [-scale, scale], varied magnitudes. */
function values(count: number, seed: number, scale = 1): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = ((state / 2 ** 32) * 2 - 1) * scale * (1 + (i % 5) / 4);
  }
  return out;
}

const f = Math.fround;

/** The four-lane sum the kernels document: lane k takes terms 4i + k, lanes added (l0 + l1) + (l2 + l3), then the rest one by one. */
function fourLaneSum(terms: number[]): number {
  const lanes = [0, 0, 0, 0];
  let j = 0;
  for (; j + 4 <= terms.length; j += 4) for (let k = 0; k < 4; k++) lanes[k] = f(lanes[k] + terms[j + k]);
  let sum = f(f(lanes[0] + lanes[1]) + f(lanes[2] + lanes[3]));
  for (; j < terms.length; j++) sum = f(sum + terms[j]);
  return sum;
}

/** dot()'s order (kernels/f32.ts): sixteen lanes over blocks of 16, added as a tree, then the rest one by one. */
function dotOrder(q: Float32Array, k: Float32Array): number {
  const lanes = new Array<number>(16).fill(0);
  let j = 0;
  for (; j + 16 <= q.length; j += 16) for (let m = 0; m < 16; m++) lanes[m] = f(lanes[m] + f(q[j + m] * k[j + m]));
  const r = (m: number) => f(f(lanes[m] + lanes[m + 1]) + f(lanes[m + 2] + lanes[m + 3]));
  let sum = f(f(r(0) + r(4)) + f(r(8) + r(12)));
  for (; j < q.length; j++) sum = f(sum + f(q[j] * k[j]));
  return sum;
}

function expectClose(actual: ArrayLike<number>, expected: ArrayLike<number>, tolerance: number): void {
  expect(actual.length).toBe(expected.length);
  let worst = 0;
  for (let i = 0; i < actual.length; i++) worst = Math.max(worst, Math.abs(actual[i] - expected[i]) / Math.max(1, Math.abs(expected[i])));
  expect(worst).toBeLessThan(tolerance);
}

function expectBits(actual: Float32Array, expected: ArrayLike<number>): void {
  expect(Array.from(actual)).toEqual(Array.from(expected, (x) => f(x)));
}

beforeAll(async () => {
  mkdirSync(join(buildDir, "test"), { recursive: true });
  // From test/fixtures (--baseDir), so that the core's asconfig.json does not apply; with the
  // core's own runtime, which the kernels' imports (the arena, the object heap) bring in anyway.
  const runtime = "../../assembly/runtime/runtime"; // relative to --baseDir: asc takes an absolute path for another file and compiles it twice
  await execa(join(packageRoot, "node_modules", ".bin", "asc"),
    ["ops-entry.ts", "--baseDir", join(packageRoot, "test", "fixtures"), "--runtime", runtime, "--enable", "simd", "-O3", "-o", entryWasm], { timeout: 120_000 });
  const abort = () => {
    throw new Error("abort in the core's kernels");
  };
  // One processor: attention runs its heads in a single job.
  const host = {
    worker_count: () => 1,
    parallel_for: () => { throw new Error("parallel_for with one processor"); },
    write: () => { throw new Error("the kernels wrote a message (the runtime's heap check failed)"); },
  };
  ops = new WebAssembly.Instance(new WebAssembly.Module(readFileSync(entryWasm)), { env: { abort }, host }).exports as unknown as OpsExports;
}, 180_000);

const SIZES = [1, 3, 4, 5, 8, 15, 16, 17, 31, 64, 67, 291];

describe("per-token kernels at sizes that are not multiples of 4 or 16", () => {
  it.each(SIZES)("rmsnorm, size %i: float64 reference, and the documented four-lane order bit for bit", (n) => {
    const x = values(n, 11 + n, 3), w = values(n, 23 + n);
    const out = ops.floats(n);
    ops.rms_norm(out, put(x), put(w), n, 1e-5);
    const actual = get(out, n);
    const ss = x.reduce((s, v) => s + v * v, 0) / n + 1e-5;
    expectClose(actual, Array.from(x, (v, i) => (w[i] * v) / Math.sqrt(ss)), 1e-6);
    const scale = f(1 / f(Math.sqrt(f(f(fourLaneSum(Array.from(x, (v) => f(v * v))) / n) + f(1e-5)))));
    expectBits(actual, Array.from(x, (v, i) => f(w[i] * f(scale * v))));
  });

  it.each(SIZES)("softmax, size %i: float64 reference", (n) => {
    const x = values(n, 31 + n, 8);
    const ptr = put(x);
    ops.soft_max(ptr, n);
    const max = Math.max(...x);
    const sum = x.reduce((s, v) => s + Math.exp(v - max), 0);
    const actual = get(ptr, n);
    expectClose(actual, Array.from(x, (v) => Math.exp(v - max) / sum), 1e-6);
    // the exponentials are summed in the documented order: their quotients' sum is 1 within rounding
    expect(Math.abs(actual.reduce((s, v) => s + v, 0) - 1)).toBeLessThan(1e-5);
  });

  it("softmax finds the maximum in every lane and in the tail", () => {
    for (let at = 0; at < 7; at++) {
      const x = new Float32Array(7).fill(-1000);
      x[at] = 5;
      const ptr = put(x);
      ops.soft_max(ptr, 7);
      expectBits(get(ptr, 7), Array.from(x, (_, i) => (i === at ? 1 : 0)));
    }
  });

  it.each(SIZES)("SwiGLU, size %i: float64 reference", (n) => {
    const gate = values(n, 41 + n, 6), up = values(n, 43 + n);
    const ptr = put(gate);
    ops.swi_glu(ptr, put(up), n);
    expectClose(get(ptr, n), Array.from(gate, (g, i) => (g / (1 + Math.exp(-g))) * up[i]), 1e-6);
  });

  it.each(SIZES)("residual add, size %i: bit for bit", (n) => {
    const x = values(n, 51 + n, 4), y = values(n, 53 + n, 1e-3);
    const ptr = put(x);
    ops.add_in_place(ptr, put(y), n);
    expectBits(get(ptr, n), Array.from(x, (v, i) => f(v + y[i])));
  });

  it.each(SIZES)("attention score (dot), size %i: float64 reference, and its order bit for bit", (n) => {
    const q = values(n, 61 + n, 2), k = values(n, 67 + n, 2);
    const actual = ops.head_dot(put(q), put(k), n);
    expect(Math.abs(actual - q.reduce((s, v, i) => s + v * k[i], 0))).toBeLessThan(1e-5 * n);
    expect(actual).toBe(dotOrder(q, k));
  });

  it.each(SIZES)("weighted sum of values, size %i: every output in position order, bit for bit", (n) => {
    const count = 13, stride = n + 3; // the rows sit in a wider cache, as heads do
    const v = values(count * stride, 71 + n, 2), weights = values(count, 73 + n);
    const out = ops.floats(n);
    ops.weighted_sum(out, put(v), stride * 4, put(weights), count, n);
    const expected = Array.from({ length: n }, (_, i) => {
      let sum = 0;
      for (let p = 0; p < count; p++) sum = f(sum + f(weights[p] * v[p * stride + i]));
      return sum;
    });
    expectBits(get(out, n), expected);
  });
});

describe("RoPE", () => {
  // [heads, headSize, ropeDim]: 260K's head size 8, partial rotation, pairs not a multiple of 4
  const shapes: Array<[number, number, number]> = [[2, 8, 8], [3, 64, 64], [2, 10, 10], [2, 12, 6], [1, 18, 14]];
  for (const neox of [false, true]) {
    it.each(shapes)(`${neox ? "NeoX" : "Llama"} pairs, %i heads of %i, ropeDim %i: the scalar rotation bit for bit, and float64 angles`, (heads, headSize, ropeDim) => {
      const pos = 37, pairs = ropeDim / 2;
      const x = values(heads * headSize, 81 + headSize, 2);
      const vec = put(x), cosines = ops.floats(pairs), sines = ops.floats(pairs);
      ops.rope_heads(vec, heads, headSize, ropeDim, neox ? 1 : 0, 10000, pos, cosines, sines);
      const actual = get(vec, heads * headSize), cos = get(cosines, pairs), sin = get(sines, pairs);
      const exact: number[] = Array.from(x), close: number[] = Array.from(x);
      for (let h = 0; h < heads; h++) {
        for (let i = 0; i < pairs; i++) {
          const a = h * headSize + (neox ? i : 2 * i), b = h * headSize + (neox ? i + pairs : 2 * i + 1);
          exact[a] = f(f(x[a] * cos[i]) - f(x[b] * sin[i]));
          exact[b] = f(f(x[a] * sin[i]) + f(x[b] * cos[i]));
          const angle = pos / 10000 ** ((2 * i) / ropeDim);
          close[a] = x[a] * Math.cos(angle) - x[b] * Math.sin(angle);
          close[b] = x[a] * Math.sin(angle) + x[b] * Math.cos(angle);
        }
      }
      expectBits(actual, exact);
      expectClose(actual, close, 1e-4); // f32 angles of position 37
    });
  }
});

describe("attention over the cache against float64", () => {
  // [nHeads, nKvHeads, headSize]: 260K's shape, grouped-query, odd head sizes
  const shapes: Array<[number, number, number]> = [[8, 4, 8], [4, 4, 5], [6, 2, 19], [3, 1, 36], [2, 2, 64]];
  // [nHeads, nKvHeads, headSize, window, cap]: window 0 = all positions; cap 0 = no soft-capping
  const cases: Array<[number, number, number, number, number]> = [...shapes.map(([a, b, c]) => [a, b, c, 0, 0] as [number, number, number, number, number]), [4, 2, 19, 5, 0], [6, 2, 8, 1, 0], [4, 2, 32, 0, 2.5], [4, 4, 5, 4, 2.5]];
  it.each(cases)("%i query heads, %i kv heads, head size %i, window %i, soft-cap %f; 3 tokens at positions 9..11", (nHeads, nKvHeads, headSize, window, cap) => {
    const seqLen = 16, T = 3, pos = 9, qDim = nHeads * headSize, kvDim = nKvHeads * headSize;
    const q = values(T * qDim, 91 + headSize, 1.5), keys = values(seqLen * kvDim, 93 + headSize, 1.5), vals = values(seqLen * kvDim, 97 + headSize, 2);
    const xb = ops.floats(T * qDim);
    ops.attend(nHeads, nKvHeads, headSize, seqLen, T, pos, put(q), put(keys), put(vals), ops.floats(nHeads * seqLen), xb, window, cap);
    const expected: number[] = [];
    for (let t = 0; t < T; t++) {
      const first = window > 0 ? Math.max(0, pos + t - window + 1) : 0;
      for (let h = 0; h < nHeads; h++) {
        const kv = Math.floor(h / (nHeads / nKvHeads)) * headSize;
        const scores: number[] = [];
        for (let p = first; p <= pos + t; p++) {
          let s = 0;
          for (let j = 0; j < headSize; j++) s += q[t * qDim + h * headSize + j] * keys[p * kvDim + kv + j];
          s /= Math.sqrt(headSize);
          scores.push(cap > 0 ? cap * Math.tanh(s / cap) : s);
        }
        const max = Math.max(...scores), sum = scores.reduce((a, s) => a + Math.exp(s - max), 0);
        for (let j = 0; j < headSize; j++) {
          let o = 0;
          for (let p = 0; p < scores.length; p++) o += (Math.exp(scores[p] - max) / sum) * vals[(first + p) * kvDim + kv + j];
          expected.push(o);
        }
      }
    }
    expectClose(get(xb, T * qDim), expected, 1e-5);
  });
});

describe("Gemma's and LFM2's kernels", () => {
  /** x (an f32) to the nearest half, ties to even. */
  function half(x: number): number {
    const a = Math.abs(f(x));
    if (a === 0) return x;
    const e = Math.max(Math.floor(Math.log2(a)), -14);
    let step = 2 ** (e - 10);
    if (a / step >= 2048) step *= 2;
    const r = a / step, n = r - Math.floor(r) === 0.5 ? 2 * Math.round(r / 2) : Math.round(r);
    return Math.sign(x) * n * step;
  }
  const gelu = (x: number) => 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));

  it.each(SIZES)("GeGLU, size %i: ggml's half-precision GELU times up (float64 GELU between the two roundings)", (n) => {
    const g = values(n, 51 + n, 6), u = values(n, 53 + n);
    g[0] = -12; // below -10: 0
    if (n > 1) g[1] = 11; // at or above 10: g itself
    const ptr = put(g);
    ops.ge_glu(ptr, put(u), n);
    const expected = Array.from(g, (x, i) => (x <= -10 ? 0 : x >= 10 ? x : half(gelu(half(x)))) * u[i]);
    // the f32 tanh inside may move a GELU value across a half-precision rounding boundary: one half ulp
    expectClose(get(ptr, n), expected, 1e-3);
    expect(get(ptr, n).filter((v, i) => Math.abs(v - expected[i]) > 1e-6 * Math.max(1, Math.abs(expected[i]))).length).toBeLessThanOrEqual(Math.ceil(n / 50));
  });

  it.each(SIZES)("soft-capping, size %i: cap · tanh(x / cap)", (n) => {
    const x = values(n, 61 + n, 80);
    const ptr = put(x);
    ops.soft_cap(ptr, 30, n);
    expectClose(get(ptr, n), Array.from(x, (v) => 30 * Math.tanh(v / 30)), 1e-6);
  });

  it.each(SIZES)("short convolution, size %i: w0 u[-2] + w1 u[-1] + w2 u[0] per channel, in that order bit for bit; no history at the start", (n) => {
    const w = values(3 * n, 71 + n), u0 = values(n, 73 + n, 2), u1 = values(n, 79 + n, 2), u2 = values(n, 83 + n, 2);
    const out = ops.floats(n);
    ops.short_conv(out, put(w), put(u0), put(u1), put(u2), n);
    expectBits(get(out, n), Array.from(u0, (v, c) => f(f(f(w[3 * c] * u2[c]) + f(w[3 * c + 1] * u1[c])) + f(w[3 * c + 2] * v))));
    ops.short_conv(out, put(w), put(u0), 0, 0, n); // position 0
    expectBits(get(out, n), Array.from(u0, (v, c) => f(w[3 * c + 2] * v)));
  });
});
