// An independent reference forward pass for llama2.c models: plain TypeScript, float64
// throughout, written to read like the math rather than to be fast. Tests compare the
// core's f32 logits against it.

import type { Llama2cCheckpoint, Llama2cConfig, Llama2cWeights } from "../../host/model/llama2c-checkpoint.js";

const RMS_EPS = 1e-5;
const ROPE_THETA = 10000;

// ----------------------------------------------------------------------------
// Blocks. `w` is a stored f32 array, `offset` where this layer's slice starts.

/** x * w / sqrt(mean(x^2) + eps) */
export function rmsnorm(x: Float64Array, w: Float32Array, offset: number): Float64Array {
  let sumOfSquares = 0;
  for (let i = 0; i < x.length; i++) sumOfSquares += x[i] * x[i];
  const scale = 1 / Math.sqrt(sumOfSquares / x.length + RMS_EPS);
  const out = new Float64Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = x[i] * scale * w[offset + i];
  return out;
}

/** W (out, in) @ x (in,) -> (out,), with W row-major starting at `offset` */
export function matvec(w: Float32Array, offset: number, x: Float64Array, out: number): Float64Array {
  const inputs = x.length;
  const y = new Float64Array(out);
  for (let i = 0; i < out; i++) {
    let sum = 0;
    for (let j = 0; j < inputs; j++) sum += w[offset + i * inputs + j] * x[j];
    y[i] = sum;
  }
  return y;
}

/** exp(x - max) / sum, in place */
export function softmax(x: Float64Array): void {
  let max = -Infinity;
  for (let i = 0; i < x.length; i++) max = Math.max(max, x[i]);
  let sum = 0;
  for (let i = 0; i < x.length; i++) {
    x[i] = Math.exp(x[i] - max);
    sum += x[i];
  }
  for (let i = 0; i < x.length; i++) x[i] /= sum;
}

/** a / (1 + e^-a) */
export function silu(a: number): number {
  return a / (1 + Math.exp(-a));
}

/**
 * RoPE as llama2.c applies it: each pair (i, i+1) within a head is rotated by
 * pos * 10000^-(head_dim / head_size), head_dim = i % head_size.
 */
export function rope(v: Float64Array, pos: number, headSize: number): void {
  for (let i = 0; i < v.length; i += 2) {
    const headDim = i % headSize;
    const angle = pos / Math.pow(ROPE_THETA, headDim / headSize);
    const cos = Math.cos(angle);
    const sin = Math.sin(angle);
    const v0 = v[i];
    const v1 = v[i + 1];
    v[i] = v0 * cos - v1 * sin;
    v[i + 1] = v0 * sin + v1 * cos;
  }
}

// ----------------------------------------------------------------------------
// The transformer

export class Llama2Reference {
  readonly config: Llama2cConfig;
  private readonly w: Llama2cWeights;
  private readonly headSize: number;
  private readonly kvDim: number;
  private readonly keyCache: Float64Array; // (layer, seq_len, kv_dim)
  private readonly valueCache: Float64Array; // (layer, seq_len, kv_dim)

  constructor(checkpoint: Llama2cCheckpoint) {
    this.config = checkpoint.config;
    this.w = checkpoint.weights;
    this.headSize = this.config.dim / this.config.nHeads;
    this.kvDim = this.config.nKvHeads * this.headSize;
    this.keyCache = new Float64Array(this.config.nLayers * this.config.seqLen * this.kvDim);
    this.valueCache = new Float64Array(this.config.nLayers * this.config.seqLen * this.kvDim);
  }

  /**
   * Logits (vocab,) for `token` at `pos`. Keeps the KV cache: positions 0..pos-1 must
   * have been run before (in any earlier calls) for the result to mean anything.
   */
  forward(token: number, pos: number): Float64Array {
    const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, seqLen } = this.config;
    const { headSize, kvDim, w } = this;
    if (!Number.isInteger(token) || token < 0 || token >= vocabSize) throw new Error(`reference forward: token ${token} outside 0..${vocabSize - 1}`);
    if (!Number.isInteger(pos) || pos < 0 || pos >= seqLen) throw new Error(`reference forward: pos ${pos} outside 0..${seqLen - 1}`);
    const queriesPerKvHead = nHeads / nKvHeads;

    // x = embedding[token]
    let x = Float64Array.from(w.tokenEmbeddingTable.subarray(token * dim, (token + 1) * dim));

    for (let l = 0; l < nLayers; l++) {
      // attention norm
      const xb = rmsnorm(x, w.rmsAttWeight, l * dim);

      // q, k, v
      const q = matvec(w.wq, l * dim * dim, xb, dim);
      const k = matvec(w.wk, l * dim * kvDim, xb, kvDim);
      const v = matvec(w.wv, l * dim * kvDim, xb, kvDim);

      // RoPE on q and k
      rope(q, pos, headSize);
      rope(k, pos, headSize);

      // remember k, v at pos
      const cacheBase = l * seqLen * kvDim;
      this.keyCache.set(k, cacheBase + pos * kvDim);
      this.valueCache.set(v, cacheBase + pos * kvDim);

      // attention: query head h reads kv head h / (n_heads / n_kv_heads)
      const attOut = new Float64Array(dim);
      for (let h = 0; h < nHeads; h++) {
        const kvHead = Math.floor(h / queriesPerKvHead);
        const scores = new Float64Array(pos + 1);
        for (let t = 0; t <= pos; t++) {
          const kt = cacheBase + t * kvDim + kvHead * headSize;
          let dot = 0;
          for (let i = 0; i < headSize; i++) dot += q[h * headSize + i] * this.keyCache[kt + i];
          scores[t] = dot / Math.sqrt(headSize);
        }
        softmax(scores);
        for (let t = 0; t <= pos; t++) {
          const vt = cacheBase + t * kvDim + kvHead * headSize;
          for (let i = 0; i < headSize; i++) attOut[h * headSize + i] += scores[t] * this.valueCache[vt + i];
        }
      }

      // residual: x += wo . attention
      const xb2 = matvec(w.wo, l * dim * dim, attOut, dim);
      x = x.map((xi, i) => xi + xb2[i]);

      // ffn norm
      const xf = rmsnorm(x, w.rmsFfnWeight, l * dim);

      // SwiGLU: silu(w1 . x) * (w3 . x)
      const h1 = matvec(w.w1, l * hiddenDim * dim, xf, hiddenDim);
      const h3 = matvec(w.w3, l * hiddenDim * dim, xf, hiddenDim);
      const hidden = h1.map((a, i) => silu(a) * h3[i]);

      // residual: x += w2 . hidden
      const ffnOut = matvec(w.w2, l * dim * hiddenDim, hidden, dim);
      x = x.map((xi, i) => xi + ffnOut[i]);
    }

    // final norm, classifier
    const xn = rmsnorm(x, w.rmsFinalWeight, 0);
    return matvec(w.wcls ?? w.tokenEmbeddingTable, 0, xn, vocabSize);
  }
}
