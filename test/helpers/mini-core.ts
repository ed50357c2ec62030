// The firmware tests' stand-in core (test/fixtures/firmware/mini-core.wat) as wasm,
// made with the wat2wasm of the pinned npm `wabt`, the same release as the wasm2c
// the pipeline runs. Its functions keep their names ($matvec -> w2c_<module>_matvec),
// so test/build.test.ts can find them in the disassembly.
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { buildDir, packageRoot } from "../../host/paths.js";
import { runTool } from "../../host/tools/exec.js";

const WAT2WASM = join(packageRoot, "node_modules", "wabt", "bin", "wat2wasm");

export const miniCoreWasm = join(buildDir, "test", "mini-core.wasm");

export async function buildMiniCoreWasm(): Promise<string> {
  await mkdir(join(buildDir, "test"), { recursive: true });
  await runTool(process.execPath, [WAT2WASM, join(packageRoot, "test", "fixtures", "firmware", "mini-core.wat"), "--debug-names", "-o", miniCoreWasm], { timeoutMs: 30_000 });
  return miniCoreWasm;
}
