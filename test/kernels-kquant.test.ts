// The core's K-quant kernels (assembly/kernels/q{2,3,4,5,6}_k.ts) against plain float64
// sums over weights decoded by independent dequantizers (the host's for Q4_K and Q6_K,
// bit-exact with llama.cpp's; test/reference/kquants.ts for the others) and activations
// quantized to int8 the way the core does (test/reference/activations.ts). 37 rows of
// three 256-value super-blocks: rows from the host's quantizer where it has one, random
// blocks with sane f16 scales for every type, and rows of all-zero and all-one bits.
// Needs build/core.wasm (npm run build:core).

import { describe, expect, it } from "vitest";
import { dequantizeRow, quantizeRow } from "../host/gguf/quantize.js";
import { GGML } from "../host/gguf/types.js";
import { Core } from "../host/runner/core.js";
import { int8Activations } from "./reference/activations.js";
import { dequantizeQ2K, dequantizeQ3K, dequantizeQ5K } from "./reference/kquants.js";
import { kernelValues } from "./helpers/kernel-values.js";

const ROWS = 37;
const COLS = 768; // three super-blocks
const VECTORS = 3; // the batched-prefill path: several vectors share each pass over the weights

interface Kind {
  name: string;
  type: number;
  blockBytes: number;
  /** Offsets of the block's f16 scales. */
  halves: number[];
  /** One row of `COLS` values decoded, independently of the core. */
  decode: (row: Uint8Array) => Float32Array;
  /** Whether the host can quantize f32 rows to this type. */
  quantizable: boolean;
}

function blockwise(blockBytes: number, decodeBlock: (block: Uint8Array) => Float32Array): (row: Uint8Array) => Float32Array {
  return (row) => {
    const out = new Float32Array(COLS);
    for (let b = 0; b < COLS / 256; b++) out.set(decodeBlock(row.subarray(b * blockBytes, (b + 1) * blockBytes)), b * 256);
    return out;
  };
}

const kinds: Kind[] = [
  { name: "Q2_K", type: GGML.Q2_K, blockBytes: 84, halves: [80, 82], decode: blockwise(84, dequantizeQ2K), quantizable: false },
  { name: "Q3_K", type: GGML.Q3_K, blockBytes: 110, halves: [108], decode: blockwise(110, dequantizeQ3K), quantizable: false },
  { name: "Q4_K", type: GGML.Q4_K, blockBytes: 144, halves: [0, 2], decode: (row) => dequantizeRow(GGML.Q4_K, row, COLS), quantizable: true },
  { name: "Q5_K", type: GGML.Q5_K, blockBytes: 176, halves: [0, 2], decode: blockwise(176, dequantizeQ5K), quantizable: false },
  { name: "Q6_K", type: GGML.Q6_K, blockBytes: 210, halves: [208], decode: (row) => dequantizeRow(GGML.Q6_K, row, COLS), quantizable: true },
];

/** A row of `fill` bytes, or of random ones when fill is undefined, with every f16 scale a finite value in [2^-10, 2^-3). */
function blocks(kind: Kind, seed: number, fill?: number): Uint8Array {
  const bytes = new Uint8Array((COLS / 256) * kind.blockBytes);
  let state = seed >>> 0;
  for (let i = 0; i < bytes.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = fill ?? state >>> 24;
  }
  for (let b = 0; b < COLS / 256; b++)
    for (const at of kind.halves) {
      const h = b * kind.blockBytes + at;
      bytes[h + 1] = (bytes[h + 1] & 0x83) | ((5 + (bytes[h] % 7)) << 2); // biased f16 exponent 5 .. 11
    }
  return bytes;
}

/** 37 rows: quantized from values where the host can, the rest random, and one of zero bits and one of one bits. */
function rows(kind: Kind): Uint8Array[] {
  return Array.from({ length: ROWS }, (_, r) => {
    if (r === 0) return blocks(kind, 0, 0x00);
    if (r === 1) return blocks(kind, 0, 0xff);
    if (kind.quantizable && r % 2 === 0) return quantizeRow(kind.type, kernelValues(COLS, 1000 + r));
    return blocks(kind, 77 * r + kind.type);
  });
}

describe("K-quant kernels against float64 sums over int8 activations", () => {
  for (const kind of kinds) {
    it(kind.name, () => {
      const weightRows = rows(kind);
      const weights = new Uint8Array(ROWS * weightRows[0].length);
      weightRows.forEach((row, r) => weights.set(row, r * row.length));
      const decoded = weightRows.map(kind.decode);
      const x = kernelValues(VECTORS * COLS, 7);

      const product = new Core({ stdout: () => {}, stderr: () => {} }).multiply(kind.type, ROWS, COLS, weights, x);

      for (let t = 0; t < VECTORS; t++) {
        const xt = x.subarray(t * COLS, (t + 1) * COLS);
        const seen = int8Activations(xt);
        for (let r = 0; r < ROWS; r++) {
          let exact = 0, magnitude = 0;
          for (let j = 0; j < COLS; j++) {
            exact += decoded[r][j] * seen[j];
            magnitude += Math.abs(decoded[r][j] * seen[j]);
          }
          // f32 steps over a few hundred terms: far below 1e-5 of the sum of magnitudes
          expect(Math.abs(product[t * ROWS + r] - exact), `${kind.name} row ${r} vector ${t}`).toBeLessThanOrEqual(1e-5 * magnitude);
        }
      }
    });
  }
});
