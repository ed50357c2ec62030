// Writes a whole GPT disk image with one FAT32 EFI system partition. File contents
// are streamed into place with positioned writes into a sparse file, so a multi-GiB
// model never sits in memory and free space costs nothing on the host disk. The
// image is an OutputFile (host/output-file.ts): never a device, and an existing
// image is replaced only once the new one is complete.
import { createHash } from "node:crypto";
import { open, stat } from "node:fs/promises";
import cliProgress from "cli-progress";
import { UserError } from "../errors.js";
import { OutputFile, fileError } from "../output-file.js";
import { clusterOffset, directoryBytes, fatChunks, fatOffset, formatBytes, planFat32, reservedSectors } from "./fat32.js";
import { gptLayout, gptSectors, guidFromHash, SECTOR } from "./gpt.js";

const COPY_CHUNK = 4 * 1024 * 1024;
/** Smaller copies finish before a bar would be worth drawing. */
const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export interface ImageFile {
  path: string; // inside the FAT, "/"-separated, e.g. "EFI/BOOT/BOOTX64.EFI"
  source: Buffer | string; // the contents, or the host file to copy them from
}

export interface WriteImageOptions {
  force?: boolean; // replace an existing output file
  progress?: boolean; // a bar on stderr while copying; default: when stderr is a TTY
}

export interface DiskImageSummary {
  bytes: number; // size of the image file
  partitionOffset: number; // where the FAT32 volume starts, e.g. for mtools' "image@@offset"
  partitionBytes: number;
  clusterBytes: number;
}

/**
 * Writes `files` into a new bootable disk image at `output`. Deterministic: the same
 * paths and contents give the same bytes, GUIDs and volume id included. Throws a
 * UserError for unreadable sources, names or sizes FAT32 cannot hold, an output that
 * is not a regular file, and an existing output without `force`; on any failure the
 * partly written image is removed and an existing output is left as it was.
 */
export async function writeDiskImage(output: string, files: ImageFile[], options: WriteImageOptions = {}): Promise<DiskImageSummary> {
  const sizes = await Promise.all(files.map((f) => (typeof f.source === "string" ? sourceSize(f.source) : f.source.length)));
  const plan = planFat32(files.map((f, i) => ({ path: f.path, size: sizes[i] })));
  const layout = gptLayout(plan.totalSectors);
  const partitionOffset = layout.partitionFirstLba * SECTOR;
  const summary = { bytes: layout.diskSectors * SECTOR, partitionOffset, partitionBytes: plan.totalSectors * SECTOR, clusterBytes: plan.clusterBytes };

  const hostFiles = files.map((f) => f.source).filter((s): s is string => typeof s === "string");
  const out = await OutputFile.create(output, { force: options.force, inputs: hostFiles });
  const totalBytes = sizes.reduce((a, b) => a + b, 0);
  const progress = (options.progress ?? Boolean(process.stderr.isTTY)) && totalBytes >= PROGRESS_MIN_BYTES;
  const bar = progress ? new cliProgress.SingleBar({ stream: process.stderr, hideCursor: true, format: "writing {file} [{bar}] {percentage}% of {size}" }, cliProgress.Presets.shades_classic) : undefined;
  try {
    await out.truncate(summary.bytes);

    // The contents go first: hashing them on the way in gives the seed for the ids
    // that the metadata written afterwards carries.
    const hash = createHash("sha256");
    const copyBuffer = Buffer.allocUnsafe(COPY_CHUNK);
    bar?.start(totalBytes, 0, { file: files[0]?.path ?? "", size: formatBytes(totalBytes) });
    let copied = 0;
    for (const [i, file] of files.entries()) {
      const placed = plan.files[i];
      hash.update(`${file.path}\0${placed.size}\0`);
      if (placed.size === 0) continue;
      const at = partitionOffset + clusterOffset(plan, placed.firstCluster);
      bar?.update(copied, { file: file.path });
      if (typeof file.source === "string") {
        await copyFile(file.source, placed.size, out, at, copyBuffer, (chunk, done) => {
          hash.update(chunk);
          bar?.update(copied + done);
        });
      } else {
        hash.update(file.source);
        await out.write(file.source, at);
      }
      copied += placed.size;
    }
    bar?.update(copied);
    bar?.stop();
    const seed = hash.digest();
    const derived = (purpose: string) => createHash("sha256").update(seed).update(purpose).digest();

    const volumeAt = (offset: number) => partitionOffset + offset;
    for (const dir of plan.dirs) await out.write(directoryBytes(plan, dir), volumeAt(clusterOffset(plan, dir.firstCluster)));
    for (const chunk of fatChunks(plan)) {
      for (const copy of [0, 1]) await out.write(chunk.data, volumeAt(fatOffset(plan, copy) + chunk.offset));
    }
    for (const { sector, data } of reservedSectors(plan, derived("volume id").readUInt32LE(0))) await out.write(data, volumeAt(sector * SECTOR));
    for (const { lba, data } of gptSectors(layout, guidFromHash(derived("disk guid")), guidFromHash(derived("partition guid")))) {
      await out.write(data, lba * SECTOR);
    }
    await out.commit();
  } catch (error) {
    bar?.stop(); // the cursor comes back after Ctrl-C too: OutputFile turns it into an error at the next write
    await out.abort();
    throw error;
  }
  return summary;
}

async function sourceSize(path: string): Promise<number> {
  const info = await stat(path).catch((error: NodeJS.ErrnoException) => {
    throw fileError(`cannot read ${path}`, error);
  });
  if (!info.isFile()) throw new UserError(`${path} is not a regular file`);
  return info.size;
}

/** Copies the first `size` bytes of `path` to `at` in `out`, one buffer at a time. */
async function copyFile(
  path: string,
  size: number,
  out: OutputFile,
  at: number,
  buffer: Buffer,
  onChunk: (chunk: Buffer, done: number) => void,
): Promise<void> {
  const input = await open(path, "r").catch((error: NodeJS.ErrnoException) => {
    throw fileError(`cannot read ${path}`, error);
  });
  try {
    for (let done = 0; done < size; ) {
      const { bytesRead } = await input.read(buffer, 0, Math.min(buffer.length, size - done), done);
      if (bytesRead === 0) throw new UserError(`${path} got shorter while it was being copied`);
      const chunk = buffer.subarray(0, bytesRead);
      await out.write(chunk, at + done);
      done += bytesRead;
      onChunk(chunk, done);
    }
  } finally {
    await input.close();
  }
}
