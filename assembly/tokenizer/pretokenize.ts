// Byte-level BPE pre-tokenizers: the regex lists llama.cpp applies for each
// tokenizer.ggml.pre, written by hand over code points. Text is a list of chunks
// (lengths in code points); each pass splits every chunk further, its matches and
// the gaps between them both becoming chunks, as llama.cpp's unicode_regex_split does.
import { classOf, LETTER, NUMBER, PUNCTUATION, SPACE, OUTSIDE, MARK, SYMBOL } from "./unicode";

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
export const PRE_DEEPSEEK_LLM = 11; // [\r\n], \s?(cased letters)+, \s?(ASCII and CJK punctuation)+, \s+$, CJK runs, \p{N}+
export const PRE_DEEPSEEK_V3 = 12; // \p{N}{1,3}, Han and kana runs, then DeepSeek-V3's word regex
export const PRE_GPT4O = 13; // words split at lower-to-upper case changes, with contractions; \p{N}{1,3}
export const PRE_TEKKEN = 14; // gpt-4o's without contractions, numbers one digit each
export const PRE_CHAMELEON = 15; // sentinels, image tokens, tabs/newlines/space pairs, \p{N}, one punctuation mark, gpt2
export const PRE_KIMI_K2 = 16; // Han runs, then the llama3 regex over the other letters
export const PRE_QWEN35 = 17; // qwen2's regex with combining marks counted as letters
export const PRE_MINICPM5 = 18; // \p{N}{1,3}, then the llama3 regex with \p{N}+
export const PRE_LAGUNA = 19; // lines and runs of line feeds, then qwen2's regex
export const PRE_TINY_AYA = 20; // digit runs cut into threes from their end, then gpt-4o's regex without case (llama.cpp's reading)
export const PRE_YOUTU = 21; // Hangul, CJK punctuation, Bopomofo and Han/kana runs, then tiny_aya's word regex with \p{N} single
export const PRE_AFMOE = 22; // digit runs in threes from their end, runs of East and Southeast Asian scripts, then DeepSeek-V3's word regex
export const PRE_EXAONE_MOE = 23; // qwen2's regex with words of letters joined by single spaces, one line break after punctuation
export const PRE_JAIS2 = 24; // the llama3 regex with runs of spaces cut into 512, 256, …, 4, 2 and 1

// The gpt2 regex:  's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
// The llama3 one:  (?i:'s|'t|'re|'ve|'m|'ll|'d)|[^\r\n\p{L}\p{N}]?\p{L}+|\p{N}{1,3}| ?[^\s\p{L}\p{N}]+[\r\n]*|\s*[\r\n]+|\s+(?!\S)|\s+

