// The one way a command writes a file. Outputs are only ever regular files or new
// paths, never a device, FIFO or socket and nothing in /dev: `image -o /dev/sdb`
// must not become a way to wipe a disk by typo (writing to devices is a job for a
// dedicated `flash` command, not for every writer). Contents go to a temporary file
// beside the target, are fsynced, and only then renamed over it, so a failure or a
// full disk leaves the old file exactly as it was.
import { randomBytes } from "node:crypto";
import { lstat, open, realpath, rename, rm, stat, type FileHandle } from "node:fs/promises";
import type { Stats } from "node:fs";
import { basename, dirname, join, resolve, sep } from "node:path";
import { getSystemErrorMap } from "node:util";
import { UserError } from "./errors.js";

export interface OutputOptions {
  /** Replace an existing regular file. */
  force?: boolean;
  /** Files the command reads: the output may not be one of them, even with force. */
  inputs?: string[];
}

/** Folders whose entries are devices and kernel interfaces, not files. */
const SYSTEM_FOLDERS = ["/dev", "/proc", "/sys"];

/**
 * Throws a UserError naming `path` unless it may be written: a new path in a real
 * folder, or (with `force`) an existing regular file that is none of the inputs.
 * Run before any work; the same rules are checked again just before the rename.
 */
export async function checkOutputPath(path: string, options: OutputOptions = {}): Promise<void> {
  const folder = await realpath(dirname(resolve(path))).catch((error: NodeJS.ErrnoException) => {
    throw fileError(`cannot write ${path}`, error);
  });
  const systemFolder = SYSTEM_FOLDERS.find((root) => folder === root || folder.startsWith(root + sep));
  if (systemFolder !== undefined) throw new UserError(`${path} is in ${systemFolder}, where entries are devices and kernel interfaces, not files; uefi-llm only writes regular files`);

  const entry = await lstat(path).catch(() => undefined);
  if (entry === undefined) return;
  // A symlink counts as what it points to; one that points nowhere is left alone.
  const existing = (await stat(path).catch(() => undefined)) ?? entry;
  if (!existing.isFile()) throw new UserError(`${path} is ${kindOf(existing)}; uefi-llm only writes regular files and never replaces anything else`);
  if (!options.force) throw new UserError(`${path} already exists (use --force to replace it)`);
  for (const input of options.inputs ?? []) {
    const source = await stat(input).catch(() => undefined);
    if (source !== undefined && source.dev === existing.dev && source.ino === existing.ino) throw new UserError(`the output ${path} is also an input (${input})`);
  }
}

/**
 * A file being written under a temporary name beside its target; commit() puts it in
 * place, abort() removes it. Ctrl-C (or SIGTERM) while it is open makes the next
 * write() throw, so the caller's abort() runs instead of the process dying with the
 * temporary file left behind.
 */
export class OutputFile {
  private finished = false;
  private interrupted = false;
  private readonly interrupt = () => {
    this.interrupted = true;
  };

  private constructor(
    readonly path: string,
    readonly tempPath: string,
    readonly handle: FileHandle,
    private readonly options: OutputOptions,
  ) {
    process.on("SIGINT", this.interrupt);
    process.on("SIGTERM", this.interrupt);
  }

  /** Checks the target (checkOutputPath), then creates the temporary file. */
  static async create(path: string, options: OutputOptions = {}): Promise<OutputFile> {
    await checkOutputPath(path, options);
    // A new name each time ("wx"): two runs never share one, and a FIFO or device that
    // happens to sit at a fixed name like "x.partial" is never opened.
    const tempPath = join(dirname(path), `${basename(path)}.${randomBytes(4).toString("hex")}.partial`);
    const handle = await open(tempPath, "wx").catch((error: NodeJS.ErrnoException) => {
      throw fileError(`cannot write ${path}`, error);
    });
    return new OutputFile(path, tempPath, handle, options);
  }

  /** Writes all of `data` at `position` (or at the current end when omitted). */
  async write(data: Uint8Array, position?: number): Promise<void> {
    if (this.interrupted) throw new UserError(`interrupted; ${this.path} was not written`);
    try {
      for (let done = 0; done < data.length; ) {
        const { bytesWritten } = await this.handle.write(data, done, data.length - done, position === undefined ? null : position + done);
        done += bytesWritten;
      }
    } catch (error) {
      throw fileError(`cannot write ${this.path}`, error as NodeJS.ErrnoException);
    }
  }

  /** Makes the file `size` bytes long without writing them (a sparse file where the filesystem allows). */
  async truncate(size: number): Promise<void> {
    await this.handle.truncate(size).catch((error: NodeJS.ErrnoException) => {
      throw fileError(`cannot write ${this.path}`, error);
    });
  }

  /**
   * Flushes the contents to the disk, then renames the file over the target: the
   * old file stays whole until the new one is. The target is checked again first,
   * since something else may have appeared there while we wrote. On failure the
   * temporary file is removed.
   */
  async commit(): Promise<void> {
    try {
      await this.handle.sync().catch((error: NodeJS.ErrnoException) => {
        throw fileError(`cannot write ${this.path}`, error);
      });
      this.finish();
      await this.handle.close();
      await checkOutputPath(this.path, { force: this.options.force });
      await rename(this.tempPath, this.path).catch((error: NodeJS.ErrnoException) => {
        throw fileError(`cannot write ${this.path}`, error);
      });
      await syncFolder(dirname(this.path));
    } catch (error) {
      await this.abort();
      throw error;
    }
  }

  /** Stops and removes the temporary file; the target is left as it was. */
  async abort(): Promise<void> {
    if (!this.finished) {
      this.finish();
      await this.handle.close().catch(() => {});
    }
    await rm(this.tempPath, { force: true });
  }

  private finish(): void {
    this.finished = true;
    process.off("SIGINT", this.interrupt);
    process.off("SIGTERM", this.interrupt);
  }
}

/** Writes `data` as the whole file `path`, by the rules above. */
export async function writeOutputFile(path: string, data: Uint8Array, options: OutputOptions = {}): Promise<void> {
  const file = await OutputFile.create(path, options);
  try {
    await file.write(data);
  } catch (error) {
    await file.abort();
    throw error;
  }
  await file.commit();
}

/**
 * A UserError "`what`: <the OS's own words>", e.g. "cannot write x.img: no space left
 * on device": running out of space or permission is the user's situation to fix, not
 * an internal error.
 */
export function fileError(what: string, error: NodeJS.ErrnoException): Error {
  if (error instanceof UserError) return error;
  if (typeof error.errno !== "number") return error;
  const reason = getSystemErrorMap().get(error.errno)?.[1] ?? error.code ?? error.message;
  return new UserError(`${what}: ${reason}`);
}

function kindOf(info: Stats): string {
  if (info.isDirectory()) return "a directory";
  if (info.isCharacterDevice()) return "a character device";
  if (info.isBlockDevice()) return "a block device";
  if (info.isFIFO()) return "a FIFO (named pipe)";
  if (info.isSocket()) return "a socket";
  if (info.isSymbolicLink()) return "a symbolic link to nothing";
  return "not a regular file";
}

/** Makes the rename itself durable; some filesystems cannot open a folder for syncing, which costs only that. */
async function syncFolder(folder: string): Promise<void> {
  const handle = await open(folder, "r").catch(() => undefined);
  if (handle === undefined) return;
  await handle.sync().catch(() => {});
  await handle.close();
}
