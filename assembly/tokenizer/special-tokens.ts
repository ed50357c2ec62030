// Special tokens of GGUF vocabularies, as llama.cpp finds them: the end-of-turn and
// end-of-generation tokens it recognises by their text, and the split of a text into
// special tokens and the plain text between them before any tokenizing.
import { arenaAlloc } from "../runtime/memory";
import {
  Tokenizer, attrOf, pieceOf, lengthOf, lookup, NO_TOKEN,
  ATTR_CONTROL, ATTR_UNKNOWN, ATTR_SPECIAL, ATTR_EOG, ATTR_RSTRIP,
} from "./vocab";

// Texts llama.cpp takes as end of turn when tokenizer.ggml.eot_token_id is not given.
const EOT_TEXTS: string[] = [
  "<|eot_id|>", "<|im_end|>", "<|end|>", "<end_of_turn>", "<|endoftext|>", "<|end_of_text|>", "<EOT>", "_<EOT>", "[EOT]",
  "<｜end▁of▁sentence｜>", "<end_of_utterance>",
];
const EOM_TEXTS: string[] = ["<|eom_id|>"];
// Fill-in-the-middle tokens, one list per role (prefix, suffix, middle, pad, repo, file separator).
const FIM_TEXTS: string[][] = [
  ["<|fim_prefix|>", "<fim-prefix>", "<fim_prefix>", "<｜fim▁begin｜>", "<PRE>", "▁<PRE>", "<|code_prefix|>", "<|prefix|>"],
  ["<|fim_suffix|>", "<fim-suffix>", "<fim_suffix>", "<｜fim▁hole｜>", "<SUF>", "▁<SUF>", "<|code_suffix|>", "<|suffix|>"],
  ["<|fim_middle|>", "<fim-middle>", "<fim_middle>", "<｜fim▁end｜>", "<MID>", "▁<MID>", "<|code_middle|>", "<|middle|>"],
  ["<|fim_pad|>", "<fim-pad>", "<fim_pad>", "<PAD>", "[PAD]"],
  ["<|fim_repo|>", "<|repo_name|>", "<fim-repo>", "<REPO>", "<reponame>"],
  ["<|file_sep|>"],
];
const FIM_KEYS: string[] = ["pre", "suf", "mid", "pad", "rep", "sep"];
// Roles whose token also ends generation: pad, repo, file separator.
const FIM_EOG_FROM = 3;
// Texts that end generation.
const EOG_TEXTS: string[] = [
  "<|eot_id|>", "<|im_end|>", "<|end|>", "<|return|>", "<|call|>", "<|flush|>", "<|calls|>", "<end_of_turn>", "<|endoftext|>",
  "</s>", "<|eom_id|>", "<EOT>", "_<EOT>", "[EOT]", "[EOS]", "<|end_of_text|>", "<end_of_utterance>", "<eos>", "<turn|>",
  "<|tool_response>", "<｜end▁of▁sentence｜>", "[e~[",
];

/** The token whose text is `text`, or -1. */
function tokenOf(t: Tokenizer, text: string): i32 {
  const bytes = String.UTF8.encode(text);
  return lookup(t, changetype<usize>(bytes), bytes.byteLength);
}

@inline function addAttr(t: Tokenizer, id: i32, bits: u16): void {
  store<u16>(t.attrs + (<usize>id << 1), attrOf(t, id) | bits);
}

/**
 * Find the end-of-turn and end-of-generation tokens by text where the file does not name
 * them, mark the tokens that end generation, and list the special tokens longest first. fimIds: the
 * fill-in-the-middle ids the file names (-1 each when not). llama.cpp walks a hash map
 * here, so where several texts match one role its choice is unspecified; this takes the
 * list's first text present.
 */
