// The build pipeline's promises about the compiled core, at every x86-64 level it is
// built for: wasm2c's load barrier is gone, bounds are checked by guard pages and not
// in the code, the f32 dot product runs on packed vectors as wide as the level has
// (xmm for v2, ymm for v3) and never on FMA, and the levels' builds link side by side.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi, compileFlags, CORE_LEVELS, type CoreLevel, generateCores, removeLoadBarrier, WASM_RT_DEFINES } from "../host/toolchain/pipeline.js";
import { ToolError } from "../host/errors.js";
import { buildDir, packageRoot } from "../host/paths.js";
import { runTool } from "../host/tools/exec.js";

const fixture = join(packageRoot, "test", "fixtures", "firmware", "mini-core.wat");
const miniWasm = join(buildDir, "test", "mini-core.wasm");
const outDir = join(buildDir, "test", "mini-core");
const flags = (target: "firmware" | CoreLevel) => compileFlags(target, { outDir, version: "0.0.0-test" });
/** A level's generated C and its object, in a build directory. */
const coreC = (level: CoreLevel, dir = outDir) => join(dir, `${level.module}.c`);
const coreObject = (level: CoreLevel, dir = outDir) => join(dir, "obj", `${level.module}.obj`);
/** For it.each: each level under its -march name. */
const byName = CORE_LEVELS.map((level) => [level.march, level] as const);

beforeAll(async () => {
  await mkdir(join(buildDir, "test"), { recursive: true });
  await runTool("wat2wasm", [fixture, "-o", miniWasm], { timeoutMs: 30_000 });
  await generateCores(miniWasm, outDir);
}, 120_000);

/** `clang -E` with the pipeline's own flags: the C the compiler really sees. */
async function preprocess(source: string, target: "firmware" | CoreLevel, extra: string[] = []): Promise<string> {
  return (await runTool("clang", [...flags(target), ...extra, "-E", "-P", source], { timeoutMs: 60_000 })).stdout;
}

/** The body of one generated function in preprocessed C, e.g. f32_load. */
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
      expect(level.module).toBe(`core_v${level.level}`);
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

describe("wasm2c's load barrier", () => {
  it("removeLoadBarrier redefines wasm_asm to nothing, and refuses code without exactly one definition", () => {
    const generated = "#ifdef __GNUC__\n#define wasm_asm __asm__\n#else\n#define wasm_asm(X)\n#endif\n";
    expect(removeLoadBarrier(generated)).not.toContain("__asm__");
    expect(removeLoadBarrier(generated)).toContain("#define wasm_asm(X) /*");
    expect(() => removeLoadBarrier("#define wasm_asm(X)\n")).toThrow(/expected "#define wasm_asm __asm__" once, found it 0 times/);
  });

  it.each(byName)("is gone from the generated C for %s, and no asm statement reaches the compiler", async (_, level) => {
    const text = await readFile(coreC(level), "utf8");
    expect(text).not.toContain("#define wasm_asm __asm__");
    expect(text).toContain('wasm_asm("" ::"r"(result));'); // still written by wasm2c, now expanding to nothing
    // From the first load helper on, everything is wasm2c's (before it: compiler headers such as intrin.h).
    const generated = (c: string) => c.slice(c.indexOf(body(c, "i32_load")));
    expect(generated(await preprocess(coreC(level), level))).not.toMatch(/\b(__asm__|__asm|asm)\b/);
    // Also when a compiler defines __GNUC__, which is what wasm2c's own switch keys on.
    expect(generated(await preprocess(coreC(level), level, ["-D__GNUC__=4"]))).not.toMatch(/\b(__asm__|__asm|asm)\b/);
  });
});

