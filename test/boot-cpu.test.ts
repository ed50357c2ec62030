// Slow: BOOTX64.EFI holds one build of the core per x86-64 level and runs the highest
// the CPU has. Booted under TCG, whose CPU models are the same on every host, each
// emulated CPU must get the build its features allow, named in the banner, and every
// build must print llama2.c's greedy story byte for byte: the levels differ in vector
// width only, never in the float operations or their order.
import { mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { parseBanner } from "../host/commands/bench.js";
import { writeBootImage } from "../host/commands/image.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";

const BOOT_SECONDS = 240;
const workDir = join(buildDir, "test", "boot-cpu");
const greedy = readFileSync(join(import.meta.dirname, "fixtures", "stories260K", "greedy-n256.txt"), "utf8");
let image: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  image = join(workDir, "greedy.img");
  await writeBootImage({
    model: bundledModel,
    tokenizer: bundledTokenizer,
    config: { temperature: 0, steps: 256, end: "shutdown" },
    efi: await buildEfi(),
    output: image,
    force: true,
  });
}, 600_000);

/** Boot under TCG with QEMU CPU model `cpu`: the banner, the serial output after it (LF line ends), QEMU's exit code. */
async function boot(cpu: string) {
  const result = await runQemu(image, { cpu, accel: "tcg", timeoutSeconds: BOOT_SECONDS });
  expect(result.timedOut, "the guest shut down by itself").toBe(false);
  const serial = result.output.replace(/\r\n/g, "\n");
  const banner = parseBanner(serial);
  expect(banner, `no banner in:\n${serial}`).toBeDefined();
  const after = serial.slice(serial.indexOf("\n", serial.search(/^uefi-llm \d/m)) + 1);
  return { banner: banner!, text: after, exitCode: result.exitCode };
}

/** The story: everything before the core's timing line. */
function story(text: string): string {
  const stats = /^generated \d+ tokens at [\d.]+ tok\/s.*\n/m.exec(text);
  expect(stats, `no timing line in:\n${text}`).not.toBeNull();
  return text.slice(0, stats!.index);
}

describe("the firmware runs the build of the core the CPU has", () => {
  it.each([
    ["max", "AVX2, FMA, BMI2; TCG has no AVX-512", "x86-64-v3"],
    ["Nehalem", "SSE4.2, no AVX", "x86-64-v2"],
    ["max,-avx2", "AVX without AVX2, like Sandy Bridge", "x86-64-v2"],
  ])("-cpu %s (%s) runs %s and prints llama2.c's greedy story", async (cpu, _, level) => {
    const { banner, text, exitCode } = await boot(cpu);
    expect(banner.core).toBe(level);
    expect(banner.features).toContain("sse4.2");
    expect(story(text)).toBe(greedy);
    expect(exitCode).toBe(0);
  }, 300_000);

  it("-cpu qemu64 (no SSSE3, SSE4.1 or SSE4.2) gets one clear error, then the configured shutdown", async () => {
    const { banner, text, exitCode } = await boot("qemu64");
    expect(banner.core).toBe("none");
    expect(banner.features).not.toContain("sse4.2");
    expect(text).toMatch(/^uefi-llm: error: this CPU lacks x86-64-v2, the lowest x86-64 level the core is built for$/m);
    expect(text).not.toMatch(/Once upon a time/);
    expect(exitCode).toBe(0);
  }, 300_000);
});
