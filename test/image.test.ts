// The disk image writer checked by independent tools: sgdisk reads the GPT,
// fsck.fat checks the FAT32 volume, mtools reads every file back.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream, existsSync } from "node:fs";
import { appendFile, mkdtemp, readFile, rm, truncate, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { writeBootImage } from "../host/commands/image.js";
import { configText } from "../host/config.js";
import { UserError } from "../host/errors.js";
import { crc32 } from "../host/image/crc32.js";
import { type DiskImageSummary, type ImageFile, writeDiskImage } from "../host/image/disk-image.js";
import { assignShortNames } from "../host/image/fat-names.js";
import { planFat32 } from "../host/image/fat32.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";

// Building the real EFI app takes the whole toolchain; these tests pass --efi, and
// check that preflight fails before a build would start.
vi.mock("../host/toolchain/pipeline.js", () => ({ buildEfi: vi.fn(async () => "/nonexistent/BOOTX64.EFI") }));

const MiB = 1024 * 1024;

/** Reproducible bytes that do not compress or repeat, so a misplaced cluster shows. */
function pseudoRandom(length: number, seed: string): Buffer {
  const out = Buffer.alloc(length);
  let block = createHash("sha256").update(seed).digest();
  for (let at = 0; at < length; at += block.length) {
    block.copy(out, at);
    block = createHash("sha256").update(block).digest();
  }
  return out;
}

async function tool(command: string, args: string[]) {
  // mtools prints non-ASCII long names in the locale's charset.
  return execa(command, args, { reject: false, env: { LANG: "C.UTF-8", LC_ALL: "C.UTF-8" } });
}

/** The partition as a file of its own, since fsck.fat takes no offset. */
async function extractPartition(image: string, summary: DiskImageSummary, to: string): Promise<void> {
  const end = summary.partitionOffset + summary.partitionBytes - 1;
  await pipeline(createReadStream(image, { start: summary.partitionOffset, end, highWaterMark: 4 * MiB }), createWriteStream(to));
}

async function fsckFindings(image: string, summary: DiskImageSummary): Promise<{ exitCode?: number; output: string; clusters: number }> {
  const partition = `${image}.partition`;
  await extractPartition(image, summary, partition);
  const fsck = await tool("fsck.fat", ["-n", "-v", partition]);
  await rm(partition);
  return { exitCode: fsck.exitCode, output: fsck.stdout + fsck.stderr, clusters: Number(/(\d+) data clusters/.exec(fsck.stdout)?.[1]) };
}

async function sha256(path: string): Promise<string> {
  const hash = createHash("sha256");
  await pipeline(createReadStream(path), hash);
  return hash.digest("hex");
}

let dir: string;
let modelPath: string;
let files: ImageFile[];
let image: string;
let summary: DiskImageSummary;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "uefi-llm-image-test-"));
  modelPath = join(dir, "model.bin");
  await writeFile(modelPath, pseudoRandom(3 * MiB + 123, "model"));
  files = [
    { path: "EFI/BOOT/BOOTX64.EFI", source: pseudoRandom(70_000, "efi") },
    { path: "uefi-llm.cfg", source: Buffer.from("model = model.bin\nend = shutdown\n") },
    { path: "model.bin", source: modelPath },
    { path: "A long file name with spaces.txt", source: Buffer.from("long name\n") },
    { path: "naïve café.txt", source: Buffer.from("not ASCII\n") },
    { path: "thirteen.char", source: Buffer.from("one full VFAT entry, no terminator\n") },
    { path: "exactly-twenty-six-chars.t", source: Buffer.from("two full VFAT entries\n") },
    { path: "docs/Sub Directory/nested file.md", source: Buffer.from("two levels down\n") },
    { path: "docs/README", source: Buffer.from("a second file in an existing directory\n") },
    { path: "empty.txt", source: Buffer.alloc(0) },
    { path: "longfilename1.txt", source: Buffer.from("1") },
    { path: "longfilename2.txt", source: Buffer.from("2") },
    { path: "foo bar.txt", source: Buffer.from("generated short name must skip the literal one") },
    { path: "FOOBAR~1.TXT", source: Buffer.from("literal short name") },
  ];
  image = join(dir, "disk.img");
  summary = await writeDiskImage(image, files);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe("GPT", () => {
  it("passes sgdisk's verification, with one EFI system partition at 1 MiB", async () => {
    const verify = await tool("sgdisk", ["-v", image]);
    expect(verify.stdout).toContain("No problems found");
    const info = await tool("sgdisk", ["-i", "1", image]);
    expect(info.stdout).toContain("C12A7328-F81F-11D2-BA4B-00A0C93EC93B (EFI system partition)");
    expect(info.stdout).toMatch(/First sector: 2048 /);
    expect(summary.partitionOffset).toBe(MiB);
    expect(summary.partitionBytes % MiB).toBe(0);
    expect(summary.bytes).toBe(summary.partitionOffset + summary.partitionBytes + MiB);
  });

  it("computes the standard CRC-32 check value", () => {
    expect(crc32(Buffer.from("123456789"))).toBe(0xcbf43926);
  });
});

