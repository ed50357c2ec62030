// The core's llama2.c tokenizer against the vocabularies' own pieces and an
// independent reference encoder (test/reference/spm-bpe.ts).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Core } from "../host/runner/core.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { configText } from "../host/config.js";
import { encodeLlama2cCheckpoint, randomLlama2cModel } from "../host/model/llama2c-checkpoint.js";
import { ReferenceTokenizer } from "./reference/spm-bpe.js";
import { writeFileSync } from "node:fs";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-tok-");

const llama2Tokenizer = join(import.meta.dirname, "fixtures", "llama2c", "tokenizer.bin");
const silent = { stdout: () => {}, stderr: () => {} };

/** A core with a vocabulary of `vocabSize` loaded; the model is random, only its vocab size matters. */
function coreWith(tokenizer: string, vocabSize: number): Core {
  const dir = tempDir();
  const model = join(dir, "model.bin");
  const config = { dim: 8, hiddenDim: 16, nLayers: 1, nHeads: 2, nKvHeads: 2, vocabSize, seqLen: 8, sharedClassifier: true };
  writeFileSync(model, encodeLlama2cCheckpoint(config, randomLlama2cModel(config, 1)));
  const core = new Core(silent);
  core.load(configText({ model, tokenizer }));
  return core;
}

/** What the text decodes to, as generation prints it (BOS first). */
function decodeAll(core: Core, ids: number[]): string {
  const parts: Uint8Array[] = [];
  for (let i = 1; i < ids.length; i++) parts.push(core.decode(ids[i - 1], ids[i]));
  return Buffer.concat(parts).toString("utf8");
}

const samples = [
  "Hello world",
  "I believe the meaning of life is",
  "Once upon a time, there was a little girl named Lily.",
  "  leading spaces, trailing spaces  ",
  "Line one\nLine two\ttabbed",
  "Ünïcödé: naïve café, 日本語のテキスト, Ελληνικά, русский",
  "emoji 🦙🚀 and 👩‍👩‍👧 family",
  "numbers 3.14159 and symbols <>{}[]()#$%^&*",
];

describe("llama2.c tokenizer (32000 tokens)", () => {
  let core: Core;
  let reference: ReferenceTokenizer;
  beforeAll(() => {
    core = coreWith(llama2Tokenizer, 32000);
    reference = new ReferenceTokenizer(llama2Tokenizer, 32000);
  });

  it("gives the ids whose pieces spell the words", () => {
    const ids = core.encode("I believe the meaning of life is");
    expect(ids).toEqual([1, 306, 4658, 278, 6593, 310, 2834, 338]);
    expect(ids.slice(1).map((id) => reference.pieces[id].toString())).toEqual([" I", " believe", " the", " meaning", " of", " life", " is"]);
    expect(core.encode("Hello world")).toEqual([1, reference.idOf(" Hello"), reference.idOf(" world")]);
  });

  it("falls back to byte tokens for characters without a piece", () => {
    const ids = core.encode("🦙", { bos: false });
    const bytes = [...Buffer.from("🦙")];
    expect(ids.slice(1)).toEqual(bytes.map((b) => reference.idOf(`<0x${b.toString(16).toUpperCase()}>`)));
  });

  it("agrees with the reference encoder", () => {
    for (const text of samples) expect(core.encode(text), text).toEqual(reference.encode(text));
  });

  it("round-trips ASCII, Unicode and emoji text", () => {
    for (const text of samples) expect(decodeAll(core, core.encode(text)), text).toBe(text);
  });

  it("adds BOS and EOS only when asked", () => {
    expect(core.encode("", { bos: false })).toEqual([]);
    expect(core.encode("", { bos: true, eos: true })).toEqual([1, 2]);
    expect(core.encode("hi", { bos: false, eos: true }).at(-1)).toBe(2);
  });
});

describe("tok512 (the bundled model's tokenizer)", () => {
  it("agrees with the reference encoder and round-trips", () => {
    const core = new Core(silent);
    core.load(configText({ model: bundledModel, tokenizer: bundledTokenizer }));
    const reference = new ReferenceTokenizer(bundledTokenizer, 512);
    for (const text of samples) {
      expect(core.encode(text), text).toEqual(reference.encode(text));
      expect(decodeAll(core, core.encode(text)), text).toBe(text);
    }
  });
});
