// uefi-llm image: a bootable disk image holding the EFI app, the model, the
// tokenizer and uefi-llm.cfg, ready to be written to a USB stick.
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join, resolve } from "node:path";
import { Command, Option } from "commander";
import { ARCH_TARGETS, ARCHES, type Arch } from "../toolchain/arch.js";
import { buildEfi } from "../toolchain/pipeline.js";
import { CONFIG_FILE_NAME, configText, type RunConfig } from "../config.js";
import { Core } from "../runner/core.js";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { checkOutputPath } from "../output-file.js";
import { isGgufFile } from "../model-files.js";
import { buildEnrollApp } from "../secure-boot/enroll.js";
import { certificateDer, checkSigningKey, signEfiFiles, type SigningKey } from "../secure-boot/sign.js";
import { writeStderr } from "../standard-streams.js";
import { type DiskImageSummary, type ImageFile, writeDiskImage } from "../image/disk-image.js";
import { formatBytes } from "../image/fat32.js";
import { type GenerationFlags, generationConfig, generationOptions } from "../options.js";
import { chatOptions } from "./chat.js";
import { hfOption, modelFromHub } from "../hf/pull.js";

/** Where firmware looks for a boot loader on removable media (UEFI spec 2.10, section 3.5.1.1). */
export const EFI_BOOT_PATH = "EFI/BOOT/BOOTX64.EFI";
/** The same for each architecture: BOOTX64.EFI, BOOTAA64.EFI. */
export const efiBootPath = (arch: Arch) => `EFI/BOOT/${ARCH_TARGETS[arch].efiFile}`;

/**
 * Names of the files at the partition root: 8.3 names (lower case, which the case
 * flags carry without VFAT entries), since some firmware FAT drivers mishandle long
 * names. The configuration names the model and tokenizer, so their own names need
 * not survive.
 */
export const STICK_NAMES = { ggufModel: "model.ggu", llama2cModel: "model.bin", tokenizer: "tokenizr.bin" } as const;

export interface BootImageOptions {
  model: string; // host path; stored at the partition root as STICK_NAMES says
  tokenizer?: string; // likewise
  /** Generation settings for uefi-llm.cfg; its model and tokenizer are the names on the stick. */
  config?: Omit<RunConfig, "model" | "tokenizer">;
  efi?: string; // the BOOTX64.EFI to use; built with buildEfi() when absent
  efiAarch64?: string; // the BOOTAA64.EFI to use; likewise
  /** The architectures the stick boots on; default: those whose app is given above, else all (ARCHES). */
  arches?: readonly Arch[];
  output: string;
  force?: boolean;
  progress?: boolean;
  /** Load model, tokenizer and settings in the core first (default); only tests of the firmware's own error paths turn it off. */
  checkModel?: boolean;
  /** Sign every EFI file for Secure Boot, and put the certificate on the stick for "enroll from file" menus. */
  signing?: SigningKey;
  /** A `uefi-llm keys` folder: add the enrollment app for its keys at ENROLL_PATH. */
  enrollKeys?: string;
}

/** The key enrollment app on the stick, for the firmware's "boot from file" menu. */
export const ENROLL_PATH = "EFI/ENROLL/ENROLL.EFI";

/**
 * Writes a bootable image without the CLI. Preflight comes before building the EFI
 * app: inputs readable, the model, tokenizer and settings loaded by the core as the
 * firmware will load them (so a stick that would only print an error is never
 * written), the output free.
 */
