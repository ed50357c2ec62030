// Host chat driven through stdin: turns stream answers, the KV cache is kept (a
// second turn prefills only its own tokens), commands work, bad lines don't crash it.
import { join } from "node:path";
import { execa } from "execa";
import { openGGUF } from "../host/gguf/reader.js";
import { GGUFWriter } from "../host/gguf/writer.js";
import { gguf } from "../host/gguf/types.js";
import { describe, expect, it } from "vitest";
import { cliPath } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-chatml-");

async function chat(lines: string[], args: string[] = []) {
  return execa("node", [cliPath, "chat", "--temp", "0", "-n", "20", ...args], { input: lines.join("\n") + "\n", reject: false, timeout: 60_000 });
}

/** The cumulative prefill counts that /stats reported, in order. */
function prefills(stderr: string): number[] {
  return [...stderr.matchAll(/^prefilled (\d+) tokens/gm)].map((m) => Number(m[1]));
}

describe("uefi-llm chat (bundled model, plain continuation)", () => {
  it("keeps the conversation in the KV cache: the second turn prefills only its own tokens", async () => {
    const result = await chat(["Once upon a time", "/stats", "Lily and Tom went to the park", "/stats", "/exit"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const [first, both] = prefills(result.stderr);
    expect(first).toBe(5); // BOS, " Once", " upon", " a", " time"
    // The second message's tokens plus the separator and the first answer's last token, nothing of the first turn again.
    expect(both - first).toBeGreaterThan(6);
    expect(both - first).toBeLessThan(20);
    expect(result.stdout).toMatch(/^> , there was a little girl named Lily/);
  });

  it("/reset starts over, /set changes sampling, unknown commands are named", async () => {
    const result = await chat(["Once upon a time", "/reset", "/stats", "/set temp 0.5", "/set temp abc", "/frobnicate", "/exit"]);
    expect(result.exitCode).toBe(0);
    expect(result.stderr).toMatch(/\(new conversation\)/);
    expect(result.stderr).toMatch(/prefilled 0 tokens.*context 0 of 512/);
    expect(result.stderr).toMatch(/^temp = 0.5$/m);
    expect(result.stderr).toMatch(/^cannot set 'temp': temperature must be a number, got 'abc'$/m);
    expect(result.stderr).toMatch(/unknown command '\/frobnicate'/);
  });

  it("survives empty, very long, non-ASCII and invalid UTF-8 lines, and ends at the end of input", async () => {
    const input = Buffer.concat([
      Buffer.from("\n   \n"),
      Buffer.from("Lily ".repeat(600) + "\n"), // longer than the context
      Buffer.from("Ünïcödé 日本 🦙\n"),
      Buffer.from([0xff, 0xfe, 0x41, 0x0a]),
      Buffer.from("/stats\n"),
    ]);
    const result = await execa("node", [cliPath, "chat", "--temp", "0", "-n", "10"], { input, reject: false, timeout: 60_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    // The message alone is longer than the context: said so, not "the context is full".
    expect(result.stderr).toMatch(/^this message is \d+ tokens long, more than the whole context of 512 tokens .*: it was not sent$/m);
    expect(result.stderr).not.toMatch(/context is full/);
    expect(prefills(result.stderr).at(-1)).toBeGreaterThan(5);
  });
});

describe("chat /set takes the configuration's names and ranges", () => {
  it("refuses what uefi-llm.cfg refuses, and a value that makes no distribution samples greedily", async () => {
    const refused = ["/set temp Infinity", "/set top_k 1e10", "/set seed 1e30", "/set temp 1abc", "/set top_p 0x10", "/set repeat_penalty 1e-45", "/set seed 18446744073709551616"];
    const result = await chat([...refused, "/set temp 1e-45", "Once upon a time", "/exit"]);
    expect(result.exitCode, result.stderr).toBe(0);
    const lines = result.stderr.split("\n");
    for (const line of refused) {
      const [, name, value] = line.split(" ");
      expect(lines.some((l) => l.startsWith(`cannot set '${name}': `) && l.endsWith(`got '${value}'`)), `${line}\n${result.stderr}`).toBe(true);
    }
    expect(result.stderr).toMatch(/^temp = 1e-45$/m);
    // temperature 1e-45 overflows every logit: greedy, the same answer as --temp 0 gives
    const greedy = await chat(["Once upon a time", "/exit"]);
    expect(result.stdout.replace(/^(> )+/, "")).toBe(greedy.stdout.replace(/^(> )+/, ""));
    expect(greedy.stdout).toMatch(/there was a little girl named Lily/);
  });
});

describe("uefi-llm chat with a GGUF that carries a ChatML template", () => {
  it("renders turns with the template, prefills only the new turn, and names an unknown template", async () => {
    const dir = tempDir();
    const model = join(dir, "qwen2.gguf");
    const synth = await execa("node", [cliPath, "synth", "--shape", "test-qwen2", "--type", "q8_0", "-o", model], { reject: false });
    expect(synth.exitCode, synth.stderr).toBe(0);
    const result = await chat(["Hello there", "/stats", "How are you", "/stats", "/exit"], ["-m", model, "--system", "You are terse.", "-n", "8"]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/^chat \(chatml template/);
    const [first, both] = prefills(result.stderr);
    // The first turn is the system and user messages in ChatML; the second only its own
    // (the previous answer's end token, "\n<|im_start|>user\n...<|im_end|>\n<|im_start|>assistant\n").
    expect(first).toBeGreaterThan(20);
    expect(both - first).toBeGreaterThan(10);
    expect(both - first).toBeLessThan(first);

    // --chat-template overrides the model's template.
    const zephyr = await chat(["Hello", "/exit"], ["-m", model, "--chat-template", "zephyr"]);
    expect(zephyr.stderr).toMatch(/^chat \(zephyr template/);

    // A template we do not know: said in one line, then plain text.
    const source = await openGGUF(model);
    const strange = join(dir, "strange-template.gguf");
    const metadata = new Map(source.metadata);
    metadata.set("tokenizer.chat_template", gguf.str("{% for m in messages %}<<{{ m.role }}>> {{ m.content }}{% endfor %}"));
    const writer = await GGUFWriter.create(strange, metadata, source.tensors.map((t) => ({ name: t.name, ne: t.ne, type: t.type })));
    for (const t of source.tensors) await writer.write(t.name, await source.readTensorBytes(t));
    await writer.close();
    await source.close();
    const unknown = await chat(["Hello", "/exit"], ["-m", strange]);
    expect(unknown.exitCode).toBe(0);
    expect(unknown.stderr).toMatch(/chat template is not one uefi-llm knows; chatting in plain text/);
    expect(unknown.stderr).toMatch(/^chat \(plain template/m);
  });
});