export function markSpecialTokens(t: Tokenizer, eom: i32, fimIds: StaticArray<i32>, phi3: bool): bool {
  // Tokens found by their text become control tokens whatever their type, as llama.cpp makes them.
  if (t.eot < 0 && (t.eot = firstOf(t, EOT_TEXTS)) >= 0) addAttr(t, t.eot, ATTR_CONTROL);
  if (eom < 0 && (eom = firstOf(t, EOM_TEXTS)) >= 0) addAttr(t, eom, ATTR_CONTROL);
  for (let role = 0; role < FIM_TEXTS.length; role++) {
    let id = fimIds[role];
    if (id < 0 && (id = firstOf(t, FIM_TEXTS[role])) >= 0) addAttr(t, id, ATTR_CONTROL);
    if (id >= 0 && role >= FIM_EOG_FROM) addAttr(t, id, ATTR_EOG);
  }
  for (let i = 0; i < EOG_TEXTS.length; i++) {
    const id = tokenOf(t, EOG_TEXTS[i]);
    if (id >= 0) addAttr(t, id, ATTR_CONTROL | ATTR_EOG);
  }
  if (t.eos >= 0) addAttr(t, t.eos, ATTR_EOG);
  if (t.eot >= 0) addAttr(t, t.eot, ATTR_EOG);
  if (eom >= 0) addAttr(t, eom, ATTR_EOG);
  if (!listSpecials(t)) return false;
  // llama.cpp's per-model rule for Phi-3: text after a special token loses its leading
  // spaces, except after <unk>, <s> and <|endoftext|>; </s> strips too.
  if (phi3) {
    for (let i = 0; i < t.specialCount; i++) setRstrip(t, load<i32>(t.specials + (<usize>i << 2)), true);
    setRstrip(t, tokenOf(t, "</s>"), true);
    setRstrip(t, tokenOf(t, "<unk>"), false);
    setRstrip(t, tokenOf(t, "<s>"), false);
    setRstrip(t, tokenOf(t, "<|endoftext|>"), false);
  }
  return true;
}

export function fimKey(role: i32): string {
  return "tokenizer.ggml.fim_" + FIM_KEYS[role] + "_token_id";
}

export const FIM_ROLES = 6;

function firstOf(t: Tokenizer, texts: string[]): i32 {
  for (let i = 0; i < texts.length; i++) {
    const id = tokenOf(t, texts[i]);
    if (id >= 0) return id;
  }
  return NO_TOKEN;
}

function setRstrip(t: Tokenizer, id: i32, on: bool): void {
  if (id < 0) return;
  const a = attrOf(t, id);
  store<u16>(t.attrs + (<usize>id << 1), on ? a | ATTR_RSTRIP : a & ~ATTR_RSTRIP);
}

/** t.specials: the ATTR_SPECIAL tokens, longest piece first, lower id first among equals (a counting sort). */
function listSpecials(t: Tokenizer): bool {
  const counts = arenaAlloc(<u64>(t.longest + 2) * 4, "the tokenizer");
  if (counts == 0) return false;
  let count = 0;
  for (let id = 0; id < t.vocabSize; id++) {
    if ((attrOf(t, id) & ATTR_SPECIAL) == 0) continue;
    const slot = counts + (<usize>(t.longest - lengthOf(t, id)) << 2);
    store<i32>(slot, load<i32>(slot) + 1);
    count++;
  }
  t.specialCount = count;
  if ((t.specials = arenaAlloc(<u64>max(count, 1) * 4, "the tokenizer")) == 0) return false;
  // counts become the first position of each length, longest first
  let position = 0;
  for (let i = 0; i <= t.longest; i++) {
    const slot = counts + (<usize>i << 2);
    const c = load<i32>(slot);
    store<i32>(slot, position);
    position += c;
  }
  for (let id = 0; id < t.vocabSize; id++) {
    if ((attrOf(t, id) & ATTR_SPECIAL) == 0) continue;
    const slot = counts + (<usize>(t.longest - lengthOf(t, id)) << 2);
    const at = load<i32>(slot);
    store<i32>(t.specials + (<usize>at << 2), id);
    store<i32>(slot, at + 1);
  }
  return true;
}

