// Standard output whose reader may leave early: `generate | head -1` closes the pipe
// after one line, which is the reader's choice, not a failure. A write that finds
// the pipe closed ends the program quietly with status 0, as `yes | head -1` ends
// for the reader, instead of with Node's "write EPIPE" stack trace.
import { writeSync } from "node:fs";
import { StdoutClosed, handleError } from "./errors.js";
import { fileError } from "./output-file.js";

/**
 * Writes all of `bytes` to stdout before returning. Synchronous on purpose: the core
 * runs inside one synchronous wasm call, so an asynchronous stream would report a
 * closed pipe only after the whole generation.
 */
export function writeStdout(bytes: Uint8Array): void {
  if (!writeAll(1, bytes, "standard output")) throw new StdoutClosed();
}

/** Like writeStdout for diagnostics; with nobody reading stderr they are dropped and the work goes on. */
export function writeStderr(bytes: Uint8Array): void {
  writeAll(2, bytes, "standard error");
}

/** Makes writes through process.stdout and process.stderr that meet a closed pipe end quietly too; call once at startup. */
export function endQuietlyWhenOutputCloses(): void {
  process.stdout.on("error", (error: NodeJS.ErrnoException) => handleError(error.code === "EPIPE" ? new StdoutClosed() : fileError("cannot write to standard output", error)));
  process.stderr.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code !== "EPIPE") handleError(fileError("cannot write to standard error", error));
  });
}

/** False when the reader has gone (EPIPE); waits out EAGAIN, in case a descriptor we share was made non-blocking. */
function writeAll(fd: number, bytes: Uint8Array, name: string): boolean {
  for (let done = 0; done < bytes.length; ) {
    try {
      done += writeSync(fd, bytes, done, bytes.length - done);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EPIPE") return false;
      if (code !== "EAGAIN") throw fileError(`cannot write to ${name}`, error as NodeJS.ErrnoException);
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 5);
    }
  }
  return true;
}
