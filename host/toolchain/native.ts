// Builds the "native" backend: the same wasm2c output as the firmware, linked with a
// small POSIX host (native/host_posix.c) and our runtime for it (native/wasm_rt_posix.c,
// the interface in firmware/wasm-rt.h) into a Linux program, so the core's kernels can
// be timed without an emulator.
import { join } from "node:path";
import { buildDir, packageRoot } from "../paths.js";
import { runTool } from "../tools/exec.js";
import { WASM_RT_DEFINES, buildCore, generateC, isFresh, simdeIncludeDir } from "./pipeline.js";

const nativeDir = join(packageRoot, "native");
const firmwareDir = join(packageRoot, "firmware");

/** The CPU levels a native build can target; "native" is this machine's own. */
export type NativeMarch = "native" | "x86-64-v2" | "x86-64-v3" | "x86-64-v4";

export async function buildNative(march: NativeMarch = "native"): Promise<string> {
  const outDir = join(buildDir, "native");
  const wasm = await buildCore(false);
  const { source } = await generateC(wasm, outDir);
  const shim = join(nativeDir, "host_posix.c");
  const runtime = join(nativeDir, "wasm_rt_posix.c");
  const headers = [join(nativeDir, "call_depth.h"), join(firmwareDir, "wasm-rt.h")];
  const output = join(outDir, `uefi-llm-native-${march}`);
  if (await isFresh([output], [source, shim, runtime, ...headers, import.meta.filename ?? shim])) return output;
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
      // One call-depth counter per thread: parallel_for runs the core on several at once (native/call_depth.h).
      "-include", join(nativeDir, "call_depth.h"),
      "-Dwasm_rt_call_stack_depth=(*call_depth())",
      "-pthread",
      "-I", firmwareDir, // wasm-rt.h only: the rest of firmware/ is never included here
      "-I", simdeIncludeDir,
      "-I", outDir,
      "-w",
      source,
      shim,
      runtime,
      "-lm",
      "-o", output,
    ],
    { timeoutMs: 10 * 60 * 1000 },
  );
  return output;
}
