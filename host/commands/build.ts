// uefi-llm build: compile the core and the firmware shim into BOOTX64.EFI and/or
// BOOTAA64.EFI and print their paths, one a line.
import { copyFile, mkdir, stat } from "node:fs/promises";
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { UserError } from "../errors.js";
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
    const intoDirectory = flags.output !== undefined && (flags.output.endsWith("/") || (await stat(resolve(flags.output)).then((s) => s.isDirectory(), () => false)));
    if (flags.output !== undefined && arches.length > 1 && !intoDirectory) throw new UserError("--arch all builds two files: --output must be a directory");
    await checkBuildTools();
    for (const arch of arches) {
      const built = await buildEfi({ debug: flags.debug, arch });
      let path = built;
      if (flags.output !== undefined) {
        path = resolve(flags.output);
        if (intoDirectory) path = join(path, ARCH_TARGETS[arch].efiFile);
        await mkdir(dirname(path), { recursive: true });
        await copyFile(built, path);
      }
      process.stdout.write(`${path}\n`);
    }
  });
