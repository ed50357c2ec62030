// uefi-llm run: boot a disk image in QEMU with OVMF (x86-64) or AAVMF (AArch64), the
// guest's serial console on this terminal; the exit code is QEMU's (0 after a clean
// guest shutdown).
import { access, constants, stat } from "node:fs/promises";
import { constants as osConstants } from "node:os";
import { Command, Option } from "commander";
import { UserError } from "../errors.js";
import { numberParser } from "../options.js";
import { checkOvmf, SECURE_BOOT_FIRMWARE } from "../qemu/ovmf.js";
import { enrolledVars } from "../secure-boot/enroll.js";
import { runQemu, type QemuOptions } from "../qemu/qemu.js";
import { ARCHES, type Arch } from "../toolchain/arch.js";

/** OVMF's line when Secure Boot refuses the stick's boot loader. */
const SECURE_BOOT_REFUSAL = /failed to (?:load|start) Boot\d+ "[^"\n]*" from [^\n]*(?:Access Denied|Security Violation)/;

interface RunFlags {
  arch: Arch;
  el2?: boolean;
  timeout?: number;
  memory?: number;
  smp: number;
  usb?: boolean;
  cpu?: string;
  secureBoot?: boolean;
  keys?: string;
  net?: boolean;
  port?: number;
  guestPort?: number;
}

export const runCommand = new Command("run")
  .description("boot a disk image in QEMU with OVMF (x86_64) or AAVMF (aarch64); the guest's serial console is this terminal")
  .argument("<image>", "disk image, e.g. from 'uefi-llm image', or a flashed stick (/dev/sdX, booted read-only)")
  .addOption(new Option("--arch <arch>", "the machine QEMU emulates: x86_64 (q35, OVMF) or aarch64 (virt, AAVMF)").choices([...ARCHES]).default("x86_64"))
  .option("--el2", "aarch64: start the firmware at EL2 (virt,virtualization=on), as on most servers")
  .addOption(new Option("--timeout <seconds>", "stop QEMU and fail after this many seconds").argParser(numberParser({ min: 1, max: 2 ** 31 / 1000 })))
  .addOption(new Option("--memory <mb>", "guest memory in MiB; default: twice the image plus 512, at least 1024").argParser(numberParser({ min: 128, max: 2 ** 20, integer: true })))
  .addOption(new Option("--smp <n>", "virtual CPUs").argParser(numberParser({ min: 1, max: 255, integer: true })).default(1))
  .option("--usb", "attach the image as a USB stick (xHCI) instead of a virtio disk")
  .option("--cpu <model>", "QEMU CPU model; default: host with KVM, else max (x86_64) or cortex-a72 (aarch64)")
  .option("--secure-boot", "x86_64: boot OVMF's Secure Boot build with Microsoft's keys enrolled (or --keys), as a shop-bought PC does")
  .option("--keys <dir>", "with --secure-boot: enroll this 'uefi-llm keys' folder's keys instead of Microsoft's")
  .option("--net", "a network card on QEMU's user network (DHCP), for an image made with 'image --serve': --port on 127.0.0.1 reaches the stick's server")
  .addOption(new Option("--port <n>", "with --net: the port on 127.0.0.1 forwarded to the guest (default: 8080)").argParser(numberParser({ min: 1, max: 65535, integer: true })))
  .addOption(new Option("--guest-port <n>", "with --net: the guest's port, as 'image --port' set it (default: 80)").argParser(numberParser({ min: 1, max: 65535, integer: true })))
  .action(async (image: string, flags: RunFlags) => {
    if (flags.el2 && flags.arch !== "aarch64") throw new UserError("--el2 is for --arch aarch64");
    if ((flags.port !== undefined || flags.guestPort !== undefined) && !flags.net) throw new UserError(`${flags.port !== undefined ? "--port" : "--guest-port"} goes with --net`);
    const net = flags.net ? { hostPort: flags.port ?? 8080, guestPort: flags.guestPort ?? 80 } : undefined;
    const options: QemuOptions = {
      arch: flags.arch,
      el2: flags.el2,
      timeoutSeconds: flags.timeout,
      memoryMb: flags.memory,
      smp: flags.smp,
      usb: flags.usb,
      cpu: flags.cpu,
      interactive: true,
      net,
    };
    const info = await stat(image).catch(() => undefined);
    // A stick is booted as a snapshot: the guest's writes go to a temporary overlay, never to the device.
    const device = info?.isBlockDevice() ?? false;
    if (!info?.isFile() && !device) throw new UserError(`${image} not found (or not a file or block device)`);
    await access(image, device ? constants.R_OK : constants.R_OK | constants.W_OK).catch(() => {
      throw new UserError(device ? `${image} is not readable: reading a disk needs root (try sudo)` : `${image} must be readable and writable: QEMU opens it as a disk`);
    });
    if (device) options.snapshot = true;
    if (flags.keys !== undefined && !flags.secureBoot) throw new UserError("--keys goes with --secure-boot");
    if (flags.secureBoot && flags.arch !== "x86_64") throw new UserError("--secure-boot is for --arch x86_64 (OVMF's Secure Boot build)");
    await checkOvmf(flags.secureBoot ? SECURE_BOOT_FIRMWARE : flags.arch);

    // With --keys, the variable store is made here: the keys enrolled by a first, short boot.
    const enrolled = flags.keys !== undefined ? await enrolledVars(flags.keys) : undefined;
    if (flags.secureBoot) {
      options.firmware = { ...SECURE_BOOT_FIRMWARE, vars: enrolled?.path ?? SECURE_BOOT_FIRMWARE.vars };
      // OVMF then waits at its boot menu forever; what it said is the answer.
      options.stopOn = SECURE_BOOT_REFUSAL;
    }

    if (net) process.stderr.write(`uefi-llm: the guest's port ${net.guestPort} is http://127.0.0.1:${net.hostPort}/ here\n`);
    const result = await runQemu(image, options).finally(() => enrolled?.remove());
    if (result.stoppedOn !== undefined) {
      process.stdout.write("\n");
      const trusted = flags.keys !== undefined ? `the db key of ${flags.keys}` : "Microsoft's; sign the image with your own key and add --keys DIR";
      throw new UserError(`Secure Boot refused to start ${image} (${result.stoppedOn.replace(/^.*: /, "")}): its EFI files are not signed with a key this firmware trusts (here: ${trusted})`);
    }
    if (result.timedOut) {
      if (result.output && !result.output.endsWith("\n")) process.stdout.write("\n"); // so the error gets a line of its own
      throw new UserError(`timed out after ${flags.timeout} s; QEMU was stopped`);
    }
    process.exitCode = result.signal ? 128 + osConstants.signals[result.signal] : result.exitCode;
  });
