// Slow: one model of each architecture kind issue 13 added, booted in QEMU/OVMF (TCG).
// The serial console must show what `uefi-llm generate` prints in Node for the same
// greedy settings, text and token ids byte for byte, and the ids must be llama.cpp's
// where llama.cpp made the file (test/fixtures/llama.cpp-made/archs, its README).
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { writeBootImage } from "../host/commands/image.js";
import { buildDir } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";
import { cli } from "./helpers/cli.js";
import { gemma2From } from "./helpers/gemma2.js";
import { lfm2From } from "./helpers/lfm2.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const BOOT_SECONDS = 240;
const STEPS = 24;
const workDir = join(buildDir, "test", "boot-archs");
const archs = join(import.meta.dirname, "fixtures", "llama.cpp-made", "archs");
const PROMPT = "Once upon a time, there was a little"; // the archs prompt
const tempDir = useTempDirs("uefi-llm-boot-archs-");
let efi: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
}, 600_000);

/** What the booted core printed after its banner, up to its timing line (CRLF as LF). */
async function bootGenerate(name: string, model: string): Promise<string> {
  const image = join(workDir, `${name}.img`);
  await writeBootImage({
    model,
    config: { prompt: PROMPT, steps: STEPS, temperature: 0, ignoreEos: true, printIds: true, end: "shutdown" },
    efi,
    output: image,
    force: true,
  });
  const result = await runQemu(image, { timeoutSeconds: BOOT_SECONDS });
  expect(result.timedOut, "the guest shut down by itself").toBe(false);
  const serial = result.output.replace(/\r\n/g, "\n");
  const banner = /^uefi-llm \d+\.\d+\.\d+\S* \| cpu: .*\n/m.exec(serial);
  expect(banner, `no banner in:\n${serial}`).not.toBeNull();
  const text = serial.slice(banner!.index + banner![0].length);
  const stats = /^generated \d+ tokens at [\d.]+ tok\/s.*\n/m.exec(text);
  expect(stats, `no timing line in:\n${text}`).not.toBeNull();
  return text.slice(0, stats!.index);
}

/** `uefi-llm generate` in Node with the same settings: its standard output. */
async function hostGenerate(model: string): Promise<string> {
  const result = await cli(["generate", "-m", model, "-p", PROMPT, "--temp", "0", "-n", String(STEPS), "--ignore-eos", "--print-ids"]);
  expect(result.exitCode, result.stderr).toBe(0);
  return result.stdout;
}

function idsOf(output: string): number[] {
  const line = output.trimEnd().split("\n").at(-1) ?? "";
  expect(line, output).toMatch(/^\[\d+(, \d+)*\]$/);
  return JSON.parse(line) as number[];
}

const kinds: { kind: string; model: () => Promise<string>; llamaCpp?: string }[] = [
  { kind: "qwen3", model: async () => join(archs, "synth-qwen3-F32.gguf"), llamaCpp: "synth-qwen3-F32" },
  { kind: "gemma3", model: async () => join(archs, "synth-gemma3-F32.gguf"), llamaCpp: "synth-gemma3-F32" },
  { kind: "gemma2", model: () => gemma2From(join(archs, "synth-gemma3-F32.gguf"), join(tempDir(), "gemma2.gguf")) },
  { kind: "phi3", model: async () => join(archs, "synth-phi3-fused-F32.gguf"), llamaCpp: "synth-phi3-fused-F32" },
  { kind: "smollm3", model: async () => join(archs, "synth-smollm3-F32.gguf"), llamaCpp: "synth-smollm3-F32" },
  { kind: "granite", model: async () => join(archs, "synth-granite-F32.gguf"), llamaCpp: "synth-granite-F32" },
  { kind: "lfm2", model: () => lfm2From(join(archs, "synth-smollm3-F32.gguf"), join(tempDir(), "lfm2.gguf")) },
];

describe("each new architecture booted in QEMU prints what host mode prints", () => {
  it.each(kinds)("$kind", async ({ kind, model, llamaCpp }) => {
    const path = await model();
    const host = await hostGenerate(path);
    const booted = await bootGenerate(kind, path);
    expect(booted).toBe(host);
    const ids = idsOf(booted);
    expect(ids).toHaveLength(STEPS);
    if (llamaCpp) {
      const ref = JSON.parse(readFileSync(join(archs, "refs", `${llamaCpp}.json`), "utf8"));
      expect(ref.prompt_text).toBe(PROMPT);
      expect(ids).toEqual(ref.greedy.generated_ids.slice(0, STEPS));
    }
  }, 400_000);
});
