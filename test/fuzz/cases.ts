// The kinds of fuzz input, and the input of each (seed, index): which seed file (or
// the configuration) is mutated, and the configuration and chat lines it runs with.
import { ggufLayout, llama2cCheckpointLayout, llama2cTokenizerLayout, type Layout } from "./layout.js";
import { mutateBinary, mutateConfig, seededRandom } from "./mutate.js";
import { PATHS, type SeedName } from "./seeds.js";

export const KINDS = {
  /** a tiny llama with a SentencePiece vocabulary: header, metadata, tensor infos, vocabulary arrays */
  "gguf-llama": { weight: 25, target: "llamaGguf", config: `model = ${PATHS.llamaGguf}\nprompt = Once upon a time\n`, layout: ggufLayout },
  /** a tiny qwen2 with a byte-level BPE vocabulary and a ChatML template, chatting */
  "gguf-qwen2": { weight: 25, target: "qwen2Gguf", config: `model = ${PATHS.qwen2Gguf}\nmode = chat\nsystem = Be brief.\n`, layout: ggufLayout },
  /** the stories260K fixture converted by llama.cpp: a real-world file, slower to load */
  "gguf-stories260K": { weight: 4, target: "stories260KGguf", config: `model = ${PATHS.stories260KGguf}\nprompt = Once upon a time\n`, layout: ggufLayout },
  /** a tiny llama2.c checkpoint: the header's seven sizes against the file's length */
  "llama2c-checkpoint": { weight: 10, target: "checkpoint", config: `model = ${PATHS.checkpoint}\ntokenizer = ${PATHS.tokenizer}\nprompt = Once upon a time\n`, layout: llama2cCheckpointLayout },
  /** the bundled tokenizer.bin: scores, lengths and pieces */
  "llama2c-tokenizer": { weight: 16, target: "tokenizer", config: `model = ${PATHS.checkpoint}\ntokenizer = ${PATHS.tokenizer}\nprompt = Once upon a time\n`, layout: llama2cTokenizerLayout },
  /** the configuration text, run against the unmutated seeds */
  config: { weight: 20, target: "config", config: "", layout: undefined },
} satisfies Record<string, { weight: number; target: SeedName | "config"; config: string; layout: ((bytes: Uint8Array) => Layout) | undefined }>;

export type Kind = keyof typeof KINDS;

/** Every run stops soon: a few tokens, greedy, a fixed seed. Config mutations may change any of it. */
const RUN_LIMITS = "steps = 4\ntemperature = 0\nseed = 42\n";

/** Configurations the "config" kind starts from, one per seed model and mode. */
const CONFIG_SEEDS = [
  `model = ${PATHS.checkpoint}\ntokenizer = ${PATHS.tokenizer}\nprompt = Once upon a time\ntop_p = 0.9\ntemperature = 0.8\nsteps = 6\nseed = 7\n`,
  `model = ${PATHS.llamaGguf}\nprompt = Hello\\nworld\ncontext = 16\nsteps = 4\ntop_k = 5\nmin_p = 0.1\nrepeat_penalty = 1.1\nrepeat_last_n = 8\nseed = 3\n`,
  `model = ${PATHS.qwen2Gguf}\nmode = chat\nchat_template = chatml\nsystem = Be brief.\nsteps = 3\ntemperature = 0\nprint_ids = true\nend = return\n`,
  `model = ${PATHS.qwen2Gguf}\nprompt = <|im_start|>user\nsteps = -1\ncontext = 12\nignore_eos = true\ntemperature = 0\n`,
];

/** Chat input for chat-mode runs: a turn, the commands, a turn after a reset. */
export const CHAT_LINES = ["Hello there", "/stats", "/set temp 0.5", "/reset", "Once upon a time", "/exit"].map((line) => new TextEncoder().encode(line));

/** One input: the kind, and the mutated bytes of its target (a seed file, or the configuration text). */
export interface FuzzCase {
  kind: Kind;
  bytes: Uint8Array;
}

/** Kinds in proportion to their weights, cycling, so any count of inputs covers all kinds. */
const SCHEDULE: Kind[] = (Object.keys(KINDS) as Kind[]).flatMap((kind) => Array<Kind>(KINDS[kind].weight).fill(kind));

/** The input at `index` of the run seeded with `seed`: the same bytes on every machine. */
export function fuzzCase(seed: number, index: number, seeds: Record<SeedName, Uint8Array>): FuzzCase {
  const random = seededRandom(Math.imul(seed, 0x9e3779b1) ^ index);
  const kind = SCHEDULE[index % SCHEDULE.length];
  const spec = KINDS[kind];
  if (spec.target === "config") return { kind, bytes: mutateConfig(random, CONFIG_SEEDS[Math.floor(random() * CONFIG_SEEDS.length)]) };
  return { kind, bytes: mutateBinary(random, seeds[spec.target], spec.layout!) };
}

/** The configuration text a case runs with: its own bytes for the config kind, else its kind's configuration. */
export function configOf(c: FuzzCase): Uint8Array {
  return c.kind === "config" ? c.bytes : new TextEncoder().encode(KINDS[c.kind].config + RUN_LIMITS);
}

/** The files the core sees for a case: every seed, with the case's target replaced by its mutated bytes. */
export function filesOf(c: FuzzCase, seeds: Record<SeedName, Uint8Array>): Map<string, Uint8Array> {
  const target = KINDS[c.kind].target;
  return new Map((Object.keys(PATHS) as SeedName[]).map((name) => [PATHS[name], name === target ? c.bytes : seeds[name]]));
}
