// Where host mode runs the core: in Node on one thread, or, for more threads, the native
// build of the same core (native/, wasm2c + a pthread pool behind parallel_for).
//
// Why the native build and not Node worker threads: a worker's instance of the core
// would share the linear memory only if the core were built with a shared memory
// (asc --sharedMemory, which every host, the firmware included, would then have to
// provide), and even then the core's job state (which kind of job, the matrix being
// multiplied) lives in wasm globals, which are per instance: job() on a worker would
// not see it. The native build runs one instance on several threads, as bare metal
// does, and its one-thread speed is ~6× V8's. Both compute the same bits (README,
// "Exact by construction"; test/threads.test.ts compares the text).
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, statSync, writeFileSync } from "node:fs";
import { constants as osConstants, tmpdir } from "node:os";
import { join } from "node:path";
import { buildDir, coreWasmPath, packageRoot } from "../paths.js";
import { ToolError, UserError } from "../errors.js";
import { buildNative } from "../toolchain/native.js";
import { Core } from "./core.js";

/** The native runner reads at most this much configuration (native/host_posix.c). */
const NATIVE_CONFIG_LIMIT = 65536;

const nativeBinary = join(buildDir, "native", "uefi-llm-native-native");

/** What the native build is made from (host/toolchain/native.ts). */
const nativeSources = [coreWasmPath, ...["host_posix.c", "wasm_rt_posix.c", "call_depth.h"].map((f) => join(packageRoot, "native", f)), join(packageRoot, "firmware", "wasm-rt.h")];

/** The native build, when it exists and is newer than what it is made from. */
function builtNative(): string | undefined {
  try {
    const built = statSync(nativeBinary).mtimeMs;
    return nativeSources.every((source) => statSync(source).mtimeMs < built) ? nativeBinary : undefined;
  } catch {
    return undefined;
  }
}

function warn(text: string): void {
  process.stderr.write(`warning: ${text}\n`);
}

/**
 * The native runner for `threads` threads, or undefined for Node on one thread. An
 * explicit -t above 1 builds it when missing (once, ~30 s); without -t it is used when
 * already built.
 */
export async function nativeRunner(config: string, threads: number, explicit: boolean): Promise<string | undefined> {
  if (threads <= 1) return undefined;
  if (Buffer.byteLength(config) > NATIVE_CONFIG_LIMIT) {
    if (explicit) warn(`the configuration is too long for the native backend's ${NATIVE_CONFIG_LIMIT >> 10} KiB: running on one thread in Node`);
    return undefined;
  }
  const built = builtNative();
  if (built !== undefined || !explicit) return built;
  process.stderr.write(`building the native backend for -t ${threads} (once; clang, libsimde-dev)…\n`);
  try {
    return await buildNative();
  } catch (error) {
    const reason = error instanceof UserError || error instanceof ToolError ? error.message : String(error);
    warn(`-t ${threads} needs the native backend, which could not be built (${reason}): running on one thread in Node`);
    return undefined;
  }
}

/** Runs `config` (generate mode) on `threads` threads: the native runner for more than one, else Node. */
export async function runGeneration(config: string, threads: number, explicit: boolean): Promise<void> {
  const binary = await nativeRunner(config, threads, explicit);
  if (binary === undefined) new Core().run(config);
  else runNative(binary, config, threads);
}

/** The configuration as a file for the native runner, and how to remove it. */
export function configFile(config: string): { file: string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), "uefi-llm-"));
  const file = join(dir, "run.cfg");
  writeFileSync(file, config);
  return { file, remove: () => rmSync(dir, { recursive: true, force: true }) };
}

/** The native runner with this terminal's streams; its exit status becomes ours. */
function runNative(binary: string, config: string, threads: number): void {
  const { file, remove } = configFile(config);
  // Ctrl-C reaches the runner too (same process group): it stops the text there.
  const ignore = () => {};
  let result;
  try {
    process.on("SIGINT", ignore);
    result = spawnSync(binary, ["--threads", String(threads), file], { stdio: "inherit" });
  } finally {
    process.off("SIGINT", ignore);
    remove();
  }
  if (result.error) throw new UserError(`cannot run the native backend ${binary}: ${result.error.message}`);
  // The reader of stdout went away (generate | head -1): its choice, as in Node.
  if (result.signal === "SIGPIPE") process.exit(0);
  if (result.signal) process.exit(128 + (osConstants.signals[result.signal] ?? 0));
  // The runner said what failed in one "uefi-llm: …" line already.
  if (result.status !== 0) process.exit(result.status ?? 1);
}
