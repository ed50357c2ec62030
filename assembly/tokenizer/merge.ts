// Pair merging shared by the SentencePiece and BPE tokenizers, as llama.cpp does it:
// the text starts as one symbol per character; a priority queue holds every adjacent
// pair that may merge, best first and leftmost among equals; the best pair merges and
// its new neighbours are queued, until the queue is empty. Entries whose symbols have
// changed since they were queued are skipped when they come up. O(n log n).
import { Tokenizer, lookup, mergeRank, scoreOf, NO_TOKEN } from "./vocab";

// Symbol: a run of text bytes, linked to its neighbours (20 bytes).
export const SYMBOL = 20;
// +0 start i32: offset in the text
// +4 length i32: bytes; 0 once merged into its left neighbour
// +8 prev i32, +12 next i32: neighbour symbols, -1 at the ends
// +16 id i32: the token of this text, or -1 (BPE looks tokens up after merging)

// Queue entry: a pair that may merge (16 bytes). Its right symbol is the left one's next.
export const BIGRAM = 16;
// +0 priority f32: higher first (a piece's score; minus a merge's rank)
// +4 left i32: the left symbol; among equal priorities, the leftmost pair first
// +8 size i32: bytes of both symbols when queued: a different sum means the entry is stale
// +12 id i32: the merged token (by score), or -1 (by rank)

/** Symbol i starts at `start`, holds `length` bytes and token `id`, between i - 1 and i + 1 of `count`. */
export function setSymbol(syms: usize, i: i32, count: i32, start: i32, length: i32, id: i32): void {
  const s = syms + <usize>i * SYMBOL;
  store<i32>(s, start);
  store<i32>(s, length, 4);
  store<i32>(s, i - 1, 8);
  store<i32>(s, i + 1 < count ? i + 1 : -1, 12);
  store<i32>(s, id, 16);
}

@inline export function symbolStart(syms: usize, i: i32): i32 {
  return load<i32>(syms + <usize>i * SYMBOL);
}
@inline export function symbolLength(syms: usize, i: i32): i32 {
  return load<i32>(syms + <usize>i * SYMBOL, 4);
}
@inline export function symbolNext(syms: usize, i: i32): i32 {
  return load<i32>(syms + <usize>i * SYMBOL, 12);
}
@inline export function symbolId(syms: usize, i: i32): i32 {
  return load<i32>(syms + <usize>i * SYMBOL, 16);
}

/** The most queue entries merging `count` symbols can need: the first pairs, then two per merge. */
export function queueCapacity(count: i32): i32 {
  return 3 * count;
}

/**
 * Merge the `count` symbols (symbol 0 first) over `text` until no pair merges.
 * byRank: BPE, pairs merge by their rank in the merge list; otherwise SentencePiece,
 * pairs whose joined text is a token merge by that token's score. `queue` has room
 * for queueCapacity(count) entries.
 */
export function mergeSymbols(t: Tokenizer, text: usize, syms: usize, count: i32, queue: usize, byRank: bool): void {
  let queued = 0;
  for (let i = 1; i < count; i++) queued = offer(t, text, syms, i - 1, i, queue, queued, byRank);
  while (queued > 0) {
    // pop the best entry
    const left = load<i32>(queue, 4), size = load<i32>(queue, 8), id = load<i32>(queue, 12);
    queued--;
    if (queued > 0) {
      memory.copy(queue, queue + <usize>queued * BIGRAM, BIGRAM);
      siftDown(queue, queued);
    }
    const l = syms + <usize>left * SYMBOL;
    const right = load<i32>(l, 12);
    const leftLength = load<i32>(l, 4);
    if (leftLength == 0 || right < 0) continue;
    const r = syms + <usize>right * SYMBOL;
    if (leftLength + load<i32>(r, 4) != size) continue;
    // the right symbol joins the left one
    store<i32>(l, size, 4);
    store<i32>(l, id, 16);
    store<i32>(r, 0, 4);
    const after = load<i32>(r, 12);
    store<i32>(l, after, 12);
    if (after >= 0) store<i32>(syms + <usize>after * SYMBOL, left, 8);
    const before = load<i32>(l, 8);
    if (before >= 0) queued = offer(t, text, syms, before, left, queue, queued, byRank);
    if (after >= 0) queued = offer(t, text, syms, left, after, queue, queued, byRank);
  }
}

/** Queue the pair (left, right) if it can merge; returns the new queue length. */
function offer(t: Tokenizer, text: usize, syms: usize, left: i32, right: i32, queue: usize, queued: i32, byRank: bool): i32 {
  const ls = symbolStart(syms, left), ln = symbolLength(syms, left), rn = symbolLength(syms, right);
  let priority: f32;
  let id = NO_TOKEN;
  if (byRank) {
    const rank = mergeRank(t, text + <usize>ls, ln, text + <usize>symbolStart(syms, right), rn);
    if (rank < 0) return queued;
    priority = -<f32>rank; // exact: ranks stay below 2^24 (checked at load)
  } else {
    // adjacent symbols are adjacent in the text
    id = lookup(t, text + <usize>ls, ln + rn);
    if (id < 0) return queued;
    priority = scoreOf(t, id);
  }
  const e = queue + <usize>queued * BIGRAM;
  store<f32>(e, priority);
  store<i32>(e, left, 4);
  store<i32>(e, ln + rn, 8);
  store<i32>(e, id, 12);
  siftUp(queue, queued);
  return queued + 1;
}

/** Entry a comes out before entry b. */
@inline function before(a: usize, b: usize): bool {
  const pa = load<f32>(a), pb = load<f32>(b);
  return pa > pb || (pa == pb && load<i32>(a, 4) < load<i32>(b, 4));
}

function siftUp(queue: usize, i: i32): void {
  while (i > 0) {
    const parent = (i - 1) >> 1;
    const e = queue + <usize>i * BIGRAM, p = queue + <usize>parent * BIGRAM;
    if (!before(e, p)) return;
    swap(e, p);
    i = parent;
  }
}

function siftDown(queue: usize, count: i32): void {
  let i = 0;
  while (true) {
    const l = 2 * i + 1, r = l + 1;
    let best = i;
    if (l < count && before(queue + <usize>l * BIGRAM, queue + <usize>best * BIGRAM)) best = l;
    if (r < count && before(queue + <usize>r * BIGRAM, queue + <usize>best * BIGRAM)) best = r;
    if (best == i) return;
    swap(queue + <usize>i * BIGRAM, queue + <usize>best * BIGRAM);
    i = best;
  }
}

@inline function swap(a: usize, b: usize): void {
  const a0 = load<u64>(a), a1 = load<u64>(a, 8);
  store<u64>(a, load<u64>(b));
  store<u64>(a, load<u64>(b, 8), 8);
  store<u64>(b, a0);
  store<u64>(b, a1, 8);
}
