// Builds EFI/BOOT/BOOTX64.EFI: the AssemblyScript core -> wasm (asc) -> C (wasm2c)
// -> freestanding x86-64 objects with the firmware shim (clang) -> a PE32+ EFI
// application (lld-link). Each step is skipped when its outputs are newer than its
// inputs, so repeated builds and test runs cost nothing.
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from "node:fs/promises";
import { availableParallelism } from "node:os";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ToolError, UserError } from "../errors.js";
import { buildDir, packageRoot } from "../paths.js";
import { runTool } from "../tools/exec.js";

export interface BuildOptions {
  /** The core's debug build (assertions, no wasm optimization) and C with debug info. */
  debug?: boolean;
  /** Build from this .wasm instead of compiling assembly/ (test fixtures). */
  wasm?: string;
  /** Where the generated C, the objects and BOOTX64.EFI go; default build/efi or build/efi-debug. */
  outDir?: string;
}

const firmwareDir = join(packageRoot, "firmware");
/** This file (or the bundle it is part of): when it changes, flags may have, so everything rebuilds. */
const pipelineSource = fileURLToPath(import.meta.url);
const TOOL_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * How the generated core checks bounds and stack depth, passed explicitly so
 * wasm-rt.h's platform defaults never decide (firmware/wasm_rt.c refuses other values).
 */
export const WASM_RT_DEFINES = [
  // No bounds checks in the code: every access past the end hits a guard page (firmware/paging.c).
  "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1",
  // Count call depth (wasm-rt.h's default for _WIN32 too); the unmapped guard below the 8 MiB stack is the backstop.
  "-DWASM_RT_USE_STACK_DEPTH_COUNT=1",
  "-DWASM_RT_MAX_CALL_STACK_DEPTH=1000",
];

/** The CPU level the core is compiled for; firmware/cpu.c checks the CPU has it before running the core. */
export const CORE_MARCH = "x86-64-v2";

/** clang flags for the firmware shim ("firmware") or the generated core ("core"). */
export function compileFlags(kind: "firmware" | "core", options: { debug?: boolean; outDir: string; version: string }): string[] {
  return [
    "--target=x86_64-unknown-windows", // PE/COFF objects and the Microsoft x64 ABI that UEFI uses
    "-ffreestanding",
    "-nostdlibinc", // only clang's own headers and firmware/include, never the host's libc
    "-fno-stack-protector",
    "-mno-red-zone", // interrupts run on the current stack
    "-mno-stack-arg-probe", // no __chkstk: nothing to probe against, the guard pages are our own
    // Exact IEEE f32 results, bit for bit those of the Node host: no reassociation, no FMA contraction.
    "-fno-fast-math",
    "-ffp-contract=off",
    "-fno-math-errno", // errno does not exist here; lets sqrtf be one instruction
    options.debug ? "-O1" : kind === "core" ? "-O3" : "-O2",
    ...(options.debug ? ["-g", "-gcodeview"] : []),
    // Only the core needs SSE4.2; the shim stays baseline so it can report a CPU that lacks it.
    `-march=${kind === "core" ? CORE_MARCH : "x86-64"}`,
    // Without reassociation, the SLP vectorizer's reduction-seeded trees pair lanes from the final
    // sum of a multi-accumulator dot product and build half-empty vectors with shuffles; without
    // them it vectorizes the accumulators themselves: full-width movups/mulps/addps.
    ...(kind === "core" ? ["-mllvm", "-slp-vectorize-hor=false"] : []),
    ...WASM_RT_DEFINES,
    `-DUEFI_LLM_VERSION="${options.version}"`,
    "-DCORE_ISA_LEVEL=2",
    "-I", join(firmwareDir, "include"),
    "-I", options.outDir, // core.h and wasm-rt.h
    // Generated code is not ours to tidy; our own code stays warning-free.
    ...(kind === "core" ? ["-w"] : ["-Wall", "-Wextra", "-Werror"]),
  ];
}

/**
 * wasm2c 1.0.32 puts an empty asm statement after every load
 * (`wasm_asm("" ::"r"(result))`, `#define wasm_asm __asm__` under __GNUC__) to keep
 * the compiler from folding loads across a possible trap. With guard pages a load
 * needs no such fence, and the fence stops clang from vectorizing any loop that
 * loads (2 instead of 45 GFLOP/s). Redefine it the way wasm2c does for other
 * compilers: to nothing. Throws when the generated code no longer has the line,
 * so a wabt upgrade is looked at rather than silently slow.
 */
export function removeLoadBarrier(source: string): string {
  const barrier = "#define wasm_asm __asm__";
  const count = source.split(barrier).length - 1;
  if (count !== 1) throw new Error(`wasm2c output changed: expected "${barrier}" once, found it ${count} times`);
  return source.replace(barrier, "#define wasm_asm(X) /* load barrier removed by host/build/pipeline.ts */");
}

/** Preflight: every external tool the build calls, each failing with the Debian package to install. */
export async function checkBuildTools(): Promise<void> {
  for (const tool of ["wasm2c", "clang", "lld-link"]) await runTool(tool, ["--version"], { timeoutMs: 30_000 });
  await wasmRuntimeHeader();
}

/** Builds BOOTX64.EFI and returns its path. */
export async function buildEfi(options: BuildOptions = {}): Promise<string> {
  const outDir = options.outDir ?? join(buildDir, options.debug ? "efi-debug" : "efi");
  const wasm = options.wasm ?? (await buildCore(options.debug ?? false));
  await generateC(wasm, outDir);
  const objects = await compileAll(outDir, options.debug ?? false);
  return link(objects, outDir, options.debug ?? false);
}

