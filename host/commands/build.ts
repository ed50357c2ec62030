// uefi-llm build: compile the core and the firmware shim into BOOTX64.EFI and/or
// BOOTAA64.EFI and print their paths, one a line.
import { mkdir, readFile, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { UserError } from "../errors.js";
import { checkOutputPath, writeOutputFile } from "../output-file.js";
import { ARCH_TARGETS, ARCHES, type Arch } from "../toolchain/arch.js";
import { buildEfi, checkBuildTools } from "../toolchain/pipeline.js";

interface BuildFlags {
  debug?: boolean;
  arch: Arch | "all";
  output?: string;
}

export const buildCommand = new Command("build")
  .description("compile the core and the UEFI firmware shim into BOOTX64.EFI (x86-64) and/or BOOTAA64.EFI (AArch64)")
  .option("--debug", "the core's debug build (assertions, no wasm optimization) and C with debug info")
  .addOption(new Option("--arch <arch>", "x86_64, aarch64 or all").choices([...ARCHES, "all"]).default("x86_64"))
  .option("-o, --output <path>", "copy the EFI app to this file (or into this directory); default: leave it in build/efi*/")
  .action(async (flags: BuildFlags) => {
    const arches = flags.arch === "all" ? ARCHES : [flags.arch];
    const outputs = new Map<Arch, string>();
    if (flags.output !== undefined) {
      const output = resolve(flags.output);
      const isDirectory = flags.output.endsWith("/") || (await stat(output).then((s) => s.isDirectory(), () => false));
      if (arches.length > 1 && !isDirectory) throw new UserError("--arch all builds two files: --output must be a directory");
      for (const arch of arches) {
        const path = isDirectory ? join(output, ARCH_TARGETS[arch].efiFile) : output;
        await mkdir(dirname(path), { recursive: true });
        // Replacing a previous copy is what -o is for; a device or FIFO is never written.
        await checkOutputPath(path, { force: true });
        outputs.set(arch, path);
      }
    }
    await checkBuildTools();
    for (const arch of arches) {
      const built = await buildEfi({ debug: flags.debug, arch });
      const output = outputs.get(arch);
      if (output !== undefined) await writeOutputFile(output, await readFile(built), { force: true });
      process.stdout.write(`${output ?? built}\n`);
    }
  });
