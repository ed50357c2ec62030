// The activations and KV cache of one sequence, allocated once when the model loads.
// Activations have room for BATCH tokens: a prompt goes through the layers BATCH
// tokens at a time, sharing each pass over the weights.
import { ModelConfig } from "./model";
import { arenaAlloc } from "../runtime/memory";
import { initMatmul } from "../kernels/matmul";
import { Input } from "../kernels/activations";

export const BATCH = 16;

export class RunState {
  x: usize = 0; // (BATCH, dim) the residual stream
  xb: usize = 0; // (BATCH, max(dim, qDim)) normed input / attention output
  xb2: usize = 0; // (BATCH, dim) a branch's output before the residual add
  hb: usize = 0; // (BATCH, hiddenDim) FFN gate
  hb2: usize = 0; // (BATCH, hiddenDim) FFN up
  q: usize = 0; // (BATCH, qDim) queries
  att: usize = 0; // (nHeads, seqLen) attention scores of one token
  ropeCos: usize = 0; // (BATCH, ropeDim / 2) rotation of each pair at each token's position
  ropeSin: usize = 0; // (BATCH, ropeDim / 2)
  ropeCosLocal: usize = 0; // (BATCH, ropeDim / 2) the same for sliding-window layers, with their RoPE base
  ropeSinLocal: usize = 0; // (BATCH, ropeDim / 2)
  logits: usize = 0; // (vocabSize,) for the last token
  token: usize = 0; // (1,) i32 a single token, as a batch of one
  input: Input = new Input(); // the vectors the next matmuls multiply, with their int8 form
  keyCache: usize = 0; // (layer, seqLen, kvDim)
  valueCache: usize = 0; // (layer, seqLen, kvDim)
  convCache: usize = 0; // (layer, seqLen, dim) B·x of each position, for LFM2's short convolutions, or 0
  convB: usize = 0; // (BATCH, dim) the convolution's B gate, then B·x
  convC: usize = 0; // (BATCH, dim) its C gate
}

/** All buffers for `c`, or null with the reason recorded. */
export function newRunState(c: ModelConfig): RunState | null {
  const s = new RunState();
  const batch = (n: i32): u64 => <u64>BATCH * <u64>n * 4;
  const cache = <u64>c.nLayers * <u64>c.seqLen * <u64>c.kvDim * 4;
  const qDim = c.nHeads * c.headSize;
  if ((s.x = arenaAlloc(batch(c.dim), "activations")) == 0) return null;
  if ((s.xb = arenaAlloc(batch(max(c.dim, qDim)), "activations")) == 0) return null;
  if ((s.xb2 = arenaAlloc(batch(c.dim), "activations")) == 0) return null;
  if ((s.hb = arenaAlloc(batch(c.hiddenDim), "activations")) == 0) return null;
  if ((s.hb2 = arenaAlloc(batch(c.hiddenDim), "activations")) == 0) return null;
  if ((s.q = arenaAlloc(batch(qDim), "activations")) == 0) return null;
  if ((s.ropeCos = arenaAlloc(batch(c.ropeDim >> 1), "activations")) == 0) return null;
  if ((s.ropeSin = arenaAlloc(batch(c.ropeDim >> 1), "activations")) == 0) return null;
  if ((s.ropeCosLocal = arenaAlloc(batch(c.ropeDim >> 1), "activations")) == 0) return null;
  if ((s.ropeSinLocal = arenaAlloc(batch(c.ropeDim >> 1), "activations")) == 0) return null;
  const widest = max(max(c.dim, c.hiddenDim), qDim);
  if (!initMatmul() || !s.input.reserve(widest, BATCH)) return null;
  if ((s.att = arenaAlloc(<u64>c.nHeads * <u64>c.seqLen * 4, "attention scores")) == 0) return null;
  if ((s.logits = arenaAlloc(<u64>c.vocabSize * 4, "logits")) == 0) return null;
  if ((s.token = arenaAlloc(4, "activations")) == 0) return null;
  if ((s.keyCache = arenaAlloc(cache, "the key cache")) == 0) return null;
  if ((s.valueCache = arenaAlloc(cache, "the value cache")) == 0) return null;
  if (c.hasConv) {
    if ((s.convCache = arenaAlloc(<u64>c.nLayers * <u64>c.seqLen * <u64>c.dim * 4, "the convolution cache")) == 0) return null;
    if ((s.convB = arenaAlloc(batch(c.dim), "activations")) == 0) return null;
    if ((s.convC = arenaAlloc(batch(c.dim), "activations")) == 0) return null;
  }
  return s;
}
