// `flash` onto real block devices: loop devices set up here (root only), written,
// read back, refused when they must be, and the flashed device booted in QEMU.
import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, existsSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { basename, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { writeBootImage } from "../host/commands/image.js";
import { checkTarget, parseLsblk, removableDisks, type BlockDevice } from "../host/flash/disks.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { execa } from "execa";
import { cli, cliPath } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const root = process.getuid?.() === 0;
if (!root) console.warn("flash.test.ts: not root, so no loop devices: the flash tests on real block devices are skipped");

const tempDir = useTempDirs("uefi-llm-flash-");
const dir = tempDir();
const expected = (name: string) => readFileSync(join(import.meta.dirname, "fixtures", "stories260K", name), "utf8");

/** `lsblk --json --bytes -o NAME,PATH,TYPE,SIZE,MODEL,TRAN,RM,HOTPLUG,RO,MOUNTPOINTS` on a laptop with a USB stick in (util-linux 2.38). */
const LAPTOP = `{
   "blockdevices": [
      {"name":"sda", "path":"/dev/sda", "type":"disk", "size":15376000000, "model":"Cruzer Blade    ", "tran":"usb", "rm":true, "hotplug":true, "ro":false, "mountpoints":[null],
         "children": [
            {"name":"sda1", "path":"/dev/sda1", "type":"part", "size":15374999552, "model":null, "tran":null, "rm":true, "hotplug":true, "ro":false, "mountpoints":["/media/me/STICK"]}
         ]
      },
      {"name":"nvme0n1", "path":"/dev/nvme0n1", "type":"disk", "size":512110190592, "model":"Samsung SSD 980 PRO 512GB", "tran":"nvme", "rm":false, "hotplug":false, "ro":false, "mountpoints":[null],
         "children": [
            {"name":"nvme0n1p1", "path":"/dev/nvme0n1p1", "type":"part", "size":536870912, "model":null, "tran":"nvme", "rm":false, "hotplug":false, "ro":false, "mountpoints":["/boot/efi"]},
            {"name":"nvme0n1p2", "path":"/dev/nvme0n1p2", "type":"part", "size":511571705856, "model":null, "tran":"nvme", "rm":false, "hotplug":false, "ro":false, "mountpoints":[null],
               "children": [
                  {"name":"vg-root", "path":"/dev/mapper/vg-root", "type":"lvm", "size":511570657280, "model":null, "tran":null, "rm":false, "hotplug":false, "ro":false, "mountpoints":["/"]}
               ]
            }
         ]
      },
      {"name":"sr0", "path":"/dev/sr0", "type":"rom", "size":1073741312, "model":"DVD-RAM UJ8E2", "tran":"sata", "rm":true, "hotplug":false, "ro":false, "mountpoints":[null]}
   ]
}`;

describe("lsblk's output", () => {
  it("parses a laptop's disks: the stick is listed, the system disk and the DVD drive are not", () => {
    const devices = parseLsblk(LAPTOP);
    expect(removableDisks(devices).map((d) => [d.path, d.model, d.transport, d.bytes])).toEqual([["/dev/sda", "Cruzer Blade", "usb", 15376000000]]);
    expect(devices[1].children[1].children[0].mountpoints).toEqual(["/"]);
  });

  it("parses this machine's real output, and flash --list prints without failing", async () => {
    const json = execFileSync("lsblk", ["--json", "--bytes", "-o", "NAME,PATH,TYPE,SIZE,MODEL,TRAN,RM,HOTPLUG,RO,MOUNTPOINTS"], { encoding: "utf8" });
    const devices = parseLsblk(json);
    expect(devices.length).toBeGreaterThan(0);
    for (const d of devices) expect(d.path).toMatch(/^\/dev\//);
    const listed = await cli(["flash", "--list", "--json"]);
    expect(listed.exitCode, listed.stderr).toBe(0);
    expect(JSON.parse(listed.stdout)).toEqual(removableDisks(parseLsblk(execFileSync("lsblk", ["--json", "--bytes", "-o", "NAME,PATH,TYPE,SIZE,MODEL,TRAN,RM,HOTPLUG,RO,MOUNTPOINTS"], { encoding: "utf8" }))));
  });
});

describe.skipIf(!root)("flash onto loop devices", () => {
  const loops: string[] = [];
  const mounts: string[] = [];
  const nodes: string[] = []; // device nodes made here
  let image: string;
  const loop = (file: string, args: string[] = []) => {
    const device = execFileSync("losetup", ["-f", "--show", ...args, file], { encoding: "utf8" }).trim();
    loops.push(device);
    return device;
  };
  const backing = (name: string, bytes: number) => {
    const path = join(dir, name);
    writeFileSync(path, Buffer.alloc(0));
    execFileSync("truncate", ["-s", String(bytes), path]);
    return path;
  };

  beforeAll(async () => {
    image = join(dir, "stick.img");
    await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, config: { temperature: 0, steps: 256, end: "shutdown" }, efi: await buildEfi(), output: image });
  }, 600_000);

  afterAll(() => {
    for (const m of mounts) execFileSync("umount", [m]);
    for (const n of nodes) rmSync(n, { force: true });
    for (const l of loops) execFileSync("losetup", ["-d", l]);
  });

  it("writes, reads back and verifies; the stick boots in QEMU (read-only) and tells the story", async () => {
    const target = backing("stick.raw", 64 * 2 ** 20);
    const device = loop(target);
    const result = await cli(["flash", image, device, "--yes"], { timeoutMs: 120_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout).toMatch(new RegExp(`^wrote .*stick\\.img to ${device} \\(35\\.0 MiB\\) in [\\d.]+ s \\([\\d.]+ MiB/s\\); read back and verified in [\\d.]+ s \\(sha256 [0-9a-f]{64}\\)\\n$`));
    const written = readFileSync(target);
    const source = readFileSync(image);
    expect(written.subarray(0, source.length).equals(source)).toBe(true);

    // `run DEVICE` boots it as a snapshot: the guest's writes never reach the stick.
    const booted = await cli(["run", "--timeout", "240", device], { timeoutMs: 300_000 });
    expect(booted.exitCode, booted.stderr).toBe(0);
    expect(booted.stdout.replace(/\r\n/g, "\n")).toContain(expected("greedy-n256.txt"));
    expect(readFileSync(target).equals(written), "the snapshot left the stick as it was").toBe(true);
  }, 400_000);

  it("refuses a device smaller than the image, writing nothing", async () => {
    const target = backing("small.raw", 8 * 2 ** 20);
    const device = loop(target);
    const result = await cli(["flash", image, device, "--yes"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe(`uefi-llm: ${device} holds 8.0 MiB, smaller than the image (35.0 MiB)\n`);
    expect(readFileSync(target).every((b) => b === 0)).toBe(true);
  });

  it("refuses a mounted device", async () => {
    // A volume of its own on a loop device, mounted: what a stick looks like after the desktop
    // mounts it (ext2, since this container's kernel may lack vfat).
    const volume = backing("mounted.raw", 64 * 2 ** 20);
    execFileSync("mkfs.ext2", ["-q", "-F", volume], { stdio: "ignore" });
    const device = loop(volume);
    const at = join(dir, "mnt");
    await mkdir(at);
    execFileSync("mount", [device, at]);
    mounts.push(at);
    const before = readFileSync(volume);
    const result = await cli(["flash", image, device, "--yes"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe(`uefi-llm: ${device} is mounted at ${at}; unmount it first (e.g. udisksctl unmount -b <partition>)\n`);
    expect(readFileSync(volume).equals(before)).toBe(true);
  });

  it("refuses a partition, naming its disk, and writes nothing", async () => {
    // The stick's own image on a loop device, partitions scanned: /dev/loopN and loopNp1.
    const backingFile = join(dir, "partitioned.raw");
    copyFileSync(image, backingFile);
    const disk = loop(backingFile, ["--partscan"]);
    const name = `${basename(disk)}p1`;
    const sysfs = `/sys/class/block/${name}/dev`;
    // The kernel may not have scanned yet (or this container's does it only when asked).
    if (!existsSync(sysfs)) execFileSync("partx", ["--add", disk]);
    const partition = `/dev/${name}`;
    // Without udev nobody makes the node: make it from the kernel's major:minor, and remove it after.
    if (!existsSync(partition)) {
      const [major, minor] = readFileSync(sysfs, "utf8").trim().split(":");
      execFileSync("mknod", [partition, "b", major, minor]);
      nodes.push(partition);
    }
    expect(statSync(partition).isBlockDevice()).toBe(true);
    const before = readFileSync(backingFile);
    const result = await cli(["flash", image, partition, "--yes"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe(`uefi-llm: ${partition} is a partition of ${disk}; a boot image goes on the whole disk: uefi-llm flash IMAGE ${disk}\n`);
    expect(readFileSync(backingFile).equals(before), "nothing was written").toBe(true);
  });

  it("refuses /dev paths that do not exist, and files", async () => {
    const missing = await cli(["flash", image, "/dev/uefi-llm-no-such-stick", "--yes"]);
    expect(missing.stderr).toBe("uefi-llm: /dev/uefi-llm-no-such-stick does not exist; 'uefi-llm flash --list' shows the removable disks\n");
    expect(missing.exitCode).not.toBe(0);
    const file = await cli(["flash", image, join(dir, "stick.raw"), "--yes"]);
    expect(file.stderr).toMatch(/stick\.raw is not a block device/);
  });

  it("refuses the disk holding the running system, and a fixed disk without --force", async () => {
    const device = loop(backing("system.raw", 64 * 2 ** 20));
    const asDisk = (mountpoints: string[], removable: boolean): BlockDevice[] => [{ ...parseLsblk(LAPTOP)[1], path: device, removable, children: [{ ...parseLsblk(LAPTOP)[1].children[1], mountpoints, children: [] }] }];
    await expect(checkTarget(device, asDisk(["/"], false), { imageBytes: 1, force: true })).rejects.toThrow(`${device} holds the running system (/); refusing to overwrite it`);
    await expect(checkTarget(device, asDisk([], false), { imageBytes: 1 })).rejects.toThrow(/is not a removable disk \(Samsung SSD 980 PRO 512GB, 476\.9 GiB\); if you really mean to overwrite it, add --force/);
    await expect(checkTarget(device, asDisk([], false), { imageBytes: 1, force: true })).resolves.toMatchObject({ path: device });
  });

  it("Ctrl-C mid-write stops and says the stick is incomplete", async () => {
    const big = backing("big.img", 2 ** 30); // any file can be flashed; a sparse GiB takes long enough to interrupt
    const target = backing("big.raw", 2 ** 30);
    const device = loop(target);
    const child = execa("node", [cliPath, "flash", big, device, "--yes"], { reject: false });
    // Interrupt once the first blocks have reached the backing file.
    for (let i = 0; i < 600 && statSync(target).blocks === 0; i++) await new Promise((r) => setTimeout(r, 50));
    child.kill("SIGINT");
    const result = await child;
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe(`uefi-llm: interrupted: ${device} holds an incomplete image and will not boot; flash it again`);
  }, 120_000);

  it("as a user without write access to the device: permission denied, suggesting sudo", async () => {
    const device = loop(backing("nobody.raw", 64 * 2 ** 20));
    const open = tempDir();
    chmodSync(open, 0o755);
    const readable = join(open, "stick.img");
    copyFileSync(image, readable);
    chmodSync(readable, 0o644);
    const result = await execa("setpriv", ["--reuid", "65534", "--regid", "65534", "--clear-groups", "node", cliPath, "flash", readable, device, "--yes"], { reject: false });
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe(`uefi-llm: permission denied opening ${device}: writing a disk needs root (try sudo uefi-llm flash ...)`);
  });

  it("asks for the device name when not told --yes, and refuses without a terminal", async () => {
    const device = loop(backing("ask.raw", 64 * 2 ** 20));
    const result = await cli(["flash", image, device]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe(`uefi-llm: not asking for confirmation without a terminal: add --yes to overwrite ${device}\n`);
  });
});
