// Choosing the next token from the logits. With temperature and top-p alone this
// is llama2.c's sampler, bit for bit: its xorshift generator, one random float
// per token, and its top-p rule, so that a seed gives the same story.
import { arenaAlloc } from "../runtime/memory";
import { softmax } from "../kernels/ops";

export class Sampler {
  vocabSize: i32 = 0;
  temperature: f32 = 1.0;
  topP: f32 = 0.9;
  topK: i32 = 0;
  minP: f32 = 0.0;
  repeatPenalty: f32 = 1.0;
  rngState: u64 = 0;
  candidates: usize = 0; // (vocabSize,) i32 token ids, sorted by probability
}

export function newSampler(vocabSize: i32, seed: u64): Sampler | null {
  const s = new Sampler();
  s.vocabSize = vocabSize;
  s.rngState = seed;
  if ((s.candidates = arenaAlloc(<u64>vocabSize * 4, "the sampler")) == 0) return null;
  return s;
}

export function reseed(s: Sampler, seed: u64): void {
  s.rngState = seed;
}

function randomU32(s: Sampler): u32 {
  let x = s.rngState;
  x ^= x >> 12;
  x ^= x << 25;
  x ^= x >> 27;
  s.rngState = x;
  return <u32>((x * 0x2545f4914f6cdd1d) >> 32);
}

/** Uniform in [0, 1) with 24 random bits. */
function randomF32(s: Sampler): f32 {
  return <f32>(randomU32(s) >> 8) / 16777216.0;
}

/** Divide (for negative logits: multiply) the logit of each distinct recent token by the penalty. */
export function penalizeRepeats(s: Sampler, logits: usize, recent: usize, count: i32): void {
  if (s.repeatPenalty == 1.0) return;
  for (let i = 0; i < count; i++) {
    const id = load<i32>(recent + (<usize>i << 2));
    let seenLater = false;
    for (let j = i + 1; j < count && !seenLater; j++) seenLater = load<i32>(recent + (<usize>j << 2)) == id;
    if (seenLater) continue;
    const at = logits + (<usize>id << 2);
    const v = load<f32>(at);
    store<f32>(at, v > 0 ? v / s.repeatPenalty : v * s.repeatPenalty);
  }
}

/**
 * The next token; turns the logits into probabilities in place unless greedy. A
 * distribution that is no distribution (a temperature so small that the logits become
 * infinite, or NaN) means greedy: the most likely token, as temperature 0 gives.
 */
export function sample(s: Sampler, logits: usize): i32 {
  const n = s.vocabSize;
  const best = argmax(logits, n);
  if (s.temperature == 0.0) return best;
  for (let i = 0; i < n; i++) store<f32>(logits + (<usize>i << 2), load<f32>(logits + (<usize>i << 2)) / s.temperature);
  softmax(logits, n);
  if (!(load<f32>(logits + (<usize>best << 2)) > 0)) return best;
  const coin = randomF32(s);
  const topPActive = s.topP > 0 && s.topP < 1;
  if (!topPActive && s.topK == 0 && s.minP == 0) return sampleAll(logits, n, coin);
  return sampleTruncated(s, logits, coin, topPActive);
}

function argmax(probs: usize, n: i32): i32 {
  let best = 0;
  let bestValue = load<f32>(probs);
  for (let i = 1; i < n; i++) {
    const v = load<f32>(probs + (<usize>i << 2));
    if (v > bestValue) { bestValue = v; best = i; }
  }
  return best;
}

/** Inverse-CDF sampling over all tokens in id order. */
function sampleAll(probs: usize, n: i32, coin: f32): i32 {
  let cdf: f32 = 0;
  for (let i = 0; i < n; i++) {
    cdf += load<f32>(probs + (<usize>i << 2));
    if (coin < cdf) return i;
  }
  return n - 1;
}

/**
 * Sample among the most likely tokens only: those at least minP times the best,
 * at most topK of them, and the smallest head whose mass exceeds topP.
 * Candidates below (1 - topP) / (n - 1) cannot be in that head, so they are
 * dropped before sorting (llama2.c's shortcut, kept for identical results).
 */
function sampleTruncated(s: Sampler, probs: usize, coin: f32, topPActive: bool): i32 {
  const n = s.vocabSize;
  let cutoff: f32 = topPActive ? (1.0 - s.topP) / <f32>(n - 1) : 0;
  if (s.minP > 0) cutoff = max(cutoff, s.minP * load<f32>(probs + (<usize>argmax(probs, n) << 2)));
  let count = 0;
  for (let i = 0; i < n; i++) {
    if (load<f32>(probs + (<usize>i << 2)) >= cutoff) store<i32>(s.candidates + (<usize>(count++) << 2), i);
  }
  // Rounding can leave no token at or above the top-p cutoff (a flat distribution), and NaN
  // probabilities (NaN weights in a corrupt model) pass none: take the most likely.
  if (count == 0) return argmax(probs, n);
  sortByProbability(s.candidates, count, probs);
  if (s.topK > 0 && count > s.topK) count = s.topK;

  let last = count - 1;
  let mass: f32 = 0;
  for (let i = 0; i < count; i++) {
    mass += probOf(probs, s.candidates, i);
    if (topPActive && mass > s.topP) { last = i; break; }
  }
  const r = coin * mass;
  let cdf: f32 = 0;
  for (let i = 0; i <= last; i++) {
    cdf += probOf(probs, s.candidates, i);
    if (r < cdf) return load<i32>(s.candidates + (<usize>i << 2));
  }
  return load<i32>(s.candidates + (<usize>last << 2));
}

@inline function probOf(probs: usize, ids: usize, i: i32): f32 {
  return load<f32>(probs + (<usize>load<i32>(ids + (<usize>i << 2)) << 2));
}

/** Heapsort of token ids: higher probability first, equal probabilities by id (a total order, so any correct sort agrees). */
function sortByProbability(ids: usize, n: i32, probs: usize): void {
  for (let start = (n >> 1) - 1; start >= 0; start--) siftDown(ids, start, n, probs);
  for (let end = n - 1; end > 0; end--) {
    swap(ids, 0, end);
    siftDown(ids, 0, end, probs);
  }
}

/** True when token a belongs after token b in the sorted order. */
@inline function after(a: i32, b: i32, probs: usize): bool {
  const pa = load<f32>(probs + (<usize>a << 2)), pb = load<f32>(probs + (<usize>b << 2));
  return pa < pb || (pa == pb && a > b);
}

function siftDown(ids: usize, root: i32, n: i32, probs: usize): void {
  while (true) {
    let child = 2 * root + 1;
    if (child >= n) return;
    // a heap with the element that sorts last on top, so it moves to the end
    const a = load<i32>(ids + (<usize>child << 2));
    if (child + 1 < n && after(load<i32>(ids + (<usize>(child + 1) << 2)), a, probs)) child++;
    const top = load<i32>(ids + (<usize>root << 2)), c = load<i32>(ids + (<usize>child << 2));
    if (!after(c, top, probs)) return;
    swap(ids, root, child);
    root = child;
  }
}

@inline function swap(ids: usize, i: i32, j: i32): void {
  const t = load<i32>(ids + (<usize>i << 2));
  store<i32>(ids + (<usize>i << 2), load<i32>(ids + (<usize>j << 2)));
  store<i32>(ids + (<usize>j << 2), t);
}
