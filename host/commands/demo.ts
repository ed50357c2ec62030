// uefi-llm demo: build the EFI app, put the bundled stories260K on a disk image and
// boot it in QEMU, so the story comes from a machine with no operating system.
import { join } from "node:path";
import { Command, Option } from "commander";
import { buildDir, bundledModel, bundledTokenizer } from "../paths.js";
import { ARCH_TARGETS, ARCHES, type Arch } from "../toolchain/arch.js";
import { buildEfi } from "../toolchain/pipeline.js";
import { runQemu } from "../qemu/qemu.js";
import { numberParser } from "../options.js";
import { writeBootImage } from "./image.js";

interface DemoFlags {
  arch: Arch;
  usb?: boolean;
  timeout: number;
}

export const demoCommand = new Command("demo")
  .description("build the EFI app, write a disk image with the bundled stories260K and boot it in QEMU")
  .addOption(new Option("--arch <arch>", "the machine to boot: x86_64 (OVMF) or aarch64 (AAVMF)").choices([...ARCHES]).default("x86_64"))
  .addOption(new Option("--usb", "attach the image as a USB stick (xHCI) instead of a virtio disk"))
  .addOption(new Option("--timeout <s>", "stop QEMU after this many seconds").argParser(numberParser({ min: 1, integer: true })).default(600))
  .action(async (flags: DemoFlags) => {
    const say = (text: string) => process.stderr.write(`uefi-llm demo: ${text}\n`);
    say(`building EFI/BOOT/${ARCH_TARGETS[flags.arch].efiFile} (asc → wasm2c → clang → lld-link)`);
    const efi = await buildEfi({ arch: flags.arch });
    const image = join(buildDir, "demo.img");
    const app = flags.arch === "aarch64" ? { efiAarch64: efi } : { efi };
    await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, config: { end: "shutdown" }, ...app, output: image, force: true });
    say(`wrote ${image}; booting it in QEMU with ${flags.arch === "aarch64" ? "AAVMF" : "OVMF"} (the guest's serial console follows)`);
    const result = await runQemu(image, { arch: flags.arch, usb: flags.usb, timeoutSeconds: flags.timeout, interactive: true });
    process.exitCode = result.exitCode;
  });
