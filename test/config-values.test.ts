// Configuration values keep their exact bytes: quoted values keep their spaces, escapes
// are resolved once and in place, paths open the file named, line breaks in paths are
// refused on the host, and bytes that are not UTF-8 are shown escaped in errors.
// Evidence: tokenize's ids for the same text, and the golden story from a file whose
// name ends in a space (next to a decoy without it).
import { copyFileSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { configText } from "../host/config.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { cli } from "./helpers/cli.js";

const dir = mkdtempSync(join(tmpdir(), "uefi-llm-values-"));
const golden = readFileSync(join(import.meta.dirname, "fixtures", "stories260K", "greedy-n256.txt"), "utf8");
const quiet = { stdout: () => {}, stderr: () => {} };

function promptTokens(stderr: string): number {
  return Number(stderr.match(/prompt (\d+) tokens/)![1]);
}

async function tokenize(text: string): Promise<number[]> {
  const result = await cli(["tokenize", text, "-m", bundledModel, "--tokenizer", bundledTokenizer]);
  expect(result.exitCode, result.stderr).toBe(0);
  return JSON.parse(result.stdout) as number[];
}

describe("prompts keep their exact bytes", () => {
  it("-p with leading and trailing spaces: as many prompt tokens as tokenize gives", async () => {
    for (const prompt of ["   Once", "Once   ", "  Once upon a time \t"]) {
      const result = await cli(["generate", "-p", prompt, "-n", "2", "--temp", "0"]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(promptTokens(result.stderr), JSON.stringify(prompt)).toBe((await tokenize(prompt)).length);
    }
  });

  it("uefi-llm.cfg: a quoted value keeps its spaces and resolves \\n, \\t, \\\", \\\\; an unquoted one is trimmed", () => {
    const run = (promptLine: string) => {
      let stderr = "";
      const core = new Core({ stdout: () => {}, stderr: (b) => (stderr += Buffer.from(b).toString()) });
      core.run(`model = ${bundledModel}\ntokenizer = ${bundledTokenizer}\nsteps = 1\ntemperature = 0\n${promptLine}\n`);
      return promptTokens(stderr);
    };
    const reference = new Core(quiet);
    reference.load(configText({ model: bundledModel, tokenizer: bundledTokenizer }));
    const count = (text: string) => reference.encode(text, { parseSpecial: true }).length;
    expect(run(`prompt = "  Once upon\\na \\"time\\"\\t\\\\  "`)).toBe(count(`  Once upon\na "time"\t\\  `));
    expect(run(`prompt =    Once upon a time   `)).toBe(count("Once upon a time"));
    expect(run(`prompt = "   Once"`)).toBe(5);
  });
});

describe("paths", () => {
  it("a model path ending in a space opens that file, not the one without the space", async () => {
    const model = join(dir, "model.bin ");
    copyFileSync(bundledModel, model);
    writeFileSync(join(dir, "model.bin"), "not a checkpoint");
    const result = await cli(["generate", "-m", model, "--tokenizer", bundledTokenizer, "--temp", "0", "-n", "256"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toBe(golden);
  });

  it("a line break in a path is refused on the host, in one line, before the core sees it", async () => {
    for (const args of [["-m", "a\ndebug = trap-oob"], ["-m", bundledModel, "--tokenizer", "tok\r\nsteps = 1"]]) {
      const result = await cli(["generate", ...args]);
      expect(result.exitCode).not.toBe(0);
      expect(result.stdout).toBe("");
      expect(result.stderr).toMatch(/^uefi-llm: the (model|tokenizer) path ".*" contains a line break, which a path may not\n$/);
    }
  });
});

describe("errors show bytes that are not UTF-8 escaped", () => {
  it("an invalid value and an unknown key from uefi-llm.cfg", () => {
    const bytes = (tail: number[]) => new Uint8Array([...Buffer.from(`model = ${bundledModel}\n`), ...tail, 0x0a]);
    const mode = [...Buffer.from("mode = "), 0xff, 0xc3, 0xa9, 0xc3];
    expect(() => new Core(quiet).run(bytes(mode))).toThrow(/^config line 2: mode must be generate, chat or serve, got '\\xffé\\xc3'$/);
    expect(() => new Core(quiet).run(bytes([...Buffer.from("screen = huge")]))).toThrow(/^config line 2: screen must be small or full, got 'huge'$/);
    const key = [0x80, ...Buffer.from("x = 1")];
    expect(() => new Core(quiet).run(bytes(key))).toThrow(/^config line 2: unknown key '\\x80x'$/);
  });
});