describe("FAT32", () => {
  it("passes fsck.fat with no findings, with enough clusters to be FAT32", async () => {
    const fsck = await fsckFindings(image, summary);
    expect(fsck.output).not.toContain("Leaving filesystem unchanged");
    expect(fsck.exitCode).toBe(0);
    expect(fsck.clusters).toBeGreaterThanOrEqual(65525);
  });

  it("uses 4 KiB clusters, aligned, for contents over 256 MiB", async () => {
    const big = join(dir, "big.bin");
    await writeFile(big, "head");
    await truncate(big, 257 * MiB - 4); // sparse, so only the image gets written
    await appendFile(big, "tail");
    const bigImage = join(dir, "big.img");
    const bigSummary = await writeDiskImage(bigImage, [files[0], { path: "big.bin", source: big }]);
    expect(bigSummary.clusterBytes).toBe(4096);
    const fsck = await fsckFindings(bigImage, bigSummary);
    expect(fsck.exitCode, fsck.output).toBe(0);
    const dataSector = Number(/Data area starts at byte \d+ \(sector (\d+)\)/.exec(fsck.output)?.[1]);
    expect(dataSector % 8).toBe(0); // clusters on 4 KiB boundaries
    const copy = join(dir, "big.out");
    await tool("mcopy", ["-n", "-i", `${bigImage}@@${bigSummary.partitionOffset}`, "::/big.bin", copy]);
    expect((await tool("cmp", [copy, big])).exitCode).toBe(0);
    await rm(bigImage);
    await rm(copy);
  }, 30_000);

  it("gives mtools every file back byte for byte, found by its long name", async () => {
    const out = join(dir, "out");
    for (const [i, file] of files.entries()) {
      const copied = await tool("mcopy", ["-n", "-i", `${image}@@${summary.partitionOffset}`, `::/${file.path}`, `${out}${i}`]);
      expect(copied.stderr, file.path).toBe("");
      const expected = typeof file.source === "string" ? await readFile(file.source) : file.source;
      expect((await readFile(`${out}${i}`)).equals(expected), file.path).toBe(true);
    }
  });

  it("lists short names as Windows derives them, with the label in the root", async () => {
    const listing = (await tool("mdir", ["-i", `${image}@@${summary.partitionOffset}`, "::/"])).stdout;
    expect(listing).toContain("Volume in drive : is UEFI-LLM");
    expect(listing).toMatch(/^EFI +<DIR>/m); // an exact 8.3 name needs no long name
    expect(listing).toMatch(/^uefi-llm cfg +\d+ [^\n]*\d:\d\d\s*$/m); // lower case alone: case flags, no long name, no ~N tail
    expect(listing).toMatch(/^ALONGF~1 TXT .* A long file name with spaces\.txt$/m);
    expect(listing).toMatch(/^LONGFI~1 TXT .* longfilename1\.txt$/m);
    expect(listing).toMatch(/^LONGFI~2 TXT .* longfilename2\.txt$/m);
    expect(listing).toMatch(/^FOOBAR~2 TXT .* foo bar\.txt$/m);
    expect(listing).toMatch(/^FOOBAR~1 TXT +\d+ /m);
  });

  it("derives short names like the basis-name algorithm", () => {
    const names = ["BOOTX64.EFI", "tok512.bin", "stories260K.bin", ".hidden", "c++ notes.txt", "a.b.c", "Ωmega"];
    expect(assignShortNames(names).map((n) => [n.shortName, n.needsLongName])).toEqual([
      ["BOOTX64 EFI", false],
      ["TOK512  BIN", false], // lower case alone: the case flags carry it
      ["STORIE~1BIN", true],
      ["HIDDEN~1   ", true],
      ["C__NOT~1TXT", true],
      ["AB~1    C  ", true],
      ["_MEGA~1    ", true],
    ]);
  });
});

