// Slow: the real core booted from a uefi-llm disk image in QEMU/OVMF (TCG). The story
// on the serial console must be, byte for byte, the published text that host mode prints.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { CONFIG_FILE_NAME, configText, type RunConfig } from "../host/config.js";
import { writeDiskImage } from "../host/image/disk-image.js";
import { EFI_BOOT_PATH, writeBootImage } from "../host/commands/image.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";
import { cli } from "./helpers/cli.js";

const BOOT_SECONDS = 240;
const workDir = join(buildDir, "test", "boot");
const expected = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", "stories260K", name), "utf8");
let efi: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
}, 600_000);

interface BootOptions {
  usb?: boolean;
  smp?: number;
}

/** Boot an image; the serial output after our banner line (CRLF as LF), the processors the banner names, and QEMU's exit code. */
async function boot(image: string, options: BootOptions = {}): Promise<{ text: string; processors: number; exitCode: number }> {
  const result = await runQemu(image, { timeoutSeconds: BOOT_SECONDS, ...options });
  expect(result.timedOut, "the guest shut down by itself").toBe(false);
  const serial = result.output.replace(/\r\n/g, "\n");
  const banner = /^uefi-llm \d+\.\d+\.\d+\S* \| cpu: .* \| processors: (\d+)\n/m.exec(serial);
  expect(banner, `no banner in:\n${serial}`).not.toBeNull();
  return { text: serial.slice(banner!.index + banner![0].length), processors: Number(banner![1]), exitCode: result.exitCode };
}

async function bootModel(name: string, config: Omit<RunConfig, "model" | "tokenizer">, options: BootOptions & { model?: string; tokenizer?: string | null; checkModel?: boolean } = {}) {
  const image = join(workDir, `${name}.img`);
  await writeBootImage({
    model: options.model ?? bundledModel,
    tokenizer: options.tokenizer === null ? undefined : (options.tokenizer ?? bundledTokenizer),
    config: { end: "shutdown", ...config },
    efi,
    output: image,
    force: true,
    checkModel: options.checkModel,
  });
  return boot(image, { usb: options.usb, smp: options.smp });
}

/** The story: everything before the core's timing line. */
function story(text: string): string {
  const stats = /^generated \d+ tokens at [\d.]+ tok\/s.*\n/m.exec(text);
  expect(stats, `no timing line in:\n${text}`).not.toBeNull();
  return text.slice(0, stats!.index);
}

describe("booted in QEMU", () => {
  it("greedy stories260K prints llama2.c's text", async () => {
    const { text, exitCode } = await bootModel("greedy", { temperature: 0, steps: 256 });
    expect(story(text)).toBe(expected("greedy-n256.txt"));
    expect(exitCode).toBe(0);
  }, 300_000);

  it("seeded sampling prints llama2.c's text", async () => {
    const { text } = await bootModel("sampled", { temperature: 1.0, topP: 0.9, seed: 133742, steps: 256 });
    expect(story(text)).toBe(expected("temp1.0-topp0.9-seed133742-n256.txt"));
  }, 300_000);

  it("from a USB stick (xHCI) too", async () => {
    const { text, processors } = await bootModel("usb", { temperature: 0, steps: 256 }, { usb: true });
    expect(processors).toBe(1);
    expect(story(text)).toBe(expected("greedy-n256.txt"));
  }, 300_000);

  it("on two processors (EFI MP Services share the matrix products) too", async () => {
    const greedy = await bootModel("smp-greedy", { temperature: 0, steps: 256 }, { smp: 2 });
    expect(greedy.processors).toBe(2);
    expect(story(greedy.text)).toBe(expected("greedy-n256.txt"));
    const sampled = await bootModel("smp-sampled", { temperature: 1.0, topP: 0.9, seed: 133742, steps: 256 }, { smp: 2 });
    expect(sampled.processors).toBe(2);
    expect(story(sampled.text)).toBe(expected("temp1.0-topp0.9-seed133742-n256.txt"));
  }, 600_000);

  it("one CR LF per line on the raw serial port, also where the text has a CRLF of its own", async () => {
    const prompt = "One day\r\nLily said\nhi";
    const host = await cli(["generate", "-p", prompt, "-n", "20", "--temp", "0"]);
    expect(host.exitCode, host.stderr).toBe(0);
    expect(host.stdout, "the text itself has a CRLF and a bare LF").toMatch(/\r\n[^]*[^\r]\n/);
    const image = join(workDir, "crlf.img");
    await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, config: { prompt, temperature: 0, steps: 20, end: "shutdown" }, efi, output: image, force: true });
    // The bytes as they left the guest: no filter (run's hides doubled CRs) between.
    const { output, timedOut } = await runQemu(image, { timeoutSeconds: BOOT_SECONDS });
    expect(timedOut).toBe(false);
    expect(output).toContain(host.stdout.replace(/(?<!\r)\n/g, "\r\n"));
    expect(output.match(/\r\r\n/g), "CR CR LF").toBeNull();
    expect(output.match(/[^\r]\n/g), "LF without CR").toBeNull();
  }, 300_000);

  it("stories260K.gguf, with its own tokenizer, prints the same text", async () => {
    const gguf = join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf");
    const { text } = await bootModel("gguf", { temperature: 0, steps: 256 }, { model: gguf, tokenizer: null });
    expect(story(text)).toBe(expected("greedy-n256.txt"));
  }, 300_000);
});

describe("bad input on bare metal ends in one error line and a shutdown", () => {
  it("a truncated model", async () => {
    const truncated = join(workDir, "stories260K.bin");
    writeFileSync(truncated, readFileSync(bundledModel).subarray(0, 400_000));
    const { text, exitCode } = await bootModel("truncated", { temperature: 0 }, { model: truncated, checkModel: false });
    expect(text).toMatch(/^uefi-llm: error: 'model.bin' is truncated: the header .* needs 1056540 bytes, the file has 400000$/m);
    expect(exitCode).toBe(0);
  }, 300_000);

  it("a missing tokenizer", async () => {
    const image = join(workDir, "no-tokenizer.img");
    const config = configText({ model: "stories260K.bin", tokenizer: "tok512.bin", end: "shutdown" });
    await writeDiskImage(image, [
      { path: EFI_BOOT_PATH, source: efi },
      { path: "stories260K.bin", source: bundledModel },
      { path: CONFIG_FILE_NAME, source: Buffer.from(config) },
    ], { force: true });
    const { text, exitCode } = await boot(image);
    expect(text).toMatch(/^uefi-llm: error: cannot open tokenizer 'tok512.bin': no such file or not readable$/m);
    expect(exitCode).toBe(0);
  }, 300_000);

  it("a deliberate out-of-bounds read in the core is reported as a trap", async () => {
    const { text, exitCode } = await bootModel("trap", { temperature: 0, debug: "trap-oob" });
    expect(text).toMatch(/^uefi-llm: error: wasm trap: out of bounds memory access/m);
    expect(text).not.toMatch(/Once upon a time/);
    expect(exitCode).toBe(0);
  }, 300_000);
});
