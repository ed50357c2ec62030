// The core's matrix kernels, one weight type at a time, against plain float64 sums over
// weights the host's own dequantizers decode (bit-exact with llama.cpp's, see
// gguf-host.test.ts). Sizes are deliberately odd: 37 rows, and f32 rows of 291 values,
// so no count is a multiple of a vector width or of the 16 lanes the kernels keep.
// Types the host can't quantize (BF16, Q4_1, Q5_0, Q5_1) get rows of random blocks with
// sane scales, decoded by the plain reference decoders below (ggml-common.h's layouts).
// Float types must also keep the scalar kernels' exact order of additions: 16 partial sums,
// one fixed final order, then the tail; the test replays it in f32 and wants the same bits.
// Needs build/core.wasm (npm run build:core).

import { describe, expect, it } from "vitest";
import { dequantizeRow, f16ToF32, f32ToF16, quantizeRow } from "../host/gguf/quantize.js";
import { GGML } from "../host/gguf/types.js";
import { Core } from "../host/runner/core.js";
import { int8Activations } from "./reference/activations.js";
import { kernelValues } from "./helpers/kernel-values.js";

const ROWS = 37;
const VECTORS = 6; // the batched-prefill path: several vectors share each pass over the weights (four at once, then two alone)

/** Deterministic bytes. */
function bytes(count: number, seed: number): Uint8Array {
  const out = new Uint8Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = state >>> 24;
  }
  return out;
}

/** Random blocks of a 32-value type: random quants, d in [0.004, 0.1) and m in [-1, 0) at half precision. */
function randomBlocks(type: number, cols: number, seed: number): Uint8Array {
  const size = { [GGML.Q4_1]: 20, [GGML.Q5_0]: 22, [GGML.Q5_1]: 24 }[type]!;
  const row = bytes((cols / 32) * size, seed);
  const view = new DataView(row.buffer);
  const scale = bytes(cols / 8, seed ^ 0x5a5a);
  for (let b = 0; b < cols / 32; b++) {
    view.setUint16(b * size, f32ToF16(0.004 + scale[4 * b] / 2600), true);
    if (type !== GGML.Q5_0) view.setUint16(b * size + 2, f32ToF16(-scale[4 * b + 1] / 256), true);
  }
  return row;
}

/** BF16 rows: the high halves of f32 values. */
function bf16Row(x: Float32Array): Uint8Array {
  const halves = new Uint16Array(x.length);
  const bits = new Uint32Array(x.buffer, x.byteOffset, x.length);
  for (let i = 0; i < x.length; i++) halves[i] = bits[i] >>> 16;
  return new Uint8Array(halves.buffer);
}

/**
 * ggml's Q4_1, Q5_0 and Q5_1 dequantizers (the host has none): d (f16)[, m (f16)][, qh u32],
 * 16 bytes of nibbles, low nibbles values 0..15, high nibbles 16..31; value j takes bit j
 * of qh as its fifth bit. Q4_1, Q5_1: y = q·d + m; Q5_0: y = (q − 16)·d.
 */
function decodeBlocks(type: number, row: Uint8Array, cols: number): Float32Array {
  const view = new DataView(row.buffer, row.byteOffset, row.byteLength);
  const y = new Float32Array(cols);
  const size = { [GGML.Q4_1]: 20, [GGML.Q5_0]: 22, [GGML.Q5_1]: 24 }[type]!;
  for (let b = 0; b < cols / 32; b++) {
    const at = b * size;
    const d = f16ToF32(view.getUint16(at, true));
    const m = type === GGML.Q5_0 ? 0 : f16ToF32(view.getUint16(at + 2, true));
    const qh = type === GGML.Q4_1 ? 0 : view.getUint32(at + (type === GGML.Q5_0 ? 2 : 4), true);
    const qs = at + size - 16;
    for (let j = 0; j < 16; j++) {
      const q0 = (row[qs + j] & 0xf) | (((qh >>> j) & 1) << 4);
      const q1 = (row[qs + j] >> 4) | (((qh >>> (j + 16)) & 1) << 4);
      y[b * 32 + j] = type === GGML.Q5_0 ? Math.fround((q0 - 16) * d) : Math.fround(Math.fround(q0 * d) + m);
      y[b * 32 + j + 16] = type === GGML.Q5_0 ? Math.fround((q1 - 16) * d) : Math.fround(Math.fround(q1 * d) + m);
    }
  }
  return y;
}

/** Σ w_j·x_j in f32 in the float kernels' order: partial sums s_{j mod 16}, (((s0+s1)+(s2+s3))+…), then the tail. */
function sixteenSums(w: ArrayLike<number>, x: ArrayLike<number>): number {
  const f = Math.fround, s = new Array<number>(16).fill(0);
  let j = 0;
  for (; j + 16 <= w.length; j += 16) for (let k = 0; k < 16; k++) s[k] = f(s[k] + f(w[j + k] * x[j + k]));
  const pairs = (a: number, b: number) => f(s[a] + s[b]);
  const quad = (a: number) => f(pairs(a, a + 1) + pairs(a + 2, a + 3));
  let sum = f(f(f(quad(0) + quad(4)) + f(quad(8) + quad(12))));
  for (; j < w.length; j++) sum = f(sum + f(w[j] * x[j]));
  return sum;
}

