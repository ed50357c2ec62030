// The tokenizer stored in a GGUF file's metadata (tokenizer.ggml.*), read as llama.cpp
// reads it: SentencePiece ("llama") or byte-level BPE ("gpt2") vocabularies, their
// special tokens and flags, and every token's decoded bytes, made once at load.
import { GgufFile, T_ARRAY, T_STRING, T_F32, T_I32, metaBool, metaString, metaU32 } from "../model/gguf";
import { arenaAlloc } from "../runtime/memory";
import { fail } from "../runtime/status";
import {
  Tokenizer, KIND_SPM, KIND_BPE, NO_TOKEN, indexPieces, indexMerges, lookup, pieceOf, lengthOf, attrOf,
  ATTR_UNKNOWN, ATTR_UNUSED, ATTR_NORMAL, ATTR_CONTROL, ATTR_USER_DEFINED, ATTR_BYTE,
} from "./vocab";
import { markSpecialTokens, fimKey, FIM_ROLES } from "./special-tokens";
import {
  PRE_GPT2, PRE_DEFAULT, PRE_FALCON, PRE_STARCODER, PRE_LLAMA3, PRE_QWEN2, PRE_DEEPSEEK_CODER, PRE_PORO, PRE_VIKING, PRE_SUPERBPE, PRE_SEED_CODER,
  PRE_DEEPSEEK_LLM, PRE_DEEPSEEK_V3, PRE_GPT4O, PRE_TEKKEN, PRE_CHAMELEON, PRE_KIMI_K2, PRE_QWEN35, PRE_MINICPM5, PRE_LAGUNA, PRE_TINY_AYA, PRE_YOUTU, PRE_AFMOE, PRE_EXAONE_MOE, PRE_JAIS2,
} from "./pretokenize";
import { charByte, utf8Length } from "./unicode";

// Largest vocabulary and merge list accepted: far beyond real ones, and merge ranks stay exact as f32.
const MAX_TOKENS: u64 = 1 << 24;

