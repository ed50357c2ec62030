// A byte-level BPE vocabulary that shows where a pre-tokenizer cut the text: every byte,
// and every pair of adjacent bytes the given texts hold, merged in an order fixed by a
// hash. Pairs never merge across a pre-tokenizer's cut, so two splittings of one text
// almost always give different ids here, where a real vocabulary often hides the
// difference (its words merge the same either way).
import { writeFileSync } from "node:fs";
import { encodeGGUF } from "../../host/gguf/writer.js";
import { gguf, type GGUFValue } from "../../host/gguf/types.js";
import { byteChar } from "./byte-level-bpe.js";

/** FNV-1a over the UTF-16 units of s: a fixed, well-mixed merge order. */
function hash(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * Writes the pair vocabulary of `texts` under pre-tokenizer name `pre` to `path`. With
 * `spaceRuns`, runs of up to 64 spaces also merge into one token each (every split of a run
 * is a merge, shorter sums first), so how a pre-tokenizer cuts a run of spaces shows too.
 */
export function writePairVocab(texts: string[], pre: string, path: string, spaceRuns = false): void {
  const bytes = Array.from({ length: 256 }, (_, b) => byteChar(b));
  const pairs = new Set<string>();
  for (const text of texts) {
    const chars = [...Buffer.from(text, "utf8")].map(byteChar);
    for (let i = 0; i + 1 < chars.length; i++) pairs.add(`${chars[i]} ${chars[i + 1]}`);
  }
  const space = byteChar(0x20);
  const runMerges: string[] = [];
  if (spaceRuns) {
    for (let sum = 2; sum <= 64; sum++) for (let a = 1; a < sum; a++) runMerges.push(`${space.repeat(a)} ${space.repeat(sum - a)}`);
    pairs.delete(`${space} ${space}`);
  }
  const merges = [...runMerges, ...[...pairs].sort((a, b) => hash(a) - hash(b) || (a < b ? -1 : 1))];
  const pieces = new Set([...bytes, ...merges.map((m) => m.replace(" ", ""))]);
  const tokens = [...pieces, "<|endoftext|>"];
  const types = new Int32Array(tokens.length).fill(1);
  types[tokens.length - 1] = 3; // control
  const metadata: [string, GGUFValue][] = [
    ["general.architecture", gguf.str("gpt2")],
    ["general.name", gguf.str("pair-vocab")],
    ["gpt2.block_count", gguf.u32(1)],
    ["gpt2.context_length", gguf.u32(1024)],
    ["gpt2.embedding_length", gguf.u32(8)],
    ["gpt2.feed_forward_length", gguf.u32(8)],
    ["gpt2.attention.head_count", gguf.u32(1)],
    ["gpt2.attention.layer_norm_epsilon", gguf.f32(1e-5)],
    ["tokenizer.ggml.model", gguf.str("gpt2")],
    ["tokenizer.ggml.pre", gguf.str(pre)],
    ["tokenizer.ggml.tokens", gguf.strings(tokens)],
    ["tokenizer.ggml.token_type", gguf.i32s(types)],
    ["tokenizer.ggml.merges", gguf.strings(merges)],
    ["tokenizer.ggml.bos_token_id", gguf.u32(tokens.length - 1)],
    ["tokenizer.ggml.eos_token_id", gguf.u32(tokens.length - 1)],
  ];
  writeFileSync(path, encodeGGUF(metadata, []));
}
