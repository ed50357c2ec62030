// Whole files read into the arena through the host, in chunks the firmware can
// show progress for. Model weights are then used in place, never copied.
import { file_open, file_size, file_read, file_close } from "../host";
import { arenaAlloc } from "./memory";
import { fail } from "./status";

const CHUNK: i64 = 16 << 20;

export class FileBytes {
  constructor(public ptr: usize, public size: u64) {}
}

/** The whole file at `path` in the arena, or null with the reason recorded. `what` names it in errors. */
export function readWholeFile(path: string, what: string): FileBytes | null {
  const pathBytes = String.UTF8.encode(path);
  const handle = file_open(changetype<usize>(pathBytes), pathBytes.byteLength);
  if (handle < 0) {
    fail("cannot open " + what + " '" + path + "': no such file or not readable");
    return null;
  }
  const size = file_size(handle);
  const ptr = size >= 0 ? arenaAlloc(<u64>size, what + " '" + path + "'") : 0;
  if (ptr == 0) {
    if (size < 0) fail("cannot get the size of " + what + " '" + path + "'");
    file_close(handle);
    return null;
  }
  let offset: i64 = 0;
  while (offset < size) {
    const want = min(CHUNK, size - offset);
    const got = file_read(handle, offset, ptr + <usize>offset, <usize>want);
    if (got != <i32>want) {
      file_close(handle);
      fail("cannot read " + what + " '" + path + "': read failed at byte " + offset.toString());
      return null;
    }
    offset += want;
  }
  file_close(handle);
  return new FileBytes(ptr, <u64>size);
}
