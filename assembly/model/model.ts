// The transformer's shape and where its weights are: plain classes of pointers
// into the model file's bytes, which stay where the loader read them.

import { rowBytes } from "../kernels/quant";

/** A weight matrix W (rows, cols) of a ggml element type, row-major: out = W @ x takes x of length cols. */
export class Matrix {
  rowBytes: usize;
  constructor(public ptr: usize, public type: i32, public rows: i32, public cols: i32) {
    this.rowBytes = rowBytes(type, cols);
  }
}

export class ModelConfig {
  dim: i32 = 0; // transformer width
  hiddenDim: i32 = 0; // FFN width
  nLayers: i32 = 0;
  nHeads: i32 = 0; // query heads
  nKvHeads: i32 = 0; // key/value heads (fewer than nHeads with grouped-query attention)
  vocabSize: i32 = 0;
  seqLen: i32 = 0; // context length
  headSize: i32 = 0; // dim / nHeads
  kvDim: i32 = 0; // nKvHeads * headSize
  ropeTheta: f32 = 10000.0;
  /** Rotated dimensions per head (usually headSize). */
  ropeDim: i32 = 0;
  /** RoPE pairs: adjacent (i, i+1) in Llama's layout, or halves (i, i + ropeDim/2) in NeoX's (Qwen2). */
  ropeNeox: bool = false;
  /** Positions are multiplied by this (linear RoPE scaling). */
  ropeScale: f32 = 1.0;
  normEps: f32 = 1e-5;
  /** general.architecture: llama, qwen2, qwen3, gemma2, gemma3, phi3, smollm3, granite, lfm2. */
  arch: string = "llama";
  /** The embedding row is multiplied by this (Gemma: sqrt(dim); Granite: embedding_scale). */
  embeddingScale: f32 = 1.0;
  /** Each attention and FFN output is multiplied by this before its residual add (Granite). */
  residualScale: f32 = 1.0;
  /** q · k is multiplied by this when set; 0 = divided by sqrt(headSize), as most models do. */
  attentionScale: f32 = 0.0;
  /** Scores become cap · tanh(score / cap) before the softmax when cap > 0 (Gemma 2). */
  attentionSoftcap: f32 = 0.0;
  /** Logits become cap · tanh(logit / cap) when cap > 0 (Gemma 2). */
  finalSoftcap: f32 = 0.0;
  /** The logits are multiplied by this (Granite: 1 / logit_scale). */
  logitScale: f32 = 1.0;
  /** The FFN activation: GELU (tanh form) instead of SiLU (Gemma's GeGLU). */
  geglu: bool = false;
  /** A sliding-window layer's token sees at most this many positions, itself included (0 = no window). */
  slidingWindow: i32 = 0;
  /** RoPE base of the sliding-window layers (Gemma 3's local base; others use ropeTheta). */
  ropeThetaLocal: f32 = 10000.0;
  /** LFM2: some layers are short convolutions, which keep B·x of every position (a cache like the keys'). */
  hasConv: bool = false;
  /** cos and sin are multiplied by this (LongRoPE's attention factor, Phi-3). */
  ropeAttnFactor: f32 = 1.0;
}

export class LayerWeights {
  attentionNorm: usize = 0; // (dim,) f32
  wq: Matrix | null = null; // (nHeads * headSize, dim)
  wk: Matrix | null = null; // (nKvHeads * headSize, dim)
  wv: Matrix | null = null; // (nKvHeads * headSize, dim)
  bq: usize = 0; // (nHeads * headSize,) f32 bias, or 0 (Qwen2 has them)
  bk: usize = 0; // (nKvHeads * headSize,) f32 bias, or 0
  bv: usize = 0; // (nKvHeads * headSize,) f32 bias, or 0
  wo: Matrix | null = null; // (dim, nHeads * headSize)
  ffnNorm: usize = 0; // (dim,) f32
  w1: Matrix | null = null; // gate (hiddenDim, dim)
  w2: Matrix | null = null; // down (dim, hiddenDim)
  w3: Matrix | null = null; // up (hiddenDim, dim)
  qNorm: usize = 0; // (headSize,) f32 per-head RMSNorm of q before RoPE (Qwen3, Gemma 3), or 0
  kNorm: usize = 0; // (headSize,) f32 per-head RMSNorm of k before RoPE, or 0
  postAttentionNorm: usize = 0; // (dim,) f32 RMSNorm of the attention output before the residual (Gemma), or 0
  postFfnNorm: usize = 0; // (dim,) f32 RMSNorm of the FFN output before the residual (Gemma), or 0
  slidingWindow: bool = false; // this layer attends to the last config.slidingWindow positions only
  rope: bool = true; // false on SmolLM3's NoPE layers
  // LFM2's short-convolution layers, in place of attention (conv != 0):
  conv: usize = 0; // (dim, 3) f32 causal kernel per channel; [c][2] multiplies the current token
  convB: Matrix | null = null; // (dim, dim) the rows of in_proj that make the B gate
  convC: Matrix | null = null; // (dim, dim) ... the C gate
  convX: Matrix | null = null; // (dim, dim) ... the convolved input x
  convOut: Matrix | null = null; // (dim, dim)
}

export class Weights {
  tokenEmbedding: Matrix | null = null; // (vocabSize, dim)
  layers: StaticArray<LayerWeights> = new StaticArray<LayerWeights>(0);
  finalNorm: usize = 0; // (dim,) f32
  classifier: Matrix | null = null; // (vocabSize, dim), often the embedding itself
  ropeFactors: usize = 0; // (ropeDim / 2,) f32 per-frequency divisors (Llama 3.1), or 0
}

export class Model {
  constructor(public config: ModelConfig, public weights: Weights, public fileBytes: u64) {}
}

/** Weight bytes one forward pass reads: every matrix once, one row of the embedding, the norms. */
export function bytesPerToken(m: Model): u64 {
  const c = m.config, w = m.weights;
  const size = (x: Matrix | null): u64 => <u64>x!.rows * <u64>x!.rowBytes;
  let total: u64 = <u64>w.tokenEmbedding!.rowBytes + size(w.classifier) + <u64>c.dim * 4;
  for (let l = 0; l < c.nLayers; l++) {
    const layer = unchecked(w.layers[l]);
    const mixer = layer.conv != 0
      ? size(layer.convB) + size(layer.convC) + size(layer.convX) + size(layer.convOut) + <u64>c.dim * 12
      : size(layer.wq) + size(layer.wk) + size(layer.wv) + size(layer.wo);
    total += mixer + size(layer.w1) + size(layer.w2) + size(layer.w3) + <u64>c.dim * 8;
  }
  return total;
}
