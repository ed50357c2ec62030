// The build pipeline's promises about the compiled core, at every x86-64 level it is
// built for: wasm2c's load barriers are gone, bounds are checked by guard pages and not
// in the code, v128 code compiles freestanding through SIMDe, the kernels run on
// packed vectors as wide as the level has (xmm for v2, ymm for v3) and never on FMA,
// and the levels' builds link side by side.
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import {
  buildEfi,
  compileFlags,
  CORE_LEVELS,
  type CoreLevel,
  generateCores,
  LOAD_BARRIERS,
  removeLoadBarriers,
  WASM_RT_DEFINES,
} from "../host/toolchain/pipeline.js";
import { ToolError } from "../host/errors.js";
import { buildDir, packageRoot } from "../host/paths.js";
import { runTool } from "../host/tools/exec.js";
import { buildMiniCoreWasm, miniCoreWasm } from "./helpers/mini-core.js";

const outDir = join(buildDir, "test", "mini-core");
const flags = (target: "firmware" | CoreLevel) => compileFlags(target, { outDir, version: "0.0.0-test" });
/** A level's generated C and its object, in a build directory. */
const coreC = (level: CoreLevel, dir = outDir) => join(dir, `${level.module}.c`);
const coreObject = (level: CoreLevel, dir = outDir) => join(dir, "obj", `${level.module}.obj`);
/** For it.each: each level under its -march name. */
const byName = CORE_LEVELS.map((level) => [level.march, level] as const);

beforeAll(async () => {
  await generateCores(await buildMiniCoreWasm(), outDir);
}, 120_000);

/** `clang -E` with the pipeline's own flags: the C the compiler really sees. */
async function preprocess(source: string, target: "firmware" | CoreLevel, extra: string[] = []): Promise<string> {
  return (await runTool("clang", [...flags(target), ...extra, "-E", "-P", source], { timeoutMs: 60_000 })).stdout;
}

/** The body of one generated memory access function in preprocessed C, e.g. f32_load_unchecked. */
function body(c: string, name: string): string {
  const start = c.search(new RegExp(`\\b${name}\\(wasm_rt_memory_t\\* mem, u64 addr[^)]*\\) \\{`));
  expect(start, `${name} in the preprocessed core`).toBeGreaterThanOrEqual(0);
  return c.slice(start, c.indexOf("}", start) + 1);
}

describe("one build of the core per x86-64 level", () => {
  it("levels are listed lowest first, each module and -march named after its level", () => {
    expect(CORE_LEVELS.map((l) => l.level)).toEqual([...CORE_LEVELS.map((l) => l.level)].sort((a, b) => a - b));
    expect(new Set(CORE_LEVELS.map((l) => l.level)).size).toBe(CORE_LEVELS.length);
    for (const level of CORE_LEVELS) {
      expect(level.module).toBe(`corev${level.level}`);
      expect(level.march).toBe(level.level === 1 ? "x86-64" : `x86-64-v${level.level}`);
    }
    // v2 is the floor firmware/include/math.h relies on (roundsd); v3 is what current PCs run.
    expect(CORE_LEVELS[0].level).toBe(2);
    expect(CORE_LEVELS.map((l) => l.march)).toContain("x86-64-v3");
  });

  it("core.h includes every level's header and lists the builds for firmware/main.c", async () => {
    const header = await readFile(join(outDir, "core.h"), "utf8");
    for (const level of CORE_LEVELS) expect(header).toContain(`#include "${level.module}.h"`);
    const list = CORE_LEVELS.map((l) => `X(${l.module}, ${l.level}, "${l.march}")`).join(" ");
    expect(header).toContain(`#define CORE_BUILDS(X) ${list}\n`);
  });

  it("each level compiles for its own -march with the exact-float flags; the shim stays baseline", () => {
    for (const level of CORE_LEVELS) {
      expect(flags(level)).toContain(`-march=${level.march}`);
      expect(flags(level).filter((f) => f.startsWith("-march="))).toHaveLength(1);
      for (const flag of ["-fno-fast-math", "-ffp-contract=off"]) expect(flags(level)).toContain(flag);
    }
    expect(flags("firmware")).toContain("-march=x86-64");
    for (const flag of ["-fno-fast-math", "-ffp-contract=off"]) expect(flags("firmware")).toContain(flag);
  });
});

