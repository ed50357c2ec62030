// Writing an image onto a whole block device: the one place uefi-llm writes to a
// device. Written in large chunks with a progress bar, flushed to the device, the
// kernel's cached copy dropped, then read back from the device and compared by
// sha256, so "verified" means the stick really holds the image.
import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { open, type FileHandle } from "node:fs/promises";
import cliProgress from "cli-progress";
import { UserError } from "../errors.js";
import { formatBytes } from "../image/fat32.js";
import { fileError } from "../output-file.js";
import { runTool } from "../tools/exec.js";

const CHUNK = 4 * 1024 * 1024;

export interface FlashResult {
  bytes: number;
  sha256: string; // of the image, and of the first `bytes` of the device read back
  writeSeconds: number;
  verifySeconds: number;
}

export interface FlashOptions {
  progress?: boolean; // bars on stderr; default: when stderr is a TTY
}

/**
 * Copies `image` onto `device` and verifies it. Ctrl-C or SIGTERM stops at the next
 * chunk with a UserError saying the stick is incomplete. Permission problems become
 * one line suggesting sudo.
 */
export async function flashImage(image: string, device: string, options: FlashOptions = {}): Promise<FlashResult> {
  let interrupted: NodeJS.Signals | undefined;
  const interrupt = (signal: NodeJS.Signals) => {
    interrupted = signal;
  };
  process.on("SIGINT", interrupt);
  process.on("SIGTERM", interrupt);
  const stopIfInterrupted = () => {
    if (interrupted) throw new UserError(`interrupted: ${device} holds an incomplete image and will not boot; flash it again`);
  };
  const progress = options.progress ?? Boolean(process.stderr.isTTY);
  let input: FileHandle | undefined;
  let output: FileHandle | undefined;
  try {
    input = await open(image, "r").catch((error: NodeJS.ErrnoException) => {
      throw fileError(`cannot read ${image}`, error);
    });
    const bytes = (await input.stat()).size;
    // O_EXCL on a block device: the kernel refuses (EBUSY) when it is mounted or otherwise in use.
    output = await open(device, constants.O_WRONLY | constants.O_EXCL).catch((error: NodeJS.ErrnoException) => {
      throw openError(device, error);
    });

    const buffer = Buffer.allocUnsafe(CHUNK);
    const imageHash = createHash("sha256");
    const started = performance.now();
    const bar = progress ? newBar(`writing ${device}`) : undefined;
    bar?.start(bytes, 0, { size: formatBytes(bytes) });
    try {
      for (let done = 0; done < bytes; ) {
        stopIfInterrupted();
        const { bytesRead } = await input.read(buffer, 0, Math.min(CHUNK, bytes - done), done);
        if (bytesRead === 0) throw new UserError(`${image} got shorter while it was being written`);
        const chunk = buffer.subarray(0, bytesRead);
        imageHash.update(chunk);
        for (let written = 0; written < bytesRead; ) {
          const result = await output.write(chunk, written, bytesRead - written, done + written).catch((error: NodeJS.ErrnoException) => {
            throw fileError(`cannot write ${device}`, error);
          });
          written += result.bytesWritten;
        }
        done += bytesRead;
        bar?.update(done);
      }
      stopIfInterrupted();
      await output.sync().catch((error: NodeJS.ErrnoException) => {
        throw fileError(`cannot write ${device}`, error);
      });
    } finally {
      bar?.stop();
    }
    await output.close();
    output = undefined;
    const writeSeconds = (performance.now() - started) / 1000;
    const sha256 = imageHash.digest("hex");

    // Drop the kernel's cached blocks, so the reads below come from the device itself.
    await runTool("blockdev", ["--flushbufs", device], { timeoutMs: 120_000 });
    const verifyStarted = performance.now();
    const readBack = await open(device, "r").catch((error: NodeJS.ErrnoException) => {
      throw openError(device, error);
    });
    const deviceHash = createHash("sha256");
    const verifyBar = progress ? newBar(`verifying ${device}`) : undefined;
    verifyBar?.start(bytes, 0, { size: formatBytes(bytes) });
    try {
      for (let done = 0; done < bytes; ) {
        stopIfInterrupted();
        const { bytesRead } = await readBack.read(buffer, 0, Math.min(CHUNK, bytes - done), done);
        if (bytesRead === 0) throw new UserError(`${device} ended after ${formatBytes(done)} while being read back`);
        deviceHash.update(buffer.subarray(0, bytesRead));
        done += bytesRead;
        verifyBar?.update(done);
      }
    } finally {
      verifyBar?.stop();
      await readBack.close();
    }
    const deviceSha = deviceHash.digest("hex");
    if (deviceSha !== sha256) throw new UserError(`verification failed: ${device} does not read back what was written (sha256 ${deviceSha.slice(0, 16)}…, expected ${sha256.slice(0, 16)}…); the stick may be faulty or fake`);
    return { bytes, sha256, writeSeconds, verifySeconds: (performance.now() - verifyStarted) / 1000 };
  } finally {
    process.off("SIGINT", interrupt);
    process.off("SIGTERM", interrupt);
    await input?.close();
    await output?.close().catch(() => {});
  }
}

function newBar(what: string): cliProgress.SingleBar {
  return new cliProgress.SingleBar({ stream: process.stderr, hideCursor: true, format: `${what} [{bar}] {percentage}% of {size}` }, cliProgress.Presets.shades_classic);
}

function openError(device: string, error: NodeJS.ErrnoException): Error {
  if (error.code === "EACCES" || error.code === "EPERM") return new UserError(`permission denied opening ${device}: writing a disk needs root (try sudo uefi-llm flash ...)`);
  if (error.code === "EBUSY") return new UserError(`${device} is in use (mounted, or held by another program); unmount it first`);
  return fileError(`cannot open ${device}`, error);
}