export async function writeBootImage(options: BootImageOptions): Promise<DiskImageSummary> {
  checkInputFile(options.model, "model");
  if (options.tokenizer !== undefined) checkInputFile(options.tokenizer, "tokenizer");
  const given: Partial<Record<Arch, string>> = { x86_64: options.efi, aarch64: options.efiAarch64 };
  for (const path of Object.values(given)) if (path !== undefined) checkInputFile(path, "EFI application");
  const arches = options.arches ?? (ARCHES.some((a) => given[a] !== undefined) ? ARCHES.filter((a) => given[a] !== undefined) : ARCHES);
  const inputs = [options.model, options.tokenizer, ...Object.values(given)].filter((p): p is string => p !== undefined);
  if (resolve(options.output).startsWith("/dev/"))
    throw new UserError(`${options.output} is in /dev, where entries are devices: 'image' writes an image file; put that on a stick with 'uefi-llm flash IMAGE ${options.output}'`);
  await checkOutputPath(options.output, { force: options.force, inputs });
  if (options.checkModel ?? true) checkModelLoads(options);
  if (options.signing) await checkSigningKey(options.signing);
  if (options.enrollKeys !== undefined) for (const name of ["PK", "KEK", "db"]) checkInputFile(join(options.enrollKeys, `${name}.auth`), "key file");

  const temporary: (() => Promise<void>)[] = [];
  try {
    const apps: ImageFile[] = [];
    for (const arch of arches) apps.push({ path: efiBootPath(arch), source: given[arch] ?? (await buildEfi({ arch })) });
    if (options.enrollKeys !== undefined) {
      // x86-64 code: the machines with Secure Boot keys to enroll are PCs.
      const folder = await mkdtemp(join(tmpdir(), "uefi-llm-enroll-app-"));
      temporary.push(() => rm(folder, { recursive: true, force: true }));
      await buildEnrollApp(options.enrollKeys, join(folder, "ENROLL.EFI"));
      apps.push({ path: ENROLL_PATH, source: join(folder, "ENROLL.EFI") });
    }
    const extra: ImageFile[] = [];
    if (options.signing) {
      const { signed, remove } = await signEfiFiles(apps.map((a) => a.source as string), options.signing);
      temporary.push(remove);
      apps.forEach((app, i) => (app.source = signed[i]));
      extra.push(...(await certificateFiles(options.signing.cert)));
    }
    return await writeFiles(options, apps, extra);
  } finally {
    for (const remove of temporary) await remove();
  }
}

/** The certificate for firmware "enroll from file" menus: DER (.cer), and db.auth when it sits beside it (a `uefi-llm keys` folder). */
async function certificateFiles(cert: string): Promise<ImageFile[]> {
  const files: ImageFile[] = [{ path: "keys/db.cer", source: await certificateDer(cert) }];
  const auth = join(dirname(cert), "db.auth");
  if (existsSync(auth)) files.push({ path: "keys/db.aut", source: auth });
  return files;
}

async function writeFiles(options: BootImageOptions, apps: ImageFile[], extra: ImageFile[]): Promise<DiskImageSummary> {
  const model: ImageFile = { path: isGgufFile(options.model) ? STICK_NAMES.ggufModel : STICK_NAMES.llama2cModel, source: options.model };
  const tokenizer: ImageFile | undefined = options.tokenizer === undefined ? undefined : { path: STICK_NAMES.tokenizer, source: options.tokenizer };
  const config = configText({ ...options.config, model: model.path, tokenizer: tokenizer?.path });
  const files: ImageFile[] = [...apps, model, ...(tokenizer ? [tokenizer] : []), { path: CONFIG_FILE_NAME, source: Buffer.from(config) }, ...extra];
  return writeDiskImage(options.output, files, { force: options.force, progress: options.progress });
}

/**
 * Loads the model and tokenizer with the core in Node, with the image's settings: the
 * same checks, in the same words, as `generate` and the firmware (format, architecture,
 * tensor table, truncation, vocabulary match, the 4 GiB limit with this context, the
 * configuration itself). Throws the core's message as a UserError.
 */
function checkModelLoads(options: BootImageOptions): void {
  const config = configText({ ...options.config, model: options.model, tokenizer: options.tokenizer });
  new Core({ stdout: () => {}, stderr: writeStderr }).load(config);
}

interface ImageFlags extends GenerationFlags {
  model?: string;
  hfRepo?: string;
  tokenizer?: string;
  end: NonNullable<RunConfig["end"]>;
  screen?: RunConfig["screen"];
  chat?: boolean;
  serve?: boolean;
  port?: string;
  system?: string;
  chatTemplate?: string;
  efi?: string;
  efiAa64?: string;
  arch?: Arch | "all";
  signKey?: string;
  signCert?: string;
  enroll?: string;
  force?: boolean;
  output: string;
}

export const imageCommand = new Command("image")
  .description("write a bootable disk image (GPT, one FAT32 EFI system partition) with the model, tokenizer and settings")
  .option("-m, --model <file>", "GGUF model, or llama2.c checkpoint (.bin)")
  .addOption(hfOption())
  .option("-z, --tokenizer <file>", "llama2.c tokenizer (.bin), for a llama2.c checkpoint");
