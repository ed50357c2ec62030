// Builds EFI/BOOT/BOOTX64.EFI or BOOTAA64.EFI: the AssemblyScript core -> wasm (asc)
// -> C (wasm2c), once per level of the architecture -> freestanding objects with the
// firmware shim (clang) -> a PE32+ EFI application (lld-link) holding every level; the
// firmware runs the highest one the CPU has. The same wasm goes into both
// architectures. Each step is skipped when its outputs are newer than its inputs, so
// repeated builds and test runs cost nothing.
import { mkdir, readdir, readFile, readlink, rm, stat, symlink, writeFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { ToolError, UserError } from "../errors.js";
import { buildDir, packageRoot } from "../paths.js";
import { runTool } from "../tools/exec.js";
import { ARCH_TARGETS, type Arch, type CoreLevel } from "./arch.js";

export { AARCH64_LEVELS, ARCH_TARGETS, ARCHES, CORE_LEVELS, type Arch, type ArchTarget, type CoreLevel } from "./arch.js";

export interface BuildOptions {
  /** The core's debug build (assertions, no wasm optimization) and C with debug info. */
  debug?: boolean;
  /** Build from this .wasm instead of compiling assembly/ (test fixtures). */
  wasm?: string;
  /** Default x86_64. */
  arch?: Arch;
  /** Where the generated C, the objects and the EFI app go; default defaultOutDir(arch, debug). */
  outDir?: string;
}

const firmwareDir = join(packageRoot, "firmware");
/** This file (or the bundle it is part of): when it changes, flags may have, so everything rebuilds. */
const pipelineSource = fileURLToPath(import.meta.url);
const TOOL_TIMEOUT_MS = 10 * 60 * 1000;

/**
 * How the generated core checks bounds and stack depth, passed explicitly so no
 * platform default decides (firmware/wasm-rt.h refuses other values).
 */
export const WASM_RT_DEFINES = [
  // No bounds checks in the code: every access past the end hits a guard page (firmware/paging.c).
  "-DWASM_RT_MEMCHECK_GUARD_PAGES=1",
  // Count call depth; the unmapped guard below the 8 MiB stack is the backstop.
  "-DWASM_RT_STACK_DEPTH_COUNT=1",
  "-DWASM_RT_MAX_CALL_STACK_DEPTH=1000",
];

/**
 * wasm2c 1.0.39, from the npm package pinned in package.json (run with this Node): a
 * dependency, found where Node finds it (an installed uefi-llm may have it hoisted).
 */
export const WASM2C = findWasm2c();

function findWasm2c(): string {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("wabt/package.json")), "bin", "wasm2c");
  } catch {
    return join(packageRoot, "node_modules", "wabt", "bin", "wasm2c");
  }
}
/** Where Debian's libsimde-dev installs SIMDe, which wasm2c's v128 code is written against. */
const SIMDE_HEADERS = "/usr/include/simde";
/**
 * A folder holding only a `simde` link to SIMDe: on the include path it brings
 * SIMDe's headers and nothing else of /usr/include (whose libc the freestanding
 * build must never see). SIMDe itself needs only firmware/include and clang's headers.
 */
export const simdeIncludeDir = join(buildDir, "simde-include");

/** build/efi (x86_64, where it always was) or build/efi-aarch64, -debug for debug builds. */
export function defaultOutDir(arch: Arch, debug: boolean): string {
  return join(buildDir, `efi${arch === "x86_64" ? "" : `-${arch}`}${debug ? "-debug" : ""}`);
}

