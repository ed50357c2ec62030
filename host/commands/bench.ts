// uefi-llm bench: time greedy generation on one backend and print the numbers that
// matter for a memory-bound decoder: tok/s, and the weight bytes streamed per second.
import { mkdtempSync, statSync, writeFileSync } from "node:fs";
import { cpus, tmpdir } from "node:os";
import { join } from "node:path";
import { Command, Option } from "commander";
import { execa } from "execa";
import { configText, type RunConfig } from "../config.js";
import { UserError } from "../errors.js";
import { numberParser } from "../options.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { Core } from "../runner/core.js";
import { buildNative } from "../build/native.js";

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

interface BenchFlags {
  model?: string;
  tokenizer?: string;
  nPredict: number;
  prompt: string;
  backend: "native" | "node";
  json?: boolean;
  roofline?: boolean;
}

/** The core's timing line on stream 2 (assembly/generate.ts). */
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

export const benchCommand = new Command("bench")
  .description("time greedy generation: prefill and decode tok/s, and GB/s of weights streamed")
  .addOption(new Option("-m, --model <file>", "model (.bin or .gguf); default: the bundled stories260K"))
  .addOption(new Option("-t, --tokenizer <file>", "llama2.c tokenizer for a .bin model"))
  .addOption(new Option("-n, --n-predict <n>", "tokens to generate").argParser(numberParser({ min: 2, max: 1 << 20, integer: true })).default(128))
  .addOption(new Option("-p, --prompt <text>", "prompt to prefill").default(""))
  .addOption(new Option("--backend <name>", "where the core runs: native (wasm2c + POSIX shim, this CPU) or node").choices(["native", "node"]).default("native"))
  .addOption(new Option("--roofline", "also time a plain streaming read of a buffer of the model's size"))
  .addOption(new Option("--json", "print one JSON object on the last line"))
  .action(async (flags: BenchFlags) => {
    const model = flags.model ?? bundledModel;
    const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
    const modelBytes = statSync(model, { throwIfNoEntry: false })?.size;
    if (modelBytes === undefined) throw new UserError(`model file not found: ${model}`);
    // Greedy and past any end-of-text token: exactly -n tokens, the same work on every backend.
    const config: RunConfig = { model, tokenizer, prompt: flags.prompt, steps: flags.nPredict, temperature: 0, ignoreEos: true };

    const native = flags.backend === "native" ? await buildNative() : undefined;
    const stderr = native ? await runNative(native, config) : runNode(config);
    const stats = parseStats(stderr);
    if (!stats) throw new UserError(`the ${flags.backend} backend printed no timing line:\n${stderr.trim()}`);

    const result: BenchResult = {
      backend: flags.backend,
      model,
      threads: 1,
      prompt_tokens: stats.prompt,
      generated_tokens: stats.generated,
      prefill_tok_per_s: stats.prefillTokPerS,
      decode_tok_per_s: stats.decodeTokPerS,
      ms_per_token: stats.decodeTokPerS > 0 ? round(1000 / stats.decodeTokPerS) : 0,
      load_ms: stats.loadMs,
      model_bytes: modelBytes,
      gb_per_s: round((stats.weightBytesPerToken * stats.decodeTokPerS) / 1e9),
      cpu: flags.backend === "native" ? `${cpus()[0]?.model ?? "unknown"} (-march=native)` : "wasm in V8 (scalar)",
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

async function runNative(binary: string, config: RunConfig): Promise<string> {
  const file = join(mkdtempSync(join(tmpdir(), "uefi-llm-bench-")), "bench.cfg");
  writeFileSync(file, configText(config));
  const result = await execa(binary, [file], { reject: false, timeout: 30 * 60 * 1000 });
  if (result.exitCode !== 0) throw new UserError(result.stderr.trim().split("\n").at(-1) ?? `native backend failed (${result.exitCode})`);
  return result.stderr;
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
    ["backend", `${result.backend} (${result.cpu}), ${result.threads} thread`],
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
