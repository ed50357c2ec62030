// Where the package's own files are, whether running from dist/ (bundled) or host/ (tests).
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findPackageRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, "package.json"))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error("cannot find the uefi-llm package root");
    dir = parent;
  }
  return dir;
}

export const packageRoot = findPackageRoot();
export const buildDir = join(packageRoot, "build");
export const coreWasmPath = join(buildDir, "core.wasm");
export const bundledModel = join(packageRoot, "models", "stories260K.bin");
export const bundledTokenizer = join(packageRoot, "models", "tok512.bin");
