// Byte-level BPE pre-tokenizers: the regex lists llama.cpp applies for each
// tokenizer.ggml.pre, written by hand over code points. Text is a list of chunks
// (lengths in code points); each pass splits every chunk further, its matches and
// the gaps between them both becoming chunks, as llama.cpp's unicode_regex_split does.
import { classOf, LETTER, NUMBER, PUNCTUATION, SPACE, OUTSIDE } from "./unicode";

// Pre-tokenizer kinds: which passes run, in order.
export const PRE_GPT2 = 0; // gpt2 regex
export const PRE_DEFAULT = 1; // punctuation runs, gpt2, \p{N}+, [0-9]{3}
export const PRE_FALCON = 2; // punctuation runs (with `), gpt2, [0-9]{3}
export const PRE_STARCODER = 3; // \p{N}, gpt2
export const PRE_LLAMA3 = 4; // llama3 regex (\p{N}{1,3})
export const PRE_QWEN2 = 5; // llama3 regex with \p{N} single
export const PRE_DEEPSEEK_CODER = 6; // [\r\n], \s?\p{L}+, \s?\p{P}+, [一-龥ࠀ-一가-퟿]+, \p{N}
export const PRE_PORO = 7; //  ?[^(\s|.,!?…。，、।۔،)]+
export const PRE_VIKING = 8; // poro's, then \p{N}
export const PRE_SUPERBPE = 9; // \p{N}+, then digit runs cut into threes from their end: (?=(\d{3})+(?!\d))
export const PRE_SEED_CODER = 10; // qwen2's regex without the line breaks after a punctuation run

// The gpt2 regex:  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// The llama3 one:  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+

/** Split the cp code points at cps into chunks (lengths into `out`, room for cp); returns the chunk count. `spare` has room for cp too. */
export function pretokenize(pre: i32, cps: usize, cp: i32, out: usize, spare: usize): i32 {
  if (cp == 0) return 0;
  const passes = pre == PRE_DEFAULT ? 4 : pre == PRE_FALCON ? 3 : pre == PRE_STARCODER ? 2 : pre == PRE_DEEPSEEK_CODER ? 5 : pre == PRE_VIKING || pre == PRE_SUPERBPE ? 2 : 1;
  // Each pass reads the chunks in `a` and writes them to `b`, then they swap: start so that the last pass writes `out`.
  let a = passes % 2 == 1 ? spare : out;
  let b = passes % 2 == 1 ? out : spare;
  store<i32>(a, cp);
  let count = 1;
  for (let pass = 0; pass < passes; pass++) {
    const step = passAt(pre, pass);
    let n = 0, begin = 0;
    for (let c = 0; c < count; c++) {
      const end = begin + load<i32>(a + (<usize>c << 2));
      n = step == STEP_GPT2 ? splitGpt2(cps, begin, end, b, n)
        : step == STEP_LLAMA3 ? splitLlama3(cps, begin, end, 3, true, b, n)
        : step == STEP_QWEN2 ? splitLlama3(cps, begin, end, 1, true, b, n)
        : step == STEP_SEED_CODER ? splitLlama3(cps, begin, end, 1, false, b, n)
        : step == STEP_DIGIT_GROUPS ? splitDigitGroups(cps, begin, end, b, n)
        : step == STEP_PORO ? splitPoro(cps, begin, end, b, n)
        : isolate(step, cps, begin, end, b, n);
      begin = end;
    }
    count = n;
    const t = a; a = b; b = t;
  }
  return count;
}

// Passes
const STEP_GPT2 = 0;
const STEP_LLAMA3 = 1;
const STEP_QWEN2 = 2;
const STEP_PUNCT = 3; // [\p{P}\$\+<=>\^~\|]+
const STEP_PUNCT_TICK = 4; // [\p{P}\$\+<=>\^~\|`]+
const STEP_NUMBERS = 5; // \p{N}+
const STEP_NUMBER = 6; // \p{N}
const STEP_DIGITS3 = 7; // [0-9][0-9][0-9]
const STEP_LINE_BREAK = 8; // [\r\n]
const STEP_SPACE_LETTERS = 9; // \s?\p{L}+
const STEP_SPACE_PUNCT = 10; // \s?\p{P}+
const STEP_CJK = 11; // [一-龥ࠀ-一가-퟿]+
const STEP_PORO = 12; //  ?[^(\s|.,!?…。，、।۔،)]+
const STEP_DIGIT_GROUPS = 13; // (?=(\d{3})+(?!\d)), zero-width: cuts only
const STEP_SEED_CODER = 14;

