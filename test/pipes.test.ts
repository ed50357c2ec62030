// A reader that stops early (`uefi-llm generate | head -1`) is the reader's choice:
// the CLI ends quietly with status 0, no "write EPIPE" stack trace. Real pipes: the
// CLI is spawned with its stdout on a pipe whose reading end we close.
import { execa } from "execa";
import { spawnSync } from "node:child_process";
import { closeSync, openSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { cliPath } from "./helpers/cli.js";

/** Runs the CLI; `closeAfter` bytes of stdout are read (0: none), then the pipe's reading end is closed. */
async function runWithClosedStdout(args: string[], closeAfter: number) {
  const child = execa("node", [cliPath, ...args], { reject: false, timeout: 60_000, stdin: "ignore", buffer: { stdout: false } });
  let read = 0;
  if (closeAfter === 0) child.stdout!.destroy();
  else
    child.stdout!.on("data", (chunk: Buffer) => {
      read += chunk.length;
      if (read >= closeAfter) child.stdout!.destroy();
    });
  const result = await child;
  return { exitCode: result.exitCode, signal: result.signal, stderr: String(result.stderr) };
}

describe("a closed stdout pipe", () => {
  it("ends generate with status 0 and nothing on stderr, before it generates the rest", async () => {
    // Closed before the first token: the core stops at its first write, so even the timing line never comes.
    const result = await runWithClosedStdout(["generate", "-n", "500", "--temp", "0"], 0);
    expect(result).toEqual({ exitCode: 0, signal: undefined, stderr: "" });
  });

  it("ends tokenize of 120 KB of text after 60 bytes of its JSON with status 0 and no stack trace", async () => {
    const text = "a ".repeat(60_000); // 60 000 ids, ~240 KB of JSON: far more than a pipe buffer holds
    const result = await runWithClosedStdout(["tokenize", "-m", bundledModel, "--tokenizer", bundledTokenizer, text], 60);
    expect(result).toEqual({ exitCode: 0, signal: undefined, stderr: "" });
  });

  it("ends inspect and chat the same way", async () => {
    expect(await runWithClosedStdout(["inspect", bundledModel], 0)).toEqual({ exitCode: 0, signal: undefined, stderr: "" });
    const chat = await runWithClosedStdout(["chat", "-n", "8"], 0);
    expect(chat.exitCode).toBe(0);
    expect(chat.stderr).toBe("chat (plain template, context 512 tokens). /help lists the commands."); // its banner, and nothing after
  });
});

describe("a stdout that cannot be written", () => {
  it("is an error of one line with the OS's reason, not an internal error", async () => {
    const full = openSync("/dev/full", "w"); // every write to it fails with ENOSPC
    try {
      for (const args of [["generate", "-n", "8"], ["inspect", "--json", bundledModel]]) {
        const result = spawnSync("node", [cliPath, ...args], { stdio: ["ignore", full, "pipe"], timeout: 60_000, encoding: "utf8" });
        expect(result.status, args[0]).toBe(1);
        expect(result.stderr).toBe("uefi-llm: cannot write to standard output: no space left on device\n");
      }
    } finally {
      closeSync(full);
    }
  });
});
