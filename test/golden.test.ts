// The first correctness gate: llama2.c's published stories260K outputs, byte for byte.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

const fixtures = join(import.meta.dirname, "fixtures", "stories260K");
const expected = (name: string) => readFileSync(join(fixtures, name), "utf8");

describe("uefi-llm generate with the bundled stories260K (host mode)", () => {
  it("greedy, 256 tokens: llama2.c's published text", async () => {
    const result = await cli(["generate", "--temp", "0", "-n", "256"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(expected("greedy-n256.txt"));
    expect(result.stderr).toMatch(/^generated 256 tokens at [\d.]+ tok\/s, prompt 1 tokens at [\d.]+ tok\/s, load \d+ ms, [\d.]+ MB of weights per token\n$/);
  });

  it("temperature 1.0, top-p 0.9, seed 133742: llama2.c's published text", async () => {
    const result = await cli(["generate", "--temp", "1.0", "--top-p", "0.9", "--seed", "133742", "-n", "256"]);
    expect(result.exitCode).toBe(0);
    expect(result.stdout).toBe(expected("temp1.0-topp0.9-seed133742-n256.txt"));
  });

  it("echoes a prompt and continues it; -n counts only the new tokens", async () => {
    const result = await cli(["generate", "--temp", "0", "-p", "Once upon a time", "-n", "20"]);
    expect(result.exitCode).toBe(0);
    // The greedy story starts with this prompt, so its continuation is the same text.
    const greedy = expected("greedy-n256.txt");
    expect(greedy.startsWith(result.stdout.trimEnd())).toBe(true);
    expect(result.stderr).toMatch(/^generated 20 tokens/);
    expect(result.stdout.length).toBeGreaterThan("Once upon a time".length + 20);
  });

  it("the same seed gives the same text, another seed another", async () => {
    const run = (seed: string) => cli(["generate", "--temp", "0.8", "--seed", seed, "-n", "40"]);
    const [a, b, c] = await Promise.all([run("7"), run("7"), run("8")]);
    expect(a.stdout).toBe(b.stdout);
    expect(a.stdout).not.toBe(c.stdout);
  });
});
