// uefi-llm build: compile the core and the firmware shim into BOOTX64.EFI and print its path.
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command } from "commander";
import { checkOutputPath, writeOutputFile } from "../output-file.js";
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
    let output: string | undefined;
    if (flags.output !== undefined) {
      output = resolve(flags.output);
      const isDirectory = flags.output.endsWith("/") || (await stat(output).then((s) => s.isDirectory(), () => false));
      if (isDirectory) output = join(output, "BOOTX64.EFI");
      await mkdir(dirname(output), { recursive: true });
      // Replacing a previous copy is what -o is for; a device or FIFO is never written.
      await checkOutputPath(output, { force: true });
    }
    await checkBuildTools();
    const built = await buildEfi({ debug: flags.debug });
    if (output !== undefined) await writeOutputFile(output, await readFile(built), { force: true });
    process.stdout.write(`${output ?? built}\n`);
  });