// Fragment: a run of text to tokenize, or one special token (16 bytes).
export const FRAGMENT = 16;
// +0 start i32, +4 length i32: the text's bytes (text fragments)
// +8 token i32: the special token, or -1 for text
// +12 next i32: the next fragment, -1 at the end

/**
 * Split n bytes of text into fragments (at t.fragments, room for 2n + 1; the first is
 * fragment 0). Special tokens are taken longest first: every occurrence of one in the
 * text fragments so far splits them, as llama.cpp's tokenizer_st_partition does.
 * Without parseSpecial only user-defined tokens count (as in Hugging Face tokenizers,
 * where added tokens are always split off). Returns the fragment count (0 for no text).
 */
export function partition(t: Tokenizer, text: usize, n: i32, parseSpecial: bool): i32 {
  const frags = t.fragments;
  if (n == 0) return 0;
  setFragment(frags, 0, 0, n, NO_TOKEN, -1);
  let count = 1;
  for (let s = 0; s < t.specialCount; s++) {
    const id = load<i32>(t.specials + (<usize>s << 2));
    const attr = attrOf(t, id);
    if (!parseSpecial && (attr & (ATTR_CONTROL | ATTR_UNKNOWN)) != 0) continue;
    const sp = pieceOf(t, id), sn = lengthOf(t, id);
    if (sn == 0) continue;
    for (let f = 0; f != -1; ) {
      const fp = frags + <usize>f * FRAGMENT;
      const next = load<i32>(fp, 12);
      if (load<i32>(fp, 8) == NO_TOKEN) count = split(text, frags, f, count, id, sp, sn, attr);
      f = next;
    }
  }
  return count;
}

/** Replace text fragment f by the text and tokens that every occurrence of the token (sp, sn) in it makes; returns the new count. */
function split(text: usize, frags: usize, f: i32, count: i32, id: i32, sp: usize, sn: i32, attr: u16): i32 {
  const fp = frags + <usize>f * FRAGMENT;
  let pos = load<i32>(fp), end = pos + load<i32>(fp, 4);
  const next = load<i32>(fp, 12);
  let at = find(text, pos, end, sp, sn);
  if (at < 0) return count;
  // The pieces go into slot f first, then into new slots at the end, each linked from the one before.
  let last = -1;
  while (at >= 0) {
    if (at > pos) last = place(frags, last < 0 ? f : count++, last, pos, at - pos, NO_TOKEN);
    last = place(frags, last < 0 ? f : count++, last, 0, 0, id);
    pos = at + sn;
    if ((attr & ATTR_RSTRIP) != 0) while (pos < end && isSpace(load<u8>(text + pos))) pos++;
    at = find(text, pos, end, sp, sn);
  }
  if (pos < end) last = place(frags, count++, last, pos, end - pos, NO_TOKEN);
  store<i32>(frags + <usize>last * FRAGMENT, next, 12);
  return count;
}

/** Fill fragment `slot` and link it from fragment `last` (if any); returns slot. */
function place(frags: usize, slot: i32, last: i32, start: i32, length: i32, token: i32): i32 {
  setFragment(frags, slot, start, length, token, -1);
  if (last >= 0) store<i32>(frags + <usize>last * FRAGMENT, slot, 12);
  return slot;
}

function setFragment(frags: usize, i: i32, start: i32, length: i32, token: i32, next: i32): void {
  const p = frags + <usize>i * FRAGMENT;
  store<i32>(p, start);
  store<i32>(p, length, 4);
  store<i32>(p, token, 8);
  store<i32>(p, next, 12);
}

/** The first position in [pos, end) where the sn bytes at sp occur, or -1. */
function find(text: usize, pos: i32, end: i32, sp: usize, sn: i32): i32 {
  const first = load<u8>(sp);
  for (let i = pos; i <= end - sn; i++) {
    if (load<u8>(text + i) == first && memory.compare(text + i, sp, sn) == 0) return i;
  }
  return -1;
}

/** C's isspace, which llama.cpp uses for stripping after special tokens. */
@inline function isSpace(c: u8): bool {
  return c == 0x20 || (c >= 0x09 && c <= 0x0d);
}
