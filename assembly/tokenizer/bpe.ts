// Byte-level BPE (GGUF "gpt2" vocabularies) as llama.cpp does it: the pre-tokenizer
// splits the text into words, each word's UTF-8 bytes become GPT-2's printable
// characters, and adjacent symbols merge by their rank in tokenizer.ggml.merges.
import { Tokenizer, lookup, NO_TOKEN } from "./vocab";
import { mergeSymbols, setSymbol, symbolLength, symbolNext, symbolStart } from "./merge";
import { pretokenize } from "./pretokenize";
import { byteChar, decodeUtf8, encodeUtf8, utf8Length } from "./unicode";

/** One code point's UTF-8 bytes, on their way to GPT-2 characters. */
const UTF8 = memory.data(4);

/**
 * Token ids of one text fragment (n bytes) into out from `count`; returns the new count.
 * Uses t.cps, t.chunks and t.spareChunks (n each), t.work (6n bytes) and t.symbols (3n).
 */
export function encodeBpe(t: Tokenizer, text: usize, n: i32, out: usize, count: i32): i32 {
  const cp = decodeUtf8(text, n, t.cps);
  const chunks = pretokenize(t.pre, t.cps, cp, t.chunks, t.spareChunks);
  let begin = 0;
  for (let c = 0; c < chunks; c++) {
    const end = begin + load<i32>(t.chunks + (<usize>c << 2));
    count = encodeWord(t, begin, end, out, count);
    begin = end;
  }
  return count;
}

/** The code points [begin, end) of t.cps as one word: byte-encoded, merged, looked up. */
function encodeWord(t: Tokenizer, begin: i32, end: i32, out: usize, count: i32): i32 {
  // Each code point's UTF-8 bytes become one GPT-2 character each (1 or 2 bytes).
  const work = t.work;
  let length = 0, symbols = 0;
  for (let i = begin; i < end; i++) {
    const bytes = encodeUtf8(load<u32>(t.cps + (<usize>i << 2)), UTF8);
    for (let b = 0; b < bytes; b++) {
      length += encodeUtf8(byteChar(load<u8>(UTF8 + b)), work + length);
      symbols++;
    }
  }
  if (t.ignoreMerges) {
    const whole = lookup(t, work, length);
    if (whole >= 0) {
      store<i32>(out + (<usize>count << 2), whole);
      return count + 1;
    }
  }
  for (let i = 0, s = 0; i < length; s++) {
    const size = utf8Length(load<u8>(work + i));
    setSymbol(t.symbols, s, symbols, i, size, NO_TOKEN);
    i += size;
  }
  mergeSymbols(t, work, t.symbols, symbols, t.queue, true);
  for (let s = symbols > 0 ? 0 : -1; s != -1; s = symbolNext(t.symbols, s)) {
    const start = symbolStart(t.symbols, s), size = symbolLength(t.symbols, s);
    const id = lookup(t, work + start, size);
    if (id >= 0) {
      store<i32>(out + (<usize>(count++) << 2), id);
      continue;
    }
    // As llama.cpp does: each byte of the symbol's text on its own, where that is a token.
    for (let i = 0; i < size; i++) {
      const b = lookup(t, work + start + i, 1);
      if (b >= 0) store<i32>(out + (<usize>(count++) << 2), b);
    }
  }
  return count;
}