/** The tokenizer of a parsed GGUF file, or null with the reason recorded. */
export function loadGgufTokenizer(g: GgufFile, path: string): Tokenizer | null {
  const model = metaString(g, "tokenizer.ggml.model");
  if (model == null) {
    fail("'" + path + "' has no tokenizer (no tokenizer.ggml.model)");
    return null;
  }
  const t = new Tokenizer();
  if (model == "llama") {
    t.kind = KIND_SPM;
    t.bos = 1; t.eos = 2; t.unk = 0;
    t.addBos = true; t.addEos = false; t.addSpacePrefix = true;
  } else if (model == "gpt2") {
    t.kind = KIND_BPE;
    t.bos = 11; t.eos = 11; t.unk = NO_TOKEN;
    t.addBos = false; t.addEos = false; t.addSpacePrefix = false;
    // a missing or empty name means "default", as in llama.cpp
    const pre = metaString(g, "tokenizer.ggml.pre");
    if (!choosePreTokenizer(t, pre != null && pre.length > 0 ? pre : "default", path)) return null;
  } else {
    fail("tokenizer '" + model + "' of '" + path + "' is not supported (supported: llama, gpt2)");
    return null;
  }
  t.addSpacePrefix = metaBool(g, "tokenizer.ggml.add_space_prefix", t.addSpacePrefix);
  if (!readTokens(t, g, path)) return null;
  if (!indexPieces(t, true, path)) return null;
  if (t.kind == KIND_SPM) {
    if (!spmByteTokens(t)) return null;
  } else if (!readMerges(t, g, path)) return null;

  // Special ids: defaults outside the vocabulary are dropped; ids from the file outside it are ignored.
  if (t.bos >= t.vocabSize) t.bos = NO_TOKEN;
  if (t.eos >= t.vocabSize) t.eos = NO_TOKEN;
  if (t.unk >= t.vocabSize) t.unk = NO_TOKEN;
  t.bos = specialId(g, "tokenizer.ggml.bos_token_id", t.bos, t.vocabSize);
  t.eos = specialId(g, "tokenizer.ggml.eos_token_id", t.eos, t.vocabSize);
  t.eot = specialId(g, "tokenizer.ggml.eot_token_id", NO_TOKEN, t.vocabSize);
  const eom = specialId(g, "tokenizer.ggml.eom_token_id", NO_TOKEN, t.vocabSize);
  t.unk = specialId(g, "tokenizer.ggml.unknown_token_id", t.unk, t.vocabSize);
  const fim = new StaticArray<i32>(FIM_ROLES);
  for (let role = 0; role < FIM_ROLES; role++) fim[role] = specialId(g, fimKey(role), NO_TOKEN, t.vocabSize);
  // the deprecated names come later and win, as in llama.cpp
  fim[0] = specialId(g, "tokenizer.ggml.prefix_token_id", fim[0], t.vocabSize);
  fim[1] = specialId(g, "tokenizer.ggml.suffix_token_id", fim[1], t.vocabSize);
  fim[2] = specialId(g, "tokenizer.ggml.middle_token_id", fim[2], t.vocabSize);
  t.addBos = metaBool(g, "tokenizer.ggml.add_bos_token", t.addBos);
  t.addEos = metaBool(g, "tokenizer.ggml.add_eos_token", t.addEos);
  if (t.addBos && t.bos < 0) return nullFail("'" + path + "' is invalid: tokenizer.ggml.add_bos_token is true, but there is no BOS token");
  if (t.addEos && t.eos < 0) return nullFail("'" + path + "' is invalid: tokenizer.ggml.add_eos_token is true, but there is no EOS token");

  const name = metaString(g, "general.name");
  const lowerName = name != null ? name.toLowerCase() : "";
  const phi3 = lowerName.includes("phi-3") || lowerName.includes("phi3");
  if (!markSpecialTokens(t, eom, fim, phi3)) return null;
  return buildDecodedText(t) ? t : null;
}

function nullFail(message: string): Tokenizer | null {
  fail(message);
  return null;
}

