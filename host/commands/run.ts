// uefi-llm run: boot a disk image in QEMU with OVMF (x86-64) or AAVMF (AArch64), the
// guest's serial console on this terminal; the exit code is QEMU's (0 after a clean
// guest shutdown).
import { access, constants, stat } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { Command, Option } from "commander";
import { UserError } from "../errors.js";
import { numberParser } from "../options.js";
import { checkOvmf } from "../qemu/ovmf.js";
import { runQemu, type QemuOptions } from "../qemu/qemu.js";
import { ARCHES, type Arch } from "../toolchain/arch.js";

interface RunFlags {
  arch: Arch;
  el2?: boolean;
  timeout?: number;
  memory?: number;
  smp: number;
  usb?: boolean;
  cpu?: string;
}

export const runCommand = new Command("run")
  .description("boot a disk image in QEMU with OVMF (x86_64) or AAVMF (aarch64); the guest's serial console is this terminal")
  .argument("<image>", "disk image, e.g. from 'uefi-llm image'")
  .addOption(new Option("--arch <arch>", "the machine QEMU emulates: x86_64 (q35, OVMF) or aarch64 (virt, AAVMF)").choices([...ARCHES]).default("x86_64"))
  .option("--el2", "aarch64: start the firmware at EL2 (virt,virtualization=on), as on most servers")
  .addOption(new Option("--timeout <seconds>", "stop QEMU and fail after this many seconds").argParser(numberParser({ min: 1, max: 2 ** 31 / 1000 })))
  .addOption(new Option("--memory <mb>", "guest memory in MiB; default: twice the image plus 512, at least 1024").argParser(numberParser({ min: 128, max: 2 ** 20, integer: true })))
  .addOption(new Option("--smp <n>", "virtual CPUs").argParser(numberParser({ min: 1, max: 255, integer: true })).default(1))
  .option("--usb", "attach the image as a USB stick (xHCI) instead of a virtio disk")
  .option("--cpu <model>", "QEMU CPU model; default: host with KVM, else max (x86_64) or cortex-a72 (aarch64)")
  .action(async (image: string, flags: RunFlags) => {
    if (flags.el2 && flags.arch !== "aarch64") throw new UserError("--el2 is for --arch aarch64");
    const options: QemuOptions = {
      arch: flags.arch,
      el2: flags.el2,
      timeoutSeconds: flags.timeout,
      memoryMb: flags.memory,
      smp: flags.smp,
      usb: flags.usb,
      cpu: flags.cpu,
      interactive: true,
    };
    const info = await stat(image).catch(() => undefined);
    if (!info?.isFile()) throw new UserError(`${image} not found (or not a file)`);
    await access(image, constants.R_OK | constants.W_OK).catch(() => {
      throw new UserError(`${image} must be readable and writable: QEMU opens it as a disk`);
    });
    await checkOvmf(flags.arch);

    const result = await runQemu(image, options);
    if (result.timedOut) {
      if (result.output && !result.output.endsWith("\n")) process.stdout.write("\n"); // so the error gets a line of its own
      throw new UserError(`timed out after ${flags.timeout} s; QEMU was stopped`);
    }
    process.exitCode = result.signal ? 128 + osConstants.signals[result.signal] : result.exitCode;
  });
