// uefi-llm flash: write a boot image onto a USB stick, after checking that the
// device is one that may be overwritten and asking the user to type its name; then
// read it back and compare. --list shows the removable disks lsblk knows.
import { statSync } from "node:fs";
import { createInterface } from "node:readline/promises";
import { Command } from "commander";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { formatBytes } from "../image/fat32.js";
import { checkTarget, describeDevice, listBlockDevices, removableDisks } from "../flash/disks.js";
import { flashImage } from "../flash/write.js";

interface FlashFlags {
  list?: boolean;
  json?: boolean;
  yes?: boolean;
  force?: boolean;
}

export const flashCommand = new Command("flash")
  .description("write a disk image (from 'uefi-llm image') onto a USB stick, then read it back and verify it")
  .argument("[image]", "disk image file")
  .argument("[device]", "the whole disk, e.g. /dev/sdb (see --list)")
  .option("-l, --list", "list the removable disks and exit")
  .option("--json", "with --list: print the disks as JSON")
  .option("-y, --yes", "do not ask for confirmation")
  .option("--force", "allow a disk that does not say it is removable (never a mounted one or the system's)")
  .action(async (image: string | undefined, device: string | undefined, flags: FlashFlags) => {
    if (flags.list) {
      const disks = removableDisks(await listBlockDevices());
      if (flags.json) process.stdout.write(JSON.stringify(disks, null, 2) + "\n");
      else if (disks.length === 0) process.stdout.write("no removable disks found\n");
      else for (const disk of disks) process.stdout.write(describeDevice(disk) + "\n");
      return;
    }
    if (image === undefined || device === undefined) throw new UserError("flash needs an image and a device: uefi-llm flash IMAGE DEVICE (uefi-llm flash --list shows the removable disks)");
    checkInputFile(image, "image");
    const imageBytes = statSync(image).size;
    const target = await checkTarget(device, await listBlockDevices(), { imageBytes, force: flags.force });

    if (!flags.yes) {
      if (!process.stdin.isTTY) throw new UserError(`not asking for confirmation without a terminal: add --yes to overwrite ${device}`);
      process.stderr.write(`about to overwrite, with ${image} (${formatBytes(imageBytes)}):\n  ${describeDevice(target)}\neverything on it will be lost.\n`);
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      const answer = await rl.question(`type the device name (${target.name}) to go on: `).finally(() => rl.close());
      if (answer.trim() !== target.name && answer.trim() !== target.path) throw new UserError(`not confirmed; ${device} was not written`);
    }

    const result = await flashImage(image, device);
    const rate = result.bytes / 2 ** 20 / Math.max(result.writeSeconds, 1e-3);
    process.stdout.write(
      `wrote ${image} to ${device} (${formatBytes(result.bytes)}) in ${result.writeSeconds.toFixed(1)} s (${rate.toFixed(1)} MiB/s); ` +
        `read back and verified in ${result.verifySeconds.toFixed(1)} s (sha256 ${result.sha256})\n`,
    );
  });
