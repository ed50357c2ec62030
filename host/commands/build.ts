// uefi-llm build: compile the core and the firmware shim into BOOTX64.EFI and print its path.
import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { buildEfi, checkBuildTools } from "../toolchain/pipeline.js";

interface BuildFlags {
  debug?: boolean;
  output?: string;
}

export const buildCommand = new Command("build")
  .description("compile the core and the UEFI firmware shim into BOOTX64.EFI")
  .option("--debug", "the core's debug build (assertions, no wasm optimization) and C with debug info")
  .option("-o, --output <path>", "copy BOOTX64.EFI to this file (or into this directory); default: leave it in build/efi/")
  .action(async (flags: BuildFlags) => {
    await checkBuildTools();
    const built = await buildEfi({ debug: flags.debug });
    let path = built;
    if (flags.output !== undefined) {
      path = resolve(flags.output);
      const isDirectory = flags.output.endsWith("/") || (await stat(path).then((s) => s.isDirectory(), () => false));
      if (isDirectory) path = join(path, "BOOTX64.EFI");
      await mkdir(dirname(path), { recursive: true });
      await copyFile(built, path);
    }
    process.stdout.write(`${path}\n`);
  });