/** clang flags for the firmware shim ("firmware") or one level's build of the generated core. */
export function compileFlags(target: "firmware" | CoreLevel, options: { debug?: boolean; outDir: string; version: string; arch?: Arch }): string[] {
  const core = target !== "firmware";
  const arch = options.arch ?? "x86_64";
  const spec = ARCH_TARGETS[arch];
  return [
    `--target=${spec.clang}`,
    "-ffreestanding",
    "-nostdlibinc", // only clang's own headers and firmware/include, never the host's libc
    "-fno-stack-protector",
    ...spec.flags,
    "-mno-stack-arg-probe", // no __chkstk: nothing to probe against, the guard pages are our own
    // Exact IEEE f32 results, bit for bit those of the Node host: no reassociation, no FMA contraction.
    "-fno-fast-math",
    "-ffp-contract=off",
    "-fno-math-errno", // errno does not exist here; lets sqrtf be one instruction
    options.debug ? "-O1" : core ? "-O3" : "-O2",
    ...(options.debug ? ["-g", "-gcodeview"] : []),
    // The shim stays baseline: it runs before the CPU is known, and every level's build calls it.
    `-march=${core ? target.march : spec.shimMarch}`,
    // Without reassociation, the SLP vectorizer's reduction-seeded trees pair lanes from the final
    // sum of a multi-accumulator dot product and build half-empty vectors with shuffles; without
    // them it vectorizes the accumulators themselves: full-width movups/mulps/addps.
    ...(core ? ["-mllvm", "-slp-vectorize-hor=false"] : []),
    ...WASM_RT_DEFINES,
    // One call-depth counter per processor: parallel_for runs job() on several at once (firmware/call_depth.h).
    ...(core ? ["-include", join(firmwareDir, "call_depth.h"), "-Dwasm_rt_call_stack_depth=(*call_depth())"] : []),
    `-DUEFI_LLM_VERSION="${options.version}"`,
    "-I", join(firmwareDir, "include"),
    "-I", join(firmwareDir, arch), // arch.h: what firmware.h takes from the architecture
    "-I", firmwareDir, // wasm-rt.h, our runtime's interface, which the generated headers include
    "-I", simdeIncludeDir,
    "-I", options.outDir, // core.h, corev*.h
    // Generated code is not ours to tidy; our own code stays warning-free.
    ...(core ? ["-w"] : ["-Wall", "-Wextra", "-Werror"]),
  ];
}

/**
 * wasm2c 1.0.39's load barriers: after every load, an empty asm statement that takes
 * the loaded value in a register, so that with guard pages the compiler cannot drop a
 * load whose value is unused, and with it the trap it would raise past the end of
 * memory. We give that up deliberately: a load whose value is used still happens and
 * still faults, so nothing can read or write past the memory unnoticed; only a dead
 * load's trap may go. The barriers cost dearly: clang must materialise every loaded
 * value in a register, which stops vectorization and load folding
 * (`FORCE_READ_FLOAT`'s "r" alone took a Q8_0 kernel from 11 to 1.3 GB/s;
 * `SIMD_FORCE_READ` cost 19% on Q8_0 and 39% on f32 in v128 code). Per macro: every
 * `#define` line of it the generated code holds, in order (one per compiler branch;
 * the SIMD one only when the module uses v128). Those with asm are replaced.
 */
export const LOAD_BARRIERS: Readonly<Record<string, { definitions: readonly string[]; optional: boolean }>> = {
  FORCE_READ_INT: {
    definitions: ['#define FORCE_READ_INT(var) __asm__("" ::"r"(var));', "#define FORCE_READ_INT(var)"],
    optional: false,
  },
  FORCE_READ_FLOAT: {
    definitions: [
      '#define FORCE_READ_FLOAT(var) __asm__("" ::"f"(var));',
      '#define FORCE_READ_FLOAT(var) __asm__("" ::"r"(var));',
      "#define FORCE_READ_FLOAT(var)",
    ],
    optional: false,
  },
  SIMD_FORCE_READ: {
    definitions: [
      '#define SIMD_FORCE_READ(var) __asm__("" ::"x"(var));',
      '#define SIMD_FORCE_READ(var) __asm__("" ::"w"(var));',
      '#define SIMD_FORCE_READ(var) __asm__("" ::"d"(var));',
      "#define SIMD_FORCE_READ(var)",
    ],
    optional: true,
  },
};

/**
 * Redefines every load barrier to nothing. Throws when the generated code's definitions
 * differ from LOAD_BARRIERS in any way, so a wabt upgrade is looked at rather than
 * silently slow (or silently fenced).
 */
export function removeLoadBarriers(source: string): string {
  const lines = source.split("\n");
  for (const [macro, { definitions, optional }] of Object.entries(LOAD_BARRIERS)) {
    const found = lines.filter((line) => line.trimStart().startsWith(`#define ${macro}(`));
    if (found.length === 0 && optional) continue;
    if (found.join("\n") !== definitions.join("\n"))
      throw new Error(`wasm2c output changed: expected ${macro}'s definitions\n${definitions.join("\n")}\nfound\n${found.join("\n") || "(none)"}`);
  }
  const barriers = new Set(Object.values(LOAD_BARRIERS).flatMap(({ definitions }) => definitions.filter((d) => d.includes("__asm__"))));
  const removed = (definition: string) => `${definition.slice(0, definition.indexOf(")") + 1)} /* load barrier removed: host/toolchain/pipeline.ts */`;
  return lines.map((line) => (barriers.has(line) ? removed(line) : line)).join("\n");
}

