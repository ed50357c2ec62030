// Telling model formats apart by their first bytes.
import { closeSync, openSync, readSync } from "node:fs";
import { checkInputFile } from "./input-file.js";
import { fileError } from "./output-file.js";

/** True when the file starts with the GGUF magic; a missing file, or one that is not a regular file, is a user error. */
export function isGgufFile(path: string): boolean {
  checkInputFile(path, "model");
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch (error) {
    throw fileError(`cannot open model '${path}'`, error as NodeJS.ErrnoException);
  }
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString("latin1") === "GGUF";
  } finally {
    closeSync(fd);
  }
}