/** The pre-tokenizer named by tokenizer.ggml.pre, with the flags llama.cpp ties to the name. */
function choosePreTokenizer(t: Tokenizer, pre: string, path: string): bool {
  if (pre == "default") t.pre = PRE_DEFAULT;
  else if (pre == "llama3" || pre == "llama-v3" || pre == "llama-bpe" || pre == "falcon3" || pre == "falcon-h1" || pre == "pixtral" ||
    pre == "midm-2.0" || pre == "lfm2" || pre == "jina-v5-nano") {
    t.pre = PRE_LLAMA3;
    t.ignoreMerges = true;
    t.addBos = true;
  } else if (pre == "dbrx" || pre == "smaug-bpe" || pre == "chatglm-bpe" || pre == "glm4") t.pre = PRE_LLAMA3;
  else if (pre == "deepseek-coder") t.pre = PRE_DEEPSEEK_CODER;
  else if (pre == "poro-chat" || pre == "bloom" || pre == "gpt3-finnish") t.pre = PRE_PORO;
  else if (pre == "viking") t.pre = PRE_VIKING;
  else if (pre == "superbpe") t.pre = PRE_SUPERBPE;
  else if (pre == "seed-coder") t.pre = PRE_SEED_CODER;
  else if (pre == "falcon") t.pre = PRE_FALCON;
  else if (pre == "deepseek-llm") t.pre = PRE_DEEPSEEK_LLM;
  else if (pre == "deepseek-v3" || pre == "hunyuan-dense" || pre == "joyai-llm") t.pre = PRE_DEEPSEEK_V3;
  else if (pre == "gpt-4o" || pre == "llama4" || pre == "kanana2" || pre == "talkie" || pre == "minimax-m2") t.pre = PRE_GPT4O;
  else if (pre == "tekken") {
    t.pre = PRE_TEKKEN;
    t.ignoreMerges = true;
    t.addBos = true;
  } else if (pre == "chameleon") {
    t.pre = PRE_CHAMELEON;
    t.addBos = true;
  } else if (pre == "kimi-k2") t.pre = PRE_KIMI_K2;
  else if (pre == "qwen35") t.pre = PRE_QWEN35;
  else if (pre == "minicpm5") {
    t.pre = PRE_MINICPM5;
    t.ignoreMerges = true;
  } else if (pre == "laguna") t.pre = PRE_LAGUNA;
  else if (pre == "tiny_aya" || pre == "cohere2moe") t.pre = PRE_TINY_AYA;
  else if (pre == "youtu") {
    t.pre = PRE_YOUTU;
    t.ignoreMerges = true;
  } else if (pre == "afmoe") t.pre = PRE_AFMOE;
  else if (pre == "exaone-moe") t.pre = PRE_EXAONE_MOE;
  else if (pre == "jais-2") t.pre = PRE_JAIS2;
  else if (pre == "gpt-2" || pre == "phi-2" || pre == "mpt" || pre == "olmo" || pre == "jais" || pre == "jina-es" || pre == "jina-de" ||
    pre == "gigachat" || pre == "jina-v2-es" || pre == "jina-v2-de" || pre == "a.x-4.0" || pre == "mellum" || pre == "exaone4" ||
    pre == "trillion" || pre == "granite-docling" || pre == "modern-bert") t.pre = PRE_GPT2;
  else if (pre == "starcoder" || pre == "refact" || pre == "command-r" || pre == "smollm" || pre == "codeshell" || pre == "exaone" ||
    pre == "minerva-7b" || pre == "mellum2") t.pre = PRE_STARCODER;
  else if (pre == "qwen2" || pre == "deepseek-r1-qwen" || pre == "kormo" || pre == "f2llmv2" || pre == "megrez" || pre == "stablelm2" ||
    pre == "hunyuan" || pre == "solar-open" || pre == "grok-2" || pre == "bailingmoe" || pre == "bailingmoe2" || pre == "llada-moe") t.pre = PRE_QWEN2;
  else return fail("pre-tokenizer '" + pre + "' (tokenizer.ggml.pre) of '" + path + "' is not supported " +
    "(supported: default, gpt-2, mpt, falcon, llama3/llama-bpe, qwen2, qwen35, smollm/starcoder, deepseek-llm, deepseek-coder, deepseek-v3, " +
    "gpt-4o, tekken, chameleon, kimi-k2, tiny_aya, youtu, afmoe, exaone-moe, jais-2, minicpm5, laguna, poro-chat, viking, superbpe, seed-coder and the names llama.cpp treats as these)");
  return true;
}