interface Case {
  name: string;
  type: number;
  cols: number;
  /** Whether the kernel quantizes the activations to int8 first (llama.cpp's way for these types). */
  int8: boolean;
  /** Rows of this type from the host's quantizer, or made up here (random blocks, BF16's truncation). */
  row?: (x: Float32Array, seed: number) => Uint8Array;
  decode?: (row: Uint8Array, cols: number) => Float32Array;
}

const cases: Case[] = [
  { name: "F32 (scalar order, v128)", type: GGML.F32, cols: 291, int8: false },
  { name: "F16 (halves widened in registers)", type: GGML.F16, cols: 291, int8: false },
  { name: "BF16 (shifted into f32)", type: GGML.BF16, cols: 291, int8: false, row: (x) => bf16Row(x) },
  { name: "Q8_0 (int8 activations)", type: GGML.Q8_0, cols: 160, int8: true },
  { name: "Q4_0 (int8 activations)", type: GGML.Q4_0, cols: 160, int8: true },
  ...[GGML.Q4_1, GGML.Q5_0, GGML.Q5_1].map((type) => ({
    name: `${{ [GGML.Q4_1]: "Q4_1", [GGML.Q5_0]: "Q5_0", [GGML.Q5_1]: "Q5_1" }[type]} (random blocks, int8 activations)`,
    type, cols: 160, int8: true,
    row: (_: Float32Array, seed: number) => randomBlocks(type, 160, seed),
    decode: (row: Uint8Array, cols: number) => decodeBlocks(type, row, cols),
  })),
  { name: "Q4_K (int8 activations)", type: GGML.Q4_K, cols: 512, int8: true },
  { name: "Q6_K (int8 activations)", type: GGML.Q6_K, cols: 512, int8: true },
];

describe("matrix kernels against float64 sums", () => {
  for (const { name, type, cols, int8, row, decode } of cases) {
    it(name, () => {
      const rows = Array.from({ length: ROWS }, (_, r) => (row ?? ((x) => quantizeRow(type, x)))(kernelValues(cols, 1000 + r), 1000 + r));
      const weights = new Uint8Array(rows.reduce((sum, row) => sum + row.length, 0));
      rows.reduce((offset, row) => (weights.set(row, offset), offset + row.length), 0);
      const decoded = rows.map((r) => (decode ?? ((b, n) => dequantizeRow(type, b, n)))(r, cols));
      const x = kernelValues(VECTORS * cols, 7);

      const core = new Core({ stdout: () => {}, stderr: () => {} });
      const product = core.multiply(type, ROWS, cols, weights, x);
      // the batch gives every vector the bits it gets alone: results never depend on the prompt's batching
      for (let t = 0; t < VECTORS; t++)
        expect(core.multiply(type, ROWS, cols, weights, x.subarray(t * cols, (t + 1) * cols))).toEqual(product.subarray(t * ROWS, (t + 1) * ROWS));

      for (let t = 0; t < VECTORS; t++) {
        const xt = x.subarray(t * cols, (t + 1) * cols);
        const seen = int8 ? int8Activations(xt) : Float64Array.from(xt);
        for (let r = 0; r < ROWS; r++) {
          let exact = 0, magnitude = 0, unquantized = 0;
          for (let j = 0; j < cols; j++) {
            exact += decoded[r][j] * seen[j];
            magnitude += Math.abs(decoded[r][j] * xt[j]);
            unquantized += decoded[r][j] * xt[j];
          }
          const ours = product[t * ROWS + r];
          // f32 accumulation of a few hundred terms: far below 1e-5 of the sum of magnitudes
          expect(Math.abs(ours - exact)).toBeLessThanOrEqual(1e-5 * magnitude);
          // int8 activations move a product by at most half a code per value: about 1% here
          if (int8) expect(Math.abs(ours - unquantized)).toBeLessThanOrEqual(0.01 * magnitude);
          // the float types add in the scalar kernels' order, to the bit
          if (!int8) expect(ours).toBe(sixteenSums(decoded[r], xt));
        }
      }
    });
  }

  it("F16 widens every one of the 65536 halves exactly (subnormals, zeros, infinities, NaN)", () => {
    // row h holds half h at column h % 16 and +0 elsewhere; x is all ones, so out_h is the half itself
    const cols = 16, halves = new Uint16Array(65536 * cols);
    for (let h = 0; h < 65536; h++) halves[h * cols + (h % cols)] = h;
    const x = new Float32Array(cols).fill(1);
    const out = new Core({ stdout: () => {}, stderr: () => {} }).multiply(GGML.F16, 65536, cols, new Uint8Array(halves.buffer), x);
    const wrong: number[] = [];
    for (let h = 0; h < 65536; h++) {
      const expected = f16ToF32(h);
      if (Number.isNaN(expected) ? !Number.isNaN(out[h]) : out[h] !== expected) wrong.push(h); // ±0 both come out +0 (0 + -0)
    }
    expect(wrong).toEqual([]);
  });

  it("refuses a type it doesn't know and rows that aren't whole blocks", () => {
    const core = new Core({ stdout: () => {}, stderr: () => {} });
    expect(() => core.multiply(99, 1, 32, new Uint8Array(128), new Float32Array(32))).toThrow(/bad type or shape/);
    expect(() => core.multiply(GGML.Q8_0, 1, 48, new Uint8Array(68), new Float32Array(48))).toThrow(/bad type or shape/);
  });
});
