// The benchmark command's output format, and the native backend's exactness: the
// wasm2c build with this CPU's vector units must print the same bytes as Node.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { buildNative } from "../host/toolchain/native.js";
import { configText } from "../host/config.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-bench-test-");

const fixtures = join(import.meta.dirname, "fixtures", "stories260K");
const keys = ["backend", "model", "threads", "prompt_tokens", "generated_tokens", "prefill_tok_per_s", "decode_tok_per_s", "ms_per_token", "load_ms", "model_bytes", "gb_per_s", "cpu"];

describe("uefi-llm bench", () => {
  for (const backend of ["node", "native"]) {
    it(`--backend ${backend} --json prints one object with the documented keys`, async () => {
      const result = await cli(["bench", "--backend", backend, "-n", "64", "-p", "Once upon a time", "--json"], { timeoutMs: 300_000 });
      expect(result.exitCode, result.stderr).toBe(0);
      const report = JSON.parse(result.stdout.trimEnd().split("\n").at(-1)!);
      expect(Object.keys(report)).toEqual(keys);
      expect(report.backend).toBe(backend);
      expect(report.generated_tokens).toBe(64);
      expect(report.prompt_tokens).toBe(5);
      expect(report.decode_tok_per_s).toBeGreaterThan(0);
      expect(report.gb_per_s).toBeGreaterThan(0);
    }, 300_000);
  }

  it("--march x86-64-v2 times the build for CPUs without AVX2, and is only for the native backend", async () => {
    const result = await cli(["bench", "--march", "x86-64-v2", "-n", "8", "--json"], { timeoutMs: 300_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout.trimEnd().split("\n").at(-1)!).cpu).toMatch(/\(-march=x86-64-v2\)$/);
    const refused = await cli(["bench", "--backend", "node", "--march", "x86-64-v2"]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toMatch(/^uefi-llm: --march compiles the native backend/);
  }, 300_000);
});

describe("the native backend", () => {
  it("prints llama2.c's published texts, byte for byte", async () => {
    const binary = await buildNative();
    const dir = tempDir();
    const run = async (settings: object, name: string) => {
      const file = join(dir, `${name}.cfg`);
      writeFileSync(file, configText({ model: bundledModel, tokenizer: bundledTokenizer, steps: 256, ...settings }));
      const result = await execa(binary, [file]);
      expect(result.stdout + "\n").toBe(readFileSync(join(fixtures, name), "utf8"));
    };
    await run({ temperature: 0 }, "greedy-n256.txt");
    await run({ temperature: 1, topP: 0.9, seed: 133742 }, "temp1.0-topp0.9-seed133742-n256.txt");
  }, 300_000);

  it("gives the same bytes with its work spread over 2 and 4 threads", async () => {
    // stories260K's matrices have 64 to 512 rows: every matmul is split into jobs, thousands of times per story.
    const binary = await buildNative();
    const file = join(tempDir(), "sampled.cfg");
    writeFileSync(file, configText({ model: bundledModel, tokenizer: bundledTokenizer, steps: 256, temperature: 1, topP: 0.9, seed: 133742 }));
    for (const threads of ["2", "4", "4"]) {
      const result = await execa(binary, ["--threads", threads, file]);
      expect(result.stdout + "\n", `${threads} threads`).toBe(readFileSync(join(fixtures, "temp1.0-topp0.9-seed133742-n256.txt"), "utf8"));
    }
  }, 300_000);
});
