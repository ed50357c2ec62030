// The host interface (assembly/host.ts) implemented for Node: files through fs,
// output to callbacks, time from the monotonic clock.
import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { netImports } from "./net.js";

export interface CoreOutput {
  /** Stream 1: generated text. */
  stdout(bytes: Uint8Array): void;
  /** Stream 2: diagnostics and the timing line. */
  stderr(bytes: Uint8Array): void;
}

/**
 * Files and chat input served from memory instead of the file system and stdin, so the
 * fuzzer can hand the core thousands of inputs a second and never block on the terminal.
 */
export interface InMemoryHost {
  /** Path → contents; every other path is missing. */
  files: ReadonlyMap<string, Uint8Array>;
  /** Chat lines in order; after the last one the input ends. */
  lines: Uint8Array[];
  /** From this many ms after the host is made, interrupted() says yes: a user pressing Esc. */
  stopAfterMs?: number;
}

/** The "host" import object; `memory` is called lazily because the core's memory exists only after instantiation. */
export function hostImports(
  memory: () => WebAssembly.Memory,
  output: CoreOutput,
  runJob: (index: number) => void,
  inMemory?: InMemoryHost,
): WebAssembly.ModuleImports {
  const files = new Map<number, number>();
  const memoryFiles = new Map<number, Uint8Array>();
  let nextHandle = 0;
  const bytes = (ptr: number, len: number) => new Uint8Array(memory().buffer, ptr, len);
  const utf8 = new TextDecoder();
  const input = inMemory ? new LineList(inMemory.lines) : new LineReader(0);
  const stops = inMemory?.stopAfterMs !== undefined ? stopAfter(inMemory.stopAfterMs) : interruptSource();

  return {
    // Sockets for the server (export serve): a worker thread that owns them, started on first use.
    ...netImports(bytes),
    write(stream: number, ptr: number, len: number): void {
      // Copy: the memory may grow (and its buffer detach) before the callback uses the bytes.
      const data = bytes(ptr, len).slice();
      if (stream === 1) output.stdout(data);
      else output.stderr(data);
    },
    file_open(pathPtr: number, pathLen: number): number {
      const path = utf8.decode(bytes(pathPtr, pathLen));
      if (inMemory) {
        const data = inMemory.files.get(path);
        if (data === undefined) return -1;
        memoryFiles.set(nextHandle, data);
        return nextHandle++;
      }
      try {
        // Non-blocking, so a FIFO is refused at once instead of waiting for a writer.
        const fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
        if (!fstatSync(fd).isFile()) {
          closeSync(fd);
          return -1;
        }
        files.set(nextHandle, fd);
        return nextHandle++;
      } catch {
        return -1;
      }
    },
    file_size(handle: number): bigint {
      const data = memoryFiles.get(handle);
      if (data !== undefined) return BigInt(data.length);
      const fd = files.get(handle);
      return fd === undefined ? -1n : BigInt(fstatSync(fd).size);
    },
    file_read(handle: number, offset: bigint, dst: number, len: number): number {
      const data = memoryFiles.get(handle);
      if (data !== undefined) {
        const chunk = data.subarray(Number(offset), Number(offset) + len);
        bytes(dst, chunk.length).set(chunk);
        return chunk.length;
      }
      const fd = files.get(handle);
      if (fd === undefined) return -1;
      try {
        let done = 0;
        while (done < len) {
          const n = readSync(fd, bytes(dst + done, len - done), 0, len - done, Number(offset) + done);
          if (n === 0) break;
          done += n;
        }
        return done;
      } catch {
        return -1;
      }
    },
    file_close(handle: number): void {
      memoryFiles.delete(handle);
      const fd = files.get(handle);
      if (fd !== undefined) closeSync(fd);
      files.delete(handle);
    },
    clock_us(): bigint {
      return process.hrtime.bigint() / 1000n;
    },
    read_line(dst: number, cap: number): number {
      const line = input.readLine();
      if (line === undefined) return -1;
      const n = Math.min(line.length, cap);
      bytes(dst, n).set(line.subarray(0, n));
      return n;
    },
    worker_count(): number {
      return 1;
    },
    parallel_for(jobs: number): void {
      // One thread here: the jobs run one after another (the native and UEFI hosts spread them).
      for (let index = 0; index < jobs; index++) runJob(index);
    },
    interrupted(): number {
      // The core runs synchronously on Node's only thread, so no signal handler runs while
      // it computes; the chat's terminal (runner/terminal.ts) writes a byte to a pipe instead.
      return stops?.() ? 1 : 0;
    },
  };
}

/** A user who stops every answer `ms` after the host was made (InMemoryHost.stopAfterMs). */
function stopAfter(ms: number): () => boolean {
  const deadline = Date.now() + ms;
  return () => Date.now() >= deadline;
}

/** Lines given up front (InMemoryHost). */
class LineList {
  private next = 0;

  constructor(private readonly lines: Uint8Array[]) {}

  readLine(): Uint8Array | undefined {
    return this.lines[this.next++];
  }
}

/**
 * When the chat's terminal runs us (UEFI_LLM_INTERRUPT_FILE names a file it appends a
 * byte to for each stop), a poll of that file: true when it grew since the last call.
 * One fstat per token; never blocks.
 */
function interruptSource(): (() => boolean) | undefined {
  const path = process.env.UEFI_LLM_INTERRUPT_FILE;
  if (!path) return undefined;
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY);
  } catch {
    return undefined;
  }
  let seen = fstatSync(fd).size;
  return () => {
    const size = fstatSync(fd).size;
    if (size === seen) return false;
    seen = size;
    return true;
  };
}

/** Lines from a file descriptor, read synchronously (the core waits for them inside a wasm call). */
class LineReader {
  private pending = Buffer.alloc(0);
  private ended = false;

  constructor(private readonly fd: number) {}

  /** The next line without its line end, or undefined at the end of input. */
  readLine(): Uint8Array | undefined {
    for (;;) {
      const newline = this.pending.indexOf(0x0a);
      if (newline >= 0) {
        const line = this.pending.subarray(0, newline > 0 && this.pending[newline - 1] === 0x0d ? newline - 1 : newline);
        this.pending = this.pending.subarray(newline + 1);
        return line;
      }
      if (this.ended) {
        if (this.pending.length === 0) return undefined;
        const last = this.pending;
        this.pending = Buffer.alloc(0);
        return last;
      }
      const chunk = Buffer.alloc(4096);
      const n = readBlocking(this.fd, chunk);
      if (n === 0) this.ended = true;
      else this.pending = Buffer.concat([this.pending, chunk.subarray(0, n)]);
    }
  }
}

/** readSync that waits when the descriptor is non-blocking and has nothing yet. */
function readBlocking(fd: number, buffer: Buffer): number {
  for (;;) {
    try {
      return readSync(fd, buffer, 0, buffer.length, null);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === "EOF") return 0;
      if ((error as NodeJS.ErrnoException).code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
}
