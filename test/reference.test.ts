// Sanity tests for the test tooling itself, without the core: the llama2.c checkpoint
// writer/reader round-trips, and the float64 reference forward pass reproduces the
// published greedy text of stories260K.

import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import {
  encodeLlama2cCheckpoint,
  llama2cCheckpointSize,
  randomLlama2cModel,
  readLlama2cCheckpoint,
  syntheticLlama2cVocab,
  writeLlama2cCheckpoint,
  writeLlama2cTokenizer,
  type Llama2cConfig,
} from "../host/model/llama2c-checkpoint.js";
import { Llama2Reference } from "./reference/llama2-forward.js";

const root = new URL("..", import.meta.url).pathname;
const BOS = 1;

const tempDirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-reference-"));
  tempDirs.push(dir);
  return dir;
}
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

/** Just enough of a llama2.c tokenizer to turn ids into text, the way run.c prints them. */
function readPieces(file: Uint8Array): Uint8Array[] {
  const view = new DataView(file.buffer, file.byteOffset, file.byteLength);
  const pieces: Uint8Array[] = [];
  let offset = 4; // max_token_length
  while (offset < file.byteLength) {
    const length = view.getInt32(offset + 4, true); // after the f32 score
    pieces.push(file.subarray(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  return pieces;
}

function decode(pieces: Uint8Array[], tokens: number[]): string {
  const bytes: number[] = [];
  let prev = BOS;
  for (const token of tokens) {
    let piece = Array.from(pieces[token]);
    if (prev === BOS && piece[0] === 0x20) piece = piece.slice(1); // leading space stripped after BOS
    const text = String.fromCharCode(...piece);
    const byteToken = /^<0x([0-9A-F]{2})>$/.exec(text);
    if (byteToken) bytes.push(parseInt(byteToken[1], 16));
    else bytes.push(...piece);
    prev = token;
  }
  return new TextDecoder().decode(new Uint8Array(bytes));
}

function argmax(values: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
  return best;
}

/** llama2.c's greedy loop with an empty prompt: start at BOS, one token per step, stop on BOS. */
function greedy(model: Llama2Reference, steps: number): number[] {
  const tokens: number[] = [];
  let token = BOS;
  for (let pos = 0; pos < steps; pos++) {
    const next = argmax(model.forward(token, pos));
    if (next === BOS) break;
    tokens.push(next);
    token = next;
  }
  return tokens;
}

describe("llama2.c checkpoint files", () => {
  const config: Llama2cConfig = { dim: 24, hiddenDim: 40, nLayers: 2, nHeads: 6, nKvHeads: 3, vocabSize: 20, seqLen: 10, sharedClassifier: false };

  it("round-trips an unshared-classifier checkpoint through a file", async () => {
    const weights = randomLlama2cModel(config, 7);
    const path = join(await tempDir(), "model.bin");
    await writeLlama2cCheckpoint(path, config, weights);
    const file = await readFile(path);
    expect(file.byteLength).toBe(llama2cCheckpointSize(config));
    expect(file.readInt32LE(20)).toBe(-20); // negative vocab_size: wcls stored separately

    const read = readLlama2cCheckpoint(file);
    expect(read.config).toEqual(config);
    expect(Object.keys(read.weights).sort()).toEqual(Object.keys(weights).sort());
    for (const [name, array] of Object.entries(weights)) expect(read.weights[name as keyof typeof weights], name).toEqual(array);
  });

  it("round-trips a shared-classifier checkpoint, also from an unaligned buffer", () => {
    const shared = { ...config, sharedClassifier: true };
    const weights = randomLlama2cModel(shared, 8);
    expect(weights.wcls).toBeUndefined();
    const bytes = encodeLlama2cCheckpoint(shared, weights);
    expect(new DataView(bytes.buffer).getInt32(20, true)).toBe(20);
    const unaligned = new Uint8Array(bytes.byteLength + 1).subarray(1);
    unaligned.set(bytes);
    const read = readLlama2cCheckpoint(unaligned);
    expect(read.config).toEqual(shared);
    expect(read.weights.wcls).toBeUndefined();
    expect(read.weights.w2).toEqual(weights.w2);
    expect(read.weights.rmsFinalWeight).toEqual(weights.rmsFinalWeight);
  });

  it("lays the arrays out in llama2.c order with freq_cis before wcls", () => {
    const weights = randomLlama2cModel(config, 9);
    const floats = new Float32Array(encodeLlama2cCheckpoint(config, weights).buffer, 28);
    const { dim, vocabSize, seqLen } = config;
    const headSize = dim / config.nHeads;
    expect(floats.subarray(0, vocabSize * dim)).toEqual(weights.tokenEmbeddingTable);
    const wclsStart = floats.length - vocabSize * dim;
    expect(floats.subarray(wclsStart)).toEqual(weights.wcls);
    const freqStart = wclsStart - seqLen * headSize;
    expect(floats.subarray(freqStart - dim, freqStart)).toEqual(weights.rmsFinalWeight);
    expect(floats[freqStart]).toBe(1); // cos(0 * freq)
    expect(floats[freqStart + (seqLen * headSize) / 2]).toBe(0); // sin(0 * freq)
  });

  it("is deterministic in the seed", () => {
    expect(randomLlama2cModel(config, 1).wq).toEqual(randomLlama2cModel(config, 1).wq);
    expect(randomLlama2cModel(config, 1).wq).not.toEqual(randomLlama2cModel(config, 2).wq);
  });

  it("rejects a file whose size does not match its header", () => {
    const bytes = encodeLlama2cCheckpoint(config, randomLlama2cModel(config, 3));
    expect(() => readLlama2cCheckpoint(bytes.subarray(0, bytes.byteLength - 4))).toThrow(/header implies/);
    expect(() => readLlama2cCheckpoint(bytes.subarray(0, 10))).toThrow(/header/);
  });

  it("writes a tokenizer file that the piece reader reads back", async () => {
    const vocab = syntheticLlama2cVocab(96);
    const path = join(await tempDir(), "tok.bin");
    await writeLlama2cTokenizer(path, vocab);
    const file = await readFile(path);
    expect(file.readInt32LE(0)).toBe(6); // "\n</s>\n"
    const pieces = readPieces(file);
    expect(pieces.map((p) => new TextDecoder().decode(p))).toEqual(vocab.map((p) => p.piece));
    expect(file.readFloatLE(4 + 3 * 8 + 5 + 5 + 6)).toBe(-3); // score of piece 3, " "
  });
});

describe("reference forward pass on stories260K", async () => {
  const checkpoint = readLlama2cCheckpoint(await readFile(join(root, "models/stories260K.bin")));
  const pieces = readPieces(await readFile(join(root, "models/tok512.bin")));
  const expected = await readFile(join(root, "test/fixtures/stories260K/greedy-n256.txt"), "utf8");

  it("has the published shape (grouped-query attention, shared classifier)", () => {
    expect(checkpoint.config).toEqual({ dim: 64, hiddenDim: 172, nLayers: 5, nHeads: 8, nKvHeads: 4, vocabSize: 512, seqLen: 512, sharedClassifier: true });
    expect(pieces).toHaveLength(512);
  });

  it("greedy from BOS spells the beginning of the published text", () => {
    const tokens = greedy(new Llama2Reference(checkpoint), 40);
    const text = decode(pieces, tokens);
    expect(text.startsWith("Once upon a time, there was a little girl named Lily. She loved to play outside in the park.")).toBe(true);
    expect(expected.startsWith(text)).toBe(true);
  });

  it("greedy for 256 steps reproduces the whole published text", () => {
    const tokens = greedy(new Llama2Reference(checkpoint), 256);
    expect(decode(pieces, tokens) + "\n").toBe(expected); // run.c ends with a newline
  });
});
