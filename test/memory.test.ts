// The memory requirement: peak linear memory ≤ model bytes + KV cache + 32 MiB.
// Measured in host mode on the core's own wasm memory after load, after generating and
// after a chat; wasm memory never shrinks, so its size at the end of a run is the peak.
// The bound comes from facts outside the core: the model file's size on disk, and the KV
// cache (keys and values, f32, every layer, the context used) from the dims in the file's
// own header. Needs build/core.wasm (npm run build:core).
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configText, type RunConfig } from "../host/config.js";
import { synthesize } from "../host/commands/synth.js";
import { openGGUF } from "../host/gguf/reader.js";
import type { ModelShape } from "../host/gguf/model-gguf.js";
import { SHAPES } from "../host/gguf/synthetic.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { Core } from "../host/runner/core.js";

const MiB = 1 << 20;
/** The allowance above model and KV cache that the requirement grants. */
const OVERHEAD = 32 * MiB;
/** Context a GGUF gets when the configuration sets none (host/config.ts: "capped at 4096 for GGUF"). */
const GGUF_DEFAULT_CONTEXT_CAP = 4096;
const WASM_PAGE = 65536;
/** The longest line the chat reads (assembly/text/chat.ts LINE_BYTES). */
const CHAT_LINE_BYTES = 16384;

const llama2cTokenizer = join(import.meta.dirname, "fixtures", "llama2c", "tokenizer.bin");
const chatHelper = join(import.meta.dirname, "helpers", "chat-memory.ts");
const viteNode = createRequire(import.meta.url).resolve("vite-node/vite-node.mjs");
const quiet = { stdout: () => {}, stderr: () => {} };

/** The dims that size the KV cache, as the model file states them. */
interface CacheDims {
  nLayers: number;
  kvDim: number; // key (= value) width of one token in one layer: kv heads × head size
  trainedContext: number;
}

/** The KV cache: keys and values, f32, for every layer and every position of the context. */
function kvCacheBytes(d: CacheDims, seqLen: number): number {
  return 2 * d.nLayers * seqLen * d.kvDim * 4;
}

/** llama2.c header: seven int32s dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size (negative: separate classifier), seq_len. */
function llama2cDims(path: string): CacheDims {
  const header = new Int32Array(new Uint8Array(readFileSync(path).subarray(0, 28)).buffer);
  const [dim, , nLayers, nHeads, nKvHeads, , seqLen] = header;
  return { nLayers, kvDim: nKvHeads * (dim / nHeads), trainedContext: seqLen };
}

/** GGUF metadata, read by the host's own parser: <arch>.block_count, head counts, key length, context length. */
async function ggufDims(path: string): Promise<CacheDims> {
  const file = await openGGUF(path);
  try {
    const arch = file.string("general.architecture")!;
    const need = (key: string): number => {
      const value = file.number(`${arch}.${key}`);
      if (value === undefined) throw new Error(`${path}: no ${arch}.${key}`);
      return value;
    };
    const nHeads = need("attention.head_count");
    const nKvHeads = file.number(`${arch}.attention.head_count_kv`) ?? nHeads;
    const headSize = file.number(`${arch}.attention.key_length`) ?? need("embedding_length") / nHeads;
    return { nLayers: need("block_count"), kvDim: nKvHeads * headSize, trainedContext: need("context_length") };
  } finally {
    await file.close();
  }
}

interface ModelUnderTest {
  label: string;
  config: RunConfig; // model, tokenizer, context
  dims: CacheDims;
  /** The context the run uses: the configured one capped at the trained one; a GGUF without one gets at most 4096. */
  seqLen: number;
}

async function modelUnderTest(label: string, config: RunConfig): Promise<ModelUnderTest> {
  const gguf = config.model.endsWith(".gguf");
  const dims = gguf ? await ggufDims(config.model) : llama2cDims(config.model);
  const asked = Number(config.context ?? 0);
  const seqLen = asked > 0 ? Math.min(asked, dims.trainedContext) : gguf ? Math.min(dims.trainedContext, GGUF_DEFAULT_CONTEXT_CAP) : dims.trainedContext;
  return { label, config, dims, seqLen };
}

