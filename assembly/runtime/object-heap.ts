// The runtime (through runtime.ts, which asconfig names): AssemblyScript's stub bump allocator for strings and
// small objects, bounded to the object heap below the arena and checked on every
// allocation. It never frees one object; instead a caller that makes garbage per turn or
// per request marks the heap before and releases it after (objectHeapMark/Release), so
// whatever runs a thousand times leaves the heap where it found it.
import { AL_MASK, OBJECT, OBJECT_OVERHEAD, BLOCK_MAXSIZE, BLOCK_OVERHEAD, BLOCK, OBJECT_MAXSIZE, TOTAL_OVERHEAD } from "~lib/rt/common";
import { write } from "../host";

/** The object heap ends here; the arena (memory.ts) starts here. */
export const OBJECT_HEAP_END: usize = 8 << 20;

const OVERFLOW = "core abort: the object heap (8 MiB, strings and small objects) is full\n";

// @ts-ignore: decorator
@lazy const startOffset: usize = ((__heap_base + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
// @ts-ignore: decorator
@lazy let offset: usize = startOffset;

/** Move the bump pointer, growing memory as needed but never past OBJECT_HEAP_END: past it lies the arena (the model, the KV cache). */
function bump(newOffset: usize): void {
  if (newOffset > OBJECT_HEAP_END) overflow();
  const pagesNow = memory.size();
  if (newOffset > <usize>pagesNow << 16 && memory.grow(<i32>((newOffset + 0xffff) >> 16) - pagesNow) < 0) overflow();
  offset = newOffset;
}

/** Say which budget ran out, in one line, then trap: there is no caller to return a failure to. */
function overflow(): void {
  const text = memory.data(80);
  const n = OVERFLOW.length; // ASCII: one byte per character
  for (let i = 0; i < n; i++) store<u8>(text + <usize>i, <u8>OVERFLOW.charCodeAt(i));
  write(2, text, n);
  unreachable();
}

/** Where the heap ends now: pass it to objectHeapRelease to drop everything allocated after. */
export function objectHeapMark(): usize {
  return offset;
}

/** Give back every object allocated since `mark`. The caller guarantees none of them is still referenced. */
export function objectHeapRelease(mark: usize): void {
  offset = mark;
}

/** Bytes the object heap can still take: loaders that index a file's names in objects stop cleanly before it is full. */
export function objectHeapLeft(): usize {
  return OBJECT_HEAP_END - offset;
}

/** Bytes of the object heap in use. */
export function objectHeapUsed(): usize {
  return offset - startOffset;
}

// @ts-ignore: decorator
@inline function computeSize(size: usize): usize {
  return ((size + BLOCK_OVERHEAD + AL_MASK) & ~AL_MASK) - BLOCK_OVERHEAD;
}

// @ts-ignore: decorator
@unsafe @global
export function __alloc(size: usize): usize {
  if (size > BLOCK_MAXSIZE) overflow();
  const block = changetype<BLOCK>(offset);
  const ptr = offset + BLOCK_OVERHEAD;
  const payloadSize = computeSize(size);
  bump(ptr + payloadSize);
  block.mmInfo = payloadSize;
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __realloc(ptr: usize, size: usize): usize {
  let block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  const actualSize = block.mmInfo;
  const isLast = ptr + actualSize == offset;
  const payloadSize = computeSize(size);
  if (size > actualSize) {
    if (isLast) {
      if (size > BLOCK_MAXSIZE) overflow();
      bump(ptr + payloadSize);
      block.mmInfo = payloadSize;
    } else {
      const newPtr = __alloc(max<usize>(payloadSize, actualSize << 1));
      memory.copy(newPtr, ptr, actualSize);
      ptr = newPtr;
    }
  } else if (isLast) {
    offset = ptr + payloadSize;
    block.mmInfo = payloadSize;
  }
  return ptr;
}

// @ts-ignore: decorator
@unsafe @global
export function __free(ptr: usize): void {
  const block = changetype<BLOCK>(ptr - BLOCK_OVERHEAD);
  if (ptr + block.mmInfo == offset) offset = changetype<usize>(block);
}

// @ts-ignore: decorator
@unsafe @global
export function __reset(): void {
  offset = startOffset;
}

// Objects come zeroed, as from the incremental runtime: the compiler treats a custom
// runtime as that one, so the standard library does not clear them itself, and memory
// given back by objectHeapRelease holds old bytes.
// @ts-ignore: decorator
@unsafe @global
export function __new(size: usize, id: u32): usize {
  if (size > OBJECT_MAXSIZE) overflow();
  const ptr = __alloc(OBJECT_OVERHEAD + size);
  memory.fill(ptr + OBJECT_OVERHEAD, 0, size);
  const object = changetype<OBJECT>(ptr - BLOCK_OVERHEAD);
  object.gcInfo = 0;
  object.gcInfo2 = 0;
  object.rtId = id;
  object.rtSize = <u32>size;
  return ptr + OBJECT_OVERHEAD;
}

// @ts-ignore: decorator
@unsafe @global
export function __renew(oldPtr: usize, size: usize): usize {
  if (size > OBJECT_MAXSIZE) overflow();
  const oldSize = <usize>changetype<OBJECT>(oldPtr - TOTAL_OVERHEAD).rtSize;
  const newPtr = __realloc(oldPtr - OBJECT_OVERHEAD, OBJECT_OVERHEAD + size);
  if (size > oldSize) memory.fill(newPtr + OBJECT_OVERHEAD + oldSize, 0, size - oldSize);
  changetype<OBJECT>(newPtr - BLOCK_OVERHEAD).rtSize = <u32>size;
  return newPtr + OBJECT_OVERHEAD;
}

// Nothing is collected, so the collector's hooks do nothing.
// @ts-ignore: decorator
@global @unsafe
export function __link(parentPtr: usize, childPtr: usize, expectMultiple: bool): void {}

// @ts-ignore: decorator
@global @unsafe
export function __pin(ptr: usize): usize {
  return ptr;
}

// @ts-ignore: decorator
@global @unsafe
export function __unpin(ptr: usize): void {}

// @ts-ignore: decorator
@global @unsafe
function __visit(ptr: usize, cookie: u32): void {}

// @ts-ignore: decorator
@global @unsafe
export function __collect(): void {}
