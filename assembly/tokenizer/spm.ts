// SentencePiece BPE: pieces carry their scores, and adjacent symbols merge into the
// best-scoring piece they spell. Two readings of it: llama.cpp's for GGUF "llama"
// vocabularies (spaces become ▁, characters without a piece fall back to <0xXX>
// tokens after merging) and llama2.c's (spaces stay spaces, byte tokens before merging).
import { Tokenizer, lookup, pieceOf, lengthOf, NO_TOKEN } from "./vocab";
import { mergeSymbols, setSymbol, symbolId, symbolLength, symbolNext, symbolStart } from "./merge";
import { utf8Length } from "./unicode";

/**
 * Token ids of one text fragment (n bytes) into out from position `count`, llama.cpp's
 * way: an optional leading space, spaces escaped to ▁, merged, then byte fallback.
 * t.work holds 3(n + 1) bytes and t.symbols n + 1 symbols. Returns the new count.
 */
export function encodeSpm(t: Tokenizer, text: usize, n: i32, spacePrefix: bool, out: usize, count: i32): i32 {
  const work = t.work;
  let length = 0;
  if (spacePrefix) length = escapeSpace(work, length);
  for (let i = 0; i < n; i++) {
    const c = load<u8>(text + i);
    if (c == 0x20) length = escapeSpace(work, length);
    else store<u8>(work + length++, c);
  }
  // one symbol per UTF-8 character; a truncated one at the end keeps the bytes there are
  let symbols = 0;
  for (let i = 0; i < length; symbols++) i += utf8Length(load<u8>(work + i));
  for (let i = 0, s = 0; i < length; s++) {
    const size = min(utf8Length(load<u8>(work + i)), length - i);
    setSymbol(t.symbols, s, symbols, i, size, lookup(t, work + i, size));
    i += size;
  }
  mergeSymbols(t, work, t.symbols, symbols, t.queue, false);
  for (let s = symbols > 0 ? 0 : -1; s != -1; s = symbolNext(t.symbols, s)) {
    const id = symbolId(t.symbols, s);
    if (id != NO_TOKEN) {
      store<i32>(out + (<usize>(count++) << 2), id);
      continue;
    }
    const start = symbolStart(t.symbols, s), size = symbolLength(t.symbols, s);
    for (let i = 0; i < size; i++) {
      const b = load<i32>(t.byteToken + (<usize>load<u8>(work + start + i) << 2));
      // llama.cpp aborts on a byte without a token; the unknown token stands in, or nothing
      const fallback = b >= 0 ? b : t.unk;
      if (fallback >= 0) store<i32>(out + (<usize>(count++) << 2), fallback);
    }
  }
  return count;
}

/** ▁ (U+2581) at work + length; returns the new length. */
@inline function escapeSpace(work: usize, length: i32): i32 {
  store<u8>(work + length, 0xe2);
  store<u8>(work + length + 1, 0x96);
  store<u8>(work + length + 2, 0x81);
  return length + 3;
}

/**
 * Token ids of n bytes of text into out from `count`, llama2.c's way: a dummy space
 * first, one token per UTF-8 character (byte tokens, or token 0, when it has none),
 * then the best-scoring pair merges until none forms a token. t.work holds
 * t.longest (n + 1) bytes and t.symbols n + 1 symbols. Returns the new count.
 */
export function encodeLlama2c(t: Tokenizer, text: usize, n: i32, out: usize, count: i32): i32 {
  if (n == 0) return count;
  // The symbols' text is their pieces back to back, so that a merged pair's text is contiguous.
  const ids = out + (<usize>count << 2);
  store<u8>(t.work, 0x20);
  let symbols = pushPiece(t, t.work, 1, ids, 0);
  let start = 0;
  while (start < n) {
    // one UTF-8 character: a lead byte and up to three continuation bytes
    let end = start + 1;
    while (end < n && end - start < 4 && (load<u8>(text + end) & 0xc0) == 0x80) end++;
    symbols = pushPiece(t, text + start, end - start, ids, symbols);
    start = end;
  }
  let offset = 0;
  for (let s = 0; s < symbols; s++) {
    const id = load<i32>(ids + (<usize>s << 2)), size = lengthOf(t, id);
    memory.copy(t.work + offset, pieceOf(t, id), size);
    setSymbol(t.symbols, s, symbols, offset, size, id);
    offset += size;
  }
  mergeSymbols(t, t.work, t.symbols, symbols, t.queue, false);
  for (let s = 0; s != -1; s = symbolNext(t.symbols, s)) store<i32>(out + (<usize>(count++) << 2), symbolId(t.symbols, s));
  return count;
}

/** Append the token for these bytes, or their byte tokens (unknown bytes as token 0). */
function pushPiece(t: Tokenizer, p: usize, n: i32, ids: usize, count: i32): i32 {
  const id = lookup(t, p, n);
  if (id >= 0) {
    store<i32>(ids + (<usize>count << 2), id);
    return count + 1;
  }
  for (let i = 0; i < n; i++) {
    const b = load<i32>(t.byteToken + (<usize>load<u8>(p + i) << 2));
    store<i32>(ids + (<usize>(count++) << 2), b >= 0 ? b : 0);
  }
  return count;
}
