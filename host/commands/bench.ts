// uefi-llm bench: time greedy generation on one backend and print the numbers that
// matter for a memory-bound decoder: tok/s, and the weight bytes streamed per second.
// Every backend runs the same core on the same settings and reports through the same
// timing line (assembly/text/generate.ts), on stderr or, booted in QEMU, on the serial port.
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { execa } from "execa";
import { ARCHES, type Arch } from "../toolchain/arch.js";
import { buildEfi, checkBuildTools } from "../toolchain/pipeline.js";
import { configText, type RunConfig } from "../config.js";
import { UserError } from "../errors.js";
import { defaultThreads, numberParser } from "../options.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { checkInputFile } from "../input-file.js";
import { checkOvmf } from "../qemu/ovmf.js";
import { defaultCpu, runQemu } from "../qemu/qemu.js";
import { Core } from "../runner/core.js";
import { type NativeMarch, buildNative } from "../toolchain/native.js";
import { writeBootImage } from "./image.js";

export interface BenchResult {
  backend: string;
  model: string;
  threads: number;
  prompt_tokens: number;
  generated_tokens: number;
  prefill_tok_per_s: number;
  decode_tok_per_s: number;
  ms_per_token: number;
  load_ms: number;
  model_bytes: number;
  gb_per_s: number;
  cpu: string;
  roofline_gb_per_s?: number;
}

type Backend = "native" | "node" | "qemu";

interface BenchFlags {
  model?: string;
  tokenizer?: string;
  nPredict: number;
  prompt: string;
  backend: Backend;
  arch?: Arch;
  smp?: number;
  cpu?: string;
  threads?: number;
  march?: NativeMarch;
  json?: boolean;
  roofline?: boolean;
}

/** What a backend's run gives: the text holding the timing line, and the code path that ran. */
interface Run {
  stderr: string;
  cpu: string;
  threads?: number; // processors the core ran on, when the backend says (the firmware's banner); default 1
}

/** A whole generation under TCG can take a while; past this the run is stopped. */
const RUN_TIMEOUT_MS = 30 * 60 * 1000;

/** The core's timing line on stream 2 (assembly/text/generate.ts). */
const STATS =
  /generated (\d+) tokens at ([\d.]+) tok\/s, prompt (\d+) tokens at ([\d.]+) tok\/s, load (\d+) ms, ([\d.]+) MB of weights per token/;

export function parseStats(stderr: string) {
  const m = STATS.exec(stderr);
  if (!m) return undefined;
  return {
    generated: Number(m[1]),
    decodeTokPerS: Number(m[2]),
    prompt: Number(m[3]),
    prefillTokPerS: Number(m[4]),
    loadMs: Number(m[5]),
    weightBytesPerToken: Number(m[6]) * 1e6,
  };
}

/** The firmware's banner line (firmware/main.c), e.g. "uefi-llm 0.1.0 | cpu: sse4.2 avx avx2 fma (core: x86-64-v3) | memory: 978 MiB free | processors: 2". */
const BANNER = /^uefi-llm \S+ \| cpu: ([a-z0-9. ]*?) ?\(core: ([^)]+)\) \| memory: (\d+) MiB free \| processors: (\d+)\r?$/m;

/** The CPU features the firmware found, the build of the core it chose ("none" when none runs), and the processors it uses. */
export function parseBanner(serial: string) {
  const m = BANNER.exec(serial);
  if (!m) return undefined;
  return { features: m[1] ? m[1].split(" ") : [], core: m[2], freeMiB: Number(m[3]), processors: Number(m[4]) };
}

