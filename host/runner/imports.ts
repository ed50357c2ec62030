// The host interface (assembly/host.ts) implemented for Node: files through fs,
// output to callbacks, time from the monotonic clock.
import { closeSync, fstatSync, openSync, readSync } from "node:fs";

export interface CoreOutput {
  /** Stream 1: generated text. */
  stdout(bytes: Uint8Array): void;
  /** Stream 2: diagnostics and the timing line. */
  stderr(bytes: Uint8Array): void;
}

/** The "host" import object; `memory` is called lazily because the core's memory exists only after instantiation. */
export function hostImports(memory: () => WebAssembly.Memory, output: CoreOutput): WebAssembly.ModuleImports {
  const files = new Map<number, number>();
  let nextHandle = 0;
  const bytes = (ptr: number, len: number) => new Uint8Array(memory().buffer, ptr, len);
  const utf8 = new TextDecoder();

  return {
    write(stream: number, ptr: number, len: number): void {
      // Copy: the memory may grow (and its buffer detach) before the callback uses the bytes.
      const data = bytes(ptr, len).slice();
      if (stream === 1) output.stdout(data);
      else output.stderr(data);
    },
    file_open(pathPtr: number, pathLen: number): number {
      const path = utf8.decode(bytes(pathPtr, pathLen));
      try {
        const fd = openSync(path, "r");
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
      const fd = files.get(handle);
      return fd === undefined ? -1n : BigInt(fstatSync(fd).size);
    },
    file_read(handle: number, offset: bigint, dst: number, len: number): number {
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
      const fd = files.get(handle);
      if (fd !== undefined) closeSync(fd);
      files.delete(handle);
    },
    clock_us(): bigint {
      return process.hrtime.bigint() / 1000n;
    },
  };
}
