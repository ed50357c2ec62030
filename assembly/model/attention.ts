// Causal multi-head attention over the KV cache: each query head scores the keys of
// every position up to its token's own, turns the scores into weights with a softmax
// and sums the values with them. Heads are independent, so they are shared out over
// the processors; each writes only its own scores and outputs.
import { ModelConfig } from "./model";
import { RunState } from "./state";
import { headDot, softmax, weightedSum } from "../kernels/ops";
import { ATTENTION_JOBS, shareStart, spread, workerCount } from "../runtime/parallel";

// The attention the jobs share: set before spreading, read-only while they run.
let config: ModelConfig | null = null;
let state: RunState | null = null;
let layer: i32 = 0;
let tokens: i32 = 0;
let firstPos: i32 = 0;
let jobCount: i32 = 1;
let window: i32 = 0;

/**
 * T tokens at positions pos..pos+T-1, their queries in s.q (T, qDim), the keys and values
 * of layer l in the cache up to the last of them: each head's output into s.xb (T, qDim).
 * With slidingWindow W > 0 the token at p sees positions p-W+1..p only (W, itself included).
 */
export function attention(c: ModelConfig, s: RunState, l: i32, T: i32, pos: i32, slidingWindow: i32): void {
  config = c;
  window = slidingWindow;
  state = s;
  layer = l;
  tokens = T;
  firstPos = pos;
  jobCount = min(workerCount(), c.nHeads);
  if (jobCount <= 1) heads(0, c.nHeads);
  else spread(ATTENTION_JOBS, jobCount);
}

/** Job `index` of the current attention: its share of the heads. Called by the host, maybe on another processor. */
export function runAttentionJob(index: i32): void {
  const n = config!.nHeads;
  heads(shareStart(n, index, jobCount), shareStart(n, index + 1, jobCount));
}

/** Heads [first, last) for every token; query head h reads key/value head h / (nHeads / nKvHeads). */
function heads(first: i32, last: i32): void {
  const c = config!, s = state!;
  const headSize = c.headSize, kvPerHead = c.nHeads / c.nKvHeads;
  const qStride = <usize>(c.nHeads * headSize) << 2, kvStride = <usize>c.kvDim << 2;
  const layerKeys = s.keyCache + <usize>layer * <usize>c.seqLen * kvStride;
  const layerValues = s.valueCache + <usize>layer * <usize>c.seqLen * kvStride;
  const sqrtHeadSize = Mathf.sqrt(<f32>headSize);
  const scale = c.attentionScale, cap = c.attentionSoftcap;
  const inverseCap: f32 = cap > 0 ? <f32>1.0 / cap : 0;
  for (let t = 0; t < tokens; t++) {
    const end = firstPos + t; // token t sees positions start..end
    const start = window > 0 ? max(0, end - window + 1) : 0;
    const count = end - start + 1;
    const q = s.q + <usize>t * qStride;
    // scores position by position, so the key cache streams through in order
    for (let p = start; p <= end; p++) {
      const keys = layerKeys + <usize>p * kvStride;
      for (let h = first; h < last; h++) {
        const dot = headDot(q + (<usize>(h * headSize) << 2), keys + (<usize>((h / kvPerHead) * headSize) << 2), headSize);
        let score = scale != 0 ? dot * scale : dot / sqrtHeadSize;
        if (cap > 0) score = Mathf.tanh(score * inverseCap) * cap; // Gemma 2's soft-capping, in ggml's order
        store<f32>(s.att + ((<usize>h * <usize>c.seqLen + <usize>p) << 2), score);
      }
    }
    for (let h = first; h < last; h++) {
      const weights = s.att + ((<usize>h * <usize>c.seqLen + <usize>start) << 2);
      softmax(weights, count);
      const out = s.xb + <usize>t * qStride + (<usize>(h * headSize) << 2);
      weightedSum(out, layerValues + <usize>start * kvStride + (<usize>((h / kvPerHead) * headSize) << 2), kvStride, weights, count, headSize);
    }
  }
}