export const benchCommand = new Command("bench")
  .description("time greedy generation: prefill and decode tok/s, and GB/s of weights streamed")
  .addOption(new Option("-m, --model <file>", "model (.bin or .gguf); default: the bundled stories260K"))
  .addOption(new Option("-z, --tokenizer <file>", "llama2.c tokenizer for a .bin model"))
  .addOption(new Option("-n, --n-predict <n>", "tokens to generate").argParser(numberParser({ min: 2, max: 1 << 20, integer: true })).default(128))
  .addOption(new Option("-p, --prompt <text>", "prompt to prefill").default(""))
  .addOption(
    new Option("--backend <name>", "where the core runs: native (wasm2c + POSIX shim, this CPU), node, or qemu (the EFI app booted in QEMU with OVMF or AAVMF)")
      .choices(["native", "node", "qemu"])
      .default("native"),
  )
  .addOption(new Option("-t, --threads <n>", "native: threads that share the matrix products and attention heads (default: all processors)").argParser(numberParser({ min: 1, max: 256, integer: true })))
  .addOption(new Option("--march <level>", "native: the x86-64 level to compile for (default: this CPU's own)").choices(["native", "x86-64-v2", "x86-64-v3"]))
  .addOption(new Option("--arch <arch>", "qemu: the machine, x86_64 (q35, OVMF) or aarch64 (virt, AAVMF; default x86_64)").choices([...ARCHES]))
  .addOption(new Option("--smp <n>", "qemu: virtual CPUs of the VM (default 1)").argParser(numberParser({ min: 1, max: 255, integer: true })))
  .addOption(new Option("--cpu <model>", "qemu: QEMU CPU model, e.g. max, Nehalem, max,-avx2; default: host with KVM, max with TCG"))
  .addOption(new Option("--roofline", "also time a plain streaming read of a buffer of the model's size, on this machine"))
  .addOption(new Option("--json", "print one JSON object on the last line"))
  .action(async (flags: BenchFlags) => {
    if (flags.backend !== "qemu" && (flags.smp !== undefined || flags.cpu !== undefined))
      throw new UserError("--smp and --cpu set up the QEMU VM: use them with --backend qemu");
    if (flags.backend !== "qemu" && flags.arch !== undefined) throw new UserError("--arch chooses the QEMU machine: use it with --backend qemu");
    if (flags.backend !== "native" && flags.threads !== undefined)
      throw new UserError("--threads is for --backend native (node runs on one thread; for qemu, --smp sets the processors)");
    if (flags.backend !== "native" && flags.march !== undefined)
      throw new UserError("--march compiles the native backend: use it with --backend native (for qemu, --cpu chooses the CPU and so the core's build)");
    const threads = flags.threads ?? (flags.backend === "native" ? defaultThreads() : 1);
    const model = flags.model ?? bundledModel;
    const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
    checkInputFile(model, "model");
    if (tokenizer !== undefined) checkInputFile(tokenizer, "tokenizer");
    const modelBytes = statSync(model).size;
    // Greedy and past any end-of-text token: exactly -n tokens, the same work on every backend.
    const config: RunConfig = { model, tokenizer, prompt: flags.prompt, steps: flags.nPredict, temperature: 0, ignoreEos: true };

    let run: Run;
    let native: string | undefined;
    switch (flags.backend) {
      case "native":
        native = await buildNative(flags.march ?? "native");
        run = { stderr: await runNative(native, config, threads), cpu: `${cpus()[0]?.model ?? "unknown"} (-march=${flags.march ?? "native"})` };
        break;
      case "node":
        run = { stderr: runNode(config), cpu: "wasm in V8" };
        break;
      case "qemu":
        run = await runInQemu(config, flags);
        break;
    }
    const stats = parseStats(run.stderr);
    if (!stats) throw new UserError(`the ${flags.backend} backend printed no timing line:\n${run.stderr.trim()}`);

    const result: BenchResult = {
      backend: flags.backend,
      model,
      threads: run.threads ?? (flags.backend === "native" ? threads : 1),
      prompt_tokens: stats.prompt,
      generated_tokens: stats.generated,
      prefill_tok_per_s: stats.prefillTokPerS,
      decode_tok_per_s: stats.decodeTokPerS,
      ms_per_token: stats.decodeTokPerS > 0 ? round(1000 / stats.decodeTokPerS) : 0,
      load_ms: stats.loadMs,
      model_bytes: modelBytes,
      gb_per_s: round((stats.weightBytesPerToken * stats.decodeTokPerS) / 1e9),
      cpu: run.cpu,
    };
    if (flags.roofline) result.roofline_gb_per_s = await roofline(native ?? (await buildNative()), modelBytes);
    print(result, Boolean(flags.json));
  });

function runNode(config: RunConfig): string {
  let stderr = "";
  const decoder = new TextDecoder();
  new Core({ stdout: () => {}, stderr: (bytes) => (stderr += decoder.decode(bytes)) }).run(configText(config));
  return stderr;
}