/** tokenizer.ggml.tokens (pieces in place), .scores and .token_type. */
function readTokens(t: Tokenizer, g: GgufFile, path: string): bool {
  const tokens = g.get("tokenizer.ggml.tokens");
  if (tokens == null || tokens.type != T_ARRAY || tokens.arrayType != T_STRING) {
    return fail("'" + path + "' has no usable vocabulary: tokenizer.ggml.tokens is missing or not an array of strings");
  }
  if (tokens.count == 0 || tokens.count > MAX_TOKENS) {
    return fail("'" + path + "' is invalid: tokenizer.ggml.tokens has " + tokens.count.toString() + " tokens");
  }
  const n = <i32>tokens.count;
  if (!perTokenArray(g, "tokenizer.ggml.scores", n, true, path) || !perTokenArray(g, "tokenizer.ggml.token_type", n, false, path)) return false;
  const scores = g.get("tokenizer.ggml.scores"), types = g.get("tokenizer.ggml.token_type");
  t.vocabSize = n;
  if ((t.pieces = arenaAlloc(<u64>n * 4, "the tokenizer")) == 0) return false;
  if ((t.lengths = arenaAlloc(<u64>n * 4, "the tokenizer")) == 0) return false;
  if ((t.scores = arenaAlloc(<u64>n * 4, "the tokenizer")) == 0) return false;
  if ((t.attrs = arenaAlloc(<u64>n * 2, "the tokenizer")) == 0) return false;
  // The reader checked every element of the array against the file's end: walking it stays inside.
  // Empty tokens get names, in the arena: millions of them would overflow the object heap.
  let empty = 0;
  for (let id = 0, p = tokens.value; id < n; id++, p += 8 + <usize>load<u64>(p)) if (load<u64>(p) == 0) empty++;
  let names = empty > 0 ? arenaAlloc(<u64>empty * EMPTY_NAME_BYTES, "the tokenizer") : 0;
  if (empty > 0 && names == 0) return false;
  let p = tokens.value;
  for (let id = 0; id < n; id++) {
    const length = load<u64>(p);
    if (length > <u64>I32.MAX_VALUE) return fail("'" + path + "' is invalid: token " + id.toString() + " is " + length.toString() + " bytes long");
    store<u32>(t.pieces + (<usize>id << 2), <u32>(p + 8));
    store<i32>(t.lengths + (<usize>id << 2), <i32>length);
    p += 8 + <usize>length;
    if (length == 0) {
      store<u32>(t.pieces + (<usize>id << 2), <u32>names);
      const nameLength = writeEmptyName(names, id);
      store<i32>(t.lengths + (<usize>id << 2), nameLength);
      names += <usize>nameLength;
    }
    let score: f32 = 0;
    if (scores != null) {
      score = scores.arrayType == T_F32 ? load<f32>(scores.value + (<usize>id << 2)) : <f32>load<i32>(scores.value + (<usize>id << 2));
    }
    store<f32>(t.scores + (<usize>id << 2), score);
    const type = types != null ? load<i32>(types.value + (<usize>id << 2)) : 1; // no types: all normal
    store<u16>(t.attrs + (<usize>id << 1), attrOfType(type));
  }
  return true;
}

/** "[EMPTY_" + the largest id (below 2^24: 8 digits) + "]". */
const EMPTY_NAME_BYTES: u64 = 16;

/** llama.cpp names an empty token "[EMPTY_<id>]" (so that it stays unique and visible): written at dst, returns its length. */
function writeEmptyName(dst: usize, id: i32): i32 {
  const prefix = "[EMPTY_";
  for (let i = 0; i < prefix.length; i++) store<u8>(dst + i, <u8>prefix.charCodeAt(i));
  let digits = 1;
  for (let v = id; v >= 10; v /= 10) digits++;
  for (let i = digits - 1, v = id; i >= 0; i--, v /= 10) store<u8>(dst + prefix.length + i, <u8>(0x30 + v % 10));
  store<u8>(dst + prefix.length + digits, 0x5d); // ]
  return prefix.length + digits + 1;
}

/** An optional per-token array: absent, or an array of int32 (or float32 when allowed) with an entry per token. */
function perTokenArray(g: GgufFile, key: string, n: i32, allowF32: bool, path: string): bool {
  const v = g.get(key);
  if (v == null) return true;
  if (v.type != T_ARRAY || !(v.arrayType == T_I32 || (allowF32 && v.arrayType == T_F32))) {
    return fail("'" + path + "' is invalid: " + key + " is not an array of " + (allowF32 ? "float32 or int32" : "int32"));
  }
  if (v.count < <u64>n) return fail("'" + path + "' is invalid: " + key + " has " + v.count.toString() + " entries for " + n.toString() + " tokens");
  return true;
}

/** tokenizer.ggml.token_type (NORMAL=1 … BYTE=6) as attribute bits; other values are undefined (0). */
function attrOfType(type: i32): u16 {
  if (type == 1) return ATTR_NORMAL;
  if (type == 2) return ATTR_UNKNOWN;
  if (type == 3) return ATTR_CONTROL;
  if (type == 4) return ATTR_USER_DEFINED;
  if (type == 5) return ATTR_UNUSED;
  if (type == 6) return ATTR_BYTE;
  return 0;
}

