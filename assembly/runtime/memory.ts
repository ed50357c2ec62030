// Linear memory layout: AssemblyScript objects (strings, small classes) live in a
// small bump heap at the bottom; everything sized by the model (file bytes, KV
// cache, activations) comes from the arena above it, which grows the memory by
// exactly what is asked. The runtime's own allocator doubles memory when it grows
// and caps blocks at 1 GiB, neither of which suits multi-GB models.
import { fail } from "./status";

/** The object heap ends here; the arena starts here. */
const ARENA_BASE: u64 = 8 << 20;
const WASM32_LIMIT: u64 = 1 << 32;
const PAGE: u64 = 65536;
const ALIGN: u64 = 64;

let arenaTop: u64 = ARENA_BASE;

/** Zeroed memory for `size` bytes, or 0 with the reason recorded. `what` names it in that reason. */
export function arenaAlloc(size: u64, what: string): usize {
  checkObjectHeap();
  const start = (arenaTop + ALIGN - 1) & ~(ALIGN - 1);
  const end = start + size;
  if (end > WASM32_LIMIT) {
    fail(what + " needs " + mib(size) + " MiB, beyond the 4 GiB that a wasm32 core can address (" + mib(start - ARENA_BASE) + " MiB already in use)");
    return 0;
  }
  const pagesNow = <u64>memory.size();
  const pagesNeeded = (end + PAGE - 1) / PAGE;
  if (pagesNeeded > pagesNow && memory.grow(<i32>(pagesNeeded - pagesNow)) < 0) {
    fail("not enough memory for " + what + " (" + mib(size) + " MiB; " + mib(start - ARENA_BASE) + " MiB already in use)");
    return 0;
  }
  arenaTop = end;
  // Fresh pages are already zero; only reused space would need clearing, and there is none.
  return <usize>start;
}

/** Bytes taken from the arena so far: the model, the KV cache and the buffers. */
export function arenaUsed(): u64 {
  return arenaTop - ARENA_BASE;
}

/**
 * Bytes the object heap can still take before it reaches the arena (where the file being
 * parsed lives): loaders that index a file's names in objects stop cleanly before then.
 */
export function objectHeapLeft(): u64 {
  const probe = <u64>heap.alloc(0);
  return probe < ARENA_BASE ? ARENA_BASE - probe : 0;
}

/** The object heap must never reach into the arena; the core allocates few objects, all at load time. */
function checkObjectHeap(): void {
  const probe = heap.alloc(0);
  if (<u64>probe >= ARENA_BASE) abort("object heap overflowed into the arena");
}

export function mib(bytes: u64): string {
  return ((bytes + (1 << 19)) >> 20).toString();
}

/** Test-only (config "debug = trap-oob"): read far outside memory, so hosts can show how they report traps. */
export function injectOutOfBoundsRead(): void {
  const value = load<u8>(0xfffffff0);
  if (value != 0) fail("unreachable: the out-of-bounds read returned a value");
}
