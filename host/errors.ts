// One way to fail: user errors print one line; tool failures show the command and
// the end of its stderr; stack traces only with --verbose.

export class UserError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UserError";
  }
}

/** An external tool ran and failed: the command line and the tail of what it said. */
export class ToolError extends Error {
  constructor(
    message: string,
    readonly command: string,
    readonly stderrTail: string,
  ) {
    super(message);
    this.name = "ToolError";
  }
}

/** Standard output's reader went away (`uefi-llm generate | head -1`): its choice, so the program just ends, with status 0. */
export class StdoutClosed extends Error {
  constructor() {
    super("standard output was closed by its reader");
    this.name = "StdoutClosed";
  }
}

export let verbose = false;
export function setVerbose(on: boolean): void {
  verbose = on;
}

export function handleError(error: unknown): never {
  if (error instanceof StdoutClosed) process.exit(0);
  if (error instanceof UserError) {
    process.stderr.write(`uefi-llm: ${error.message}\n`);
  } else if (error instanceof ToolError) {
    process.stderr.write(`uefi-llm: ${error.message}\n  $ ${error.command}\n`);
    if (error.stderrTail) process.stderr.write(error.stderrTail.replace(/^/gm, "  ") + "\n");
  } else {
    const message = error instanceof Error ? error.message : String(error);
    process.stderr.write(`uefi-llm: internal error: ${message}\n`);
  }
  if (verbose && error instanceof Error && error.stack) process.stderr.write(error.stack + "\n");
  process.exit(1);
}
