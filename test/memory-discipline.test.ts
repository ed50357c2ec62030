// Issue 16's memory discipline: what happens per chat line, per host request or per token
// gives its memory back, so long sessions and long inputs keep memory flat and answers
// exact; inputs too long for any budget end in one line naming it, never a trap.
// Evidence: the core's own memory and object-heap sizes, fresh runs of the same turn,
// tokenize's ids, and the logits of the same ids fed straight to forward_tokens.
import { mkdtempSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configText } from "../host/config.js";
import { synthesize } from "../host/commands/synth.js";
import { SHAPES } from "../host/gguf/synthetic.js";
import { openGGUF } from "../host/gguf/reader.js";
import { GGUFWriter } from "../host/gguf/writer.js";
import { gguf } from "../host/gguf/types.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { cliPath } from "./helpers/cli.js";

const MiB = 1 << 20;
const chatHelper = join(import.meta.dirname, "helpers", "chat-memory.ts");
const viteNode = createRequire(import.meta.url).resolve("vite-node/vite-node.mjs");
const bundled = { model: bundledModel, tokenizer: bundledTokenizer };
/** The longest line the chat reads (assembly/text/chat.ts LINE_BYTES). */
const CHAT_LINE_BYTES = 16384;

interface ChatRun {
  answers: string[]; // the text after each "> " prompt that has any
  stderr: string;
  memoryBytes: number;
  objectHeapBytes: number;
}

/** A greedy host-mode chat with the bundled model in its own process (the core reads fd 0). */
async function chatRun(lines: string[], steps: number): Promise<ChatRun> {
  const result = await execa("node", [viteNode, chatHelper, bundledModel, "0", String(steps), bundledTokenizer], {
    input: lines.join("\n") + "\n",
    reject: false,
    timeout: 300_000,
  });
  expect(result.exitCode, result.stderr.slice(-2000)).toBe(0);
  const number = (name: string) => Number(result.stderr.match(new RegExp(`^${name} (\\d+)$`, "m"))![1]);
  const answers = result.stdout.split("> ").map((a) => a.trim()).filter((a) => a.length > 0);
  return { answers, stderr: result.stderr, memoryBytes: number("memory-bytes"), objectHeapBytes: number("object-heap-bytes") };
}

function captured() {
  const out = { stdout: "", stderr: "" };
  const core = new Core({ stdout: (b) => (out.stdout += Buffer.from(b).toString()), stderr: (b) => (out.stderr += Buffer.from(b).toString()) });
  return { core, out };
}

describe("chat: every line gives back what it took", () => {
  it("10 000 turns (each then /reset): memory and object heap as after one, every answer the fresh chat's", async () => {
    const turn = ["Once upon a time", "/reset"];
    const fresh = await chatRun(turn, 4);
    const long = await chatRun(Array.from({ length: 10_000 }, () => turn).flat(), 4);
    expect(fresh.answers).toHaveLength(1);
    expect(fresh.answers[0]).toMatch(/^, there was/);
    expect(long.answers).toHaveLength(10_000);
    expect(long.answers.every((a) => a === fresh.answers[0])).toBe(true);
    expect(long.memoryBytes).toBe(fresh.memoryBytes);
    expect(long.objectHeapBytes).toBe(fresh.objectHeapBytes);
  }, 300_000);

  it("110 lines of 16 KiB, /reset, then a story: the fresh chat's story, memory flat", async () => {
    const line = "Lily saw a big red ball. ".repeat(700).slice(0, CHAT_LINE_BYTES - 1);
    const story = ["Once upon a time"];
    const fresh = await chatRun(story, 60);
    const one = await chatRun([line, "/reset", ...story], 60);
    const many = await chatRun([...Array.from({ length: 110 }, () => line), "/reset", ...story], 60);
    // Each long line alone is more than the context: said, not sent, not cached.
    expect(many.stderr.match(/^this message is \d+ tokens long, more than the whole context of 512 tokens/gm)).toHaveLength(110);
    expect(many.answers.at(-1)).toBe(fresh.answers[0]);
    expect(fresh.answers[0]).toMatch(/^, there was a little girl named Lily/);
    expect(many.memoryBytes).toBe(one.memoryBytes);
    expect(many.objectHeapBytes).toBe(one.objectHeapBytes);
  }, 120_000);
});

describe("host requests give back what they took", () => {
  it("encode called 10 000 times: the memory and object heap of 10 calls", () => {
    const core = new Core({ stdout: () => {}, stderr: () => {} });
    core.load(configText(bundled));
    const text = "Once upon a time, Lily saw a big red ball.\nShe was happy.";
    const ids = core.encode(text);
    for (let i = 0; i < 10; i++) core.encode(text);
    const [memory, heap] = [core.memoryBytes, core.objectHeapBytes];
    for (let i = 0; i < 10_000; i++) expect(core.encode(text)).toEqual(ids);
    expect(core.memoryBytes).toBe(memory);
    expect(core.objectHeapBytes).toBe(heap);
  }, 60_000);
});