/** Preflight: every external tool and header the build uses, each failing with the Debian package to install. */
export async function checkBuildTools(): Promise<void> {
  for (const tool of ["clang", "lld-link"]) await runTool(tool, ["--version"], { timeoutMs: 30_000 });
  if (!(await exists(WASM2C))) throw new UserError(`${WASM2C} not found: run npm ci (the npm package 'wabt' provides wasm2c)`);
  await linkSimde();
}

/** Builds BOOTX64.EFI (or, with arch, BOOTAA64.EFI) and returns its path. */
export async function buildEfi(options: BuildOptions = {}): Promise<string> {
  const arch = options.arch ?? "x86_64";
  const debug = options.debug ?? false;
  const outDir = options.outDir ?? defaultOutDir(arch, debug);
  const wasm = options.wasm ?? (await buildCore(debug));
  await generateCores(wasm, outDir, arch);
  const objects = await compileAll(outDir, debug, arch);
  return link(objects, outDir, debug, arch);
}

/**
 * asc assembly/index.ts, unless the wasm is newer than every file in assembly/. An
 * installed uefi-llm has no asc (AssemblyScript is a devDependency, 200 MB with
 * binaryen): it uses the build/core.wasm it ships, made from its assembly/ when it was
 * packed (npm gives every file of a package the same time), and asks for asc only when a
 * file of assembly/ has changed since.
 */
export async function buildCore(debug: boolean): Promise<string> {
  const output = join(buildDir, debug ? "core.debug.wasm" : "core.wasm");
  const sources = [...(await filesIn(join(packageRoot, "assembly"))), join(packageRoot, "asconfig.json")];
  if (await isFresh([output], sources)) return output;
  const asc = join(packageRoot, "node_modules", ".bin", "asc");
  if (!(await exists(asc))) {
    if (!debug && (await isFresh([output], sources, { orSameTime: true }))) return output;
    throw new UserError(
      `${debug ? "the core's debug build" : `assembly/ has changed since ${output} was built, and rebuilding it`} needs AssemblyScript: run 'npm install assemblyscript' in ${packageRoot}`,
    );
  }
  await runTool(asc, ["assembly/index.ts", "--target", debug ? "debug" : "release"], { cwd: packageRoot, timeoutMs: TOOL_TIMEOUT_MS });
  return output;
}

/**
 * wasm2c core.wasm -> outDir/<module>.c + <module>.h (load barriers removed). The
 * module name prefixes the exported symbols (w2c_<module>_run); everything else in the
 * file is static, so differently named builds link side by side. The code includes
 * wasm-rt.h (firmware/) and SIMDe (simdeIncludeDir).
 */
export async function generateC(wasm: string, outDir: string, module = "core"): Promise<{ source: string; header: string }> {
  if (!/^[a-z][a-z0-9]*$/.test(module)) throw new Error(`wasm2c module name ${module}: letters and digits only, or wasm2c escapes it in C names`);
  await linkSimde();
  const source = join(outDir, `${module}.c`);
  const header = join(outDir, `${module}.h`);
  if (await isFresh([source, header], [wasm, pipelineSource])) return { source, header };
  await mkdir(outDir, { recursive: true });
  // Builds before wasm2c 1.0.39 copied Debian's runtime header here; `#include "wasm-rt.h"` would find it before ours.
  await rm(join(outDir, "wasm-rt.h"), { force: true });
  await runTool(process.execPath, [WASM2C, wasm, "-n", module, "-o", source], { timeoutMs: TOOL_TIMEOUT_MS });
  await writeFile(source, removeLoadBarriers(await readFile(source, "utf8")));
  return { source, header };
}

/** Makes simdeIncludeDir/simde point at SIMDe's headers. */
async function linkSimde(): Promise<void> {
  if (!(await exists(join(SIMDE_HEADERS, "wasm", "simd128.h"))))
    throw new UserError(`${SIMDE_HEADERS}/wasm/simd128.h not found: install the Debian package 'libsimde-dev'`);
  const link = join(simdeIncludeDir, "simde");
  if ((await readlink(link).catch(() => undefined)) === SIMDE_HEADERS) return;
  await mkdir(simdeIncludeDir, { recursive: true });
  await symlink(SIMDE_HEADERS, link);
}

/**
 * One generateC() per CORE_LEVELS entry, and outDir/core.h: the header the firmware
 * includes, which includes each level's and lists them for firmware/main.c in
 * CORE_BUILDS(X), an X-macro called as X(module, level, march) per build, lowest first.
 * Returns the generated C files, in CORE_LEVELS order.
 */
