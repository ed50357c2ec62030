// Linear memory layout: AssemblyScript objects (strings, small classes) live in a
// small bounded bump heap at the bottom (object-heap.ts, the runtime); everything sized by the model (file bytes, KV
// cache, activations) comes from the arena above it, which grows the memory by
// exactly what is asked. The runtime's own allocator doubles memory when it grows
// and caps blocks at 1 GiB, neither of which suits multi-GB models.
import { fail } from "./status";
import { OBJECT_HEAP_END } from "./object-heap";

/** The object heap ends here; the arena starts here. */
const ARENA_BASE: u64 = OBJECT_HEAP_END;
const WASM32_LIMIT: u64 = 1 << 32;
const PAGE: u64 = 65536;
const ALIGN: u64 = 64;

let arenaTop: u64 = ARENA_BASE;

/** Zeroed memory for `size` bytes, or 0 with the reason recorded. `what` names it in that reason. */
export function arenaAlloc(size: u64, what: string): usize {
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

export function mib(bytes: u64): string {
  return ((bytes + (1 << 19)) >> 20).toString();
}

/** Test-only (config "debug = trap-oob"): read far outside memory, so hosts can show how they report traps. */
export function injectOutOfBoundsRead(): void {
  const value = load<u8>(0xfffffff0);
  if (value != 0) fail("unreachable: the out-of-bounds read returned a value");
}