const HEX_PIECE = memory.data(6);

/** Byte fallback of SentencePiece: the <0xXX> token of each byte, else the byte's own one-byte token. */
function spmByteTokens(t: Tokenizer): bool {
  if ((t.byteToken = arenaAlloc(256 * 4, "the tokenizer")) == 0) return false;
  const hex = HEX_PIECE;
  const digits = "0123456789ABCDEF";
  for (let b = 0; b < 256; b++) {
    store<u8>(hex, 0x3c); // <0xXX>
    store<u8>(hex, 0x30, 1);
    store<u8>(hex, 0x78, 2);
    store<u8>(hex, <u8>digits.charCodeAt(b >> 4), 3);
    store<u8>(hex, <u8>digits.charCodeAt(b & 15), 4);
    store<u8>(hex, 0x3e, 5);
    let id = lookup(t, hex, 6);
    if (id < 0) {
      store<u8>(hex, <u8>b);
      id = lookup(t, hex, 1);
    }
    store<i32>(t.byteToken + (<usize>b << 2), id);
  }
  return true;
}

/** tokenizer.ggml.merges, in place: "left right" strings whose index is their rank. */
function readMerges(t: Tokenizer, g: GgufFile, path: string): bool {
  const merges = g.get("tokenizer.ggml.merges");
  if (merges == null || merges.type != T_ARRAY || merges.arrayType != T_STRING) {
    return fail("'" + path + "' has no usable BPE merges: tokenizer.ggml.merges is missing or not an array of strings");
  }
  if (merges.count > MAX_TOKENS) return fail("'" + path + "' is invalid: tokenizer.ggml.merges has " + merges.count.toString() + " entries");
  const n = <i32>merges.count;
  t.mergeCount = n;
  if ((t.merges = arenaAlloc(<u64>max(n, 1) * 4, "the tokenizer's merges")) == 0) return false;
  if ((t.mergeLengths = arenaAlloc(<u64>max(n, 1) * 4, "the tokenizer's merges")) == 0) return false;
  let p = merges.value;
  for (let i = 0; i < n; i++) {
    const length = load<u64>(p);
    if (length > <u64>I32.MAX_VALUE) return fail("'" + path + "' is invalid: merge " + i.toString() + " is " + length.toString() + " bytes long");
    store<u32>(t.merges + (<usize>i << 2), <u32>(p + 8));
    store<i32>(t.mergeLengths + (<usize>i << 2), <i32>length);
    p += 8 + <usize>length;
  }
  return indexMerges(t);
}

/** A special token id from the file if it names one inside the vocabulary, else `fallback`. */
function specialId(g: GgufFile, key: string, fallback: i32, vocabSize: i32): i32 {
  const id = metaU32(g, key, -1);
  return id >= 0 && id < <i64>vocabSize ? <i32>id : fallback;
}

/**
 * Every token's bytes as llama.cpp's token_to_piece gives them (special tokens included):
 * control, unknown and user-defined tokens as written; normal ones with ▁ as space
 * (SentencePiece) or GPT-2 characters as bytes (BPE); byte tokens as their byte.
 */
function buildDecodedText(t: Tokenizer): bool {
  if ((t.textStart = arenaAlloc(<u64>(t.vocabSize + 1) * 4, "the tokenizer")) == 0) return false;
  let total: u64 = 0;
  for (let id = 0; id < t.vocabSize; id++) total += <u64>decodeToken(t, id, 0);
  if ((t.text = arenaAlloc(max<u64>(total, 1), "the tokenizer")) == 0) return false;
  let offset: u32 = 0;
  for (let id = 0; id < t.vocabSize; id++) {
    store<u32>(t.textStart + (<usize>id << 2), offset);
    offset += <u32>decodeToken(t, id, t.text + offset);
  }
  store<u32>(t.textStart + (<usize>t.vocabSize << 2), offset);
  return true;
}