describe("bounds checking", () => {
  it("passes the guard-page configuration to every compile, explicitly", () => {
    expect(WASM_RT_DEFINES).toEqual([
      "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1",
      "-DWASM_RT_USE_STACK_DEPTH_COUNT=1",
      "-DWASM_RT_MAX_CALL_STACK_DEPTH=1000",
    ]);
    for (const target of ["firmware" as const, ...CORE_LEVELS]) for (const define of WASM_RT_DEFINES) expect(flags(target)).toContain(define);
  });

  it.each(byName)("%s: loads and stores carry no bounds check (the guard pages do it), calls count depth", async (_, level) => {
    const seen = await preprocess(coreC(level), level);
    for (const name of ["i32_load", "f32_load", "f32_store"]) {
      expect(body(seen, name)).not.toMatch(/wasm_rt_trap|mem->size/);
    }
    expect(seen).toMatch(/\+\+\(\*call_depth\(\)\) > 1000/); // one counter per processor (firmware/call_depth.h)
  });

  it.each([
    ["without explicit macros", (f: string[]) => f.filter((x) => !x.startsWith("-DWASM_RT_")), /set WASM_RT_MEMCHECK_SIGNAL_HANDLER, .* explicitly/],
    ["with inline bounds checks", (f: string[]) => f.map((x) => x.replace("MEMCHECK_SIGNAL_HANDLER=1", "MEMCHECK_SIGNAL_HANDLER=0")), /built for WASM_RT_MEMCHECK_SIGNAL_HANDLER=1/],
    ["without call-depth counting", (f: string[]) => f.map((x) => x.replace("USE_STACK_DEPTH_COUNT=1", "USE_STACK_DEPTH_COUNT=0")), /keep wasm2c's call-depth counting on/],
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

async function disassemble(object: string): Promise<Disassembly> {
  const { stdout } = await runTool("llvm-objdump", ["-d", "--no-show-raw-insn", object], { timeoutMs: 60_000 });
  const functions: Disassembly = {};
  let current: string[] = [];
  for (const line of stdout.split("\n")) {
    const label = /^[0-9a-f]+ <([^>+]+)>:$/.exec(line);
    if (label) functions[label[1]] = current = [];
    else if (line.trim()) current.push(line.trim());
  }
  return functions;
}

/** The instructions of every function whose name contains `name`, and of the functions they call. */
function reachable(functions: Disassembly, name: string): string[] {
  const seen = new Set<string>();
  const visit = (fn: string, depth: number) => {
    if (seen.has(fn) || !functions[fn] || depth > 3) return;
    seen.add(fn);
    for (const instruction of functions[fn]) {
      const call = /\bcall\w*\s+\S+ <([^>+]+)>/.exec(instruction);
      if (call) visit(call[1], depth + 1);
    }
  };
  for (const fn of Object.keys(functions)) if (fn.includes(name)) visit(fn, 0);
  return [...seen].flatMap((fn) => functions[fn]);
}

/** The vector register a level's f32 loops should use: the widest its -march has (v4 would be zmm, not built). */
const register = (level: CoreLevel) => (level.level >= 3 ? "ymm" : "xmm");

function expectPackedFloats(instructions: string[], level: CoreLevel, allowedInserts = 0): void {
  const count = (pattern: RegExp) => instructions.filter((i) => pattern.test(i)).length;
  const reg = register(level);
  expect(instructions.length, "the kernel's code").toBeGreaterThan(0);
  // Both operands read from memory 4 (xmm) or 8 (ymm) floats at a time, by movups or
  // folded into the multiply (AT&T: the memory source comes first), feeding packed multiplies and adds.
  const vectorReads = new RegExp(`\\bv?(movups|mulps)\\s+-?\\w*\\([^)]*\\),.*%${reg}`);
  expect(count(vectorReads), `packed reads from memory (movups, or mulps with a memory operand) into ${reg}`).toBeGreaterThanOrEqual(2);
  expect(count(new RegExp(`\\bv?mulps\\s.*%${reg}`)), `packed multiplies (mulps) on ${reg}`).toBeGreaterThanOrEqual(1);
  expect(count(new RegExp(`\\bv?addps\\s.*%${reg}`)), `packed adds (addps) on ${reg}`).toBeGreaterThanOrEqual(1);
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
 * Every global symbol the object defines is its module's (Z_core_v3Z_run, ...), or a
 * constant the compiler names by its content and the linker folds across objects:
 * floating-point and vector literals (__real@, __xmm@, __ymm@) and strings (??_C@).
 */
function expectOwnSymbols(symbols: string[], level: CoreLevel): void {
  expect(symbols).toContain(`Z_${level.module}Z_run`);
  const constant = /^(__real@|__xmm@|__ymm@|__zmm@|\?\?_C@)/;
  expect(symbols.filter((s) => !s.startsWith(`Z_${level.module}`) && !constant.test(s))).toEqual([]);
}

describe("the fixture core, built by the same pipeline", () => {
  beforeAll(async () => {
    await buildEfi({ wasm: miniWasm, outDir });
  }, 300_000);

  it.each(byName)("%s: its f32 matvec runs on packed vectors of the full width, and nothing uses FMA", async (_, level) => {
    const functions = await disassemble(coreObject(level));
    expectPackedFloats(reachable(functions, "matvec"), level);
    expectNothingBeyond(Object.values(functions).flat(), level);
  });

  it.each(byName)("%s: its object defines only its own Z_<module> symbols, so the builds link side by side", async (_, level) => {
    expectOwnSymbols(await definedGlobals(coreObject(level)), level);
  });
});

describe("the real core (its release wasm keeps function names: asconfig.json debug)", () => {
  const efiDir = join(buildDir, "efi");
  beforeAll(async () => {
    await buildEfi();
  }, 600_000);

  it.each(byName)("%s: its matrix kernels run on packed vectors of the full width, and nothing uses FMA", async (_, level) => {
    const functions = await disassemble(coreObject(level, efiDir));
    // Each kernel is a function of its own (matmul.ts calls them through the function table).
    // The two-row int8 kernels pair their two rows' block scales with one insertps each way.
    // At x86-64-v2 clang 14 leaves the two-row f32, Q8_0 and K-quant kernels scalar (README, Vectorization).
    const kernels: [string, number][] = level.level >= 3
      ? [["ops_dot", 0], ["ops_dot2", 0], ["dot_int8_dot2Q8_0", 2], ["dot_int8_dot2Q4_0", 2], ["dot_int8_dot2Q4_K", 2], ["dot_int8_dot2Q6_K", 2]]
      : [["ops_dot", 0], ["dot_int8_dot2Q4_0", 2]];
    for (const [kernel, allowedInserts] of kernels) {
      const name = `w2c_assembly_${kernel}`;
      expect(Object.keys(functions), name).toContain(name);
      expectPackedFloats(functions[name] ?? [], level, allowedInserts);
    }
    expectNothingBeyond(Object.values(functions).flat(), level);
  }, 120_000);

  it.each(byName)("%s: its object defines only its own Z_<module> symbols", async (_, level) => {
    expectOwnSymbols(await definedGlobals(coreObject(level, efiDir)), level);
  });
});
