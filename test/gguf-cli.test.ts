// GGUF through the command line: the tokenizer in the file, and stories260K.gguf
// telling exactly the stories the llama2.c checkpoint tells.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-convert-");

const gguf = join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf");
const expected = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", "stories260K", name), "utf8");

describe("stories260K.gguf with the tokenizer stored in it", () => {
  it("greedy: the same text as the llama2.c checkpoint", async () => {
    const result = await cli(["generate", "-m", gguf, "--temp", "0", "-n", "256"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected("greedy-n256.txt"));
  });

  it("seeded sampling: the same text as the llama2.c checkpoint", async () => {
    const result = await cli(["generate", "-m", gguf, "--temp", "1.0", "--top-p", "0.9", "--seed", "133742", "-n", "256"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(expected("temp1.0-topp0.9-seed133742-n256.txt"));
  });
});

describe("uefi-llm tokenize", () => {
  const refs = JSON.parse(readFileSync(join(import.meta.dirname, "fixtures", "llama.cpp-made", "refs", "tokenize-stories260K.json"), "utf8"));
  for (const c of refs.cases as { prompt: string; with_bos: number[]; no_bos: number[] }[]) {
    it(`gives llama-tokenize's ids for ${JSON.stringify(c.prompt)}`, async () => {
      const withBos = await cli(["tokenize", "-m", gguf, c.prompt]);
      const noBos = await cli(["tokenize", "-m", gguf, "--no-bos", c.prompt]);
      expect(JSON.parse(withBos.stdout)).toEqual(c.with_bos);
      expect(JSON.parse(noBos.stdout)).toEqual(c.no_bos);
    });
  }

  it("reads a vocabulary-only GGUF", async () => {
    const vocab = join(import.meta.dirname, "fixtures", "llama.cpp-vocab", "ggml-vocab-gpt-2.gguf");
    const input = readFileSync(`${vocab}.inp`, "utf8").split("\n__ggml_vocab_test__\n")[1];
    const output = readFileSync(`${vocab}.out`, "utf8").split("\n")[1];
    const result = await cli(["tokenize", "-m", vocab, input]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(JSON.parse(result.stdout)).toEqual(output.trim().split(/\s+/).filter(Boolean).map(Number));
  });

  it("names a missing file in one line", async () => {
    const result = await cli(["tokenize", "-m", "/nonexistent.gguf", "hi"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.trim()).toBe("uefi-llm: cannot open model '/nonexistent.gguf': no such file or directory");
  });
});

describe("uefi-llm convert", () => {
  it("stories260K at q8_0 still tells the greedy story's first 100 tokens", async () => {
    const dir = tempDir();
    const out = join(dir, "stories260K-q8_0.gguf");
    const convert = await cli(["convert", bundledModel, "--tokenizer", bundledTokenizer, "--type", "q8_0", "-o", out]);
    expect(convert.exitCode, convert.stderr).toBe(0);
    const ids = async (model: string[]) => {
      const result = await cli(["generate", ...model, "--temp", "0", "-n", "100", "--print-ids"]);
      expect(result.exitCode, result.stderr).toBe(0);
      return JSON.parse(result.stdout.trimEnd().split("\n").at(-1)!) as number[];
    };
    const original = await ids([]);
    expect(original).toHaveLength(100);
    expect(await ids(["-m", out])).toEqual(original);
  });
});