function passAt(pre: i32, pass: i32): i32 {
  if (pre == PRE_DEFAULT) return pass == 0 ? STEP_PUNCT : pass == 1 ? STEP_GPT2 : pass == 2 ? STEP_NUMBERS : STEP_DIGITS3;
  if (pre == PRE_FALCON) return pass == 0 ? STEP_PUNCT_TICK : pass == 1 ? STEP_GPT2 : STEP_DIGITS3;
  if (pre == PRE_STARCODER) return pass == 0 ? STEP_NUMBER : STEP_GPT2;
  if (pre == PRE_DEEPSEEK_CODER) return pass == 0 ? STEP_LINE_BREAK : pass == 1 ? STEP_SPACE_LETTERS : pass == 2 ? STEP_SPACE_PUNCT : pass == 3 ? STEP_CJK : STEP_NUMBER;
  if (pre == PRE_PORO) return STEP_PORO;
  if (pre == PRE_SUPERBPE) return pass == 0 ? STEP_NUMBERS : STEP_DIGIT_GROUPS;
  if (pre == PRE_SEED_CODER) return STEP_SEED_CODER;
  if (pre == PRE_VIKING) return pass == 0 ? STEP_PORO : STEP_NUMBER;
  return pre == PRE_LLAMA3 ? STEP_LLAMA3 : pre == PRE_QWEN2 ? STEP_QWEN2 : STEP_GPT2;
}

@inline function cpAt(cps: usize, i: i32): u32 {
  return load<u32>(cps + (<usize>i << 2));
}

/** Class bits of the code point at i, or OUTSIDE past the chunk's end. */
@inline function classAt(cps: usize, i: i32, end: i32): u32 {
  return i < end ? classOf(cpAt(cps, i)) : OUTSIDE;
}

@inline function emit(out: usize, count: i32, length: i32): i32 {
  if (length <= 0) return count;
  store<i32>(out + (<usize>count << 2), length);
  return count + 1;
}

