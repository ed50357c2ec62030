// Text to token ids and back, for every tokenizer the core reads: llama2.c's
// tokenizer.bin and the SentencePiece and byte-level BPE vocabularies in GGUF files.
// Special tokens are split off first; each kind then tokenizes the text between them.
import { arenaAlloc } from "../runtime/memory";
import { FileBytes } from "../runtime/files";
import { fail } from "../runtime/status";
import { Tokenizer, KIND_LLAMA2C, KIND_SPM, NO_TOKEN, ATTR_CONTROL, ATTR_UNKNOWN, ATTR_SPECIAL, ATTR_EOG, indexPieces, pieceOf, lengthOf, attrOf } from "./vocab";
import { BIGRAM, SYMBOL, queueCapacity } from "./merge";
import { FRAGMENT, partition } from "./special-tokens";
import { encodeSpm, encodeLlama2c } from "./spm";
import { encodeBpe } from "./bpe";

export { Tokenizer } from "./vocab";
export { loadGgufTokenizer } from "./gguf";

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
  return indexPieces(t, false, path) && indexBytes(t) ? t : null;
}

/** llama2.c's byte tokens: the first <0xXX> piece of each byte, and the byte of each such piece. */
function indexBytes(t: Tokenizer): bool {
  if ((t.byteOf = arenaAlloc(<u64>t.vocabSize * 4, "the tokenizer")) == 0) return false;
  if ((t.byteToken = arenaAlloc(256 * 4, "the tokenizer")) == 0) return false;
  if ((t.decoded = arenaAlloc(1, "the tokenizer")) == 0) return false;
  for (let b = 0; b < 256; b++) store<i32>(t.byteToken + (<usize>b << 2), -1);
  for (let id = 0; id < t.vocabSize; id++) {
    const b = hexByte(pieceOf(t, id), lengthOf(t, id));
    store<i32>(t.byteOf + (<usize>id << 2), b);
    if (b >= 0 && load<i32>(t.byteToken + (<usize>b << 2)) < 0) store<i32>(t.byteToken + (<usize>b << 2), id);
  }
  return true;
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

/** Longest text encode() takes: the bound below stays far inside i32. */
export const MAX_TEXT_BYTES: i32 = 1 << 28;

/**
 * The most ids encode() writes for n bytes of text (n <= MAX_TEXT_BYTES). Byte-level BPE
 * is the worst: an invalid UTF-8 byte becomes U+FFFD, three bytes that byte-encode to
 * three characters, each of whose two bytes may fall back to a token alone. Plus BOS and EOS.
 */
export function maxTokens(n: i32): i32 {
  return 6 * n + 2;
}

/**
 * Token ids of text (n bytes) into out (i32, room for maxTokens(n)); returns how many,
 * or -1 with the reason recorded (no memory to work in). bos, eos: add them where the
 * vocabulary asks for them (tokenizer.ggml.add_bos_token / add_eos_token; llama.cpp's
 * add_special), which llama2.c's tokenizer always does. parseSpecial: control tokens
 * written in the text become those tokens (user-defined ones always do).
 */
export function encode(t: Tokenizer, text: usize, n: i32, bos: bool, eos: bool, out: usize, parseSpecial: bool = false): i32 {
  if (n < 0 || n > MAX_TEXT_BYTES) {
    fail("cannot tokenize a text of " + n.toString() + " bytes (at most " + MAX_TEXT_BYTES.toString() + ")");
    return -1;
  }
  if (!ensureScratch(t, n)) return -1;
  let count = 0;
  if (bos && t.addBos) store<i32>(out + (<usize>(count++) << 2), t.bos);
  if (t.kind == KIND_LLAMA2C) {
    count = encodeLlama2c(t, text, n, out, count);
  } else {
    const fragments = partition(t, text, n, parseSpecial);
    // SentencePiece puts a space in front of text that starts the input or follows a special token.
    let afterSpecial = true;
    for (let f = fragments > 0 ? 0 : -1; f != -1; ) {
      const fp = t.fragments + <usize>f * FRAGMENT;
      const token = load<i32>(fp, 8);
      if (token != NO_TOKEN) {
        store<i32>(out + (<usize>(count++) << 2), token);
        afterSpecial = true;
      } else {
        const start = load<i32>(fp), length = load<i32>(fp, 4);
        count = t.kind == KIND_SPM
          ? encodeSpm(t, text + <usize>start, length, t.addSpacePrefix && afterSpecial, out, count)
          : encodeBpe(t, text + <usize>start, length, out, count);
        afterSpecial = false;
      }
      f = load<i32>(fp, 12);
    }
  }
  if (eos && t.addEos) store<i32>(out + (<usize>(count++) << 2), t.eos);
  return count;
}

/**
 * Lay out encode()'s working memory for a text of n bytes, growing it to at least twice
 * its size when it is too small; false with the reason recorded if memory runs out.
 */
function ensureScratch(t: Tokenizer, n: i32): bool {
  if (<i64>n <= t.scratchBytes) return true;
  const c = max<i64>(max<i64>(n, 2 * t.scratchBytes), 256);
  const symbols = 3 * (c + 1);
  const fragments = roundUp((2 * c + 1) * FRAGMENT);
  // llama2.c's work text is the pieces of up to n + 1 symbols; the others' at most 6 bytes per byte
  const work = roundUp(<i64>(t.kind == KIND_LLAMA2C ? max(6, t.longest) : 6) * (c + 1));
  const symbolBytes = roundUp(symbols * SYMBOL);
  const queue = roundUp(<i64>queueCapacity(<i32>symbols) * BIGRAM);
  const list = roundUp(c * 4);
  let p = arenaAlloc(<u64>(fragments + work + symbolBytes + queue + 3 * list), "tokenizing a text of " + n.toString() + " bytes");
  if (p == 0) return false;
  t.fragments = p; p += <usize>fragments;
  t.work = p; p += <usize>work;
  t.symbols = p; p += <usize>symbolBytes;
  t.queue = p; p += <usize>queue;
  t.cps = p; p += <usize>list;
  t.chunks = p; p += <usize>list;
  t.spareChunks = p;
  t.scratchBytes = c;
  return true;
}

@inline function roundUp(bytes: i64): i64 {
  return (bytes + 63) & ~63;
}

/** The bytes to print for `token` following `prev` (-1: none); sets decodedPtr, returns the count. */
export let decodedPtr: usize = 0;
export function decode(t: Tokenizer, prev: i32, token: i32): i32 {
  if (t.kind == KIND_LLAMA2C) return decodeLlama2c(t, prev, token);
  // Control and unknown tokens print nothing, as llama.cpp shows them by default.
  const attr = attrOf(t, token);
  if ((attr & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) {
    decodedPtr = t.text;
    return 0;
  }
  const start = load<u32>(t.textStart + (<usize>token << 2));
  let p = t.text + <usize>start;
  let n = <i32>(load<u32>(t.textStart + (<usize>(token + 1) << 2)) - start);
  // The space SentencePiece put in front of text at the start or after a special token is not shown.
  const atStart = prev < 0 || prev >= t.vocabSize || (attrOf(t, prev) & ATTR_SPECIAL) != 0;
  if (t.addSpacePrefix && atStart && (attr & ATTR_SPECIAL) == 0 && n > 0 && load<u8>(p) == 0x20) { p++; n--; }
  decodedPtr = p;
  return n;
}

/** llama2.c's way: pieces as they are, <0xXX> as its byte, no lone control bytes. */
function decodeLlama2c(t: Tokenizer, prev: i32, token: i32): i32 {
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

/** Whether generating `token` ends the text: end of generation for GGUF vocabularies (EOS, EOT and the like), EOS for llama2.c. */
export function isEndOfGeneration(t: Tokenizer, token: i32): bool {
  if (t.kind == KIND_LLAMA2C) return token == t.eos;
  return (attrOf(t, token) & ATTR_EOG) != 0;
}
