// uefi-llm image: a bootable disk image holding the EFI app, the model, the
// tokenizer and uefi-llm.cfg, ready to be written to a USB stick.
import { basename } from "node:path";
import { Command, Option } from "commander";
import { ARCH_TARGETS, ARCHES, type Arch } from "../toolchain/arch.js";
import { buildEfi } from "../toolchain/pipeline.js";
import { CONFIG_FILE_NAME, configText, type RunConfig } from "../config.js";
import { Core } from "../runner/core.js";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { checkOutputPath } from "../output-file.js";
import { checkLongName } from "../image/fat-names.js";
import { type DiskImageSummary, type ImageFile, writeDiskImage } from "../image/disk-image.js";
import { formatBytes } from "../image/fat32.js";
import { type GenerationFlags, generationConfig, generationOptions } from "../options.js";
import { chatOptions } from "./chat.js";

/** Where firmware looks for a boot loader on removable media (UEFI spec 2.10, section 3.5.1.1). */
export const EFI_BOOT_PATH = "EFI/BOOT/BOOTX64.EFI";
/** The same for each architecture: BOOTX64.EFI, BOOTAA64.EFI. */
export const efiBootPath = (arch: Arch) => `EFI/BOOT/${ARCH_TARGETS[arch].efiFile}`;

export interface BootImageOptions {
  model: string; // host path; stored at the partition root under its base name
  tokenizer?: string; // likewise
  /** Generation settings for uefi-llm.cfg; its model and tokenizer are the base names above. */
  config?: Omit<RunConfig, "model" | "tokenizer">;
  efi?: string; // the BOOTX64.EFI to use; built with buildEfi() when absent
  efiAarch64?: string; // the BOOTAA64.EFI to use; likewise
  /** The architectures the stick boots on; default: those whose app is given above, else all (ARCHES). */
  arches?: readonly Arch[];
  output: string;
  force?: boolean;
  progress?: boolean;
}

/** Writes a bootable image without the CLI; preflight (inputs readable, names the firmware can open, output free) comes before building the EFI app. */
export async function writeBootImage(options: BootImageOptions): Promise<DiskImageSummary> {
  checkInputFile(options.model, "model");
  if (options.tokenizer !== undefined) checkInputFile(options.tokenizer, "tokenizer");
  const given: Partial<Record<Arch, string>> = { x86_64: options.efi, aarch64: options.efiAarch64 };
  for (const path of Object.values(given)) if (path !== undefined) checkInputFile(path, "EFI application");
  const arches = options.arches ?? (ARCHES.some((a) => given[a] !== undefined) ? ARCHES.filter((a) => given[a] !== undefined) : ARCHES);
  for (const path of [options.model, options.tokenizer]) if (path !== undefined) checkLongName(basename(path), basename(path));
  const inputs = [options.model, options.tokenizer, ...Object.values(given)].filter((p): p is string => p !== undefined);
  await checkOutputPath(options.output, { force: options.force, inputs });

  const model: ImageFile = { path: basename(options.model), source: options.model };
  const tokenizer: ImageFile | undefined = options.tokenizer === undefined ? undefined : { path: basename(options.tokenizer), source: options.tokenizer };
  const config = configText({ ...options.config, model: model.path, tokenizer: tokenizer?.path });
  new Core({ stdout: () => {}, stderr: () => {} }).checkConfig(config); // the core's own checks, before the stick is built
  const apps: ImageFile[] = [];
  for (const arch of arches) apps.push({ path: efiBootPath(arch), source: given[arch] ?? (await buildEfi({ arch })) });
  const files: ImageFile[] = [...apps, model, ...(tokenizer ? [tokenizer] : []), { path: CONFIG_FILE_NAME, source: Buffer.from(config) }];
  return writeDiskImage(options.output, files, { force: options.force, progress: options.progress });
}

interface ImageFlags extends GenerationFlags {
  model: string;
  tokenizer?: string;
  end: NonNullable<RunConfig["end"]>;
  chat?: boolean;
  system?: string;
  chatTemplate?: string;
  efi?: string;
  efiAa64?: string;
  arch?: Arch | "all";
  force?: boolean;
  output: string;
}

export const imageCommand = new Command("image")
  .description("write a bootable disk image (GPT, one FAT32 EFI system partition) with the model, tokenizer and settings")
  .requiredOption("-m, --model <file>", "GGUF model, or llama2.c checkpoint (.bin)")
  .option("-t, --tokenizer <file>", "llama2.c tokenizer (.bin), for a llama2.c checkpoint");
for (const option of generationOptions()) imageCommand.addOption(option);
imageCommand.option("--chat", "boot into a chat read from the keyboard and the serial console, instead of one continuation of --prompt");
for (const option of chatOptions()) imageCommand.addOption(option);
imageCommand
  .addOption(new Option("--end <action>", "what the firmware does when generation or the chat ends").choices(["shutdown", "return", "wait"]).default("wait"))
  .addOption(new Option("--arch <arch>", "the machines the stick boots: x86_64, aarch64 or all (default: all, or those given with --efi/--efi-aa64)").choices([...ARCHES, "all"]))
  .option("--efi <file>", "use this BOOTX64.EFI instead of building one")
  .option("--efi-aa64 <file>", "use this BOOTAA64.EFI instead of building one")
  .option("-f, --force", "replace the output file if it exists")
  .requiredOption("-o, --output <file>", "image file to write")
  .action(async (flags: ImageFlags) => {
    if (!flags.chat && (flags.system !== undefined || flags.chatTemplate !== undefined))
      throw new UserError(`${flags.system !== undefined ? "--system" : "--chat-template"} needs --chat`);
    if (flags.chat && flags.prompt !== "") throw new UserError("--prompt does not go with --chat: the chat reads its lines from the keyboard");
    const chat = flags.chat ? { mode: "chat" as const, system: flags.system, chatTemplate: flags.chatTemplate } : {};
    const options: BootImageOptions = {
      model: flags.model,
      tokenizer: flags.tokenizer,
      config: { ...generationConfig(flags), ...chat, end: flags.end },
      efi: flags.efi,
      efiAarch64: flags.efiAa64,
      arches: flags.arch === undefined ? undefined : flags.arch === "all" ? ARCHES : [flags.arch],
      output: flags.output,
      force: flags.force ?? false,
    };
    const summary = await writeBootImage(options);
    process.stdout.write(`wrote ${options.output} (${formatBytes(summary.bytes)}); boot it with: uefi-llm run ${options.output}\n`);
  });
