// Memory for the host's requests (the text to encode, a tool's result): a region of the
// arena that the next request uses again, so that a million calls of encode() take no
// more memory than the largest one did.
import { arenaAlloc } from "./memory";

export class Region {
  ptr: usize = 0;
  size: u64 = 0;
  used: u64 = 0;
}

const ALIGN: u64 = 64;

/**
 * `len` bytes after what the current request took already, or 0 with the reason recorded.
 * A region too small is replaced by one at least twice as large; what earlier calls took
 * stays valid, since the arena never frees.
 */
export function take(r: Region, len: u64, what: string): usize {
  const need = (max<u64>(len, 1) + ALIGN - 1) & ~(ALIGN - 1);
  if (r.used + need > r.size) {
    const size = max<u64>(r.size * 2, need);
    const ptr = arenaAlloc(size, what);
    if (ptr == 0) return 0;
    r.ptr = ptr;
    r.size = size;
    r.used = 0;
  }
  const p = r.ptr + <usize>r.used;
  r.used += need;
  return p;
}

/** The request is over: the next one starts at the region's beginning (memory is not cleared). */
export function reuse(r: Region): void {
  r.used = 0;
}

/** What the region holds must stay for good (a configuration that was loaded): later requests start after it. */
export function keep(r: Region): void {
  r.ptr += <usize>r.used;
  r.size -= r.used;
  r.used = 0;
}
