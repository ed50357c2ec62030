// `uefi-llm run` at a real terminal (a pty), booting a chat stick in QEMU: the terminal is
// raw while QEMU runs (the guest gets keys as typed, Up recalls a line), OVMF's screen
// control and doubled carriage returns never reach it, Ctrl-] stops QEMU, and the modes
// come back after.
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { bundledModel, bundledTokenizer, packageRoot } from "../host/paths.js";
import { cli, cliPath } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-boot-keyboard-");

describe("uefi-llm run in a terminal", () => {
  it("raw while the guest runs, clean output, Ctrl-] stops QEMU, modes restored", async () => {
    const image = join(tempDir(), "chat.img");
    const made = await cli(["image", "-m", bundledModel, "--tokenizer", bundledTokenizer, "--chat", "-n", "100", "-o", image], { timeoutMs: 600_000 });
    expect(made.exitCode, made.stderr).toBe(0);
    const result = await execa("python3", [join(packageRoot, "test", "helpers", "pty-run.py"), "node", cliPath, "run", image], { reject: false, timeout: 600_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const r = JSON.parse(result.stdout);
    expect(r.prompt, r.transcript).toBe(true);
    expect(r.raw).toEqual([false, false]);
    expect(r.transcript).toMatch(/> Once upon a time\r\n/); // typed in raw mode, echoed by the guest
    expect(r.recalled, r.transcript).toBe(true); // Up reached the guest as ESC [ A and recalled the line
    expect(r.transcript).toMatch(/\r\n> Once upon a time\^C\r\n/);
    expect(r.esc).toBe(false);
    expect(r.crcrlf).toBe(false);
    expect(r.after).toEqual(r.before);
  }, 900_000);
});
