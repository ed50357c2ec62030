// Mutations: one to three per input, drawn from a seeded generator, so an input is
// fully determined by (seed, index) and a failure can be replayed. Binary files get
// bit flips, byte sets, truncation, extension, inserted and deleted bytes, integer
// fields set to their boundaries, records duplicated or removed and invalid UTF-8 in
// strings; configuration texts get the same at the level of lines and values.
import { type Field, type Layout } from "./layout.js";

export type Random = () => number;

/** mulberry32: small, fast and good enough to pick mutations. */
export function seededRandom(seed: number): Random {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const below = (random: Random, n: number) => Math.floor(random() * n);
const pick = <T>(random: Random, items: readonly T[]): T => items[below(random, items.length)];

/** Byte sequences that are not UTF-8: stray continuation, overlong, surrogate, beyond U+10FFFF, cut short. */
const INVALID_UTF8 = [[0x80], [0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xe2, 0x96], [0xf8, 0x88, 0x80, 0x80, 0x80], [0xfe]];

/** 2^k boundaries and their neighbours, for a field of `size` bytes. */
function boundaryValue(random: Random, size: number, original: bigint, fileSize: number): bigint {
  const bits = BigInt(size * 8);
  const mask = (1n << bits) - 1n;
  const values = [0n, 1n, mask, mask >> 1n, 1n << (bits - 1n), original + 1n, original - 1n, original * 2n, BigInt(below(random, 17)), BigInt(fileSize)];
  if (size === 8) values.push(1n << 31n, (1n << 32n) - 1n, 1n << 32n, 1n << 63n);
  return pick(random, values) & mask;
}

function readField(bytes: Uint8Array, f: Field): bigint {
  let v = 0n;
  for (let i = f.size - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[f.at + i]);
  return v;
}

function writeField(bytes: Uint8Array, f: Field, value: bigint): void {
  for (let i = 0; i < f.size; i++) bytes[f.at + i] = Number((value >> BigInt(8 * i)) & 0xffn);
}

/** A position to mutate: mostly in the structured front, sometimes anywhere. */
function position(random: Random, bytes: Uint8Array, layout: Layout): number {
  const end = random() < 0.8 && layout.frontEnd > 0 ? layout.frontEnd : bytes.length;
  return below(random, Math.max(end, 1));
}

function splice(bytes: Uint8Array, at: number, remove: number, insert: Uint8Array): Uint8Array {
  const out = new Uint8Array(bytes.length - remove + insert.length);
  out.set(bytes.subarray(0, at));
  out.set(insert, at);
  out.set(bytes.subarray(at + remove), at + insert.length);
  return out;
}

function randomBytes(random: Random, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => (random() < 0.3 ? pick(random, [0, 0xff, 0x80, 0x7f]) : below(random, 256)));
}

type BinaryMutation = (random: Random, bytes: Uint8Array, layout: Layout) => Uint8Array;

const BINARY_MUTATIONS: [weight: number, BinaryMutation][] = [
  [3, function flipBits(random, bytes, layout) {
    const out = bytes.slice();
    for (let i = 1 + below(random, 4); i > 0 && out.length > 0; i--) out[position(random, out, layout)] ^= 1 << below(random, 8);
    return out;
  }],
  [3, function setBytes(random, bytes, layout) {
    const out = bytes.slice();
    const at = position(random, out, layout);
    out.set(randomBytes(random, Math.min(1 + below(random, 8), out.length - at)), at);
    return out;
  }],
  [6, function boundaryInteger(random, bytes, layout) {
    if (layout.fields.length === 0) return bytes;
    const out = bytes.slice();
    const elements = layout.fields.filter((f) => f.element);
    const others = layout.fields.filter((f) => !f.element);
    const field = pick(random, elements.length > 0 && (others.length === 0 || random() < 0.5) ? elements : others);
    writeField(out, field, boundaryValue(random, field.size, readField(out, field), bytes.length));
    return out;
  }],
  [2, function truncate(random, bytes, layout) {
    return bytes.slice(0, position(random, bytes, layout));
  }],
  [1, function extend(random, bytes) {
    const tail = random() < 0.5 ? new Uint8Array(1 + below(random, 64)) : randomBytes(random, 1 + below(random, 64));
    return splice(bytes, bytes.length, 0, tail);
  }],
  [1, function insertBytes(random, bytes, layout) {
    return splice(bytes, position(random, bytes, layout), 0, randomBytes(random, 1 + below(random, 16)));
  }],
  [1, function deleteBytes(random, bytes, layout) {
    const at = position(random, bytes, layout);
    return splice(bytes, at, Math.min(1 + below(random, 16), bytes.length - at), new Uint8Array(0));
  }],
  [2, function duplicateRecord(random, bytes, layout) {
    return changeRecords(random, bytes, layout, +1);
  }],
  [2, function removeRecord(random, bytes, layout) {
    return changeRecords(random, bytes, layout, -1);
  }],
  [2, function invalidUtf8(random, bytes, layout) {
    const strings = layout.strings.filter((s) => s.end > s.start);
    if (strings.length === 0) return bytes;
    const s = pick(random, strings);
    const bad = pick(random, INVALID_UTF8).slice(0, s.end - s.start);
    const out = bytes.slice();
    out.set(bad, s.start + below(random, s.end - s.start - bad.length + 1));
    return out;
  }],
];