describe("wasm2c's load barriers", () => {
  const definitions = Object.entries(LOAD_BARRIERS).flatMap(([, { definitions }]) => definitions);
  const generated = ["#ifdef __GNUC__", ...definitions, "#endif"].join("\n");

  it("removeLoadBarriers redefines every barrier to nothing and keeps the rest", () => {
    const result = removeLoadBarriers(generated);
    expect(result).not.toContain("__asm__");
    for (const macro of Object.keys(LOAD_BARRIERS)) expect(result).toContain(`#define ${macro}(var) /* load barrier removed`);
    expect(result.split("\n")).toHaveLength(generated.split("\n").length);
    // A module without v128 code has no SIMD_FORCE_READ at all.
    const scalarOnly = generated.split("\n").filter((line) => !line.includes("SIMD_FORCE_READ")).join("\n");
    expect(removeLoadBarriers(scalarOnly)).not.toContain("__asm__");
  });

  it.each([
    ["a changed definition", generated.replace('::"r"(var));', '::"rm"(var));'), /expected FORCE_READ_INT's definitions/],
    ["a new compiler branch", `${generated}\n#define FORCE_READ_FLOAT(var) __asm__("" ::"v"(var));`, /expected FORCE_READ_FLOAT's definitions/],
    ["a scalar barrier gone", generated.split("\n").filter((line) => !line.includes("FORCE_READ_INT")).join("\n"), /found\n\(none\)/],
  ])("removeLoadBarriers refuses generated code with %s, so an upgrade is looked at", (_, source, message) => {
    expect(() => removeLoadBarriers(source)).toThrow(message);
  });

  it.each(byName)("are gone from the generated C for %s, and no asm statement reaches the compiler", async (_, level) => {
    const text = await readFile(coreC(level), "utf8");
    for (const definition of definitions.filter((d) => d.includes("__asm__"))) expect(text).not.toContain(definition);
    // Still used by wasm2c's load helpers, now expanding to nothing; the fixture has v128 loads too.
    for (const use of ["u32, FORCE_READ_INT)", "f32, FORCE_READ_FLOAT)", "SIMD_FORCE_READ(result);"]) expect(text).toContain(use);
    // From the first load helper on, everything is wasm2c's (before it: compiler and SIMDe headers).
    const fromLoads = (c: string) => c.slice(c.indexOf(body(c, "i32_load_unchecked")));
    for (const c of [await preprocess(coreC(level), level), await preprocess(coreC(level), level, ["-D__GNUC__=4"])]) {
      // Under clang's MSVC-compatible target wasm2c's own switch (__GNUC__) would already skip
      // them; the second run defines it, as a GNU-flavoured compiler (and the native build) does.
      for (const name of ["i32_load_unchecked", "f32_load_unchecked", "v128_load_unchecked"]) expect(body(c, name)).toBeTruthy();
      expect(fromLoads(c)).not.toMatch(/\b(__asm__|__asm|asm)\b/);
    }
  });
});

describe("bounds checking", () => {
  it("passes the guard-page configuration to every compile, explicitly", () => {
    expect(WASM_RT_DEFINES).toEqual([
      "-DWASM_RT_MEMCHECK_GUARD_PAGES=1",
      "-DWASM_RT_STACK_DEPTH_COUNT=1",
      "-DWASM_RT_MAX_CALL_STACK_DEPTH=1000",
    ]);
    for (const target of ["firmware" as const, ...CORE_LEVELS]) for (const define of WASM_RT_DEFINES) expect(flags(target)).toContain(define);
  });

  it.each(byName)("%s: loads and stores carry no bounds check (the guard pages do it), calls count depth", async (_, level) => {
    const seen = await preprocess(coreC(level), level);
    // What the code calls for every access to the default memory (the *_default32 form).
    for (const name of ["i32_load_default32", "f32_load_default32", "f32_store_default32", "v128_load_default32"]) {
      expect(body(seen, name)).not.toMatch(/wasm_rt_trap|mem->size/);
    }
    expect(seen).toMatch(/\+\+\(\*call_depth\(\)\) > 1000/); // one counter per processor (firmware/call_depth.h)
  });

  it.each([
    ["without explicit macros", (f: string[]) => f.filter((x) => !x.startsWith("-DWASM_RT_")), /set WASM_RT_MEMCHECK_GUARD_PAGES, .* explicitly/],
    ["with inline bounds checks", (f: string[]) => f.map((x) => x.replace("MEMCHECK_GUARD_PAGES=1", "MEMCHECK_GUARD_PAGES=0")), /built for WASM_RT_MEMCHECK_GUARD_PAGES=1/],
    ["without call-depth counting", (f: string[]) => f.map((x) => x.replace("STACK_DEPTH_COUNT=1", "STACK_DEPTH_COUNT=0")), /keep wasm2c's call-depth counting on/],
  ])("the firmware refuses to compile %s", async (_, change, message) => {
    const source = join(packageRoot, "firmware", "wasm_rt.c");
    const error = await runTool("clang", [...change(flags("firmware")), "-fsyntax-only", source], { timeoutMs: 60_000 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ToolError);
    expect((error as ToolError).stderrTail).toMatch(message);
  });
});

// --- The compiled code ----------------------------------------------------------------

interface Disassembly {
  [fn: string]: string[]; // instructions, one per line
}

/**
 * An object's functions. In an unlinked object a call's target is a relocation (-r
 * prints it on the next line); it replaces the placeholder address's <label>, so
 * `call ... <w2c_corev3_matvec_0>` names the function called.
 */
async function disassemble(object: string): Promise<Disassembly> {
  const { stdout } = await runTool("llvm-objdump", ["-d", "-r", "--no-show-raw-insn", object], { timeoutMs: 60_000 });
  const functions: Disassembly = {};
  let current: string[] = [];
  for (const line of stdout.split("\n")) {
    const label = /^[0-9a-f]+ <([^>+]+)>:$/.exec(line);
    const relocation = /IMAGE_REL_AMD64_REL32\s+(\S+)$/.exec(line);
    if (label) functions[label[1]] = current = [];
    else if (relocation && current.length) current.push(current.pop()!.replace(/<[^>]*>$/, `<${relocation[1]}>`));
    else if (line.trim() && !/IMAGE_REL_/.test(line)) current.push(line.trim());
  }
  return functions;
}

/** The instructions of the functions named (those that exist), and of the functions they call, each once. */
function reachable(functions: Disassembly, names: string[]): string[] {
  const seen = new Set<string>();
  const visit = (fn: string, depth: number) => {
    if (seen.has(fn) || !functions[fn] || depth > 3) return;
    seen.add(fn);
    for (const instruction of functions[fn]) {
      const call = /\b(call|jmp)\w*\s+\S+ <([^>+]+)>/.exec(instruction); // a tail call is a jmp
      if (call) visit(call[2], depth + 1);
    }
  };
  for (const name of names) visit(name, 0);
  return [...seen].flatMap((fn) => functions[fn]);
}

/** The vector register a level's loops should use: the widest its -march has (v4 would be zmm, not built). */
const register = (level: CoreLevel) => (level.level >= 3 ? "ymm" : "xmm");

/**
 * Packed instructions a kernel must contain, by mnemonic without the VEX "v" (AT&T
 * syntax), each at least once on register `reg`. "load" is a packed read
 * from memory into it (a move, or an operation with a memory operand): weights streamed
 * a vector at a time rather than gathered lane by lane.
 */
type Required = readonly string[];

function expectPacked(instructions: string[], required: Required, reg: "xmm" | "ymm", allowedInserts = 0): void {
  const count = (pattern: RegExp) => instructions.filter((i) => pattern.test(i)).length;
  expect(instructions.length, "the kernel's code").toBeGreaterThan(0);
  for (const mnemonic of required) {
    const pattern =
      mnemonic === "load"
        ? new RegExp(`\\bv?(movups|movdqu|movaps|movdqa|mulps|addps|pmaddwd|pmovsxbw|pmovzxbw|pmovsxbd)\\s+-?\\w*\\([^)]*\\),.*%${reg}`)
        : new RegExp(`\\bv?${mnemonic}\\s.*%${reg}`);
    expect(count(pattern), `${mnemonic} on ${reg}`).toBeGreaterThanOrEqual(1);
  }
  // Not lanes gathered one by one, which is what a vectorizer fighting the code produces.
  expect(count(/\bv?insertps\s/), "single-lane inserts (insertps)").toBeLessThanOrEqual(allowedInserts);
}

/** What no level may contain: FMA (it rounds once where the Node host rounds twice), or registers wider than its -march. */
function expectNothingBeyond(instructions: string[], level: CoreLevel): void {
  expect(instructions.filter((i) => /\bv?f(n)?m(add|sub)/.test(i)), "FMA instructions").toEqual([]);
  const wider = level.level >= 3 ? /%zmm|%k[0-7]\b/ : /%ymm|%zmm|\bv(mov|add|mul|sub|xor|perm|broadcast|extract|insert)\w*\s/;
  expect(instructions.filter((i) => wider.test(i)).slice(0, 5), `instructions beyond ${level.march}`).toEqual([]);
}

/** Global symbols an object defines (llvm-nm: uppercase type letters other than U). */
async function definedGlobals(object: string): Promise<string[]> {
  const { stdout } = await runTool("llvm-nm", ["--extern-only", "--defined-only", object], { timeoutMs: 60_000 });
  return stdout.split("\n").filter(Boolean).map((line) => line.trim().split(/\s+/).at(-1)!);
}

/**
 * Every global symbol the object defines is its module's (w2c_corev3_run,
 * wasm2c_corev3_instantiate, ...), or a constant the compiler names by its content and
 * the linker folds across objects: floating-point and vector literals (__real@, __xmm@,
 * __ymm@) and strings (??_C@).
 */
function expectOwnSymbols(symbols: string[], level: CoreLevel): void {
  expect(symbols).toContain(`w2c_${level.module}_run`);
  expect(symbols).toContain(`wasm2c_${level.module}_instantiate`);
  const own = (s: string) => s.startsWith(`w2c_${level.module}_`) || s.startsWith(`wasm2c_${level.module}_`);
  const constant = /^(__real@|__xmm@|__ymm@|__zmm@|\?\?_C@)/;
  expect(symbols.filter((s) => !own(s) && !constant.test(s))).toEqual([]);
}

/**
 * wasm2c's C name for a function of the module: w2c_<module>_ and the wasm name with
 * every character other than letters, digits and "_" written as 0xHH
 * ("assembly/kernels/ops/dot" -> w2c_corev3_assembly0x2Fkernels0x2Fops0x2Fdot).
 */
const cName = (level: CoreLevel, wasmName: string) =>
  `w2c_${level.module}_${wasmName.replace(/[^A-Za-z0-9_]/g, (c) => `0x${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, "0")}`)}`;

/**
 * A function's instructions: its own, those of wasm2c's wrap_ entry for it (a function
 * in the table is compiled into its wrapper when inlined there), and those of the
 * functions either calls.
 */
function instructionsOf(functions: Disassembly, name: string): string[] {
  return reachable(functions, [name, `wrap_${name}`]);
}

describe("the fixture core, built by the same pipeline", () => {
  beforeAll(async () => {
    await buildEfi({ wasm: miniCoreWasm, outDir });
  }, 300_000);

  it.each(byName)("%s: its f32 matvec runs on packed vectors of the full width, and nothing uses FMA", async (_, level) => {
    const functions = await disassemble(coreObject(level));
    expectPacked(instructionsOf(functions, cName(level, "matvec")), ["load", "mulps", "addps"], register(level));
    expectNothingBeyond(Object.values(functions).flat(), level);
  });

  it.each(byName)("%s: its v128 code compiles to SSE through SIMDe (pmaddwd for i32x4.dot_i16x8_s)", async (_, level) => {
    const functions = await disassemble(coreObject(level));
    // $print_simd is called once, so clang inlines it into run().
    const simd = instructionsOf(functions, cName(level, "run"));
    // 128-bit operations on xmm at every level: v128 is one xmm register wide.
    for (const mnemonic of ["pmaddwd", "mulps", "addps"]) expect(simd.filter((i) => new RegExp(`\\bv?${mnemonic}\\s.*%xmm`).test(i)), mnemonic).not.toEqual([]);
  });

  it.each(byName)("%s: its object defines only its own w2c_<module> symbols, so the builds link side by side", async (_, level) => {
    expectOwnSymbols(await definedGlobals(coreObject(level)), level);
  });
});

/**
 * What each matrix kernel of the real core must compile to at every level: they are
 * explicit v128 (one file per weight type), so one xmm register wide whatever the
 * -march, and the same instructions at v2 and v3. Integer kernels multiply with
 * pmaddwd (i32x4.dot_i16x8_s). A kernel is named by its wasm name (asc: the source
 * file's path and the function). The float kernels' scalar tails (n % 16 values) are
 * paired across the two rows by clang's SLP vectorizer: a few insertps outside the loop.
 */
const FLOAT_KERNELS = ["f32/dot2F32", "f16/dot2F16", "bf16/dot2BF16"];
const INT8_KERNELS = ["q8_0/dot4Q8_0", "q4_0/dot4Q4_0", "q4_1/dot2Q4_1", "q5_0/dot2Q5_0", "q5_1/dot2Q5_1",
  "q2_k/dot2Q2_K", "q3_k/dot2Q3_K", "q4_k/dot2Q4_K", "q5_k/dot2Q5_K", "q6_k/dotQ6_K"];
const KERNELS: readonly { kernel: string; required: Required; inserts?: number }[] = [
  ...FLOAT_KERNELS.map((name) => ({ kernel: `assembly/kernels/${name}`, required: ["load", "mulps", "addps"], inserts: 8 })),
  ...INT8_KERNELS.map((name) => ({ kernel: `assembly/kernels/${name}`, required: ["load", "pmaddwd", "cvtdq2ps", "mulps", "addps"] })),
];

describe("the real core (its release wasm keeps function names: asconfig.json debug)", () => {
  const efiDir = join(buildDir, "efi");
  beforeAll(async () => {
    await buildEfi();
  }, 600_000);

  it.each(byName)("%s: its matrix kernels run on packed vectors of the full width, and nothing uses FMA", async (_, level) => {
    const functions = await disassemble(coreObject(level, efiDir));
    for (const { kernel, required, inserts } of KERNELS) {
      const instructions = instructionsOf(functions, cName(level, kernel));
      expect(instructions.length, `${kernel}'s code (${cName(level, kernel)})`).toBeGreaterThan(0);
      expectPacked(instructions, required, "xmm", inserts); // v128 is one xmm register wide at every level
    }
    expectNothingBeyond(Object.values(functions).flat(), level);
  }, 120_000);

  it.each(byName)("%s: its object defines only its own w2c_<module> symbols", async (_, level) => {
    expectOwnSymbols(await definedGlobals(coreObject(level, efiDir)), level);
  });

  it.each(byName)("%s: no load barrier survives in the real core either", async (_, level) => {
    const text = await readFile(coreC(level, efiDir), "utf8");
    for (const { definitions } of Object.values(LOAD_BARRIERS))
      for (const definition of definitions.filter((d) => d.includes("__asm__"))) expect(text).not.toContain(definition);
    expect(text).toMatch(/#define SIMD_FORCE_READ\(var\) \/\* load barrier removed/);
  });
});