/** asc assembly/index.ts, unless the wasm is newer than every file in assembly/. */
export async function buildCore(debug: boolean): Promise<string> {
  const output = join(buildDir, debug ? "core.debug.wasm" : "core.wasm");
  const sources = [...(await filesIn(join(packageRoot, "assembly"))), join(packageRoot, "asconfig.json")];
  if (await isFresh([output], sources)) return output;
  const asc = join(packageRoot, "node_modules", ".bin", "asc");
  await runTool(asc, ["assembly/index.ts", "--target", debug ? "debug" : "release"], { cwd: packageRoot, timeoutMs: TOOL_TIMEOUT_MS });
  return output;
}

/** wasm2c core.wasm -> outDir/core.c + core.h (load barrier removed), with wasm-rt.h beside them. */
export async function generateC(wasm: string, outDir: string): Promise<{ source: string; header: string }> {
  const source = join(outDir, "core.c");
  const header = join(outDir, "core.h");
  const runtimeHeader = join(outDir, "wasm-rt.h");
  if (await isFresh([source, header, runtimeHeader], [wasm, pipelineSource])) return { source, header };
  await mkdir(outDir, { recursive: true });
  await runTool("wasm2c", [wasm, "-n", "core", "-o", source], { timeoutMs: TOOL_TIMEOUT_MS });
  await writeFile(source, removeLoadBarrier(await readFile(source, "utf8")));
  // The header of the same wabt that generated the code, next to it, so the build
  // needs no -I into the host's /usr/include (and its libc headers).
  await copyFile(await wasmRuntimeHeader(), runtimeHeader);
  return { source, header };
}

/** Where Debian's wabt (and a /usr/local build of it) puts the runtime header. */
const WASM_RT_HEADERS = ["/usr/include/wasm-rt.h", "/usr/local/include/wasm-rt.h"];

async function wasmRuntimeHeader(): Promise<string> {
  for (const candidate of WASM_RT_HEADERS) if (await exists(candidate)) return candidate;
  throw new UserError(`wasm-rt.h not found (${WASM_RT_HEADERS.join(", ")}): install the Debian package 'wabt'`);
}

async function compileAll(outDir: string, debug: boolean): Promise<string[]> {
  const version = JSON.parse(await readFile(join(packageRoot, "package.json"), "utf8")).version as string;
  const objDir = join(outDir, "obj");
  await mkdir(objDir, { recursive: true });
  const firmwareSources = (await readdir(firmwareDir)).filter((f) => f.endsWith(".c") || f.endsWith(".S")).map((f) => join(firmwareDir, f));
  const headers = [
    ...(await readdir(firmwareDir)).filter((f) => f.endsWith(".h")).map((f) => join(firmwareDir, f)),
    ...(await filesIn(join(firmwareDir, "include"))),
    join(outDir, "core.h"),
    join(outDir, "wasm-rt.h"),
  ];
  const jobs = [
    ...firmwareSources.map((source) => ({ source, kind: "firmware" as const })),
    { source: join(outDir, "core.c"), kind: "core" as const },
  ].map(({ source, kind }) => ({
    source,
    object: join(objDir, basename(source).replace(/\.[cS]$/, ".obj")),
    flags: compileFlags(kind, { debug, outDir, version }),
  }));

  // The core is by far the biggest file: start it first.
  jobs.reverse();
  let next = 0;
  const worker = async () => {
    while (next < jobs.length) {
      const job = jobs[next++];
      if (await isFresh([job.object], [job.source, ...headers, pipelineSource])) continue;
      await runTool("clang", [...job.flags, "-c", job.source, "-o", job.object], { timeoutMs: TOOL_TIMEOUT_MS });
    }
  };
  await Promise.all(Array.from({ length: Math.min(availableParallelism(), jobs.length) }, worker));
  return jobs.map((job) => job.object);
}

async function link(objects: string[], outDir: string, debug: boolean): Promise<string> {
  const output = join(outDir, "BOOTX64.EFI");
  if (await isFresh([output], [...objects, pipelineSource])) return output;
  await runTool(
    "lld-link",
    [
      "/subsystem:efi_application",
      "/entry:efi_main",
      "/nodefaultlib", // everything comes from firmware/: there is no C runtime to link
      ...(debug ? ["/debug"] : []),
      `/out:${output}`,
      ...objects,
    ],
    { timeoutMs: TOOL_TIMEOUT_MS },
  ).catch((error: unknown) => {
    // An import the core added that firmware/host.c does not provide shows up here.
    if (error instanceof ToolError && /undefined symbol: Z_/.test(error.stderrTail))
      throw new ToolError(`${error.message}: the core imports something firmware/host.c does not implement`, error.command, error.stderrTail);
    throw error;
  });
  return output;
}

// --- Freshness -------------------------------------------------------------------------

/** True when every output exists and is newer than every input. */
export async function isFresh(outputs: string[], inputs: string[]): Promise<boolean> {
  const times = async (paths: string[]) => Promise.all(paths.map((p) => stat(p).then((s) => s.mtimeMs, () => undefined)));
  const outputTimes = await times(outputs);
  if (outputTimes.some((t) => t === undefined)) return false;
  const inputTimes = await times(inputs);
  const newestInput = Math.max(...inputTimes.map((t) => t ?? Infinity));
  return Math.min(...(outputTimes as number[])) > newestInput;
}

async function filesIn(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath ?? e.path, e.name));
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