interface Measurement {
  case: string;
  modelBytes: number;
  kvBytes: number;
  bound: number;
  peak: number;
}

const measurements: Measurement[] = [];

/** Checks peak ≤ model bytes + KV cache + 32 MiB and records the numbers for the summary. */
function expectWithinBound(m: ModelUnderTest, what: string, peak: number): Measurement {
  const modelBytes = statSync(m.config.model).size;
  const kvBytes = kvCacheBytes(m.dims, m.seqLen);
  const bound = modelBytes + kvBytes + OVERHEAD;
  const row = { case: `${m.label}: ${what}`, modelBytes, kvBytes, bound, peak };
  measurements.push(row);
  expect(peak, `${row.case}: peak ${mib(peak)} MiB > bound ${mib(bound)} MiB (model ${mib(modelBytes)} + KV ${mib(kvBytes)} + ${mib(OVERHEAD)})`).toBeLessThanOrEqual(bound);
  return row;
}

/** A fresh core with the model loaded; its memory size then is the peak of loading. */
function loaded(m: ModelUnderTest): Core {
  const core = new Core(quiet);
  core.load(configText(m.config));
  expect(core.contextLength, `${m.label}: the context the core uses`).toBe(m.seqLen);
  return core;
}

/** A fresh core that loads and generates `steps` tokens (-1: until the context is full), as `uefi-llm generate` does. */
function generated(m: ModelUnderTest, steps: number): { core: Core; tokens: number; promptTokens: number } {
  const [outText, errText] = [new TextDecoder(), new TextDecoder()];
  let stdout = "";
  let stderr = "";
  const core = new Core({ stdout: (bytes) => (stdout += outText.decode(bytes, { stream: true })), stderr: (bytes) => (stderr += errText.decode(bytes, { stream: true })) });
  core.run(configText({ ...m.config, prompt: "Once upon a time", steps, seed: 42, temperature: 0.8, ignoreEos: true, printIds: true }));
  // print_ids ends the output with the generated ids; the timing line counts the prompt's tokens
  const ids = stdout.match(/\[[\d,\s]*\]\s*$/);
  const prompt = stderr.match(/prompt (\d+) tokens/);
  expect(ids, `${m.label}: no id list in the output`).not.toBeNull();
  expect(prompt, stderr).not.toBeNull();
  return { core, tokens: (JSON.parse(ids![0]) as number[]).length, promptTokens: Number(prompt![1]) };
}

/** A chat in a child process (the core reads fd 0) with a GGUF (its own tokenizer): the memory size when it ended, and its stderr. */
async function chatted(m: ModelUnderTest, lines: string[], steps: number): Promise<{ peak: number; stderr: string }> {
  const result = await execa("node", [viteNode, chatHelper, m.config.model, String(m.config.context ?? 0), String(steps)], {
    input: lines.join("\n") + "\n",
    reject: false,
    timeout: 60_000,
  });
  expect(result.exitCode, result.stderr).toBe(0);
  const match = result.stderr.match(/^memory-bytes (\d+)$/m);
  expect(match, result.stderr).not.toBeNull();
  return { peak: Number(match![1]), stderr: result.stderr };
}

function mib(bytes: number): string {
  return (bytes / MiB).toFixed(2);
}

