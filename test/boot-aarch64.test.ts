// Slow: BOOTAA64.EFI booted in qemu-system-aarch64 with AAVMF (virt, TCG), from the
// same wasm as BOOTX64.EFI. The story on the serial console must be, byte for byte,
// the published text that host mode and the x86-64 boots print; the same image file
// must boot on both machines; guard pages and traps must work at EL1 and at EL2.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { CONFIG_FILE_NAME, type RunConfig } from "../host/config.js";
import { writeDiskImage } from "../host/image/disk-image.js";
import { efiBootPath, writeBootImage } from "../host/commands/image.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { type QemuOptions, runQemu } from "../host/qemu/qemu.js";
import { stripProgress } from "../host/qemu/serial-filter.js";
import { cliPath } from "./helpers/cli.js";
import { buildMiniCoreWasm } from "./helpers/mini-core.js";

const BOOT_SECONDS = 240;
const workDir = join(buildDir, "test", "boot-aarch64");
const expected = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", "stories260K", name), "utf8");
const GREEDY = "greedy-n256.txt";
const SEEDED = "temp1.0-topp0.9-seed133742-n256.txt";
let efiX64: string;
let efiAa64: string;

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efiAa64 = await buildEfi({ arch: "aarch64" });
  efiX64 = await buildEfi();
}, 900_000);

/** The firmware's banner on AArch64 (firmware/main.c, firmware/aarch64/cpu.c). */
const BANNER = /^uefi-llm \d+\.\d+\.\d+\S* \| cpu: (el[12])[a-z0-9 ]* \(core: ([^)]+)\) \| memory: \d+ MiB free \| processors: (\d+)\n/m;
const X64_BANNER = /^uefi-llm \d+\.\d+\.\d+\S* \| cpu: [a-z0-9. ]*\(core: (x86-64-v\d)\) \| memory: \d+ MiB free \| processors: (\d+)\n/m;

/** Boot; the serial output after the banner (LF line ends), what the banner says, and QEMU's exit code. */
async function boot(image: string, options: QemuOptions = {}) {
  const arch = options.arch ?? "aarch64";
  const result = await runQemu(image, { arch, timeoutSeconds: BOOT_SECONDS, ...options });
  expect(result.timedOut, "the guest shut down by itself").toBe(false);
  // Less the load progress of large files, one line redrawn with CRs (boot-progress.test.ts checks it).
  const serial = stripProgress(result.output).replace(/\r\n/g, "\n");
  const banner = (arch === "aarch64" ? BANNER : X64_BANNER).exec(serial);
  expect(banner, `no banner in:\n${serial}`).not.toBeNull();
  const text = serial.slice(banner!.index + banner![0].length);
  if (arch === "aarch64") return { text, el: banner![1], core: banner![2], processors: Number(banner![3]), exitCode: result.exitCode };
  return { text, el: "", core: banner![1], processors: Number(banner![2]), exitCode: result.exitCode };
}

async function bootModel(name: string, config: Omit<RunConfig, "model" | "tokenizer">, options: QemuOptions & { model?: string; tokenizer?: string | null; checkModel?: boolean } = {}) {
  const image = join(workDir, `${name}.img`);
  await writeBootImage({
    model: options.model ?? bundledModel,
    tokenizer: options.tokenizer === null ? undefined : (options.tokenizer ?? bundledTokenizer),
    config: { end: "shutdown", ...config },
    efiAarch64: efiAa64,
    output: image,
    force: true,
    checkModel: options.checkModel,
  });
  return boot(image, options);
}

/** The story: everything before the core's timing line. */
function story(text: string): string {
  const stats = /^generated \d+ tokens at [\d.]+ tok\/s.*\n/m.exec(text);
  expect(stats, `no timing line in:\n${text}`).not.toBeNull();
  return text.slice(0, stats!.index);
}

