// The npm package ships only what a user runs (package.json "files"), and the packed
// tarball installs into an empty prefix and tells the bundled story from any folder. The
// installed package has no AssemblyScript (a devDependency) yet makes a bootable image:
// from the core.wasm it ships, with wabt's wasm2c (a dependency), clang and lld.
import { existsSync, readFileSync, utimesSync, writeFileSync } from "node:fs";
import { open } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { packageRoot } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-package-");
let dir: string;
let packed: { filename: string; size: number; unpackedSize: number; files: { path: string }[] };
let installedCli: string;
let installedRoot: string;

beforeAll(async () => {
  dir = tempDir();
  // The build outputs exist already (npm test builds first); prepare would rebuild them.
  const pack = await execa("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: packageRoot, timeout: 120_000 });
  [packed] = JSON.parse(pack.stdout);
  const prefix = join(dir, "prefix");
  const installed = await execa("npm", ["install", "-g", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", prefix, join(dir, packed.filename)], { timeout: 300_000, reject: false });
  expect(installed.exitCode, installed.stderr).toBe(0);
  installedCli = join(prefix, "bin", "uefi-llm");
  installedRoot = join(prefix, "lib", "node_modules", "uefi-llm");
}, 400_000);

describe("npm pack", () => {
  it("holds no test fixtures, and its tarball installs and generates the bundled story", async () => {
    const paths = packed.files.map((f) => f.path);
    expect(paths.filter((p) => p.startsWith("test/") || p.startsWith("host/"))).toEqual([]);
    for (const needed of ["bin/uefi-llm.js", "dist/cli.js", "build/core.wasm", "models/stories260K.bin", "models/tok512.bin", "firmware/main.c", "native/host_posix.c"]) expect(paths).toContain(needed);
    expect(packed.size).toBeLessThan(3 * 1024 * 1024);

    const story = await execa(installedCli, ["generate", "--temp", "0", "-n", "64", "-t", "1"], { cwd: dir, reject: false });
    expect(story.exitCode, story.stderr).toBe(0);
    const here = await cli(["generate", "--temp", "0", "-n", "64", "-t", "1"]);
    expect(story.stdout + "\n").toBe(here.stdout);
    expect(story.stdout).toMatch(/^Once upon a time/);
  }, 100_000);
});

describe("the installed package builds firmware without AssemblyScript", () => {
  /** Where the EFI system partition starts: the first LBA of GPT entry 1 (LBA 2, byte 32). */
  async function partitionOffset(image: string): Promise<number> {
    const file = await open(image);
    const { buffer } = await file.read({ buffer: Buffer.alloc(8), position: 2 * 512 + 32 });
    await file.close();
    return Number(buffer.readBigUInt64LE(0)) * 512;
  }

  it("image: a FAT volume fsck.fat passes, holding the EFI app it built, which boots and tells the story host mode tells", async () => {
    expect(existsSync(join(installedRoot, "node_modules", "wabt", "bin", "wasm2c")), "wabt is installed").toBe(true);
    expect(existsSync(join(installedRoot, "node_modules", ".bin", "asc")), "AssemblyScript is not installed").toBe(false);
    const image = join(dir, "story.img");
    const models = join(installedRoot, "models");
    const made = await execa(installedCli, ["image", "-m", join(models, "stories260K.bin"), "-z", join(models, "tok512.bin"), "--temp", "0", "-n", "40", "--end", "shutdown", "-o", image], {
      cwd: dir,
      reject: false,
      timeout: 900_000,
    });
    expect(made.exitCode, made.stderr).toBe(0);

    const offset = await partitionOffset(image);
    const partition = join(dir, "partition.img");
    const bytes = readFileSync(image);
    writeFileSync(partition, bytes.subarray(offset, offset + bytes.readUInt32LE(offset + 32) * 512)); // the boot sector's total sectors
    const fsck = await execa("fsck.fat", ["-n", partition], { reject: false });
    expect(fsck.exitCode, fsck.stdout + fsck.stderr).toBe(0);
    const app = join(dir, "BOOTX64.EFI");
    await execa("mcopy", ["-i", `${image}@@${offset}`, "::/EFI/BOOT/BOOTX64.EFI", app]);
    expect(readFileSync(app).equals(readFileSync(join(installedRoot, "build", "efi", "BOOTX64.EFI")))).toBe(true);

    const booted = await runQemu(image, { timeoutSeconds: 240 });
    expect(booted.timedOut).toBe(false);
    const here = await cli(["generate", "--temp", "0", "-n", "40", "-t", "1"]);
    expect(booted.output.replace(/\r\n/g, "\n")).toContain(here.stdout);
  }, 1_200_000);

  it("build asks for AssemblyScript, in one line, once the core's source has changed", async () => {
    const source = join(installedRoot, "assembly", "index.ts");
    const later = new Date(Date.now() + 60_000);
    utimesSync(source, later, later);
    const built = await execa(installedCli, ["build"], { cwd: dir, reject: false, timeout: 120_000 });
    expect(built.exitCode).toBe(1);
    expect(built.stderr).toMatch(/^uefi-llm: assembly\/ has changed since .*core\.wasm was built, and rebuilding it needs AssemblyScript: run 'npm install assemblyscript' in [^\n]*$/);
  }, 150_000);
});
