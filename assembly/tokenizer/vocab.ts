// The vocabulary every tokenizer kind shares: pieces in place in the file they came
// from, scores, token attributes, special ids and flags, and the hash tables that
// find a token by its bytes and a BPE merge by its two halves.
import { arenaAlloc } from "../runtime/memory";
import { fail } from "../runtime/status";

// Kinds
export const KIND_LLAMA2C = 0; // llama2.c tokenizer.bin
export const KIND_SPM = 1; // GGUF tokenizer.ggml.model = "llama"
export const KIND_BPE = 2; // GGUF tokenizer.ggml.model = "gpt2"

// Token attributes: llama.cpp's llama_token_attr bits, plus EOG (ends generation).
export const ATTR_UNKNOWN: u16 = 1 << 0;
export const ATTR_UNUSED: u16 = 1 << 1;
export const ATTR_NORMAL: u16 = 1 << 2;
export const ATTR_CONTROL: u16 = 1 << 3;
export const ATTR_USER_DEFINED: u16 = 1 << 4;
export const ATTR_BYTE: u16 = 1 << 5;
export const ATTR_RSTRIP: u16 = 1 << 8;
export const ATTR_EOG: u16 = 1 << 10;
/** Tokens matched in the text before tokenizing it (llama.cpp's special token cache). */
export const ATTR_SPECIAL: u16 = ATTR_CONTROL | ATTR_USER_DEFINED | ATTR_UNKNOWN;

export const NO_TOKEN: i32 = -1;

export class Tokenizer {
  kind: i32 = KIND_LLAMA2C;
  vocabSize: i32 = 0;
  pieces: usize = 0; // (vocabSize,) u32 pointer to each piece's bytes
  lengths: usize = 0; // (vocabSize,) i32 byte length of each piece
  scores: usize = 0; // (vocabSize,) f32 merge priority, higher merges first
  attrs: usize = 0; // (vocabSize,) u16 ATTR_* bits (GGUF only)
  longest: i32 = 0; // bytes of the longest piece
  slots: usize = 0; // (slotMask + 1,) i32 piece hash table: token id + 1, 0 = empty
  slotMask: u32 = 0;
  byteToken: usize = 0; // (256,) i32 the token of each byte for byte fallback, or -1
  byteOf: usize = 0; // (vocabSize,) i32 llama2.c: the byte a <0xXX> token stands for, or -1

  bos: i32 = 1;
  eos: i32 = 2;
  eot: i32 = NO_TOKEN;
  unk: i32 = NO_TOKEN;
  addBos: bool = true;
  addEos: bool = true;
  addSpacePrefix: bool = true;

  // byte-level BPE
  pre: i32 = 0; // PRE_* of pretokenize.ts
  ignoreMerges: bool = false; // a word that is a token is taken whole
  merges: usize = 0; // (mergeCount,) u32 pointer to each "left right" merge string; its index is its rank
  mergeLengths: usize = 0; // (mergeCount,) i32
  mergeCount: i32 = 0;
  mergeSlots: usize = 0; // (mergeMask + 1,) i32 merge hash table: rank + 1, 0 = empty
  mergeMask: u32 = 0;

  specials: usize = 0; // (specialCount,) i32 ATTR_SPECIAL tokens, longest piece first
  specialCount: i32 = 0;
  text: usize = 0; // decoded bytes of every token, back to back (GGUF only)
  textStart: usize = 0; // (vocabSize + 1,) u32 offset of each token's decoded bytes in `text`
  decoded: usize = 0; // (1,) llama2.c: the byte of a decoded <0xXX> token

  // Working memory of encode(), laid out for texts up to scratchBytes long; it grows
  // (to at least twice its size) when a longer text comes, and is reused otherwise.
  scratchBytes: i64 = -1;
  fragments: usize = 0; // (2n + 1,) FRAGMENT entries of special-tokens.ts
  work: usize = 0; // (6(n + 1) bytes, llama2.c: longest(n + 1)) escaped text, a BPE word, llama2.c pieces
  symbols: usize = 0; // (3(n + 1),) SYMBOL entries of merge.ts
  queue: usize = 0; // (queueCapacity(3(n + 1)),) BIGRAM entries of merge.ts
  cps: usize = 0; // (n,) u32 code points of a BPE fragment
  chunks: usize = 0; // (n,) i32 pre-tokenizer chunk lengths
  spareChunks: usize = 0; // (n,) i32
}

@inline export function pieceOf(t: Tokenizer, id: i32): usize {
  return <usize>load<u32>(t.pieces + (<usize>id << 2));
}

@inline export function lengthOf(t: Tokenizer, id: i32): i32 {
  return load<i32>(t.lengths + (<usize>id << 2));
}

@inline export function attrOf(t: Tokenizer, id: i32): u16 {
  return load<u16>(t.attrs + (<usize>id << 1));
}