/** The gpt2 regex over one chunk [begin, end); appends chunk lengths to out. */
function splitGpt2(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  let last = begin, pos = begin;
  while (pos < end) {
    const c = cpAt(cps, pos);
    const contraction = contractionLength(cps, pos, end, false);
    if (contraction > 0) {
      pos += contraction;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // " ?\p{L}+", " ?\p{N}+", " ?[^\s\p{L}\p{N}]+": an optional space, then a run of one kind
    const run = runOf(c == 0x20 ? classAt(cps, pos + 1, end) : classOf(c));
    if (run != 0) {
      if (c == 0x20) pos++;
      while (pos < end && runOf(classOf(cpAt(cps, pos))) == run) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    pos = spaces(cps, pos, end);
    count = emit(out, count, pos - last); last = pos;
  }
  return count;
}

/** OTHER: neither letter, number nor space. */
const OTHER: u32 = 32;

/** The kind of run a code point of class cls belongs to: LETTER, NUMBER or OTHER; 0 for a space or the end. */
function runOf(cls: u32): u32 {
  if ((cls & LETTER) != 0) return LETTER;
  if ((cls & NUMBER) != 0) return NUMBER;
  return (cls & (SPACE | OUTSIDE)) == 0 ? OTHER : 0;
}

/** \s+(?!\S)|\s+ at pos (or one code point when there is no space); returns where the match ends. */
function spaces(cps: usize, pos: i32, end: i32): i32 {
  let run = 0;
  while (pos + run < end && (classOf(cpAt(cps, pos + run)) & SPACE) != 0) run++;
  // Before a non-space, the last space is left to prefix the next word.
  if (run > 1 && pos + run < end) return pos + run - 1;
  return pos + max(run, 1);
}

/** Length of 's 't 're 've 'm 'll 'd at pos (ASCII letters, any case if `anyCase`), or 0. */
function contractionLength(cps: usize, pos: i32, end: i32, anyCase: bool): i32 {
  if (cpAt(cps, pos) != 0x27 || pos + 1 >= end) return 0;
  const c1 = lower(cpAt(cps, pos + 1), anyCase);
  if (c1 == 0x73 || c1 == 0x74 || c1 == 0x6d || c1 == 0x64) return 2; // s t m d
  if (pos + 2 >= end) return 0;
  const c2 = lower(cpAt(cps, pos + 2), anyCase);
  // re ve ll
  if ((c1 == 0x72 && c2 == 0x65) || (c1 == 0x76 && c2 == 0x65) || (c1 == 0x6c && c2 == 0x6c)) return 3;
  return 0;
}

/** ASCII lower case; no other code point lowers to one of the contraction letters. */
@inline function lower(c: u32, anyCase: bool): u32 {
  return anyCase && c >= 0x41 && c <= 0x5a ? c + 0x20 : c;
}

/**
 * The llama3 regex over [begin, end), with numbers in groups of up to maxDigits (qwen2: 1);
 * without punctNewlines (seed-coder) a punctuation run does not take the line breaks after it.
 */
function splitLlama3(cps: usize, begin: i32, end: i32, maxDigits: i32, punctNewlines: bool, out: usize, count: i32): i32 {
  let last = begin, pos = begin;
  while (pos < end) {
    const c = cpAt(cps, pos);
    const cls = classOf(c);
    const contraction = contractionLength(cps, pos, end, true);
    if (contraction > 0) {
      pos += contraction;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+
    if (c != 0x0d && c != 0x0a && (cls & NUMBER) == 0 && ((cls & LETTER) != 0 || (classAt(cps, pos + 1, end) & LETTER) != 0)) {
      pos++;
      while (pos < end && (classOf(cpAt(cps, pos)) & LETTER) != 0) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // \p{N}{1,maxDigits}
    if ((cls & NUMBER) != 0) {
      while (pos < end && (classOf(cpAt(cps, pos)) & NUMBER) != 0) {
        pos++;
        if (pos - last >= maxDigits) { count = emit(out, count, pos - last); last = pos; }
      }
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n]*"; as in llama.cpp, a lone space at the chunk's end also lands here
    const next = c == 0x20 ? classAt(cps, pos + 1, end) : cls;
    if ((next & (SPACE | LETTER | NUMBER)) == 0) {
      if (c == 0x20) pos++;
      while (pos < end && runOf(classOf(cpAt(cps, pos))) == OTHER) pos++;
      while (punctNewlines && pos < end && (cpAt(cps, pos) == 0x0d || cpAt(cps, pos) == 0x0a)) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // \s*[\r\n]+ takes the spaces up to the last line break of the run; otherwise \s+(?!\S)|\s+
    let run = 0, afterBreak = -1;
    while (pos + run < end && (classOf(cpAt(cps, pos + run)) & SPACE) != 0) {
      const s = cpAt(cps, pos + run);
      run++;
      if (s == 0x0d || s == 0x0a) afterBreak = pos + run;
    }
    pos = afterBreak >= 0 ? afterBreak : spaces(cps, pos, end);
    count = emit(out, count, pos - last); last = pos;
  }
  return count;
}

/** One of the single-class regexes over [begin, end): matches and the gaps between them become chunks. */
function isolate(step: i32, cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  let last = begin, pos = begin;
  while (pos < end) {
    let match = 0;
    if (step == STEP_DIGITS3) {
      if (pos + 3 <= end && asciiDigit(cpAt(cps, pos)) && asciiDigit(cpAt(cps, pos + 1)) && asciiDigit(cpAt(cps, pos + 2))) match = 3;
    } else if (step == STEP_NUMBER) {
      if ((classOf(cpAt(cps, pos)) & NUMBER) != 0) match = 1;
    } else if (step == STEP_LINE_BREAK) {
      if (cpAt(cps, pos) == 0x0d || cpAt(cps, pos) == 0x0a) match = 1;
    } else if (step == STEP_SPACE_LETTERS || step == STEP_SPACE_PUNCT) {
      // \s? then a run of the class: the space is taken only when the run follows it
      const cls = step == STEP_SPACE_LETTERS ? LETTER : PUNCTUATION;
      const skip = (classOf(cpAt(cps, pos)) & SPACE) != 0 && (classAt(cps, pos + 1, end) & cls) != 0 ? 1 : 0;
      while (pos + skip + match < end && (classOf(cpAt(cps, pos + skip + match)) & cls) != 0) match++;
      if (match > 0) match += skip;
    } else if (step == STEP_CJK) {
      while (pos + match < end && isCjk(cpAt(cps, pos + match))) match++;
    } else {
      while (pos + match < end && inRun(step, cpAt(cps, pos + match))) match++;
    }
    if (match == 0) { pos++; continue; }
    count = emit(out, count, pos - last);
    count = emit(out, count, match);
    pos += match;
    last = pos;
  }
  return emit(out, count, pos - last);
}

@inline function asciiDigit(c: u32): bool {
  return c >= 0x30 && c <= 0x39;
}

/** Membership in the run classes. ASCII follows llama.cpp's fixed sets; other code points their Unicode class. */
function inRun(step: i32, c: u32): bool {
  if (step == STEP_NUMBERS) return (classOf(c) & NUMBER) != 0;
  if (c >= 0x80) return (classOf(c) & PUNCTUATION) != 0;
  // Every printable ASCII character that is not a letter, digit or space, except ` outside falcon.
  const graphic = c > 0x20 && c < 0x7f && !asciiDigit(c) && ((c | 0x20) < 0x61 || (c | 0x20) > 0x7a);
  return graphic && (c != 0x60 || step == STEP_PUNCT_TICK);
}

/** deepseek-coder's [一-龥ࠀ-一가-퟿]: U+4E00..U+9FA5, U+0800..U+4E00, U+AC00..U+D7FF. */
@inline function isCjk(c: u32): bool {
  return (c >= 0x0800 && c <= 0x9fa5) || (c >= 0xac00 && c <= 0xd7ff);
}

/** poro's excluded set: ( \s | . , ! ? … 。 ， 、 । ۔ ، ) (the parentheses and bar are literal in its class). */
function poroExcluded(c: u32): bool {
  if ((classOf(c) & SPACE) != 0) return true;
  return c == 0x28 || c == 0x29 || c == 0x7c || c == 0x2e || c == 0x2c || c == 0x21 || c == 0x3f || c == 0x2026 ||
    c == 0x3002 || c == 0xff0c || c == 0x3001 || c == 0x0964 || c == 0x06d4 || c == 0x060c;
}

/** " ?[^(\s|.,!?…。，、।۔،)]+" over [begin, end): matches and the gaps between them become chunks. */
function splitPoro(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  let last = begin, pos = begin;
  while (pos < end) {
    const skip = cpAt(cps, pos) == 0x20 && pos + 1 < end && !poroExcluded(cpAt(cps, pos + 1)) ? 1 : 0;
    let match = 0;
    while (pos + skip + match < end && !poroExcluded(cpAt(cps, pos + skip + match))) match++;
    if (match == 0) { pos++; continue; }
    count = emit(out, count, pos - last);
    count = emit(out, count, skip + match);
    pos += skip + match;
    last = pos;
  }
  return emit(out, count, pos - last);
}

/** superbpe's (?=(\d{3})+(?!\d)) over [begin, end): each ASCII digit run cut where a multiple of three digits remains. */
function splitDigitGroups(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  let last = begin, pos = begin;
  while (pos < end) {
    if (!asciiDigit(cpAt(cps, pos))) { pos++; continue; }
    let runEnd = pos;
    while (runEnd < end && asciiDigit(cpAt(cps, runEnd))) runEnd++;
    for (let p = pos + 1; p < runEnd; p++) {
      if ((runEnd - p) % 3 == 0) { count = emit(out, count, p - last); last = p; }
    }
    pos = runEnd;
  }
  return emit(out, count, end - last);
}