/** Write token id's decoded bytes at dst (0: only count them); returns their count. */
function decodeToken(t: Tokenizer, id: i32, dst: usize): i32 {
  const attr = attrOf(t, id), p = pieceOf(t, id), n = lengthOf(t, id);
  if ((attr & (ATTR_CONTROL | ATTR_UNKNOWN | ATTR_USER_DEFINED)) != 0) {
    if (dst != 0) memory.copy(dst, p, n);
    return n;
  }
  if ((attr & ATTR_NORMAL) != 0) return t.kind == KIND_SPM ? unescapeSpaces(p, n, dst) : gpt2Bytes(p, n, dst);
  if ((attr & ATTR_BYTE) != 0) {
    // llama.cpp reads the two characters after "<0x" as hex
    if (dst != 0) store<u8>(dst, <u8>hexValue(p + 3, n - 3));
    return 1;
  }
  return 0; // unused and undefined tokens show nothing
}

/** The piece with each ▁ (E2 96 81) as a space. */
function unescapeSpaces(p: usize, n: i32, dst: usize): i32 {
  let out = 0;
  for (let i = 0; i < n; ) {
    if (i + 2 < n && load<u8>(p + i) == 0xe2 && load<u8>(p + i + 1) == 0x96 && load<u8>(p + i + 2) == 0x81) {
      if (dst != 0) store<u8>(dst + out, 0x20);
      out++;
      i += 3;
    } else {
      if (dst != 0) store<u8>(dst + out, load<u8>(p + i));
      out++;
      i++;
    }
  }
  return out;
}

/**
 * The bytes GPT-2 characters stand for. A character outside the alphabet comes out as
 * llama.cpp writes it: "[UNK_BYTE_0x" + its UTF-8 in hex + the whole piece + "]".
 */
function gpt2Bytes(p: usize, n: i32, dst: usize): i32 {
  let out = 0;
  for (let i = 0; i < n; ) {
    const size = min(utf8Length(load<u8>(p + i)), n - i);
    const b = charByte(codePoint(p + i, size));
    if (b >= 0) {
      if (dst != 0) store<u8>(dst + out, <u8>b);
      out++;
    } else {
      out += put(dst, out, "[UNK_BYTE_0x");
      for (let k = 0; k < size; k++) out += put(dst, out, hex2(load<u8>(p + i + k)));
      if (dst != 0) memory.copy(dst + out, p, n);
      out += n;
      out += put(dst, out, "]");
    }
    i += size;
  }
  return out;
}

/** The code point of one UTF-8 character of `size` bytes (as written; pieces are not validated). */
function codePoint(p: usize, size: i32): u32 {
  const b0 = <u32>load<u8>(p);
  if (size == 1) return b0;
  let cp = b0 & (0x7f >> size);
  for (let k = 1; k < size; k++) cp = (cp << 6) | (<u32>load<u8>(p + k) & 0x3f);
  return cp;
}

function put(dst: usize, at: i32, s: string): i32 {
  for (let i = 0; i < s.length; i++) if (dst != 0) store<u8>(dst + at + i, <u8>s.charCodeAt(i));
  return s.length;
}

function hex2(b: u8): string {
  const digits = "0123456789abcdef";
  return digits.charAt(b >> 4) + digits.charAt(b & 15);
}

/** strtol(…, 16) of at most two characters: the leading hex digits' value, 0 if none. */
function hexValue(p: usize, n: i32): i32 {
  let value = 0;
  for (let i = 0; i < min(n, 2); i++) {
    const c = load<u8>(p + i);
    const d = c >= 0x30 && c <= 0x39 ? c - 0x30 : (c | 0x20) >= 0x61 && (c | 0x20) <= 0x66 ? (c | 0x20) - 0x61 + 10 : -1;
    if (d < 0) break;
    value = value * 16 + d;
  }
  return value;
}