/** Duplicate (+1) or remove (-1) one record (a key/value pair, a tensor info, a token), keeping its count field in step. */
function changeRecords(random: Random, bytes: Uint8Array, layout: Layout, change: 1 | -1): Uint8Array {
  const lists = layout.records.filter((r) => r.spans.length > 0);
  if (lists.length === 0) return bytes;
  const { count, spans } = pick(random, lists);
  const span = pick(random, spans);
  const out = change > 0 ? splice(bytes, span.end, 0, bytes.slice(span.start, span.end)) : splice(bytes, span.start, span.end - span.start, new Uint8Array(0));
  if (count !== undefined && random() < 0.9) writeField(out, count, readField(out, count) + BigInt(change));
  return out;
}

const totalWeight = (mutations: [number, unknown][]) => mutations.reduce((sum, [w]) => sum + w, 0);

function weighted<T>(random: Random, items: [number, T][]): T {
  let r = random() * totalWeight(items);
  for (const [w, item] of items) if ((r -= w) < 0) return item;
  return items[items.length - 1][1];
}

/** One to three mutations of a binary file; `layoutOf` finds its fields again after each. */
export function mutateBinary(random: Random, seed: Uint8Array, layoutOf: (bytes: Uint8Array) => Layout): Uint8Array {
  let bytes = seed;
  for (let n = 1 + below(random, 3); n > 0; n--) bytes = weighted(random, BINARY_MUTATIONS)(random, bytes, layoutOf(bytes));
  return bytes;
}

// ----------------------------------------------------------------------------
// Configuration texts

const CONFIG_KEYS = ["model", "tokenizer", "prompt", "system", "mode", "chat_template", "context", "steps", "temperature", "top_p", "top_k", "min_p",
  "repeat_penalty", "repeat_last_n", "keep", "seed", "print_ids", "ignore_eos", "end", "debug", "unknown_key", ""];

const CONFIG_VALUES = ["0", "-1", "1", "2147483647", "2147483648", "-2147483648", "4294967295", "4294967296", "9223372036854775808", "18446744073709551615",
  "18446744073709551616", "1e309", "-0", "1e-45", "nan", "inf", "0.5", "+3", "1.", ".5", "1e", "", " ", "=", "true", "false", "chat", "generate",
  "chatml", "llama3", "gemma", "plain", "shutdown", "\\", "\\n\\t\\\\", "<|im_start|>", "<s></s>", "\u2581", "\u{1F600}", "/fuzz/model.bin",
  "/fuzz/tokenizer.bin", "/fuzz/qwen2-bpe.gguf", "/fuzz/llama-spm.gguf", "/fuzz/missing.gguf"];

type TextMutation = (random: Random, lines: string[]) => string[];

const replaceLine = (lines: string[], i: number, line: string) => [...lines.slice(0, i), line, ...lines.slice(i + 1)];

const LINE_MUTATIONS: [number, TextMutation][] = [
  [2, function duplicateLine(random, lines) {
    const i = below(random, lines.length);
    return [...lines.slice(0, i + 1), lines[i], ...lines.slice(i + 1)];
  }],
  [2, function removeLine(random, lines) {
    const i = below(random, lines.length);
    return [...lines.slice(0, i), ...lines.slice(i + 1)];
  }],
  [4, function boundaryValue(random, lines) {
    const i = below(random, lines.length);
    const key = lines[i].split("=")[0];
    return replaceLine(lines, i, `${key}= ${pick(random, CONFIG_VALUES)}`);
  }],
  [3, function addKey(random, lines) {
    return [...lines, `${pick(random, CONFIG_KEYS)} = ${pick(random, CONFIG_VALUES)}`];
  }],
  [1, function longValue(random, lines) {
    return [...lines, `${pick(random, ["prompt", "system", "model"])} = ${"ab\u00e9 ".repeat(1 + below(random, 3000))}`];
  }],
  [1, function oddSyntax(random, lines) {
    const i = below(random, lines.length);
    return replaceLine(lines, i, pick(random, [lines[i].replace("=", ""), lines[i] + "\r", "  # " + lines[i], lines[i].replace("=", "=="), "=" + lines[i], lines[i].toUpperCase()]));
  }],
];

const TEXT_BYTE_MUTATIONS: [number, BinaryMutation][] = [
  [1, BINARY_MUTATIONS[0][1]], // bit flips
  [1, BINARY_MUTATIONS[3][1]], // truncation
  [2, function invalidUtf8(random, bytes) {
    return splice(bytes, below(random, bytes.length + 1), 0, Uint8Array.from(pick(random, INVALID_UTF8)));
  }],
];

const noLayout: Layout = { fields: [], strings: [], records: [], frontEnd: 0 };

/** One to three mutations of a configuration text, as bytes (which need not be UTF-8). */
export function mutateConfig(random: Random, seed: string): Uint8Array {
  let lines = seed.split("\n").filter((line) => line.length > 0);
  let bytes: Uint8Array | undefined;
  for (let n = 1 + below(random, 3); n > 0; n--) {
    if (random() < 0.8 || bytes !== undefined) {
      if (bytes === undefined) lines = weighted(random, LINE_MUTATIONS)(random, lines.length > 0 ? lines : [""]);
      else bytes = weighted(random, TEXT_BYTE_MUTATIONS)(random, bytes, noLayout);
    } else {
      bytes = weighted(random, TEXT_BYTE_MUTATIONS)(random, new TextEncoder().encode(lines.join("\n") + "\n"), noLayout);
    }
  }
  return bytes ?? new TextEncoder().encode(lines.join("\n") + "\n");
}
