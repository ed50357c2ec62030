// SentencePiece-style BPE as llama2.c does it: the text becomes one token per
// UTF-8 character (bytes as <0xXX> tokens when a character has no token), then
// the adjacent pair whose merged piece scores highest is merged until none is left.
import { arenaAlloc } from "./memory";
import { FileBytes } from "./files";
import { fail } from "./status";

export class Tokenizer {
  vocabSize: i32 = 0;
  pieces: usize = 0; // (vocabSize,) u32 pointer to each piece's bytes
  lengths: usize = 0; // (vocabSize,) i32 byte length of each piece
  scores: usize = 0; // (vocabSize,) f32 merge priority, higher merges first
  byteOf: usize = 0; // (vocabSize,) i32 the byte a <0xXX> token stands for, or -1
  byteToken: usize = 0; // (256,) i32 the <0xXX> token of each byte, or -1
  slots: usize = 0; // (slotCount,) i32 hash table: token id + 1, 0 = empty
  slotMask: u32 = 0;
  pair: usize = 0; // (2 * longest piece,) scratch for merge candidates
  bos: i32 = 1;
  eos: i32 = 2;
  decoded: usize = 0; // (1,) the byte of a decoded <0xXX> token
}

/** A llama2.c tokenizer.bin: int32 max_token_length, then per token f32 score, int32 length, bytes. */
export function loadLlama2cTokenizer(file: FileBytes, path: string, vocabSize: i32): Tokenizer | null {
  if (file.size < 4) {
    fail("'" + path + "' is not a llama2.c tokenizer: shorter than its 4-byte header");
    return null;
  }
  const t = new Tokenizer();
  t.vocabSize = vocabSize;
  if ((t.pieces = arenaAlloc(<u64>vocabSize * 4, "the tokenizer")) == 0) return null;
  if ((t.lengths = arenaAlloc(<u64>vocabSize * 4, "the tokenizer")) == 0) return null;
  if ((t.scores = arenaAlloc(<u64>vocabSize * 4, "the tokenizer")) == 0) return null;
  const end = file.ptr + <usize>file.size;
  let p = file.ptr + 4;
  for (let id = 0; id < vocabSize; id++) {
    if (end - p < 8) {
      fail("tokenizer '" + path + "' has " + id.toString() + " tokens, but the model's vocabulary has " + vocabSize.toString() + ": they do not belong together");
      return null;
    }
    const score = load<f32>(p);
    const length = load<i32>(p, 4);
    p += 8;
    if (length < 0 || <usize>length > end - p) {
      fail("tokenizer '" + path + "' is corrupt: token " + id.toString() + " has length " + length.toString() + " past the end of the file");
      return null;
    }
    store<u32>(t.pieces + (<usize>id << 2), p);
    store<i32>(t.lengths + (<usize>id << 2), length);
    store<f32>(t.scores + (<usize>id << 2), score);
    p += <usize>length;
  }
  if (p != end) {
    fail("tokenizer '" + path + "' has more tokens than the model's vocabulary (" + vocabSize.toString() + "): they do not belong together");
    return null;
  }
  return index(t) ? t : null;
}

/** Build the lookup structures: the piece hash table, byte tokens and scratch space. */
function index(t: Tokenizer): bool {
  let slotCount: u32 = 16;
  while (slotCount < <u32>t.vocabSize * 2) slotCount <<= 1;
  t.slotMask = slotCount - 1;
  if ((t.slots = arenaAlloc(<u64>slotCount * 4, "the tokenizer")) == 0) return false;
  if ((t.byteOf = arenaAlloc(<u64>t.vocabSize * 4, "the tokenizer")) == 0) return false;
  if ((t.byteToken = arenaAlloc(256 * 4, "the tokenizer")) == 0) return false;
  if ((t.decoded = arenaAlloc(1, "the tokenizer")) == 0) return false;
  for (let b = 0; b < 256; b++) store<i32>(t.byteToken + (<usize>b << 2), -1);
  let longest = 0;
  for (let id = 0; id < t.vocabSize; id++) {
    const piece = pieceOf(t, id), length = lengthOf(t, id);
    longest = max(longest, length);
    const b = hexByte(piece, length);
    store<i32>(t.byteOf + (<usize>id << 2), b);
    if (b >= 0 && load<i32>(t.byteToken + (<usize>b << 2)) < 0) store<i32>(t.byteToken + (<usize>b << 2), id);
    // The first of equal pieces wins, so lookups are deterministic.
    if (lookup(t, piece, length) < 0) {
      let slot = hash(piece, length) & t.slotMask;
      while (load<i32>(t.slots + (<usize>slot << 2)) != 0) slot = (slot + 1) & t.slotMask;
      store<i32>(t.slots + (<usize>slot << 2), id + 1);
    }
  }
  if ((t.pair = arenaAlloc(<u64>longest * 2 + 1, "the tokenizer")) == 0) return false;
  return true;
}

@inline function pieceOf(t: Tokenizer, id: i32): usize {
  return <usize>load<u32>(t.pieces + (<usize>id << 2));
}

@inline function lengthOf(t: Tokenizer, id: i32): i32 {
  return load<i32>(t.lengths + (<usize>id << 2));
}