@inline export function scoreOf(t: Tokenizer, id: i32): f32 {
  return load<f32>(t.scores + (<usize>id << 2));
}

const FNV_OFFSET: u32 = 2166136261;
const FNV_PRIME: u32 = 16777619;

/** FNV-1a of n bytes, continuing from h. */
@inline function hashMore(h: u32, p: usize, n: i32): u32 {
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + i)) * FNV_PRIME;
  return h;
}

/** Room for at least twice `count` entries: probes stay short. */
function tableSize(count: i32): u32 {
  let size: u32 = 16;
  while (size < <u32>count * 2) size <<= 1;
  return size;
}

/**
 * Index the pieces by their bytes. The first of equal pieces wins (llama2.c); with
 * `unique`, equal pieces make the vocabulary invalid, as llama.cpp rejects them.
 */
export function indexPieces(t: Tokenizer, unique: bool, path: string): bool {
  const size = tableSize(t.vocabSize);
  t.slotMask = size - 1;
  if ((t.slots = arenaAlloc(<u64>size * 4, "the tokenizer")) == 0) return false;
  for (let id = 0; id < t.vocabSize; id++) {
    const p = pieceOf(t, id), n = lengthOf(t, id);
    t.longest = max(t.longest, n);
    const other = lookup(t, p, n);
    if (other >= 0) {
      if (unique) return fail("tokenizer in '" + path + "' is invalid: tokens " + other.toString() + " and " + id.toString() + " have the same text");
      continue;
    }
    let slot = hashMore(FNV_OFFSET, p, n) & t.slotMask;
    while (load<i32>(t.slots + (<usize>slot << 2)) != 0) slot = (slot + 1) & t.slotMask;
    store<i32>(t.slots + (<usize>slot << 2), id + 1);
  }
  return true;
}

/** The token whose piece is exactly these bytes, or -1. */
export function lookup(t: Tokenizer, p: usize, n: i32): i32 {
  let slot = hashMore(FNV_OFFSET, p, n) & t.slotMask;
  while (true) {
    const entry = load<i32>(t.slots + (<usize>slot << 2));
    if (entry == 0) return NO_TOKEN;
    const id = entry - 1;
    if (lengthOf(t, id) == n && memory.compare(pieceOf(t, id), p, n) == 0) return id;
    slot = (slot + 1) & t.slotMask;
  }
}

@inline function mergeOf(t: Tokenizer, rank: i32): usize {
  return <usize>load<u32>(t.merges + (<usize>rank << 2));
}

@inline function mergeLengthOf(t: Tokenizer, rank: i32): i32 {
  return load<i32>(t.mergeLengths + (<usize>rank << 2));
}

/** Index the merges (set in t.merges, t.mergeLengths, t.mergeCount) by their text; the first of equal merges keeps its rank. */
export function indexMerges(t: Tokenizer): bool {
  const size = tableSize(t.mergeCount);
  t.mergeMask = size - 1;
  if ((t.mergeSlots = arenaAlloc(<u64>size * 4, "the tokenizer's merges")) == 0) return false;
  for (let rank = 0; rank < t.mergeCount; rank++) {
    const p = mergeOf(t, rank), n = mergeLengthOf(t, rank);
    let slot = hashMore(FNV_OFFSET, p, n) & t.mergeMask;
    let taken = false;
    while (true) {
      const entry = load<i32>(t.mergeSlots + (<usize>slot << 2));
      if (entry == 0) break;
      const other = entry - 1;
      if (mergeLengthOf(t, other) == n && memory.compare(mergeOf(t, other), p, n) == 0) { taken = true; break; }
      slot = (slot + 1) & t.mergeMask;
    }
    if (!taken) store<i32>(t.mergeSlots + (<usize>slot << 2), rank + 1);
  }
  return true;
}

/**
 * The rank of merging `left` (ln bytes) with `right` (rn bytes), or -1. A merge is
 * stored as "left right"; byte-level pieces never hold a space, so the first space
 * after the first byte (where llama.cpp splits a merge) is the one between them.
 */
export function mergeRank(t: Tokenizer, left: usize, ln: i32, right: usize, rn: i32): i32 {
  const space: u8 = 0x20;
  let h = hashMore(FNV_OFFSET, left, ln);
  h = (h ^ <u32>space) * FNV_PRIME;
  h = hashMore(h, right, rn);
  const n = ln + 1 + rn;
  let slot = h & t.mergeMask;
  while (true) {
    const entry = load<i32>(t.mergeSlots + (<usize>slot << 2));
    if (entry == 0) return -1;
    const rank = entry - 1;
    const p = mergeOf(t, rank);
    if (mergeLengthOf(t, rank) == n && memory.compare(p, left, ln) == 0 && load<u8>(p + ln) == space &&
      memory.compare(p + ln + 1, right, rn) == 0) return rank;
    slot = (slot + 1) & t.mergeMask;
  }
}