async function runNative(binary: string, config: RunConfig, threads: number): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), "uefi-llm-bench-"));
  let result;
  try {
    const file = join(dir, "bench.cfg");
    writeFileSync(file, configText(config));
    // The story itself is not wanted: piped to us, reading it would take Node a processor
    // the threads being measured need (2 threads on 2 cores read ~20% slower that way).
    result = await execa(binary, ["--threads", String(threads), file], { reject: false, timeout: RUN_TIMEOUT_MS, stdout: "ignore" });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (result.exitCode !== 0) {
    // The native runner already words its last line as "uefi-llm: …".
    const lastLine = result.stderr.trim().split("\n").at(-1)?.replace(/^uefi-llm: /, "");
    throw new UserError(lastLine || `the native backend failed (exit code ${result.exitCode})`);
  }
  return result.stderr;
}

/**
 * Boots BOOTX64.EFI with the model in QEMU and returns the serial output, whose timing
 * line is the guest's own clock. The cpu field names the build of the core the
 * firmware chose (its banner) and the VM it ran in.
 */
async function runInQemu(config: RunConfig, flags: BenchFlags): Promise<Run> {
  const arch = flags.arch ?? "x86_64";
  await checkBuildTools();
  await checkOvmf(arch);
  const efi = await buildEfi({ arch });
  const dir = mkdtempSync(join(tmpdir(), "uefi-llm-bench-"));
  let result;
  try {
    const image = join(dir, "bench.img");
    const { model, tokenizer, ...settings } = config;
    const app = arch === "aarch64" ? { efiAarch64: efi } : { efi };
    await writeBootImage({ model, tokenizer, config: { ...settings, end: "shutdown" }, ...app, output: image });
    result = await runQemu(image, { arch, smp: flags.smp, cpu: flags.cpu, timeoutSeconds: RUN_TIMEOUT_MS / 1000 });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  if (result.signal) throw new UserError(`stopped by ${result.signal}`);
  if (result.timedOut) throw new UserError(`QEMU did not finish within ${RUN_TIMEOUT_MS / 60_000} minutes and was stopped`);
  const serial = result.output.replace(/\r\n/g, "\n");
  const failure = /^uefi-llm: error: (.*)$/m.exec(serial);
  if (failure) throw new UserError(`the guest failed: ${failure[1]}`);
  const banner = parseBanner(serial);
  if (!banner) throw new UserError(`no uefi-llm banner on the guest's serial port (QEMU exit code ${result.exitCode}):\n${serial.trim() || result.stderr.trim()}`);
  if (result.accel === "tcg") process.stderr.write("uefi-llm: warning: no KVM here: QEMU emulates the CPU (TCG), far slower than the hardware would run\n");
  const model = flags.cpu ?? defaultCpu(arch, result.accel);
  const vcpus = flags.smp ?? 1;
  return {
    stderr: serial,
    threads: banner.processors,
    cpu: `${banner.core} on QEMU ${model}, ${vcpus} vCPU${vcpus === 1 ? "" : "s"}, ${result.accel.toUpperCase()}`,
  };
}

async function roofline(binary: string, bytes: number): Promise<number> {
  const result = await execa(binary, ["--roofline", String(bytes)], { timeout: 60_000 });
  const m = /roofline: ([\d.]+) GB\/s/.exec(result.stdout);
  if (!m) throw new UserError(`roofline probe printed nothing usable: ${result.stdout}`);
  return Number(m[1]);
}

function print(result: BenchResult, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(result) + "\n");
    return;
  }
  const rows: [string, string][] = [
    ["backend", `${result.backend} (${result.cpu}), ${result.threads} thread${result.threads === 1 ? "" : "s"}`],
    ["model", `${result.model} (${(result.model_bytes / 1e6).toFixed(1)} MB)`],
    ["prefill", `${result.prompt_tokens} tokens at ${result.prefill_tok_per_s} tok/s`],
    ["decode", `${result.generated_tokens} tokens at ${result.decode_tok_per_s} tok/s (${result.ms_per_token} ms/token)`],
    ["weights streamed", `${result.gb_per_s} GB/s`],
    ["load", `${result.load_ms} ms`],
  ];
  if (result.roofline_gb_per_s !== undefined)
    rows.push(["roofline", `${result.roofline_gb_per_s} GB/s plain read (${Math.round((100 * result.gb_per_s) / result.roofline_gb_per_s)}% reached)`]);
  for (const [name, value] of rows) process.stdout.write(`${name.padEnd(17)} ${value}\n`);
}

function round(value: number): number {
  return Math.round(value * 100) / 100;
}
