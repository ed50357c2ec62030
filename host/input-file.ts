// Files a command reads (models, tokenizers, the EFI app) must be regular files:
// opening a FIFO waits forever for a writer, and a device or socket is no model.
import { accessSync, constants, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { UserError } from "./errors.js";
import { fileError } from "./output-file.js";

/** Throws a UserError if `path` has a line break: the configuration the core reads is one key per line. */
export function refuseLineBreak(path: string, what: string): void {
  if (/[\r\n]/.test(path)) throw new UserError(`the ${what} path ${JSON.stringify(path)} contains a line break, which a path may not`);
}

/** Throws a UserError naming `what` and `path` unless it is a readable regular file. */
export function checkInputFile(path: string, what: string): void {
  refuseLineBreak(path, what);
  let info;
  try {
    info = statSync(path);
    accessSync(path, constants.R_OK);
  } catch (error) {
    throw fileError(`cannot open ${what} '${path}'`, error as NodeJS.ErrnoException);
  }
  if (info.isDirectory()) throw new UserError(`${what} '${path}' is a directory, not a file`);
  if (!info.isFile()) throw new UserError(`${what} '${path}' is not a regular file (a device, FIFO or socket); uefi-llm reads only regular files`);
}

/** The whole of an input file, after checkInputFile. */
export async function readInputFile(path: string, what: string): Promise<Uint8Array> {
  checkInputFile(path, what);
  try {
    return new Uint8Array(await readFile(path));
  } catch (error) {
    throw fileError(`cannot read ${what} '${path}'`, error as NodeJS.ErrnoException);
  }
}