describe("BOOTAA64.EFI booted in QEMU with AAVMF", () => {
  it("greedy stories260K prints llama2.c's text, at EL1, with the armv8-a build", async () => {
    const { text, el, core, exitCode } = await bootModel("greedy", { temperature: 0, steps: 256 });
    expect([el, core]).toEqual(["el1", "armv8-a"]);
    expect(story(text)).toBe(expected(GREEDY));
    expect(exitCode).toBe(0);
  }, 300_000);

  it("seeded sampling prints llama2.c's text", async () => {
    const { text } = await bootModel("sampled", { temperature: 1.0, topP: 0.9, seed: 133742, steps: 256 });
    expect(story(text)).toBe(expected(SEEDED));
  }, 300_000);

  it("stories260K.gguf, with its own tokenizer, prints the same text", async () => {
    const gguf = join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf");
    const { text } = await bootModel("gguf", { temperature: 0, steps: 256 }, { model: gguf, tokenizer: null });
    expect(story(text)).toBe(expected(GREEDY));
  }, 300_000);

  it("with the firmware at EL2 (virt,virtualization=on) too", async () => {
    const { text, el, exitCode } = await bootModel("el2", { temperature: 0, steps: 256 }, { el2: true });
    expect(el).toBe("el2");
    expect(story(text)).toBe(expected(GREEDY));
    expect(exitCode).toBe(0);
  }, 300_000);

  it.each([["EL1", false], ["EL2", true]])("at %s a deliberate out-of-bounds read is a wasm trap (guard page), then the end action", async (_, el2) => {
    const { text, exitCode } = await bootModel(`trap-${el2 ? "el2" : "el1"}`, { temperature: 0, debug: "trap-oob" }, { el2 });
    expect(text).toBe("uefi-llm: error: wasm trap: out of bounds memory access\n");
    expect(exitCode).toBe(0);
  }, 300_000);

  it("a truncated model gives the same error as on x86-64", async () => {
    const truncated = join(workDir, "stories260K.bin");
    writeFileSync(truncated, readFileSync(bundledModel).subarray(0, 400_000));
    const { text, exitCode } = await bootModel("truncated", { temperature: 0 }, { model: truncated, checkModel: false });
    expect(text).toMatch(/^uefi-llm: error: 'model.bin' is truncated: the header .* needs 1056540 bytes, the file has 400000$/m);
    expect(exitCode).toBe(0);
  }, 300_000);
});

describe("every processor: PSCI CPU_ON (AAVMF has no EFI MP Services)", () => {
  it.each([["EL1", false], ["EL2", true]])("at %s, two processors print the same greedy and seeded texts as one", async (level, el2) => {
    const greedy = await bootModel(`smp-greedy-${level}`, { temperature: 0, steps: 256 }, { smp: 2, el2 });
    expect(greedy.processors).toBe(2);
    expect(story(greedy.text)).toBe(expected(GREEDY));
    const sampled = await bootModel(`smp-sampled-${level}`, { temperature: 1.0, topP: 0.9, seed: 133742, steps: 256 }, { smp: 2, el2 });
    expect(sampled.processors).toBe(2);
    expect(story(sampled.text)).toBe(expected(SEEDED));
  }, 600_000);
});