let dir: string;
let bin15M: ModelUnderTest; // llama2.c f32, stories15M shape (seq_len 256)
let q8: ModelUnderTest; // GGUF q8_0, stories15M shape (context_length 256)
let longGguf: string; // GGUF q8_0, stories15M shape but context_length 8192
let wideVocab: ModelUnderTest; // GGUF q8_0, qwen2 with Qwen2.5's 151936-token vocabulary and tiny layers
let stories260K: ModelUnderTest; // the bundled llama2.c model (seq_len 512)

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), "uefi-llm-memory-"));
  const write = async (shapeName: string, shape: ModelShape, type: "f32" | "q8_0", file: string) => {
    const output = join(dir, file);
    await synthesize({ shapeName, shape, type, seed: 1, output, format: file.endsWith(".bin") ? "llama2c" : "gguf" });
    return output;
  };
  const wideShape: ModelShape = { ...SHAPES["qwen2.5-0.5b"], dim: 64, hiddenDim: 128, nLayers: 1, nHeads: 2, nKvHeads: 1, contextLength: 256 };
  bin15M = await modelUnderTest("stories15M f32 .bin", { model: await write("stories15M", SHAPES.stories15M, "f32", "stories15M-f32.bin"), tokenizer: llama2cTokenizer });
  q8 = await modelUnderTest("stories15M q8_0 .gguf", { model: await write("stories15M", SHAPES.stories15M, "q8_0", "stories15M-q8_0.gguf") });
  longGguf = await write("stories15M-8k", { ...SHAPES.stories15M, contextLength: 8192 }, "q8_0", "stories15M-8k-q8_0.gguf");
  wideVocab = await modelUnderTest("qwen2 151936-token vocab q8_0 .gguf", { model: await write("wide-vocab", wideShape, "q8_0", "wide-vocab-q8_0.gguf") });
  stories260K = await modelUnderTest("bundled stories260K .bin", { model: bundledModel, tokenizer: bundledTokenizer });
}, 60_000);

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  if (measurements.length === 0) return;
  const width = Math.max(...measurements.map((r) => r.case.length));
  const lines = measurements.map(
    (r) => `  ${r.case.padEnd(width)}  model ${mib(r.modelBytes).padStart(6)}  KV ${mib(r.kvBytes).padStart(5)}  bound ${mib(r.bound).padStart(6)}  peak ${mib(r.peak).padStart(6)}  slack ${mib(r.bound - r.peak).padStart(5)} MiB`,
  );
  console.log(`peak linear memory vs model bytes + KV cache + 32 MiB:\n${lines.join("\n")}`);
});