export async function generateCores(wasm: string, outDir: string, arch: Arch = "x86_64"): Promise<string[]> {
  const levels = ARCH_TARGETS[arch].levels;
  const sources: string[] = [];
  for (const level of levels) sources.push((await generateC(wasm, outDir, level.module)).source);
  const header = [
    `/* Generated by host/toolchain/pipeline.ts: the core, compiled once per ${arch} level (ARCH_TARGETS). */`,
    "#ifndef CORE_H_GENERATED_",
    "#define CORE_H_GENERATED_",
    ...levels.map((level) => `#include "${level.module}.h"`),
    "/* X(module, level, march) for each build, lowest level first. */",
    `#define CORE_BUILDS(X) ${levels.map((l) => `X(${l.module}, ${l.level}, "${l.march}")`).join(" ")}`,
    "#endif",
    "",
  ].join("\n");
  // Rewritten only when it changes: its time decides whether the firmware recompiles.
  const path = join(outDir, "core.h");
  if ((await readFile(path, "utf8").catch(() => undefined)) !== header) await writeFile(path, header);
  return sources;
}

/** The shim's shared files (firmware/) and its architecture's (firmware/<arch>/), each with its object's name. */
async function firmwareFiles(arch: Arch, ext: (name: string) => boolean): Promise<{ path: string; object: string }[]> {
  const archDir = join(firmwareDir, arch);
  return [
    ...(await readdir(firmwareDir)).filter(ext).map((f) => ({ path: join(firmwareDir, f), object: f })),
    ...(await readdir(archDir)).filter(ext).map((f) => ({ path: join(archDir, f), object: `${arch}-${f}` })),
  ];
}

async function compileAll(outDir: string, debug: boolean, arch: Arch): Promise<string[]> {
  const version = JSON.parse(await readFile(join(packageRoot, "package.json"), "utf8")).version as string;
  const levels = ARCH_TARGETS[arch].levels;
  const objDir = join(outDir, "obj");
  await mkdir(objDir, { recursive: true });
  const firmwareSources = await firmwareFiles(arch, (f) => f.endsWith(".c") || f.endsWith(".S"));
  const headers = [
    ...(await firmwareFiles(arch, (f) => f.endsWith(".h"))).map((f) => f.path),
    ...(await filesIn(join(firmwareDir, "include"))),
    join(outDir, "core.h"),
    ...levels.map((level) => join(outDir, `${level.module}.h`)),
  ];
  // The core's builds are by far the biggest files (~8 s each): they start first.
  const jobs = [
    ...levels.map((level) => ({ source: join(outDir, `${level.module}.c`), object: level.module, target: level })),
    ...firmwareSources.map(({ path, object }) => ({ source: path, object, target: "firmware" as const })),
  ].map(({ source, object, target }) => ({
    source,
    object: join(objDir, object.replace(/\.[cS]$/, "") + ".obj"),
    flags: compileFlags(target, { debug, outDir, version, arch }),
  }));

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

async function link(objects: string[], outDir: string, debug: boolean, arch: Arch): Promise<string> {
  const output = join(outDir, ARCH_TARGETS[arch].efiFile);
  if (await isFresh([output], [...objects, pipelineSource])) return output;
  await runTool(
    "lld-link",
    [
      `/machine:${ARCH_TARGETS[arch].machine}`,
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
    if (error instanceof ToolError && /undefined symbol: w2c_host_/.test(error.stderrTail))
      throw new ToolError(`${error.message}: the core imports something firmware/host.c does not implement`, error.command, error.stderrTail);
    throw error;
  });
  return output;
}

// --- Freshness -------------------------------------------------------------------------

/** True when every output exists and is newer than every input (with orSameTime: or as new). */
export async function isFresh(outputs: string[], inputs: string[], { orSameTime = false } = {}): Promise<boolean> {
  const times = async (paths: string[]) => Promise.all(paths.map((p) => stat(p).then((s) => s.mtimeMs, () => undefined)));
  const outputTimes = await times(outputs);
  if (outputTimes.some((t) => t === undefined)) return false;
  const inputTimes = await times(inputs);
  const newestInput = Math.max(...inputTimes.map((t) => t ?? Infinity));
  const oldestOutput = Math.min(...(outputTimes as number[]));
  return oldestOutput > newestInput || (orSameTime && oldestOutput === newestInput);
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