/** Split the cp code points at cps into chunks (lengths into `out`, room for cp); returns the chunk count. `spare` has room for cp too. */
export function pretokenize(pre: i32, cps: usize, cp: i32, out: usize, spare: usize): i32 {
  if (cp == 0) return 0;
  const passes = passCount(pre);
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
        : step == STEP_LLAMA3 ? splitLlama3(cps, begin, end, 3, LLAMA3_PUNCT_NEWLINES, b, n)
        : step == STEP_QWEN2 ? splitLlama3(cps, begin, end, 1, LLAMA3_PUNCT_NEWLINES, b, n)
        : step == STEP_SEED_CODER ? splitLlama3(cps, begin, end, 1, 0, b, n)
        : step == STEP_QWEN35 ? splitLlama3(cps, begin, end, 1, LLAMA3_PUNCT_NEWLINES | LLAMA3_MARKS, b, n)
        : step == STEP_KIMI_K2 ? splitLlama3(cps, begin, end, 3, LLAMA3_PUNCT_NEWLINES | LLAMA3_HAN, b, n)
        : step == STEP_LLAMA3_NUMBERS ? splitLlama3(cps, begin, end, 0x7fffffff, LLAMA3_PUNCT_NEWLINES, b, n)
        : step == STEP_GPT4O ? splitCased(cps, begin, end, 3, true, false, b, n)
        : step == STEP_TEKKEN ? splitCased(cps, begin, end, 1, false, false, b, n)
        : step == STEP_TINY_AYA ? splitCased(cps, begin, end, 3, true, true, b, n)
        : step == STEP_YOUTU ? splitCased(cps, begin, end, 1, true, true, b, n)
        : step == STEP_EXAONE_MOE ? splitExaoneMoe(cps, begin, end, b, n)
        : step == STEP_JAIS2 ? splitLlama3(cps, begin, end, 3, LLAMA3_PUNCT_NEWLINES | LLAMA3_CASCADE, b, n)
        : step == STEP_DIGITS_FROM_END ? splitDigitsFromEnd(cps, begin, end, b, n)
        : step == STEP_DEEPSEEK_V3 ? splitDeepseekV3(cps, begin, end, b, n)
        : step == STEP_LINES ? splitLines(cps, begin, end, b, n)
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
const STEP_QWEN35 = 15;
const STEP_KIMI_K2 = 16;
const STEP_LLAMA3_NUMBERS = 17; // the llama3 regex with \p{N}+
const STEP_GPT4O = 18;
const STEP_TEKKEN = 19;
const STEP_DEEPSEEK_V3 = 20;
const STEP_LINES = 21; // [^\n]+|[\n]+
const STEP_NUMBERS3 = 22; // \p{N}{1,3}
const STEP_CASED_LETTERS = 23; // deepseek-llm's \s?[A-Za-zµÀ-Ö…]+ (the cased letters of its list)
const STEP_DEEPSEEK_PUNCT = 24; // \s?[!-/:-~！-／：-～‘-‟　-。]+
const STEP_TRAILING_SPACE = 25; // \s+$
const STEP_HAN_KANA = 26; // [一-龥぀-ゟ゠-ヿ]+
const STEP_SENTINEL = 27; // <sentinel:[0-9]+>
const STEP_IMAGE = 28; // (IMGIMG)((A|B|C|D|E|F|G|H|I){1,4})Z
const STEP_TAB_SPACES = 29; // ([\t\n]|    |  )
const STEP_ONE_PUNCT = 30; // [\p{P}!-/:-@\[-`{-~]
const STEP_TINY_AYA = 31;
const STEP_DIGITS_FROM_END = 32; // \d{1,3}(?=(?:\d{3})*\b), as llama.cpp's afmoe splitter does it
const STEP_YOUTU = 33;
const STEP_YOUTU_SCRIPTS = 34; // [가-힣ㄱ-ㆎ]+|[！…“”‘’—：；，、-〿︰-﹏]+|[ㄅ-ㄯ]+|[一-龥぀-ゟ゠-ヿ]+
const STEP_AFMOE_SCRIPTS = 35; // [一-鿿㐀-䶿豈-﫿぀-ゟ゠-ヿ･-ﾟ⼀-⿟เ-๿຀-໿ក-៿က-႟ꩠ-ꩿꧠ-꧿가-힯ᄀ-ᇿ]+
const STEP_EXAONE_MOE = 36;
const STEP_JAIS2 = 37;

function passCount(pre: i32): i32 {
  if (pre == PRE_DEFAULT) return 4;
  if (pre == PRE_FALCON || pre == PRE_DEEPSEEK_V3 || pre == PRE_AFMOE) return 3;
  if (pre == PRE_STARCODER || pre == PRE_VIKING || pre == PRE_SUPERBPE || pre == PRE_MINICPM5 || pre == PRE_LAGUNA || pre == PRE_TINY_AYA || pre == PRE_YOUTU) return 2;
  if (pre == PRE_DEEPSEEK_CODER) return 5;
  if (pre == PRE_DEEPSEEK_LLM || pre == PRE_CHAMELEON) return 6;
  return 1;
}

function passAt(pre: i32, pass: i32): i32 {
  if (pre == PRE_DEFAULT) return pass == 0 ? STEP_PUNCT : pass == 1 ? STEP_GPT2 : pass == 2 ? STEP_NUMBERS : STEP_DIGITS3;
  if (pre == PRE_FALCON) return pass == 0 ? STEP_PUNCT_TICK : pass == 1 ? STEP_GPT2 : STEP_DIGITS3;
  if (pre == PRE_STARCODER) return pass == 0 ? STEP_NUMBER : STEP_GPT2;
  if (pre == PRE_DEEPSEEK_CODER) return pass == 0 ? STEP_LINE_BREAK : pass == 1 ? STEP_SPACE_LETTERS : pass == 2 ? STEP_SPACE_PUNCT : pass == 3 ? STEP_CJK : STEP_NUMBER;
  if (pre == PRE_PORO) return STEP_PORO;
  if (pre == PRE_SUPERBPE) return pass == 0 ? STEP_NUMBERS : STEP_DIGIT_GROUPS;
  if (pre == PRE_SEED_CODER) return STEP_SEED_CODER;
  if (pre == PRE_VIKING) return pass == 0 ? STEP_PORO : STEP_NUMBER;
  if (pre == PRE_DEEPSEEK_LLM) {
    return pass == 0 ? STEP_LINE_BREAK : pass == 1 ? STEP_CASED_LETTERS : pass == 2 ? STEP_DEEPSEEK_PUNCT : pass == 3 ? STEP_TRAILING_SPACE : pass == 4 ? STEP_CJK : STEP_NUMBERS;
  }
  if (pre == PRE_DEEPSEEK_V3) return pass == 0 ? STEP_NUMBERS3 : pass == 1 ? STEP_HAN_KANA : STEP_DEEPSEEK_V3;
  if (pre == PRE_CHAMELEON) {
    return pass == 0 ? STEP_SENTINEL : pass == 1 ? STEP_IMAGE : pass == 2 ? STEP_TAB_SPACES : pass == 3 ? STEP_NUMBER : pass == 4 ? STEP_ONE_PUNCT : STEP_GPT2;
  }
  if (pre == PRE_MINICPM5) return pass == 0 ? STEP_NUMBERS3 : STEP_LLAMA3_NUMBERS;
  if (pre == PRE_LAGUNA) return pass == 0 ? STEP_LINES : STEP_QWEN2;
  if (pre == PRE_TINY_AYA) return pass == 0 ? STEP_DIGITS_FROM_END : STEP_TINY_AYA;
  if (pre == PRE_YOUTU) return pass == 0 ? STEP_YOUTU_SCRIPTS : STEP_YOUTU;
  if (pre == PRE_EXAONE_MOE) return STEP_EXAONE_MOE;
  if (pre == PRE_JAIS2) return STEP_JAIS2;
  if (pre == PRE_AFMOE) return pass == 0 ? STEP_DIGITS_FROM_END : pass == 1 ? STEP_AFMOE_SCRIPTS : STEP_DEEPSEEK_V3;
  if (pre == PRE_GPT4O) return STEP_GPT4O;
  if (pre == PRE_TEKKEN) return STEP_TEKKEN;
  if (pre == PRE_KIMI_K2) return STEP_KIMI_K2;
  if (pre == PRE_QWEN35) return STEP_QWEN35;
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

/** Where the run of digits (\p{N}) from pos ends. */
function digitsEnd(cps: usize, pos: i32, end: i32): i32 {
  while (pos < end && (classOf(cpAt(cps, pos)) & NUMBER) != 0) pos++;
  return pos;
}

/** A run of `digits` digits as \p{N}{1,maxDigits} cuts it: groups of maxDigits, then the rest. */
function emitDigitGroups(out: usize, count: i32, digits: i32, maxDigits: i32): i32 {
  for (; digits > maxDigits; digits -= maxDigits) count = emit(out, count, maxDigits);
  return emit(out, count, digits);
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

// Variants of the llama3 regex (flags of splitLlama3).
const LLAMA3_PUNCT_NEWLINES = 1; // a punctuation run takes the line breaks after it ([\r\n]*)
const LLAMA3_MARKS = 2; // qwen35: combining marks count as letters ([\p{L}\p{M}]+)
const LLAMA3_HAN = 4; // kimi-k2: Han runs are words of their own, other letters make the words
const LLAMA3_CASCADE = 8; // jais-2: \s{512}(?!\S)|\s{256}(?!\S)|…|\s{4}(?!\S)|\s{1,2}(?!\S)|\s{1} instead of \s+(?!\S)|\s+

/**
 * The llama3 regex over [begin, end), with numbers in groups of up to maxDigits (qwen2: 1),
 * and the variants `flags` names (without LLAMA3_PUNCT_NEWLINES, seed-coder's).
 */
function splitLlama3(cps: usize, begin: i32, end: i32, maxDigits: i32, flags: i32, out: usize, count: i32): i32 {
  const word: u32 = (flags & LLAMA3_MARKS) != 0 ? LETTER | MARK : LETTER;
  const han = (flags & LLAMA3_HAN) != 0;
  let last = begin, pos = begin;
  while (pos < end) {
    const c = cpAt(cps, pos);
    const cls = classOf(c);
    const contraction = han ? 0 : contractionLength(cps, pos, end, true);
    if (contraction > 0) {
      pos += contraction;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // kimi-k2: [\p{Han}]+
    if (han && isHan(c)) {
      while (pos < end && isHan(cpAt(cps, pos))) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // [^\r\n\p{L}\p{N}]?\p{L}+ (kimi-k2: letters other than Han, then an optional contraction)
    if (c != 0x0d && c != 0x0a && (cls & NUMBER) == 0 && (isWordAt(cps, pos, end, word, han) || ((cls & LETTER) == 0 && isWordAt(cps, pos + 1, end, word, han)))) {
      pos++;
      while (isWordAt(cps, pos, end, word, han)) pos++;
      if (han && pos < end) pos += contractionLength(cps, pos, end, true);
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // \p{N}{1,maxDigits}
    if ((cls & NUMBER) != 0) {
      pos = digitsEnd(cps, pos, end);
      count = emitDigitGroups(out, count, pos - last, maxDigits); last = pos;
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n]*"; as in llama.cpp, a lone space at the chunk's end also lands here
    const stop: u32 = SPACE | word | LETTER | NUMBER;
    const next = c == 0x20 ? classAt(cps, pos + 1, end) : cls;
    if ((next & stop) == 0) {
      if (c == 0x20) pos++;
      while (pos < end && (classOf(cpAt(cps, pos)) & stop) == 0) pos++;
      while ((flags & LLAMA3_PUNCT_NEWLINES) != 0 && pos < end && (cpAt(cps, pos) == 0x0d || cpAt(cps, pos) == 0x0a)) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    pos = (flags & LLAMA3_CASCADE) != 0 ? cascadeSpaces(cps, pos, end) : lineBreaksOrSpaces(cps, pos, end);
    count = emit(out, count, pos - last); last = pos;
  }
  return count;
}

/**
 * jais-2's spaces at pos: \s*[\r\n]+ as in llama3, else the longest of 512, 256, …, 4, 2 and 1
 * spaces after which no non-space follows, else one space; returns where the match ends.
 */
function cascadeSpaces(cps: usize, pos: i32, end: i32): i32 {
  let run = 0, afterBreak = -1;
  while (pos + run < end && (classOf(cpAt(cps, pos + run)) & SPACE) != 0) {
    const s = cpAt(cps, pos + run);
    run++;
    if (s == 0x0d || s == 0x0a) afterBreak = pos + run;
  }
  if (afterBreak >= 0) return afterBreak;
  const toEnd = pos + run == end;
  for (let k = 512; k >= 1; k >>= 1) {
    if (k < run || (k == run && toEnd)) return pos + k;
  }
  return pos + 1;
}

/** Whether the code point at i (inside the chunk) belongs to a word: a letter (or mark), and not Han when `han`. */
@inline function isWordAt(cps: usize, i: i32, end: i32, word: u32, han: bool): bool {
  return i < end && (classOf(cpAt(cps, i)) & word) != 0 && !(han && isHan(cpAt(cps, i)));
}

/** \s*[\r\n]+ (the spaces up to the last line break of the run), else \s+(?!\S)|\s+, at pos; returns where the match ends. */
function lineBreaksOrSpaces(cps: usize, pos: i32, end: i32): i32 {
  let run = 0, afterBreak = -1;
  while (pos + run < end && (classOf(cpAt(cps, pos + run)) & SPACE) != 0) {
    const s = cpAt(cps, pos + run);
    run++;
    if (s == 0x0d || s == 0x0a) afterBreak = pos + run;
  }
  return afterBreak >= 0 ? afterBreak : spaces(cps, pos, end);
}

/** llama.cpp's Han ranges for kimi-k2: the CJK unified ideographs, extensions A to F, compatibility ideographs. */
function isHan(c: u32): bool {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x20000 && c <= 0x2a6df) ||
    (c >= 0x2a700 && c <= 0x2ebef) || (c >= 0xf900 && c <= 0xfaff) || (c >= 0x2f800 && c <= 0x2fa1f);
}

// gpt-4o's and tekken's letter classes, as llama.cpp's regex sees them: an ASCII letter is
// upper or lower case, every other letter is both.
@inline function isUpper(c: u32, cls: u32): bool {
  return (cls & LETTER) != 0 && (c < 0x61 || c > 0x7a);
}
@inline function isLower(c: u32, cls: u32): bool {
  return (cls & LETTER) != 0 && (c < 0x41 || c > 0x5a);
}

/**
 * gpt-4o's regex over [begin, end) (tekken's without contractions, numbers of maxDigits):
 *   [^\r\n\p{L}\p{N}]?\p{Lu}*\p{Ll}+(contraction)? | [^\r\n\p{L}\p{N}]?\p{Lu}+\p{Ll}*(contraction)? |
 *   \p{N}{1,3} | ?[^\s\p{L}\p{N}]+[\r\n/]* | \s*[\r\n]+ | \s+(?!\S) | \s+
 * with upper and lower case as isUpper and isLower say. `caseless` (tiny_aya): its classes are
 * [\p{Lu}\p{Lt}\p{Lm}\p{Lo}\p{M}] and [\p{Ll}\p{Lm}\p{Lo}\p{M}], which llama.cpp reads as letters
 * or marks both, so a word is any run of letters and marks.
 */
function splitCased(cps: usize, begin: i32, end: i32, maxDigits: i32, contractions: bool, caseless: bool, out: usize, count: i32): i32 {
  const word: u32 = caseless ? LETTER | MARK : LETTER;
  let last = begin, pos = begin;
  while (pos < end) {
    const c = cpAt(cps, pos);
    const cls = classOf(c);
    // where the letters start: here, or after one leading character that is no line break, letter or number
    let start = -1;
    if ((cls & word) != 0) start = pos;
    else if (c != 0x0d && c != 0x0a && (cls & (LETTER | NUMBER)) == 0 && (classAt(cps, pos + 1, end) & word) != 0) start = pos + 1;
    if (start >= 0 && caseless) {
      pos = start;
      while (pos < end && (classOf(cpAt(cps, pos)) & word) != 0) pos++;
    } else if (start >= 0) {
      let upperEnd = start;
      while (upperEnd < end && isUpper(cpAt(cps, upperEnd), classOf(cpAt(cps, upperEnd)))) upperEnd++;
      if (upperEnd < end && isLower(cpAt(cps, upperEnd), classOf(cpAt(cps, upperEnd)))) {
        // upper* then lower+: the lower-case run
        pos = upperEnd;
        while (pos < end && isLower(cpAt(cps, pos), classOf(cpAt(cps, pos)))) pos++;
      } else {
        // no lower case after the upper run: back off to its last letter that is both cases, else take the run
        let k = upperEnd - 1;
        while (k >= start && cpAt(cps, k) < 0x80) k--;
        pos = k >= start ? k + 1 : upperEnd;
      }
    }
    if (start >= 0) {
      if (contractions && pos < end) pos += contractionLength(cps, pos, end, true);
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // \p{N}{1,maxDigits}
    if ((cls & NUMBER) != 0) {
      pos = digitsEnd(cps, pos, end);
      count = emitDigitGroups(out, count, pos - last, maxDigits); last = pos;
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n/]*"
    const next = c == 0x20 ? classAt(cps, pos + 1, end) : cls;
    if ((next & (SPACE | LETTER | NUMBER | OUTSIDE)) == 0) {
      if (c == 0x20) pos++;
      while (pos < end && runOf(classOf(cpAt(cps, pos))) == OTHER) pos++;
      while (pos < end && (cpAt(cps, pos) == 0x0d || cpAt(cps, pos) == 0x0a || cpAt(cps, pos) == 0x2f)) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    pos = lineBreaksOrSpaces(cps, pos, end);
    count = emit(out, count, pos - last); last = pos;
  }
  return count;
}

/**
 * exaone-moe's regex over [begin, end):
 *   (contraction) | [^\r\n\p{L}\p{N}]?(?:\p{L}\p{M}*(?: \p{L}\p{M}*)*)+ | \p{N} | ?[^\s\p{L}\p{N}]+[\r\n/]? |
 *   \s*[\r\n] | \s+(?!\S) | \s+
 * so "New York" is one word, "New  York" two.
 */
function splitExaoneMoe(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
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
    let start = -1;
    if ((cls & LETTER) != 0) start = pos;
    else if (c != 0x0d && c != 0x0a && (cls & NUMBER) == 0 && (classAt(cps, pos + 1, end) & LETTER) != 0) start = pos + 1;
    if (start >= 0) {
      pos = start + 1;
      while (pos < end) {
        const k = classOf(cpAt(cps, pos));
        if ((k & (LETTER | MARK)) != 0) pos++;
        else if (cpAt(cps, pos) == 0x20 && (classAt(cps, pos + 1, end) & LETTER) != 0) pos += 2;
        else break;
      }
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    if ((cls & NUMBER) != 0) {
      pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // " ?[^\s\p{L}\p{N}]+[\r\n/]?"
    const next = c == 0x20 ? classAt(cps, pos + 1, end) : cls;
    if ((next & (SPACE | LETTER | NUMBER | OUTSIDE)) == 0) {
      if (c == 0x20) pos++;
      while (pos < end && runOf(classOf(cpAt(cps, pos))) == OTHER) pos++;
      if (pos < end && (cpAt(cps, pos) == 0x0d || cpAt(cps, pos) == 0x0a || cpAt(cps, pos) == 0x2f)) pos++;
      count = emit(out, count, pos - last); last = pos;
      continue;
    }
    // \s*[\r\n] reaches the run's last line break as \s*[\r\n]+ does
    pos = lineBreaksOrSpaces(cps, pos, end);
    count = emit(out, count, pos - last); last = pos;
  }
  return count;
}

/** ASCII punctuation and symbols: the printable characters that are neither letters, digits nor space. */
@inline function asciiPunct(c: u32): bool {
  return c > 0x20 && c < 0x7f && !asciiDigit(c) && ((c | 0x20) < 0x61 || (c | 0x20) > 0x7a);
}

/**
 * DeepSeek-V3's word regex over [begin, end):
 *   [ASCII punctuation][A-Za-z]+ | [^\r\n\p{L}\p{P}\p{S}]?[\p{L}\p{M}]+ | ?[\p{P}\p{S}]+[\r\n]* |
 *   \s*[\r\n]+ | \s+(?!\S) | \s+
 * Text no alternative matches (numbers, format characters) is left between the matches.
 */
function splitDeepseekV3(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  const word: u32 = LETTER | MARK;
  const punct: u32 = PUNCTUATION | SYMBOL;
  let last = begin, pos = begin;
  while (pos < end) {
    const c = cpAt(cps, pos);
    const cls = classOf(c);
    let match = pos;
    if (asciiPunct(c) && pos + 1 < end && isAsciiLetter(cpAt(cps, pos + 1))) {
      match = pos + 1;
      while (match < end && isAsciiLetter(cpAt(cps, match))) match++;
    } else if ((cls & word) != 0 || (c != 0x0d && c != 0x0a && (cls & (LETTER | punct)) == 0 && (classAt(cps, pos + 1, end) & word) != 0)) {
      match = pos + 1;
      while (match < end && (classOf(cpAt(cps, match)) & word) != 0) match++;
    } else if ((cls & punct) != 0 || (c == 0x20 && (classAt(cps, pos + 1, end) & punct) != 0)) {
      match = c == 0x20 ? pos + 1 : pos;
      while (match < end && (classOf(cpAt(cps, match)) & punct) != 0) match++;
      while (match < end && (cpAt(cps, match) == 0x0d || cpAt(cps, match) == 0x0a)) match++;
    } else if ((cls & SPACE) != 0) {
      match = lineBreaksOrSpaces(cps, pos, end);
    }
    if (match == pos) { pos++; continue; }
    count = emit(out, count, pos - last);
    count = emit(out, count, match - pos);
    pos = match;
    last = pos;
  }
  return emit(out, count, pos - last);
}

@inline function isAsciiLetter(c: u32): bool {
  return (c | 0x20) >= 0x61 && (c | 0x20) <= 0x7a;
}

/**
 * \d{1,3}(?=(?:\d{3})*\b) as llama.cpp's afmoe splitter does it over [begin, end): each run of
 * numbers is cut into threes from its end, and the text before a run joins the run's first group.
 */
function splitDigitsFromEnd(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  let last = begin, pos = begin;
  while (pos < end) {
    if ((classOf(cpAt(cps, pos)) & NUMBER) == 0) { pos++; continue; }
    let runEnd = pos;
    while (runEnd < end && (classOf(cpAt(cps, runEnd)) & NUMBER) != 0) runEnd++;
    let cut = pos + (runEnd - pos) % 3;
    if (cut == pos) cut += 3;
    while (cut <= runEnd) {
      count = emit(out, count, cut - last); last = cut;
      cut += 3;
    }
    pos = runEnd;
  }
  return emit(out, count, end - last);
}

/** [^\n]+|[\n]+ over [begin, end): runs of line feeds and runs of anything else. */
function splitLines(cps: usize, begin: i32, end: i32, out: usize, count: i32): i32 {
  let pos = begin;
  while (pos < end) {
    const start = pos;
    const feed = cpAt(cps, pos) == 0x0a;
    while (pos < end && (cpAt(cps, pos) == 0x0a) == feed) pos++;
    count = emit(out, count, pos - start);
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
    } else if (step == STEP_NUMBERS3) {
      while (match < 3 && pos + match < end && (classOf(cpAt(cps, pos + match)) & NUMBER) != 0) match++;
    } else if (step == STEP_CASED_LETTERS || step == STEP_DEEPSEEK_PUNCT) {
      // \s? then a run of the set: the space is taken only when the run follows it
      const letters = step == STEP_CASED_LETTERS;
      const skip = (classOf(cpAt(cps, pos)) & SPACE) != 0 && pos + 1 < end && inDeepseekSet(letters, cpAt(cps, pos + 1)) ? 1 : 0;
      while (pos + skip + match < end && inDeepseekSet(letters, cpAt(cps, pos + skip + match))) match++;
      if (match > 0) match += skip;
    } else if (step == STEP_TRAILING_SPACE) {
      // the run of spaces that reaches the chunk's end
      if ((classOf(cpAt(cps, pos)) & SPACE) != 0) {
        let p = pos;
        while (p < end && (classOf(cpAt(cps, p)) & SPACE) != 0) p++;
        if (p == end) match = end - pos;
      }
    } else if (step == STEP_HAN_KANA) {
      while (pos + match < end && isHanKana(cpAt(cps, pos + match))) match++;
    } else if (step == STEP_YOUTU_SCRIPTS) {
      const kind = youtuScript(cpAt(cps, pos));
      while (kind != 0 && pos + match < end && youtuScript(cpAt(cps, pos + match)) == kind) match++;
    } else if (step == STEP_AFMOE_SCRIPTS) {
      while (pos + match < end && isAfmoeScript(cpAt(cps, pos + match))) match++;
    } else if (step == STEP_SENTINEL) {
      match = sentinelLength(cps, pos, end);
    } else if (step == STEP_IMAGE) {
      match = imageTokenLength(cps, pos, end);
    } else if (step == STEP_TAB_SPACES) {
      const c = cpAt(cps, pos);
      if (c == 0x09 || c == 0x0a) match = 1;
      else if (c == 0x20 && pos + 1 < end && cpAt(cps, pos + 1) == 0x20) {
        match = pos + 3 < end && cpAt(cps, pos + 2) == 0x20 && cpAt(cps, pos + 3) == 0x20 ? 4 : 2;
      }
    } else if (step == STEP_ONE_PUNCT) {
      const c = cpAt(cps, pos);
      if (c < 0x80 ? asciiPunct(c) : (classOf(c) & PUNCTUATION) != 0) match = 1;
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
  return asciiPunct(c) && (c != 0x60 || step == STEP_PUNCT_TICK);
}

/**
 * deepseek's [一-龥ࠀ-一가-퟿]: U+4E00..U+9FA5, U+0800..U+4E00, U+AC00..U+D7FF. llama.cpp matches
 * this regex on text whose non-ASCII spaces it has replaced by U+000B, so U+3000 and the
 * other spaces in these ranges do not match.
 */
@inline function isCjk(c: u32): bool {
  return ((c >= 0x0800 && c <= 0x9fa5) || (c >= 0xac00 && c <= 0xd7ff)) && (classOf(c) & SPACE) == 0;
}

/** deepseek-v3's [一-龥぀-ゟ゠-ヿ]: U+4E00..U+9FA5, U+3040..U+30FF. */
@inline function isHanKana(c: u32): bool {
  return (c >= 0x4e00 && c <= 0x9fa5) || (c >= 0x3040 && c <= 0x30ff);
}

/** Which of youtu's four runs c belongs to: 1 Hangul, 2 CJK punctuation, 3 Bopomofo, 4 Han and kana; 0 none. */
function youtuScript(c: u32): i32 {
  if ((c >= 0xac00 && c <= 0xd7a3) || (c >= 0x3131 && c <= 0x318e)) return 1;
  if (c == 0xff01 || c == 0x2026 || c == 0x201c || c == 0x201d || c == 0x2018 || c == 0x2019 || c == 0x2014 || c == 0xff1a || c == 0xff1b ||
    c == 0xff0c || (c >= 0x3001 && c <= 0x303f) || (c >= 0xfe30 && c <= 0xfe4f)) return 2;
  if (c >= 0x3105 && c <= 0x312f) return 3;
  return isHanKana(c) ? 4 : 0;
}

/**
 * afmoe's scripts as llama.cpp's source spells them; its "豈-﫿" is U+8C48..U+FAFF there (the
 * compatibility ideograph normalized), which also takes in Hangul syllables and private use.
 */
function isAfmoeScript(c: u32): bool {
  return (c >= 0x4e00 && c <= 0x9fff) || (c >= 0x3400 && c <= 0x4dbf) || (c >= 0x8c48 && c <= 0xfaff) || (c >= 0x3040 && c <= 0x30ff) ||
    (c >= 0xff65 && c <= 0xff9f) || (c >= 0x2f00 && c <= 0x2fdf) || (c >= 0x0e40 && c <= 0x0eff) || (c >= 0x1780 && c <= 0x17ff) ||
    (c >= 0x1000 && c <= 0x109f) || (c >= 0xaa60 && c <= 0xaa7f) || (c >= 0xa9e0 && c <= 0xa9ff) || (c >= 0xac00 && c <= 0xd7af) ||
    (c >= 0x1100 && c <= 0x11ff);
}

// deepseek-llm's letters: the ranges its regex lists, [A-Za-zµÀ-ÖØ-öø-ƺ…] (first, last).
const CASED_LETTERS: usize = memory.data<u32>([
  0x0041, 0x005a, 0x0061, 0x007a, 0x00b5, 0x00b5, 0x00c0, 0x00d6, 0x00d8, 0x00f6, 0x00f8, 0x01ba,
  0x01bc, 0x01bf, 0x01c4, 0x0293, 0x0295, 0x02af, 0x0370, 0x0373, 0x0376, 0x0376, 0x0377, 0x0377,
  0x037b, 0x037d, 0x037f, 0x037f, 0x0386, 0x0386, 0x0388, 0x038a, 0x038c, 0x038c, 0x038e, 0x03a1,
  0x03a3, 0x03f5, 0x03f7, 0x0481, 0x048a, 0x052f, 0x0531, 0x0556, 0x10a0, 0x10c5, 0x13a0, 0x13f5,
  0x13f8, 0x13fd, 0x1c90, 0x1cba, 0x1cbd, 0x1cbf, 0x1d00, 0x1d2b, 0x1d6b, 0x1d77, 0x1d79, 0x1d9a,
  0x1e00, 0x1f15, 0x1f18, 0x1f1d, 0x1f20, 0x1f45, 0x1f48, 0x1f4d, 0x1f50, 0x1f57, 0x1f59, 0x1f59,
  0x1f5b, 0x1f5b, 0x1f5d, 0x1f5d, 0x1f5f, 0x1f7d, 0x1f80, 0x1fb4, 0x1fb6, 0x1fbc, 0x1fbe, 0x1fbe,
  0x1fc2, 0x1fc4, 0x1fc6, 0x1fcc, 0x1fd0, 0x1fd3, 0x1fd6, 0x1fdb, 0x1fe0, 0x1fec, 0x1ff2, 0x1ff4,
  0x1ff6, 0x1ffc, 0x2102, 0x2102, 0x2107, 0x2107, 0x210a, 0x2113, 0x2115, 0x2115, 0x2119, 0x211d,
  0x2124, 0x2124, 0x2126, 0x2126, 0x2128, 0x2128, 0x212a, 0x212d, 0x212f, 0x2134, 0x2139, 0x2139,
  0x213c, 0x213f, 0x2145, 0x2149, 0x214e, 0x214e, 0x2183, 0x2183, 0x2184, 0x2184, 0x2c00, 0x2c7b,
  0x2c7e, 0x2ce4, 0x2ceb, 0x2cee, 0x2cf2, 0x2cf2, 0x2cf3, 0x2cf3, 0xa640, 0xa66d, 0xa680, 0xa69b,
  0xa722, 0xa76f, 0xa771, 0xa787, 0xa78b, 0xa78e, 0xab70, 0xabbf, 0xfb00, 0xfb06, 0xfb13, 0xfb17,
  0xff21, 0xff3a, 0xff41, 0xff5a, 0x10400, 0x1044f, 0x104b0, 0x104d3, 0x104d8, 0x104fb, 0x10c80, 0x10cb2,
  0x10cc0, 0x10cf2, 0x118a0, 0x118df, 0x1e900, 0x1e943,
]);
const CASED_LETTER_RANGES = 87;

/**
 * deepseek-llm's sets: its letters, or its punctuation [!-/:-~！-／：-～‘-‟　-。] (U+3000 is a
 * space, which llama.cpp replaced before matching; \s takes it instead).
 */
function inDeepseekSet(letters: bool, c: u32): bool {
  if (!letters) {
    return (c >= 0x21 && c <= 0x2f) || (c >= 0x3a && c <= 0x7e) || (c >= 0xff01 && c <= 0xff0f) || (c >= 0xff1a && c <= 0xff5e) ||
      (c >= 0x2018 && c <= 0x201f) || c == 0x3001 || c == 0x3002;
  }
  for (let i = 0; i < CASED_LETTER_RANGES; i++) {
    if (c < load<u32>(CASED_LETTERS + (<usize>i << 3))) return false;
    if (c <= load<u32>(CASED_LETTERS + (<usize>i << 3), 4)) return true;
  }
  return false;
}

/** Length of chameleon's <sentinel:[0-9]+> at pos, or 0. */
function sentinelLength(cps: usize, pos: i32, end: i32): i32 {
  const prefix = "<sentinel:";
  if (pos + prefix.length + 2 > end) return 0;
  for (let i = 0; i < prefix.length; i++) if (cpAt(cps, pos + i) != <u32>prefix.charCodeAt(i)) return 0;
  let p = pos + prefix.length;
  while (p < end && asciiDigit(cpAt(cps, p))) p++;
  return p > pos + prefix.length && p < end && cpAt(cps, p) == 0x3e ? p + 1 - pos : 0;
}

/** Length of chameleon's image token IMGIMG[A-I]{1,4}Z at pos, or 0. */
function imageTokenLength(cps: usize, pos: i32, end: i32): i32 {
  const prefix = "IMGIMG";
  if (pos + prefix.length + 2 > end) return 0;
  for (let i = 0; i < prefix.length; i++) if (cpAt(cps, pos + i) != <u32>prefix.charCodeAt(i)) return 0;
  let p = pos + prefix.length;
  while (p < end && p - pos - prefix.length < 4 && cpAt(cps, p) >= 0x41 && cpAt(cps, p) <= 0x49) p++;
  return p > pos + prefix.length && p < end && cpAt(cps, p) == 0x5a ? p + 1 - pos : 0;
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
