// The core's GGUF path against llama.cpp's own files and outputs (test/fixtures/llama.cpp-made/,
// see its README): dequantization bit for bit, and logits along llama.cpp's tokens.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Core } from "../host/runner/core.js";
import { configText } from "../host/config.js";
import { bundledTokenizer } from "../host/paths.js";
import { cli } from "./helpers/cli.js";

const made = join(import.meta.dirname, "fixtures", "llama.cpp-made");
const silent = { stdout: () => {}, stderr: () => {} };

function loadCore(file: string): Core {
  const core = new Core(silent);
  core.load(configText({ model: file, tokenizer: bundledTokenizer }));
  return core;
}

function modelPath(name: string): string {
  return name === "stories260K.gguf" ? join(import.meta.dirname, "fixtures", "gguf", name) : join(made, name);
}

interface DequantEntry {
  model_file: string;
  tensor: string;
  n_values: number;
}

describe("dequantization", () => {
  const index: Record<string, DequantEntry> = JSON.parse(readFileSync(join(made, "dequant", "index.json"), "utf8"));
  for (const [file, entry] of Object.entries(index)) {
    it(`${entry.model_file} ${entry.tensor} equals llama.cpp's, bit for bit`, () => {
      const expected = new Uint32Array(new Uint8Array(readFileSync(join(made, "dequant", file))).buffer);
      const actual = new Uint32Array(loadCore(modelPath(entry.model_file)).dequantizeTensor(entry.tensor, entry.n_values).buffer);
      expect(actual.length).toBe(entry.n_values);
      let mismatches = 0;
      for (let i = 0; i < actual.length; i++) if (actual[i] !== expected[i]) mismatches++;
      expect(mismatches).toBe(0);
    });
  }
});

interface GreedyReference {
  prompt_ids: number[];
  generated_ids: number[];
  numpy_check: { argmax_matches_all_steps: boolean; max_abs_logit_diff_vs_llama_cpp: number };
}

const models = [
  "stories260K.gguf", "stories260K-F16.gguf", "stories260K-BF16.gguf", "stories260K-Q8_0.gguf", "stories260K-Q4_0.gguf",
  "stories260K-Q4_1.gguf", "stories260K-Q5_0.gguf", "stories260K-Q5_1.gguf",
  "kquant-test-F32.gguf", "kquant-test-Q4_K.gguf", "kquant-test-Q6_K.gguf",
];

describe("logits along llama.cpp's tokens", () => {
  for (const name of models) {
    const stem = name.replace(/\.gguf$/, "");
    it(name, () => {
      const ref: GreedyReference = JSON.parse(readFileSync(join(made, "refs", `${stem}.greedy.json`), "utf8"));
      const logits = new Float32Array(new Uint8Array(readFileSync(join(made, "refs", `${stem}.logits.f32.bin`))).buffer);
      const core = loadCore(modelPath(name));
      const vocab = core.vocabSize;
      const tokens = [...ref.prompt_ids, ...ref.generated_ids];
      // An implementation with float activations differs from llama.cpp about as much as the
      // README's independent numpy pass does; twice that, plus rounding, is the bound.
      const tolerance = 2 * ref.numpy_check.max_abs_logit_diff_vs_llama_cpp + 0.01;
      let worst = 0;
      const argmaxes: number[] = [];
      for (let pos = 0; pos < tokens.length - 1; pos++) {
        const ours = core.forward(tokens[pos], pos);
        const step = pos - (ref.prompt_ids.length - 1);
        if (step < 0) continue;
        const theirs = logits.subarray(step * vocab, (step + 1) * vocab);
        for (let v = 0; v < vocab; v++) worst = Math.max(worst, Math.abs(ours[v] - theirs[v]));
        argmaxes.push(ours.indexOf(Math.max(...ours)));
      }
      expect(worst).toBeLessThanOrEqual(tolerance);
      if (ref.numpy_check.argmax_matches_all_steps) expect(argmaxes).toEqual(ref.generated_ids);
    });
  }
});

describe("uefi-llm generate --print-ids on llama.cpp's files", () => {
  for (const name of models) {
    const stem = name.replace(/\.gguf$/, "");
    const ref: GreedyReference = JSON.parse(readFileSync(join(made, "refs", `${stem}.greedy.json`), "utf8"));
    // Only where a float-activation implementation picks llama.cpp's argmax at every step (the README's numpy check).
    if (!ref.numpy_check.argmax_matches_all_steps) continue;
    it(`${name}: the 64 greedy ids are llama.cpp's`, async () => {
      const result = await cli(["generate", "-m", modelPath(name), "--tokenizer", bundledTokenizer, "-p", "Once upon a time", "--temp", "0", "-n", "64", "--print-ids"]);
      expect(result.exitCode, result.stderr).toBe(0);
      const lastLine = result.stdout.trimEnd().split("\n").at(-1)!;
      expect(JSON.parse(lastLine)).toEqual(ref.generated_ids);
    });
  }
});
