// The activations and KV cache of one sequence, allocated once when the model loads.
import { ModelConfig } from "./model";
import { arenaAlloc } from "./memory";
import { reserveRowScratch } from "./ops";

export class RunState {
  x: usize = 0; // (dim,) the residual stream
  xb: usize = 0; // (dim,) normed input / attention output
  xb2: usize = 0; // (dim,) a branch's output before the residual add
  hb: usize = 0; // (hiddenDim,) FFN gate
  hb2: usize = 0; // (hiddenDim,) FFN up
  q: usize = 0; // (dim,) query
  att: usize = 0; // (nHeads, seqLen) attention scores
  ropeCos: usize = 0; // (ropeDim / 2,) rotation of each pair at the current position
  ropeSin: usize = 0; // (ropeDim / 2,)
  logits: usize = 0; // (vocabSize,)
  keyCache: usize = 0; // (layer, seqLen, kvDim)
  valueCache: usize = 0; // (layer, seqLen, kvDim)
}

/** All buffers for `c`, or null with the reason recorded. */
export function newRunState(c: ModelConfig): RunState | null {
  const s = new RunState();
  const f = (n: u64): u64 => n * 4;
  const cache = f(<u64>c.nLayers * <u64>c.seqLen * <u64>c.kvDim);
  const qDim = c.nHeads * c.headSize;
  if ((s.x = arenaAlloc(f(c.dim), "activations")) == 0) return null;
  if ((s.xb = arenaAlloc(f(max(c.dim, qDim)), "activations")) == 0) return null;
  if ((s.xb2 = arenaAlloc(f(c.dim), "activations")) == 0) return null;
  if ((s.hb = arenaAlloc(f(c.hiddenDim), "activations")) == 0) return null;
  if ((s.hb2 = arenaAlloc(f(c.hiddenDim), "activations")) == 0) return null;
  if ((s.q = arenaAlloc(f(qDim), "activations")) == 0) return null;
  if ((s.ropeCos = arenaAlloc(f(c.ropeDim >> 1), "activations")) == 0) return null;
  if ((s.ropeSin = arenaAlloc(f(c.ropeDim >> 1), "activations")) == 0) return null;
  if (!reserveRowScratch(max(max(c.dim, c.hiddenDim), qDim))) return null;
  if ((s.att = arenaAlloc(f(<u64>c.nHeads * <u64>c.seqLen), "attention scores")) == 0) return null;
  if ((s.logits = arenaAlloc(f(c.vocabSize), "logits")) == 0) return null;
  if ((s.keyCache = arenaAlloc(cache, "the key cache")) == 0) return null;
  if ((s.valueCache = arenaAlloc(cache, "the value cache")) == 0) return null;
  return s;
}