/** FNV-1a */
function hash(p: usize, n: i32): u32 {
  let h: u32 = 2166136261;
  for (let i = 0; i < n; i++) h = (h ^ <u32>load<u8>(p + i)) * 16777619;
  return h;
}

/** The token whose piece is exactly these bytes, or -1. */
export function lookup(t: Tokenizer, p: usize, n: i32): i32 {
  let slot = hash(p, n) & t.slotMask;
  while (true) {
    const entry = load<i32>(t.slots + (<usize>slot << 2));
    if (entry == 0) return -1;
    const id = entry - 1;
    if (lengthOf(t, id) == n && memory.compare(pieceOf(t, id), p, n) == 0) return id;
    slot = (slot + 1) & t.slotMask;
  }
}

/** The byte value of a "<0xXX>" piece, or -1. */
function hexByte(p: usize, n: i32): i32 {
  if (n != 6 || load<u8>(p) != 0x3c || load<u8>(p, 1) != 0x30 || load<u8>(p, 2) != 0x78 || load<u8>(p, 5) != 0x3e) return -1;
  const hi = hexDigit(load<u8>(p, 3)), lo = hexDigit(load<u8>(p, 4));
  return hi < 0 || lo < 0 ? -1 : (hi << 4) | lo;
}

function hexDigit(c: u8): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x41 + 10;
  if (c >= 0x61 && c <= 0x66) return c - 0x61 + 10;
  return -1;
}

/** The most ids encode() writes for n bytes of text. */
export function maxTokens(n: i32): i32 {
  return n + 3;
}

/** Token ids of text (n bytes) into out (i32, room for maxTokens(n)); returns how many. */
export function encode(t: Tokenizer, text: usize, n: i32, bos: bool, eos: bool, out: usize): i32 {
  let count = 0;
  if (bos) store<i32>(out + (<usize>(count++) << 2), t.bos);
  // SentencePiece adds a dummy space in front of non-empty text.
  if (n > 0) {
    store<u8>(t.pair, 0x20);
    count = pushPiece(t, t.pair, 1, out, count);
  }
  let start = 0;
  while (start < n) {
    // one UTF-8 character: a lead byte and up to three continuation bytes
    let end = start + 1;
    while (end < n && end - start < 4 && (load<u8>(text + end) & 0xc0) == 0x80) end++;
    count = pushPiece(t, text + start, end - start, out, count);
    start = end;
  }
  count = merge(t, out, count, bos ? 1 : 0);
  if (eos) store<i32>(out + (<usize>(count++) << 2), t.eos);
  return count;
}

/** Append the token for these bytes, or their byte tokens (unknown bytes as token 0). */
function pushPiece(t: Tokenizer, p: usize, n: i32, out: usize, count: i32): i32 {
  const id = lookup(t, p, n);
  if (id >= 0) {
    store<i32>(out + (<usize>count << 2), id);
    return count + 1;
  }
  for (let i = 0; i < n; i++) {
    const b = load<i32>(t.byteToken + (<usize>load<u8>(p + i) << 2));
    store<i32>(out + (<usize>(count++) << 2), b >= 0 ? b : 0);
  }
  return count;
}

/** Merge the best-scoring adjacent pair in tokens [from, count) until no pair forms a token. */
function merge(t: Tokenizer, out: usize, count: i32, from: i32): i32 {
  while (true) {
    let bestScore: f32 = -1e10;
    let bestId = -1, bestAt = -1;
    for (let i = from; i < count - 1; i++) {
      const a = load<i32>(out + (<usize>i << 2)), b = load<i32>(out + (<usize>(i + 1) << 2));
      const la = lengthOf(t, a), lb = lengthOf(t, b);
      memory.copy(t.pair, pieceOf(t, a), la);
      memory.copy(t.pair + la, pieceOf(t, b), lb);
      const id = lookup(t, t.pair, la + lb);
      if (id >= 0 && load<f32>(t.scores + (<usize>id << 2)) > bestScore) {
        bestScore = load<f32>(t.scores + (<usize>id << 2));
        bestId = id;
        bestAt = i;
      }
    }
    if (bestAt < 0) return count;
    store<i32>(out + (<usize>bestAt << 2), bestId);
    memory.copy(out + (<usize>(bestAt + 1) << 2), out + (<usize>(bestAt + 2) << 2), <usize>(count - bestAt - 2) << 2);
    count--;
  }
}

/** The bytes to print for `token` following `prev`, as llama2.c prints them; sets decodedPtr. */
export let decodedPtr: usize = 0;
export function decode(t: Tokenizer, prev: i32, token: i32): i32 {
  let p = pieceOf(t, token);
  let n = lengthOf(t, token);
  // After BOS, SentencePiece's dummy space is not shown.
  if (prev == t.bos && n > 0 && load<u8>(p) == 0x20) { p++; n--; }
  const b = load<i32>(t.byteOf + (<usize>token << 2));
  if (b >= 0) {
    store<u8>(t.decoded, <u8>b);
    p = t.decoded;
    n = 1;
  }
  // A lone control byte would garble the terminal; bytes of multi-byte characters pass.
  if (n == 1 && isControl(load<u8>(p))) n = 0;
  decodedPtr = p;
  return n;
}

function isControl(c: u8): bool {
  const whitespace = c == 0x20 || (c >= 0x09 && c <= 0x0d);
  return (c < 0x20 && !whitespace) || c == 0x7f;
}
