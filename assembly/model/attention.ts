// Causal multi-head attention over the KV cache: each query head scores the keys of
// every position up to its token's own, turns the scores into weights with a softmax
// and sums the values with them. Heads are independent, so they are shared out over
// the processors; each writes only its own scores and outputs.
import { ModelConfig } from "./model";
import { RunState } from "./state";
import { softmax, weightedSum } from "../kernels/ops";
import { dot } from "../kernels/f32";
import { ATTENTION_JOBS, shareStart, spread, workerCount } from "../runtime/parallel";

// The attention the jobs share: set before spreading, read-only while they run. Plain
// numbers and pointers, never objects: a function holding an object across a call keeps
// it on AssemblyScript's shadow stack, one stack pointer for the whole module, which
// jobs running on several processors at once would corrupt (build.test.ts checks this).
let nHeads: i32 = 0;
let headSize: i32 = 0;
let kvPerHead: i32 = 1; // query heads per key/value head
let seqLen: i32 = 0;
let kvDim: i32 = 0;
let queries: usize = 0; // (T, nHeads * headSize)
let scores: usize = 0; // (nHeads, seqLen)
let outputs: usize = 0; // (T, nHeads * headSize)
let layerKeys: usize = 0; // (seqLen, kvDim) this layer's part of the key cache
let layerValues: usize = 0; // (seqLen, kvDim)
let tokens: i32 = 0;
let firstPos: i32 = 0;
let jobCount: i32 = 1;
let window: i32 = 0; // sliding window: positions a token sees, itself included (0 = all)
let scale: f32 = 0; // multiplies q · k; 0 = divide by sqrt(headSize)
let softcap: f32 = 0; // Gemma 2: scores become cap · tanh(score / cap)

/**
 * T tokens at positions pos..pos+T-1, their queries in s.q (T, qDim), the keys and values
 * of layer l in the cache up to the last of them: each head's output into s.xb (T, qDim).
 * With slidingWindow W > 0 the token at p sees positions p-W+1..p only (W, itself included).
 */
export function attention(c: ModelConfig, s: RunState, l: i32, T: i32, pos: i32, slidingWindow: i32): void {
  nHeads = c.nHeads;
  headSize = c.headSize;
  kvPerHead = c.nHeads / c.nKvHeads;
  seqLen = c.seqLen;
  kvDim = c.kvDim;
  queries = s.q;
  scores = s.att;
  outputs = s.xb;
  layerKeys = s.keyCache + <usize>l * <usize>c.seqLen * (<usize>c.kvDim << 2);
  layerValues = s.valueCache + <usize>l * <usize>c.seqLen * (<usize>c.kvDim << 2);
  tokens = T;
  firstPos = pos;
  window = slidingWindow;
  scale = c.attentionScale;
  softcap = c.attentionSoftcap;
  jobCount = min(workerCount(), nHeads);
  if (jobCount <= 1) heads(0, nHeads);
  else spread(ATTENTION_JOBS, jobCount);
}

/** Job `index` of the current attention: its share of the heads. Called by the host, maybe on another processor. */
export function runAttentionJob(index: i32): void {
  heads(shareStart(nHeads, index, jobCount), shareStart(nHeads, index + 1, jobCount));
}

/** Heads [first, last) for every token; query head h reads key/value head h / (nHeads / nKvHeads). */
function heads(first: i32, last: i32): void {
  const qStride = <usize>(nHeads * headSize) << 2, kvStride = <usize>kvDim << 2;
  const sqrtHeadSize = Mathf.sqrt(<f32>headSize);
  const inverseCap: f32 = softcap > 0 ? <f32>1.0 / softcap : 0;
  for (let t = 0; t < tokens; t++) {
    const end = firstPos + t; // token t sees positions start..end
    const start = window > 0 ? max(0, end - window + 1) : 0;
    const count = end - start + 1;
    const q = queries + <usize>t * qStride;
    // scores position by position, so the key cache streams through in order
    for (let p = start; p <= end; p++) {
      const keys = layerKeys + <usize>p * kvStride;
      for (let h = first; h < last; h++) {
        const qk = dot(q + (<usize>(h * headSize) << 2), keys + (<usize>((h / kvPerHead) * headSize) << 2), headSize);
        let score = scale != 0 ? qk * scale : qk / sqrtHeadSize;
        if (softcap > 0) score = Mathf.tanh(score * inverseCap) * softcap; // Gemma 2's soft-capping, in ggml's order
        store<f32>(scores + ((<usize>h * <usize>seqLen + <usize>p) << 2), score);
      }
    }
    for (let h = first; h < last; h++) {
      const weights = scores + ((<usize>h * <usize>seqLen + <usize>start) << 2);
      softmax(weights, count);
      const out = outputs + <usize>t * qStride + (<usize>(h * headSize) << 2);
      weightedSum(out, layerValues + <usize>start * kvStride + (<usize>((h / kvPerHead) * headSize) << 2), kvStride, weights, count, headSize);
    }
  }
}
