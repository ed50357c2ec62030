// Bad input ends in one specific line on stderr and a non-zero exit: never a trap, a stack trace or a hang.
import { existsSync, mkdtempSync, readFileSync, truncateSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-bad-");

const dir = tempDir();
const llama2Tokenizer = join(import.meta.dirname, "fixtures", "llama2c", "tokenizer.bin");

function fileWith(name: string, bytes: Uint8Array): string {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  return path;
}

/** The bundled checkpoint with header field `index` (0 = dim … 6 = seq_len) replaced. */
function withHeader(index: number, value: number): string {
  const bytes = Buffer.from(readFileSync(bundledModel));
  bytes.writeInt32LE(value, index * 4);
  return fileWith(`header-${index}-${value}.bin`, bytes);
}

async function expectOneLineError(args: string[], pattern: RegExp) {
  const result = await cli(args);
  expect(result.exitCode, result.stderr).not.toBe(0);
  expect(result.stdout).toBe("");
  const lines = result.stderr.trimEnd().split("\n");
  expect(lines[0]).toMatch(/^uefi-llm: /);
  expect(lines[0]).toMatch(pattern);
  expect(result.stderr).not.toMatch(/RuntimeError|trap|    at /);
}

describe("bad input on the host", () => {
  it("missing model file", () => expectOneLineError(["generate", "-m", join(dir, "nope.bin"), "--tokenizer", bundledTokenizer], /cannot open model '.*nope\.bin'/));

  it("missing tokenizer file", () => expectOneLineError(["generate", "-m", bundledModel, "--tokenizer", join(dir, "nope.bin")], /cannot open tokenizer/));

  it("truncated checkpoint", () => {
    const truncated = fileWith("truncated.bin", readFileSync(bundledModel).subarray(0, 500_000));
    return expectOneLineError(["generate", "-m", truncated, "--tokenizer", bundledTokenizer], /is truncated: the header .* needs 1056540 bytes, the file has 500000/);
  });

  it("header with impossible sizes", async () => {
    await expectOneLineError(["generate", "-m", withHeader(0, 0), "--tokenizer", bundledTokenizer], /impossible llama2.c header: dim 0/);
    await expectOneLineError(["generate", "-m", withHeader(3, 7), "--tokenizer", bundledTokenizer], /dim 64 is not a multiple of n_heads 7/);
    await expectOneLineError(["generate", "-m", withHeader(4, 3), "--tokenizer", bundledTokenizer], /n_heads 8 is not a multiple of n_kv_heads 3/);
    await expectOneLineError(["generate", "-m", withHeader(0, 2_000_000_000), "--tokenizer", bundledTokenizer], /impossible llama2.c header/);
    await expectOneLineError(["generate", "-m", withHeader(2, 60000), "--tokenizer", bundledTokenizer], /impossible llama2.c header|needs \d+ bytes/);
  });

  it("a GGUF tensor of a type ggml has but the core does not (type 31, by its number)", () => {
    const bytes = Buffer.from(readFileSync(join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf")));
    // A tensor info: name (u64 length, bytes), u32 n_dims, u64 dims, u32 type, u64 offset.
    const name = Buffer.from("token_embd.weight");
    const at = bytes.indexOf(name) + name.length;
    bytes.writeUInt32LE(31, at + 4 + 8 * bytes.readUInt32LE(at));
    const path = fileWith("type-31.gguf", bytes);
    return expectOneLineError(["generate", "-m", path], /tensor 'token_embd\.weight' in '.*type-31\.gguf' has type #31, which is not supported$/);
  });

  it("a file that is no checkpoint at all", () => {
    const tiny = fileWith("tiny.bin", Buffer.from("hello"));
    return expectOneLineError(["generate", "-m", tiny, "--tokenizer", bundledTokenizer], /not a llama2.c checkpoint/);
  });

  it("tokenizer whose vocabulary doesn't match the model", () =>
    expectOneLineError(["generate", "-m", bundledModel, "--tokenizer", llama2Tokenizer], /more tokens than the model's vocabulary \(512\)/));

  it("prompt longer than the context", () =>
    expectOneLineError(["generate", "-p", "Lily saw a big red ball. ".repeat(120)], /the prompt is \d+ tokens long, more than the model's context of 512 tokens/));

  it("steps beyond the context with --print-ids (no context shift)", () => expectOneLineError(["generate", "-n", "600", "--print-ids"], /-n 600 is too many: .* at most 512 more fit with --print-ids/));

  it("non-numeric and out-of-range flags: checked by the core, against the configuration's ranges", async () => {
    await expectOneLineError(["generate", "--temp", "abc"], /temperature must be a number, got 'abc'$/);
    await expectOneLineError(["generate", "-n", "1.5"], /steps must be a whole number, got '1.5'$/);
    await expectOneLineError(["generate", "--top-p", "2"], /top_p must be between 0 and 1, got '2'$/);
    await expectOneLineError(["generate", "--seed", "0"], /seed must be at least 1/);
    await expectOneLineError(["generate", "--temp", "1\nmodel = x"], /the value of temperature contains a line break/);
  });

  it("image checks its configuration in the core before building anything", async () => {
    const image = join(dir, "never.img");
    await expectOneLineError(["image", "-m", bundledModel, "--tokenizer", bundledTokenizer, "--top-k", "1e10", "-o", image], /top_k must be a whole number, got '1e10'$/);
    expect(existsSync(image)).toBe(false);
  });

  it("a line break in a model path", () => expectOneLineError(["generate", "-m", "a\nsteps = 1"], /the model path "a\\nsteps = 1" contains a line break/));

  it("a prompt longer than any context can hold is refused before tokenizing", () =>
    expectOneLineError(["generate", "-p", "Once upon a time. ".repeat(6_000)], /the prompt is 108000 bytes long, more than the model's context of 512 tokens can hold/));

  it("a model bigger than a wasm32 core can address", () => {
    const huge = join(dir, "huge.gguf");
    writeFileSync(huge, Buffer.from("GGUF"));
    truncateSync(huge, 5 * 2 ** 30); // sparse: nothing is written
    return expectOneLineError(["generate", "-m", huge], /model '.*huge\.gguf' needs 5120 MiB, beyond the 4 GiB that a wasm32 core can address/);
  });

  it("a llama2.c checkpoint without a tokenizer", () => expectOneLineError(["generate", "-m", bundledModel], /no tokenizer given/));
});