describe("long inputs: linear, within budgets, one line when too long", () => {
  let dir: string;
  let longContext: string; // a tiny llama GGUF with a 4096-token context, so a 3 KB prompt fits

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "uefi-llm-discipline-"));
    longContext = join(dir, "test-llama-2k.gguf");
    await synthesize({ shapeName: "test-llama", shape: { ...SHAPES["test-llama"], contextLength: 4096 }, type: "f32", seed: 1, output: longContext, format: "gguf" });
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("a 3,179-byte prompt with newlines: its tokens are tokenize's, and they are what the model continued", () => {
    const prompt = "Once upon a time, Lily saw a big red ball.\n".repeat(74).slice(0, 3179);
    expect(Buffer.byteLength(prompt)).toBe(3179);
    const reference = new Core({ stdout: () => {}, stderr: () => {} });
    reference.load(configText({ model: longContext }));
    const ids = reference.encode(prompt, { parseSpecial: true });
    expect(ids.length).toBeGreaterThan(500);
    expect(ids.length).toBeLessThan(4096);
    const logits = reference.forwardTokens(ids, 0);
    const greedyNext = logits.indexOf(Math.max(...logits));

    const { core, out } = captured();
    core.run(configText({ model: longContext, prompt, steps: 1, temperature: 0, printIds: true, ignoreEos: true }));
    expect(out.stderr).toMatch(new RegExp(`prompt ${ids.length} tokens`));
    expect(out.stdout.trimEnd().split("\n").at(-1)).toBe(`[${greedyNext}]`);
  });

  it("chat --system with 3 KB of text and newlines: the first turn prefills exactly its tokens", async () => {
    const system = "Lily and Tom like to play in the park.\n".repeat(79).slice(0, 3072);
    const reference = new Core({ stdout: () => {}, stderr: () => {} });
    reference.load(configText({ model: longContext }));
    // no chat template in this GGUF: plain text, the system prompt and a blank line before the message
    const expected = reference.encode(`${system}\n\nHello`, { parseSpecial: true }).length;
    const result = await execa("node", [cliPath, "chat", "-m", longContext, "--system", system, "--temp", "0", "-n", "4"], { input: "Hello\n/stats\n", reject: false, timeout: 60_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(new RegExp(`^prefilled ${expected} tokens`, "m"));
  });

  it("a 1 MB prompt: one line naming the context, before any tokenizing; memory within model + KV + 32 MiB", () => {
    const { core } = captured();
    const prompt = "Once upon a time\n".repeat(61681);
    expect(() => core.run(configText({ ...bundled, prompt }))).toThrow(/^the prompt is 1048577 bytes long, more than the model's context of 512 tokens can hold$/);
    // stories260K: 1 MiB of weights, a 0.5 MiB KV cache, the 1 MB config held once
    expect(core.memoryBytes).toBeLessThan(1 * MiB + 1 * MiB + 32 * MiB);
  });

  it("a 1 MB configuration (comments and settings) generates exactly what the bare one does", () => {
    const settings = { ...bundled, prompt: "Once upon a time", steps: 40, temperature: 0 };
    const bare = captured();
    bare.core.run(configText(settings));
    const big = captured();
    big.core.run(`# ${"notes ".repeat(175_000)}\n` + configText(settings));
    expect(big.out.stdout).toBe(bare.out.stdout);
    // The megabyte line costs the object heap nothing (the timing line's digits may differ by a few bytes).
    expect(Math.abs(big.core.objectHeapBytes - bare.core.objectHeapBytes)).toBeLessThan(256);
  });

  it("past its budget the object heap stops with one line naming it, before the arena (a GGUF with a 6 MB chat template)", async () => {
    const source = await openGGUF(longContext);
    const huge = join(dir, "huge-template.gguf");
    const metadata = new Map(source.metadata);
    metadata.set("tokenizer.chat_template", gguf.str("{# " + "x".repeat(6 * MiB) + " #}<|im_start|>"));
    const writer = await GGUFWriter.create(huge, metadata, source.tensors.map((t) => ({ name: t.name, ne: t.ne, type: t.type })));
    for (const t of source.tensors) await writer.write(t.name, await source.readTensorBytes(t));
    await writer.close();
    await source.close();
    // The template is read as a string (12 MB in UTF-16), more than the 8 MiB object heap holds.
    const result = await execa("node", [cliPath, "chat", "-m", huge], { input: "Hello\n", reject: false, timeout: 60_000 });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr.split("\n")[0]).toBe("core abort: the object heap (8 MiB, strings and small objects) is full");
    expect(result.stdout).toBe("");
  });

  it("a 20 MB configuration: one line, no trap", () => {
    expect(() => captured().core.run(configText({ ...bundled, prompt: "a\n".repeat(10 * MiB) }))).toThrow(/^the prompt is 20971520 bytes long, more than the model's context/);
    expect(() => captured().core.run(configText({ ...bundled, model: "m".repeat(20 * MiB) }))).toThrow(/^config line 1: the value of 'model' is 20971520 bytes, more than the 4096 it may have$/);
    // a million short lines: each line's strings are given back
    const { core, out } = captured();
    core.run(`${"steps = 8\n".repeat(1 << 20)}${configText({ ...bundled, prompt: "Once upon a time", temperature: 0 }).replace(/^steps = .*$/m, "")}`);
    expect(out.stdout).toMatch(/^Once upon a time, there was a little girl/);
  });
});