describe("peak linear memory ≤ model bytes + KV cache + 32 MiB", () => {
  it("llama2.c f32 checkpoint, stories15M shape: after load and after generating", () => {
    expectWithinBound(bin15M, "load", loaded(bin15M).memoryBytes);
    const { core, tokens } = generated(bin15M, 32);
    expect(tokens).toBe(32);
    expectWithinBound(bin15M, "generate 32", core.memoryBytes);
  });

  it("GGUF q8_0, stories15M shape: after load and after generating", () => {
    expectWithinBound(q8, "load", loaded(q8).memoryBytes);
    const { core, tokens } = generated(q8, 32);
    expect(tokens).toBe(32);
    expectWithinBound(q8, "generate 32", core.memoryBytes);
  });

  it("generating until the context is full takes no more memory than 4 tokens (bundled stories260K)", () => {
    const load = expectWithinBound(stories260K, "load", loaded(stories260K).memoryBytes);
    const short = generated(stories260K, 4);
    const full = generated(stories260K, -1);
    expect(short.tokens).toBe(4);
    // -1 generates until the KV cache holds a token at every position: the prompt's, then the
    // generated ones but the last (sampled from the logits at the final position).
    expect(full.promptTokens - 1 + full.tokens).toBe(stories260K.seqLen);
    expectWithinBound(stories260K, "generate 4", short.core.memoryBytes);
    expectWithinBound(stories260K, `generate until the context (${stories260K.seqLen}) is full`, full.core.memoryBytes);
    // Generation sets up its buffers once, before the first token.
    expect(full.core.memoryBytes).toBe(short.core.memoryBytes);
    expect(full.core.memoryBytes).toBeGreaterThanOrEqual(load.peak);
  });

  it("GGUF with context_length 8192: context 1024, and the default (4096); only the KV cache grows with the context", async () => {
    const ctx1024 = await modelUnderTest("stories15M q8_0 .gguf, context_length 8192", { model: longGguf, context: 1024 });
    const ctxDefault = await modelUnderTest("stories15M q8_0 .gguf, context_length 8192", { model: longGguf });
    expect(ctx1024.seqLen).toBe(1024);
    expect(ctxDefault.seqLen).toBe(GGUF_DEFAULT_CONTEXT_CAP);
    // The KV cache outweighs the model here (54 MiB against 16), so a bound without it would not hold.
    expect(kvCacheBytes(ctxDefault.dims, ctxDefault.seqLen)).toBeGreaterThan(statSync(longGguf).size);

    const small = expectWithinBound(ctx1024, "load, context 1024", loaded(ctx1024).memoryBytes);
    const large = expectWithinBound(ctxDefault, "load, default context 4096", loaded(ctxDefault).memoryBytes);
    expect(large.peak, "the KV cache term is needed: model + 32 MiB alone is exceeded").toBeGreaterThan(large.modelBytes + OVERHEAD);
    const generatedLarge = generated(ctxDefault, 32);
    expect(generatedLarge.tokens).toBe(32);
    expectWithinBound(ctxDefault, "generate 32, context 4096", generatedLarge.core.memoryBytes);

    // 3072 more positions cost their keys and values, and besides only attention scores
    // (heads × positions × 4 bytes, 72 KiB here): nothing else scales with the context.
    const kvGrowth = kvCacheBytes(ctxDefault.dims, 4096) - kvCacheBytes(ctx1024.dims, 1024);
    expect(large.peak - small.peak).toBeGreaterThanOrEqual(kvGrowth - WASM_PAGE);
    expect(large.peak - small.peak).toBeLessThanOrEqual(kvGrowth + 1 * MiB);
  });

  it("chat on the context-4096 GGUF: within the bound, and more turns add nothing", async () => {
    const m = await modelUnderTest("stories15M q8_0 .gguf, context_length 8192", { model: longGguf });
    const turns = ["Once upon a time", "Lily and Tom went to the park", "They saw a big red ball", "Then it started to rain"];
    const [one, four] = await Promise.all([chatted(m, [turns[0], "/stats", "/exit"], 16), chatted(m, [...turns, "/stats", "/exit"], 16)]);
    // The turns really happened: /stats reports the context used, every turn's prompt and answer.
    const used = (stderr: string) => Number(stderr.match(new RegExp(`context (\\d+) of ${m.seqLen} tokens\n`))![1]);
    expect(used(one.stderr)).toBeGreaterThan(4);
    expect(used(four.stderr)).toBeGreaterThan(3 * used(one.stderr));
    expectWithinBound(m, "chat, context 4096, 1 turn", one.peak);
    expectWithinBound(m, "chat, context 4096, 4 turns", four.peak);
    expect(four.peak).toBe(one.peak);
  });

  it("a 151936-token vocabulary (Qwen2.5's size) with tiny layers: the vocabulary-sized buffers fit the allowance", async () => {
    expectWithinBound(wideVocab, "load", loaded(wideVocab).memoryBytes);
    const { core, tokens } = generated(wideVocab, 16);
    expect(tokens).toBe(16);
    expectWithinBound(wideVocab, "generate 16", core.memoryBytes);
    // The longest line a chat reads (16 KiB; longer ones are cut): encoding it sizes the tokenizer's
    // working memory for its bytes. Alone it is longer than the context, which the chat says and goes on.
    const line = "日本".repeat(Math.ceil(CHAT_LINE_BYTES / 6));
    const long = await chatted(wideVocab, [line, "/exit"], 16);
    expect(long.stderr).toMatch(/this message is \d+ tokens long, more than the whole context of \d+ tokens/);
    expectWithinBound(wideVocab, "chat, one 16 KiB line", long.peak);
  });
});
