// Slow: the booted core on two processors (QEMU -smp 2, MTTCG). parallel_for spreads
// the matrix products over the boot processor and the AP through EFI MP Services
// (firmware/parallel.c); the story must still be, byte for byte, the published text.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { type RunConfig } from "../host/config.js";
import { writeBootImage } from "../host/commands/image.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";

const BOOT_SECONDS = 240;
const workDir = join(buildDir, "test", "boot-smp");
const expected = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", "stories260K", name), "utf8");
let efi: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
}, 600_000);

/** Boot stories260K with `config` on `smp` processors: the banner's processor count and the story. */
async function boot(name: string, smp: number, config: Omit<RunConfig, "model" | "tokenizer">) {
  const image = join(workDir, `${name}.img`);
  await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, config: { end: "shutdown", ...config }, efi, output: image, force: true });
  const result = await runQemu(image, { timeoutSeconds: BOOT_SECONDS, smp });
  expect(result.timedOut, "the guest shut down by itself").toBe(false);
  const serial = result.output.replace(/\r\n/g, "\n");
  const banner = /^uefi-llm \d+\.\d+\.\d+\S* \| cpu: .* \| processors: (\d+)\n/m.exec(serial);
  expect(banner, `no banner in:\n${serial}`).not.toBeNull();
  const text = serial.slice(banner!.index + banner![0].length);
  const stats = /^generated \d+ tokens at [\d.]+ tok\/s.*\n/m.exec(text);
  expect(stats, `no timing line in:\n${text}`).not.toBeNull();
  return { processors: Number(banner![1]), story: text.slice(0, stats!.index), exitCode: result.exitCode };
}

describe("booted in QEMU on two processors", () => {
  it("greedy stories260K prints llama2.c's text, using both", async () => {
    const { processors, story, exitCode } = await boot("greedy", 2, { temperature: 0, steps: 256 });
    expect(processors).toBe(2);
    expect(story).toBe(expected("greedy-n256.txt"));
    expect(exitCode).toBe(0);
  }, 300_000);

  it("seeded sampling prints llama2.c's text, using both", async () => {
    const { processors, story } = await boot("sampled", 2, { temperature: 1.0, topP: 0.9, seed: 133742, steps: 256 });
    expect(processors).toBe(2);
    expect(story).toBe(expected("temp1.0-topp0.9-seed133742-n256.txt"));
  }, 300_000);
});