describe("chat over the serial console", () => {
  it("answers as host mode does, and the line editor echoes as on x86-64", async () => {
    const lines = ["Once upon a time", "/reset", "Once upon a time", "/exit"];
    const host = await execa("node", [cliPath, "chat", "--temp", "0", "-n", "20"], { input: lines.map((l) => `${l}\n`).join(""), timeout: 60_000 });
    const answers = host.stdout.split("> ").filter((t) => t !== "").map((t) => t.replace(/\n$/, ""));
    expect(answers).toHaveLength(2);
    const image = join(workDir, "chat.img");
    await writeBootImage({
      model: bundledModel,
      tokenizer: bundledTokenizer,
      config: { mode: "chat", temperature: 0, steps: 20, end: "shutdown" },
      efiAarch64: efiAa64,
      output: image,
      force: true,
    });
    const typed = ["Once upon a time\r", "/reset\r", "\x1b[COnce upox\bn a time\r", "/exit\r"].map((text) => ({ after: "\n> ", text }));
    const { text, exitCode } = await boot(image, { input: typed });
    const header = "chat (plain template, context 512 tokens). /help lists the commands.\n";
    expect(text.slice(text.indexOf(header) + header.length)).toBe(
      `> Once upon a time\n${answers[0]}\n` + "> /reset\n(new conversation)\n" + `> Once upox\b \bn a time\n${answers[1]}\n` + "> /exit\n",
    );
    expect(exitCode).toBe(0);
  }, 300_000);
});

describe("one image for both machines", () => {
  it("boots BOOTX64.EFI under OVMF and BOOTAA64.EFI under AAVMF, and both print llama2.c's story", async () => {
    const image = join(workDir, "both.img");
    // No app given: both are built and put on the stick (the image command's default).
    await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, config: { temperature: 0, steps: 256, end: "shutdown" }, output: image, force: true });
    const arm = await boot(image, { arch: "aarch64" });
    expect(arm.core).toBe("armv8-a");
    expect(story(arm.text)).toBe(expected(GREEDY));
    const x64 = await boot(image, { arch: "x86_64", accel: "tcg" });
    expect(x64.core).toMatch(/^x86-64-v\d$/);
    expect(story(x64.text)).toBe(story(arm.text));
  }, 600_000);
});

describe("the firmware's stand-in core (test/fixtures/firmware/mini-core.wat) on AArch64", () => {
  let miniEfi: string;
  let weights: string;
  const COLUMNS = 1024;
  const ROWS = 6144;

  beforeAll(async () => {
    miniEfi = await buildEfi({ arch: "aarch64", wasm: await buildMiniCoreWasm(), outDir: join(buildDir, "test", "mini-core-aarch64") });
    const w = new Float32Array(ROWS * COLUMNS);
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLUMNS; j++) w[i * COLUMNS + j] = (i + j) % 7;
    weights = join(workDir, "weights.bin");
    writeFileSync(weights, new Uint8Array(w.buffer));
  }, 600_000);

  async function bootMini(name: string, config: string) {
    const image = join(workDir, `mini-${name}.img`);
    await writeDiskImage(image, [
      { path: efiBootPath("aarch64"), source: miniEfi },
      { path: "weights.bin", source: weights },
      { path: CONFIG_FILE_NAME, source: Buffer.from(config) },
    ], { force: true });
    return boot(image);
  }

  it("prints UTF-8 intact, computes with v128 (SIMDe on NEON), reads a 24 MiB file and computes the matvec", async () => {
    let sum = 0;
    for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLUMNS; j++) sum += ((i + j) % 7) * (j % 3);
    const { text } = await bootMini("run", "model = weights.bin\nend = shutdown\n");
    expect(text).toMatch(new RegExp(`^héllo → ✓\nsplit: ✓\nsimd: 7600 189\nsize: ${ROWS * COLUMNS * 4}\nmatvec: ${sum}\nelapsed: \\d+ us\n$`));
  }, 300_000);

  it("turns unbounded recursion into a wasm trap", async () => {
    const { text, exitCode } = await bootMini("stack", "model = weights.bin\ndebug = trap-stack\nend = shutdown\n");
    expect(text).toBe("uefi-llm: error: wasm trap: call stack exhausted\n");
    expect(exitCode).toBe(0);
  }, 300_000);

  it("turns a load past the end of linear memory into a wasm trap", async () => {
    const { text } = await bootMini("oob", "model = weights.bin\ndebug = trap-oob\nend = shutdown\n");
    expect(text).toBe("uefi-llm: error: wasm trap: out of bounds memory access\n");
  }, 300_000);
});