for (const option of generationOptions()) imageCommand.addOption(option);
imageCommand.option("--chat", "boot into a chat read from the keyboard and the serial console, instead of one continuation of --prompt");
for (const option of chatOptions()) imageCommand.addOption(option);
imageCommand
  .option("--serve", "boot into the OpenAI-compatible HTTP API on the machine's network card (DHCP), until a key is pressed; the settings are the requests' defaults")
  .option("--port <n>", "with --serve: the TCP port to listen on (default: 80)")
  .addOption(new Option("--end <action>", "what the firmware does when generation or the chat ends").choices(["shutdown", "return", "wait"]).default("wait"))
  .addOption(new Option("--screen <mode>", "text mode on a graphics screen: small (the smallest of at least 80x25, fast to scroll) or full (the firmware's, often the whole screen) (default: small)").choices(["small", "full"]))
  .addOption(new Option("--arch <arch>", "the machines the stick boots: x86_64, aarch64 or all (default: all, or those given with --efi/--efi-aa64)").choices([...ARCHES, "all"]))
  .option("--efi <file>", "use this BOOTX64.EFI instead of building one")
  .option("--efi-aa64 <file>", "use this BOOTAA64.EFI instead of building one")
  .option("--sign-key <file>", "Secure Boot: sign the EFI files with this private key (PEM, e.g. db.key from 'uefi-llm keys')")
  .option("--sign-cert <file>", "Secure Boot: the certificate of --sign-key (PEM, e.g. db.crt); also put on the stick as keys/db.cer")
  .option("--enroll <keys-dir>", "add EFI/ENROLL/ENROLL.EFI (x86-64), which enrolls this 'uefi-llm keys' folder's keys on a PC in Setup Mode")
  .option("-f, --force", "replace the output file if it exists")
  .requiredOption("-o, --output <file>", "image file to write")
  .action(async (flags: ImageFlags) => {
    if (!flags.chat && flags.system !== undefined) throw new UserError("--system needs --chat");
    if (!flags.chat && !flags.serve && flags.chatTemplate !== undefined) throw new UserError("--chat-template needs --chat or --serve");
    if (flags.chat && flags.prompt !== "") throw new UserError("--prompt does not go with --chat: the chat reads its lines from the keyboard");
    if ((flags.signKey === undefined) !== (flags.signCert === undefined)) throw new UserError("--sign-key and --sign-cert go together");
    if (flags.port !== undefined && !flags.serve) throw new UserError("--port needs --serve");
    if (flags.serve && (flags.chat || flags.prompt !== "")) throw new UserError(`${flags.chat ? "--chat" : "--prompt"} does not go with --serve: the requests bring their prompts`);
    const serve = flags.serve ? { mode: "serve" as const, port: flags.port ?? 80, chatTemplate: flags.chatTemplate } : {};
    if (flags.model === undefined && flags.hfRepo === undefined) throw new UserError("a model is needed: -m <file> or -hf <org/repo[:quant]>");
    const model = flags.hfRepo !== undefined ? await modelFromHub(flags.hfRepo) : flags.model!;
    const chat = flags.chat ? { mode: "chat" as const, system: flags.system, chatTemplate: flags.chatTemplate } : {};
    const options: BootImageOptions = {
      model,
      tokenizer: flags.tokenizer,
      config: { ...generationConfig(flags), ...chat, ...serve, end: flags.end, screen: flags.screen },
      efi: flags.efi,
      efiAarch64: flags.efiAa64,
      arches: flags.arch === undefined ? undefined : flags.arch === "all" ? ARCHES : [flags.arch],
      signing: flags.signKey !== undefined && flags.signCert !== undefined ? { key: flags.signKey, cert: flags.signCert } : undefined,
      enrollKeys: flags.enroll,
      output: flags.output,
      force: flags.force ?? false,
    };
    const summary = await writeBootImage(options);
    const run = flags.serve ? `uefi-llm run --net --guest-port ${flags.port ?? 80} ${options.output}` : `uefi-llm run ${options.output}`;
    process.stdout.write(`wrote ${options.output} (${formatBytes(summary.bytes)}); boot it with: ${run}\n`);
  });
