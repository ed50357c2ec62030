// The build pipeline's promises about the compiled core: wasm2c's load barrier is
// gone, bounds are checked by guard pages and not in the code, and the f32 matvec
// loop runs on packed SSE instructions.
import { mkdir, readFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildEfi, compileFlags, generateC, removeLoadBarrier, WASM_RT_DEFINES } from "../host/build/pipeline.js";
import { ToolError } from "../host/errors.js";
import { buildDir, packageRoot } from "../host/paths.js";
import { runTool } from "../host/tools/exec.js";

const fixture = join(packageRoot, "test", "fixtures", "firmware", "mini-core.wat");
const outDir = join(buildDir, "test", "mini-core");
const flags = (kind: "firmware" | "core") => compileFlags(kind, { outDir, version: "0.0.0-test" });

let coreC: string;

beforeAll(async () => {
  const wasm = join(buildDir, "test", "mini-core.wasm");
  await mkdir(join(buildDir, "test"), { recursive: true });
  await runTool("wat2wasm", [fixture, "-o", wasm], { timeoutMs: 30_000 });
  coreC = (await generateC(wasm, outDir)).source;
}, 120_000);

/** `clang -E` with the pipeline's own flags: the C the compiler really sees. */
async function preprocess(source: string, kind: "firmware" | "core", extra: string[] = []): Promise<string> {
  return (await runTool("clang", [...flags(kind), ...extra, "-E", "-P", source], { timeoutMs: 60_000 })).stdout;
}

/** The body of one generated function in preprocessed C, e.g. f32_load. */
function body(c: string, name: string): string {
  const start = c.search(new RegExp(`\\b${name}\\(wasm_rt_memory_t\\* mem, u64 addr[^)]*\\) \\{`));
  expect(start, `${name} in the preprocessed core`).toBeGreaterThanOrEqual(0);
  return c.slice(start, c.indexOf("}", start) + 1);
}

describe("wasm2c's load barrier", () => {
  it("removeLoadBarrier redefines wasm_asm to nothing, and refuses code without exactly one definition", () => {
    const generated = "#ifdef __GNUC__\n#define wasm_asm __asm__\n#else\n#define wasm_asm(X)\n#endif\n";
    expect(removeLoadBarrier(generated)).not.toContain("__asm__");
    expect(removeLoadBarrier(generated)).toContain("#define wasm_asm(X) /*");
    expect(() => removeLoadBarrier("#define wasm_asm(X)\n")).toThrow(/expected "#define wasm_asm __asm__" once, found it 0 times/);
  });

  it("is gone from the generated core.c, and no asm statement reaches the compiler", async () => {
    const text = await readFile(coreC, "utf8");
    expect(text).not.toContain("#define wasm_asm __asm__");
    expect(text).toContain('wasm_asm("" ::"r"(result));'); // still written by wasm2c, now expanding to nothing
    // From the first load helper on, everything is wasm2c's (before it: compiler headers such as intrin.h).
    const generated = (c: string) => c.slice(c.indexOf(body(c, "i32_load")));
    expect(generated(await preprocess(coreC, "core"))).not.toMatch(/\b(__asm__|__asm|asm)\b/);
    // Also when a compiler defines __GNUC__, which is what wasm2c's own switch keys on.
    expect(generated(await preprocess(coreC, "core", ["-D__GNUC__=4"]))).not.toMatch(/\b(__asm__|__asm|asm)\b/);
  });
});

describe("bounds checking", () => {
  it("passes the guard-page configuration to every compile, explicitly", () => {
    expect(WASM_RT_DEFINES).toEqual([
      "-DWASM_RT_MEMCHECK_SIGNAL_HANDLER=1",
      "-DWASM_RT_USE_STACK_DEPTH_COUNT=1",
      "-DWASM_RT_MAX_CALL_STACK_DEPTH=1000",
    ]);
    for (const kind of ["firmware", "core"] as const) for (const define of WASM_RT_DEFINES) expect(flags(kind)).toContain(define);
  });

  it("loads and stores carry no bounds check (the guard pages do it), calls count depth", async () => {
    const seen = await preprocess(coreC, "core");
    for (const name of ["i32_load", "f32_load", "f32_store"]) {
      expect(body(seen, name)).not.toMatch(/wasm_rt_trap|mem->size/);
    }
    expect(seen).toMatch(/\+\+wasm_rt_call_stack_depth > 1000/);
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

// --- Vectorization ------------------------------------------------------------------

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

function expectPackedSse(instructions: string[]): void {
  const count = (pattern: RegExp) => instructions.filter((i) => pattern.test(i)).length;
  expect(instructions.length, "the matvec's code").toBeGreaterThan(0);
  // Full-width loads of 4 floats feeding packed multiplies and adds (xmm or wider).
  expect(count(/\bv?movups\s/), "packed loads (movups)").toBeGreaterThanOrEqual(2);
  expect(count(/\bv?mulps\s/), "packed multiplies (mulps)").toBeGreaterThanOrEqual(1);
  expect(count(/\bv?addps\s/), "packed adds (addps)").toBeGreaterThanOrEqual(1);
  // Not lanes gathered one by one, which is what a vectorizer fighting the code produces.
  expect(count(/\bv?insertps\s/), "single-lane inserts (insertps)").toBe(0);
}

describe("the f32 matvec is vectorized", () => {
  it("in the fixture core, built by the same pipeline", async () => {
    await buildEfi({ wasm: join(buildDir, "test", "mini-core.wasm"), outDir });
    expectPackedSse(reachable(await disassemble(join(outDir, "obj", "core.obj")), "matvec"));
  }, 300_000);

  it("in the real core (its release wasm keeps function names: asconfig.json debug)", async () => {
    await buildEfi();
    const functions = await disassemble(join(buildDir, "efi", "obj", "core.obj"));
    // matvec's rows are dot products (assembly/ops.ts); an object file's calls are unresolved, so look at dot itself.
    expect(Object.keys(functions)).toContain("w2c_assembly_ops_matvec");
    expectPackedSse(functions["w2c_assembly_ops_dot"] ?? []);
  }, 600_000);
});
