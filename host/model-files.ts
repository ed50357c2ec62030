// Telling model formats apart by their first bytes.
import { closeSync, openSync, readSync } from "node:fs";
import { UserError } from "./errors.js";

/** True when the file starts with the GGUF magic; a missing file is a user error. */
export function isGgufFile(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, "r");
  } catch {
    throw new UserError(`cannot open '${path}': no such file or not readable`);
  }
  try {
    const magic = Buffer.alloc(4);
    return readSync(fd, magic, 0, 4, 0) === 4 && magic.toString("latin1") === "GGUF";
  } finally {
    closeSync(fd);
  }
}
