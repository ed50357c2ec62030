// The core's forward pass against the independent float64 reference
// (test/reference/llama2-forward.ts): seeded random llama2.c models written at test
// time, and the bundled stories260K. Needs build/core.wasm (npm run build:core).

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { configText } from "../host/config.js";
import {
  randomLlama2cModel,
  readLlama2cCheckpoint,
  syntheticLlama2cVocab,
  writeLlama2cCheckpoint,
  writeLlama2cTokenizer,
  type Llama2cConfig,
} from "../host/model/llama2c-checkpoint.js";
import { Core } from "../host/runner/core.js";
import { Llama2Reference } from "./reference/llama2-forward.js";

const root = new URL("..", import.meta.url).pathname;
const BOS = 1;
/** f32 against f64: allowed max |difference| as a fraction of the largest |logit| (at least 1). */
const TOLERANCE = 1e-4;

const quiet = { stdout: () => {}, stderr: () => {} };

const tempDirs: string[] = [];
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

/** Write a random model and a matching synthetic tokenizer; return both sides ready to run. */
async function randomPair(config: Llama2cConfig, seed: number): Promise<{ core: Core; reference: Llama2Reference }> {
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-forward-"));
  tempDirs.push(dir);
  const model = join(dir, "model.bin");
  const tokenizer = join(dir, "tokenizer.bin");
  await writeLlama2cCheckpoint(model, config, randomLlama2cModel(config, seed));
  await writeLlama2cTokenizer(tokenizer, syntheticLlama2cVocab(config.vocabSize));
  return loadPair(model, tokenizer);
}

/** The reference reads the file back through the parser, so both sides see exactly the stored f32 values. */
async function loadPair(model: string, tokenizer: string): Promise<{ core: Core; reference: Llama2Reference }> {
  const core = new Core(quiet);
  core.load(configText({ model, tokenizer }));
  const reference = new Llama2Reference(readLlama2cCheckpoint(await readFile(model)));
  expect(core.vocabSize).toBe(reference.config.vocabSize);
  return { core, reference };
}

/** BOS, then a fixed spread of ids over the vocabulary. */
function tokenSequence(length: number, vocabSize: number): number[] {
  return Array.from({ length }, (_, i) => (i === 0 ? BOS : (i * 37 + 11) % vocabSize));
}

interface Comparison {
  pos: number;
  maxDiff: number; // max |core - reference|
  scale: number; // max(1, max |reference|)
  spread: number; // max - min of the reference logits, to show they are not flat
}

function compare(core: Core, reference: Llama2Reference, tokens: number[]): Comparison[] {
  return tokens.map((token, pos) => {
    const expected = reference.forward(token, pos);
    const actual = core.forward(token, pos);
    expect(actual.length).toBe(expected.length);
    let maxDiff = 0;
    for (let i = 0; i < expected.length; i++) maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
    const max = Math.max(...expected);
    const min = Math.min(...expected);
    return { pos, maxDiff, scale: Math.max(1, Math.abs(max), Math.abs(min)), spread: max - min };
  });
}

function expectClose(comparisons: Comparison[]): void {
  for (const c of comparisons) {
    expect(Number.isFinite(c.maxDiff), `pos ${c.pos}: non-finite logits`).toBe(true);
    expect(c.maxDiff, `pos ${c.pos}: max |core - reference| = ${c.maxDiff} at logit scale ${c.scale}`).toBeLessThanOrEqual(TOLERANCE * c.scale);
    expect(c.spread, `pos ${c.pos}: reference logits are flat, the comparison would prove little`).toBeGreaterThan(0.1);
  }
}

describe("core forward vs the float64 reference", () => {
  it("random model, grouped-query attention (6 heads, 2 kv heads), unshared classifier", async () => {
    const config: Llama2cConfig = { dim: 48, hiddenDim: 128, nLayers: 3, nHeads: 6, nKvHeads: 2, vocabSize: 96, seqLen: 64, sharedClassifier: false };
    const { core, reference } = await randomPair(config, 20240601);
    expectClose(compare(core, reference, tokenSequence(20, config.vocabSize)));
  });

  it("random model, grouped-query attention, shared classifier", async () => {
    const config: Llama2cConfig = { dim: 48, hiddenDim: 128, nLayers: 3, nHeads: 6, nKvHeads: 2, vocabSize: 96, seqLen: 64, sharedClassifier: true };
    const { core, reference } = await randomPair(config, 77);
    expectClose(compare(core, reference, tokenSequence(20, config.vocabSize)));
  });

  it("random model with odd sizes (no multiple of a vector width), multi-head attention, every position up to seq_len", async () => {
    // dim 42 = 7 heads of 6; hidden 37; vocab 53: nothing divisible by 4 or 8.
    const config: Llama2cConfig = { dim: 42, hiddenDim: 37, nLayers: 2, nHeads: 7, nKvHeads: 7, vocabSize: 53, seqLen: 23, sharedClassifier: false };
    const { core, reference } = await randomPair(config, 5);
    expectClose(compare(core, reference, tokenSequence(config.seqLen, config.vocabSize)));
  });

  it("stories260K along its greedy path", async () => {
    const { core, reference } = await loadPair(join(root, "models/stories260K.bin"), join(root, "models/tok512.bin"));
    // Feed the reference's own greedy choices, so the positions look like real text.
    const comparisons: Comparison[] = [];
    let token = BOS;
    for (let pos = 0; pos < 40; pos++) {
      const expected = reference.forward(token, pos);
      const actual = core.forward(token, pos);
      let maxDiff = 0;
      let best = 0;
      for (let i = 0; i < expected.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(actual[i] - expected[i]));
        if (expected[i] > expected[best]) best = i;
      }
      const scale = Math.max(1, ...Array.from(expected, Math.abs));
      comparisons.push({ pos, maxDiff, scale, spread: Math.max(...expected) - Math.min(...expected) });
      token = best;
    }
    expectClose(comparisons);
  });
});

describe("batched prefill", () => {
  it("gives bit for bit the logits of one token at a time, across batch boundaries", async () => {
    const config: Llama2cConfig = { dim: 48, hiddenDim: 128, nLayers: 3, nHeads: 6, nKvHeads: 2, vocabSize: 96, seqLen: 64, sharedClassifier: false };
    const tokens = tokenSequence(40, config.vocabSize); // 16 + 16 + 8: three batches
    const { core: batched, reference } = await randomPair(config, 99);
    const { core: sequential } = await randomPair(config, 99);
    // The first 37 in batches, then three more one at a time; the other core goes one by one.
    const afterPrompt = batched.forwardTokens(tokens.slice(0, 37), 0);
    let expected: Float32Array = new Float32Array();
    for (let pos = 0; pos < 37; pos++) expected = sequential.forward(tokens[pos], pos);
    expect(Array.from(afterPrompt)).toEqual(Array.from(expected));
    for (let pos = 37; pos < 40; pos++) expect(Array.from(batched.forward(tokens[pos], pos))).toEqual(Array.from(sequential.forward(tokens[pos], pos)));
    // and both still agree with the reference
    let last: Float64Array = new Float64Array();
    for (let pos = 0; pos < 40; pos++) last = reference.forward(tokens[pos], pos);
    const scale = Math.max(1, ...Array.from(last, Math.abs));
    const final = sequential.forward(tokens[39], 39);
    for (let i = 0; i < last.length; i++) expect(Math.abs(final[i] - last[i])).toBeLessThanOrEqual(TOLERANCE * scale);
  });
});