describe("image file", () => {
  it("is byte-identical when built twice, and its ids follow the contents", async () => {
    const again = join(dir, "again.img");
    await writeDiskImage(again, files);
    expect(await sha256(again)).toBe(await sha256(image));

    const changed = join(dir, "changed.img");
    await writeDiskImage(changed, [...files.slice(0, -1), { path: "FOOBAR~1.TXT", source: Buffer.from("literal short nameX") }]);
    const diskGuid = async (path: string) => /Disk identifier \(GUID\): (\S+)/.exec((await tool("sgdisk", ["-p", path])).stdout)?.[1];
    expect(await diskGuid(changed)).not.toBe(await diskGuid(image));
  });

  it("refuses to replace an existing file unless forced, and never replaces an input", async () => {
    const target = join(dir, "exists.img");
    await writeFile(target, "precious");
    await expect(writeDiskImage(target, files)).rejects.toThrow(/exists.img already exists \(use --force/);
    expect(await readFile(target, "utf8")).toBe("precious");
    await writeDiskImage(target, files, { force: true });
    expect(await sha256(target)).toBe(await sha256(image));
    await expect(writeDiskImage(modelPath, files, { force: true })).rejects.toThrow(/is also an input/);
  });

  it("refuses a file over 4 GiB - 1 before writing anything", async () => {
    expect(() => planFat32([{ path: "model.bin", size: 2 ** 32 }])).toThrow(UserError);
    expect(() => planFat32([{ path: "model.bin", size: 2 ** 32 }])).toThrow(/model.bin is 4.0 GiB: too big for FAT32/);
    const huge = join(dir, "huge.bin");
    await writeFile(huge, "");
    await truncate(huge, 2 ** 32); // sparse: no 4 GiB written
    const output = join(dir, "huge.img");
    await expect(writeDiskImage(output, [{ path: "huge.bin", source: huge }])).rejects.toThrow(/too big for FAT32/);
    expect(existsSync(output)).toBe(false);
  });

  it("sizes the largest possible file with 4 KiB clusters and FATs that cover every cluster", () => {
    const plan = planFat32([{ path: "model.bin", size: 2 ** 32 - 1 }]);
    expect(plan.clusterBytes).toBe(4096);
    expect(plan.files[0].clusters).toBe(2 ** 20);
    expect(plan.clusterCount).toBeGreaterThanOrEqual(plan.usedClusters);
    expect((plan.fatSectors * 512) / 4).toBeGreaterThanOrEqual(plan.clusterCount + 2);
    expect(plan.totalSectors % 2048).toBe(0);
  });

  it("rejects paths that FAT cannot hold", () => {
    expect(() => planFat32([{ path: "a:b.txt", size: 1 }])).toThrow(/a:b.txt.*character FAT does not allow/);
    expect(() => planFat32([{ path: "dir//x", size: 1 }])).toThrow(/empty path component/);
    expect(() => planFat32([{ path: "name.", size: 1 }])).toThrow(/ends with a dot/);
    expect(() => planFat32([{ path: "story-\u{1F600}.bin", size: 1 }])).toThrow(/outside the Basic Multilingual Plane/);
    expect(() => planFat32([{ path: "\u{1D49C}/x.bin", size: 1 }])).toThrow(/"\u{1D49C}\/x.bin".*outside the Basic Multilingual Plane/u);
    expect(() => planFat32([{ path: "histoire-\u00e9t\u00e9-\u4e2d.bin", size: 1 }])).not.toThrow(); // accents and CJK are in the BMP
    expect(() => planFat32([{ path: "Model.bin", size: 1 }, { path: "model.BIN", size: 1 }])).toThrow(/two files would be named "model.BIN"/);
    expect(() => planFat32([{ path: "EFI", size: 1 }, { path: "efi/boot.efi", size: 1 }])).toThrow(/"efi" would be both a file and a directory/);
  });

  it("reports a missing source as a user error, leaving no output", async () => {
    const output = join(dir, "missing.img");
    await expect(writeDiskImage(output, [{ path: "x.bin", source: join(dir, "nope.bin") }])).rejects.toThrow(/cannot read .*nope.bin: no such file/);
    expect(existsSync(output)).toBe(false);
  });
});

describe("uefi-llm image", () => {
  it("puts the app at the removable-media boot path, model and tokenizer at the root under 8.3 names, and a config naming them", async () => {
    const efi = join(dir, "app.efi");
    await writeFile(efi, pseudoRandom(4096, "app"));
    const output = join(dir, "boot.img");
    const config = { prompt: "Once upon a time", steps: 16, temperature: 0, end: "shutdown" as const };
    const bootSummary = await writeBootImage({ model: bundledModel, tokenizer: bundledTokenizer, efi, output, config });
    const at = `${output}@@${bootSummary.partitionOffset}`;
    const cfg = await tool("mtype", ["-i", at, "::/uefi-llm.cfg"]);
    expect(cfg.stdout + "\n").toBe(configText({ ...config, model: "model.bin", tokenizer: "tokenizr.bin" }));
    for (const [inImage, source] of [["EFI/BOOT/BOOTX64.EFI", efi], ["model.bin", bundledModel], ["tokenizr.bin", bundledTokenizer]]) {
      const copy = join(dir, "check.bin");
      await tool("mcopy", ["-n", "-i", at, `::/${inImage}`, copy]);
      expect((await readFile(copy)).equals(await readFile(source)), inImage).toBe(true);
    }
    expect(buildEfi).not.toHaveBeenCalled();
  });

  it("writes no VFAT long-name entry: every name is 8.3, and fsck.fat and mtools read them back", async () => {
    const efi = join(dir, "app.efi");
    const output = join(dir, "names.img");
    const gguf = join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf");
    const named = await writeBootImage({ model: gguf, efi, output, config: { end: "shutdown" } });
    const fsck = await fsckFindings(output, named);
    expect(fsck.exitCode, fsck.output).toBe(0);
    const at = `${output}@@${named.partitionOffset}`;
    const root = (await tool("mdir", ["-a", "-i", at, "::/"])).stdout;
    const boot = (await tool("mdir", ["-a", "-i", at, "::/EFI/BOOT"])).stdout;
    // mdir shows a long name after the date only when VFAT entries hold one.
    for (const line of [...root.split("\n"), ...boot.split("\n")].filter((l) => /\d:\d\d/.test(l))) expect(line).toMatch(/\d:\d\d\s*$/);
    expect(root.split("\n").filter((l) => /\d:\d\d/.test(l)).length).toBe(3);
    expect(root).toMatch(/^model +ggu /m);
    expect(root).toMatch(/^uefi-llm cfg /m);
    expect(boot).toMatch(/^BOOTX64 +EFI /m);
    const copy = join(dir, "model.copy");
    await tool("mcopy", ["-n", "-i", at, "::/model.ggu", copy]);
    expect((await readFile(copy)).equals(await readFile(gguf))).toBe(true);
    const directory = await readFile(output);
    expect(directory.includes(Buffer.from("m\0o\0d\0e\0l\0", "latin1"))).toBe(false); // no UTF-16 name anywhere
  });

  it("checks the model and the output before building the app", async () => {
    const output = join(dir, "taken.img");
    await writeFile(output, "");
    await expect(writeBootImage({ model: join(dir, "missing.bin"), output: join(dir, "new.img") })).rejects.toThrow(/cannot open model '.*missing.bin': no such file or directory/);
    await expect(writeBootImage({ model: bundledModel, output })).rejects.toThrow(/already exists/);
    expect(buildEfi).not.toHaveBeenCalled();
  });

  it("stores a model whose name the firmware could not spell (UCS-2) under its 8.3 name", async () => {
    const model = join(dir, "story-\u{1F600}.bin");
    await writeFile(model, await readFile(bundledModel));
    const output = join(dir, "emoji.img");
    const named = await writeBootImage({ model, tokenizer: bundledTokenizer, efi: join(dir, "app.efi"), output });
    const copy = join(dir, "emoji.copy");
    await tool("mcopy", ["-n", "-i", `${output}@@${named.partitionOffset}`, "::/model.bin", copy]);
    expect((await readFile(copy)).equals(await readFile(bundledModel))).toBe(true);
  });
});
