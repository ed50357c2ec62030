// The core's matrix kernels, one weight type at a time, against plain float64 sums over
// weights the host's own dequantizers decode (bit-exact with llama.cpp's, see
// gguf-host.test.ts). Sizes are deliberately odd: 37 rows, and f32 rows of 291 values,
// so no count is a multiple of a vector width or of the 16 lanes the kernels keep.
// Needs build/core.wasm (npm run build:core).

import { describe, expect, it } from "vitest";
import { dequantizeRow, quantizeRow } from "../host/gguf/quantize.js";
import { GGML } from "../host/gguf/types.js";
import { Core } from "../host/runner/core.js";
import { int8Activations } from "./reference/activations.js";

const ROWS = 37;
const VECTORS = 3; // the batched-prefill path: several vectors share each pass over the weights

/** Deterministic values with a spread of magnitudes, an all-zero block and an outlier. */
function values(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = ((state / 2 ** 32) * 2 - 1) * (1 + (i % 7));
  }
  out.fill(0, 32, 64);
  out[count - 5] = 40;
  return out;
}

interface Case {
  name: string;
  type: number;
  cols: number;
  /** Whether the kernel quantizes the activations to int8 first (llama.cpp's way for these types). */
  int8: boolean;
}

const cases: Case[] = [
  { name: "F32 (vectorized dot)", type: GGML.F32, cols: 291, int8: false },
  { name: "F16 (dequantized rows, then the f32 dot)", type: GGML.F16, cols: 291, int8: false },
  { name: "Q8_0 (int8 activations)", type: GGML.Q8_0, cols: 160, int8: true },
  { name: "Q4_0 (int8 activations)", type: GGML.Q4_0, cols: 160, int8: true },
  { name: "Q4_K (int8 activations)", type: GGML.Q4_K, cols: 512, int8: true },
  { name: "Q6_K (int8 activations)", type: GGML.Q6_K, cols: 512, int8: true },
];

describe("matrix kernels against float64 sums", () => {
  for (const { name, type, cols, int8 } of cases) {
    it(name, () => {
      const rows = Array.from({ length: ROWS }, (_, r) => quantizeRow(type, values(cols, 1000 + r)));
      const weights = new Uint8Array(rows.reduce((sum, row) => sum + row.length, 0));
      rows.reduce((offset, row) => (weights.set(row, offset), offset + row.length), 0);
      const decoded = rows.map((row) => dequantizeRow(type, row, cols));
      const x = values(VECTORS * cols, 7);

      const product = new Core({ stdout: () => {}, stderr: () => {} }).multiply(type, ROWS, cols, weights, x);

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
        }
      }
    });
  }

  it("refuses a type it doesn't know and rows that aren't whole blocks", () => {
    const core = new Core({ stdout: () => {}, stderr: () => {} });
    expect(() => core.multiply(99, 1, 32, new Uint8Array(128), new Float32Array(32))).toThrow(/bad type or shape/);
    expect(() => core.multiply(GGML.Q8_0, 1, 48, new Uint8Array(68), new Float32Array(48))).toThrow(/bad type or shape/);
  });
});
