// Builds the "native" backend: the same wasm2c output as the firmware, linked with a
// small POSIX host (native/host_posix.c) and wabt's own runtime into a Linux program,
// so the core's kernels can be timed without an emulator.
import { join } from "node:path";
import { buildDir, packageRoot } from "../paths.js";
import { runTool } from "../tools/exec.js";
import { UserError } from "../errors.js";
import { WASM_RT_DEFINES, buildCore, generateC, isFresh } from "./pipeline.js";
import { existsSync } from "node:fs";

/** wabt's runtime implementation (guard-page memory, traps via signals), from the Debian package. */
const WASM_RT_IMPL = "/usr/share/wabt/wasm2c/wasm-rt-impl.c";

/** The CPU levels a native build can target; "native" is this machine's own. */
export type NativeMarch = "native" | "x86-64-v2" | "x86-64-v3" | "x86-64-v4";

export async function buildNative(march: NativeMarch = "native"): Promise<string> {
  if (!existsSync(WASM_RT_IMPL)) throw new UserError(`${WASM_RT_IMPL} not found: install the Debian package 'wabt'`);
  const outDir = join(buildDir, "native");
  const wasm = await buildCore(false);
  const { source } = await generateC(wasm, outDir);
  const shim = join(packageRoot, "native", "host_posix.c");
  const output = join(outDir, `uefi-llm-native-${march}`);
  if (await isFresh([output], [source, shim, import.meta.filename ?? shim])) return output;
  await runTool(
    "clang",
    [
      "-O3",
      `-march=${march}`,
      // The same floating-point contract as the firmware build: bit-identical results.
      "-fno-fast-math",
      "-ffp-contract=off",
      "-mllvm",
      "-slp-vectorize-hor=false",
      ...WASM_RT_DEFINES,
      // One call-depth counter per thread: parallel_for runs the core on several at once (see host_posix.c).
      "-Dwasm_rt_call_stack_depth=(*call_depth())",
      "-pthread",
      "-I", outDir,
      "-w",
      source,
      shim,
      WASM_RT_IMPL,
      "-lm",
      "-o", output,
    ],
    { timeoutMs: 10 * 60 * 1000 },
  );
  return output;
}
