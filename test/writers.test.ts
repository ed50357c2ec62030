// Every command that writes a file writes only regular files: device nodes, FIFOs
// and sockets survive --force, nothing is created in /dev, a full disk leaves the old
// file byte for byte, and no temporary file is left behind. Inputs that are not
// regular files are refused instead of blocking. End to end, through the built CLI.
import { execa, execaSync } from "execa";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { type Server, createServer } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { configText } from "../host/config.js";
import { UserError } from "../host/errors.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { cli, cliPath } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-writers-");
const dir = tempDir();
const efi = join(dir, "app.efi"); // image --efi: a stand-in app, so no test here builds one
const specials = { "character device": join(dir, "null"), FIFO: join(dir, "fifo"), socket: join(dir, "socket") };
let socketServer: Server;

/** The kind of node at `path`, not following symlinks. */
function kind(path: string): string {
  const info = lstatSync(path);
  if (info.isCharacterDevice()) return "character device";
  if (info.isFIFO()) return "FIFO";
  if (info.isSocket()) return "socket";
  return info.isFile() ? "file" : "other";
}

function sha256(path: string): string {
  return createHash("sha256").update(readFileSync(path)).digest("hex");
}

/** The writers, each with its output at `output`. */
const writers = (output: string): [string, string[]][] => [
  ["convert", ["convert", bundledModel, "--tokenizer", bundledTokenizer, "--type", "f32", "-o", output, "--force"]],
  ["synth", ["synth", "--shape", "test-llama", "--type", "f32", "-o", output, "--force"]],
  ["image", ["image", "-m", bundledModel, "--tokenizer", bundledTokenizer, "--efi", efi, "-o", output, "--force"]],
];

function expectOneLine(result: { exitCode?: number; stderr: unknown }, pattern: RegExp): void {
  expect(result.exitCode).not.toBe(0);
  const stderr = String(result.stderr);
  expect(stderr.trimEnd().split("\n"), stderr).toHaveLength(1);
  expect(stderr).toMatch(pattern);
  expect(stderr).not.toMatch(/internal error|\n\s+at /);
}

beforeAll(async () => {
  writeFileSync(efi, Buffer.alloc(4096, 0x90));
  execaSync("mknod", [specials["character device"], "c", "1", "3"]); // the same device as /dev/null
  execaSync("mkfifo", [specials.FIFO]);
  socketServer = createServer();
  await new Promise<void>((resolve) => socketServer.listen(specials.socket, resolve));
});

afterAll(() => {
  socketServer?.close();
});

describe("outputs are only regular files or new paths", () => {
  for (const [name, path] of Object.entries(specials)) {
    it(`convert, synth and image --force leave a ${name} as it was`, async () => {
      for (const [command, args] of writers(path)) {
        const result = await cli(args);
        expectOneLine(result, new RegExp(`${path.replace(/[/.]/g, "\\$&")} is a ${name}`));
        expect(kind(path), command).toBe(name);
      }
      expect(readdirSync(dir).filter((f) => f.endsWith(".partial"))).toEqual([]);
    }, 120_000);
  }

  it("image, convert and build refuse a path in /dev, even one that does not exist, and create nothing there", async () => {
    const path = "/dev/uefi-llm-test-no-such-device";
    try {
      for (const args of [...writers(path).map(([, a]) => a), ["build", "-o", path]]) {
        const result = await cli(args);
        expectOneLine(result, /\/dev\/uefi-llm-test-no-such-device is in \/dev/);
        expect(existsSync(path), args[0]).toBe(false);
      }
    } finally {
      if (existsSync(path) && lstatSync(path).isFile()) rmSync(path); // what a regression would leave there
    }
  }, 120_000);

  it("follows a symlink to a device and refuses it, and leaves a symlink to nothing alone", async () => {
    const folder = tempDir();
    const toDevice = join(folder, "to-device.img");
    const toNothing = join(folder, "to-nothing.img");
    symlinkSync(specials["character device"], toDevice);
    symlinkSync(join(folder, "missing"), toNothing);
    const image = (output: string) => cli(["image", "-m", bundledModel, "--efi", efi, "-o", output, "--force"]);
    expectOneLine(await image(toDevice), /to-device\.img is a character device/);
    expectOneLine(await image(toNothing), /to-nothing\.img is a symbolic link to nothing/);
    expect(kind(specials["character device"])).toBe("character device");
    expect(readdirSync(folder).sort()).toEqual(["to-device.img", "to-nothing.img"]);
  }, 120_000);

  it("--force replaces a regular file with the complete new one and leaves no temporary file", async () => {
    const folder = tempDir();
    const output = join(folder, "model.gguf");
    writeFileSync(output, "old");
    const refused = await cli(["convert", bundledModel, "--tokenizer", bundledTokenizer, "--type", "f32", "-o", output]);
    expectOneLine(refused, /model\.gguf already exists \(use --force to replace it\)/);
    expect(readFileSync(output, "utf8")).toBe("old");
    const replaced = await cli(["convert", bundledModel, "--tokenizer", bundledTokenizer, "--type", "f32", "-o", output, "--force"]);
    expect(replaced.exitCode, String(replaced.stderr)).toBe(0);
    expect(readFileSync(output).subarray(0, 4).toString("latin1")).toBe("GGUF");
    expect(readdirSync(folder)).toEqual(["model.gguf"]);
  }, 120_000);
});

describe("Ctrl-C while writing", () => {
  it("stops synth with one line, removes the temporary file and leaves the old file as it was", async () => {
    const folder = tempDir();
    const output = join(folder, "stories15M.gguf");
    writeFileSync(output, "old");
    const child = execa("node", [cliPath, "synth", "--shape", "stories15M", "--type", "f32", "-o", output, "--force"], { reject: false, timeout: 120_000 });
    while (!readdirSync(folder).some((f) => f.endsWith(".partial")) && child.exitCode === null) await new Promise((r) => setTimeout(r, 20));
    child.kill("SIGINT");
    const result = await child;
    expectOneLine(result, /interrupted; .*stories15M\.gguf was not written/);
    expect(readFileSync(output, "utf8")).toBe("old");
    expect(readdirSync(folder)).toEqual(["stories15M.gguf"]);
  }, 120_000);
});

describe("a full disk", () => {
  let mountPoint: string;
  beforeAll(() => {
    mountPoint = join(tempDir(), "full");
    mkdirSync(mountPoint);
    execaSync("mount", ["-t", "tmpfs", "-o", "size=1m", "tmpfs", mountPoint]);
  });
  afterAll(() => {
    if (mountPoint) execaSync("umount", [mountPoint], { reject: false });
  });

  it("makes image --force and convert --force fail with one line naming the file; the old file stays byte for byte", async () => {
    const old = join(mountPoint, "stick.img");
    writeFileSync(old, Buffer.alloc(300_000, 0xa5)); // leaves ~700 KB: less than the 1 MB model the new image holds
    const before = sha256(old);
    for (const [command, args] of writers(old).filter(([c]) => c !== "synth")) {
      const result = await cli(args);
      expectOneLine(result, new RegExp(`cannot write ${old.replace(/[/.]/g, "\\$&")}: no space left on device`));
      expect(sha256(old), command).toBe(before);
      expect(readdirSync(mountPoint), command).toEqual(["stick.img"]);
    }
  }, 120_000);
});

describe("inputs are only regular files", () => {
  it("generate, chat, tokenize, convert, image, inspect and bench refuse a FIFO or a device as model or tokenizer, naming it, without waiting", async () => {
    const { FIFO: fifo, "character device": device } = specials;
    const cases: [string[], RegExp][] = [
      [["generate", "-m", fifo], /model '.*fifo' is not a regular file/],
      [["generate", "-m", bundledModel, "--tokenizer", fifo], /tokenizer '.*fifo' is not a regular file/],
      [["chat", "-m", device], /model '.*null' is not a regular file/],
      [["tokenize", "-m", fifo, "hi"], /model '.*fifo' is not a regular file/],
      [["convert", fifo, "--type", "f32", "-o", join(tempDir(), "x.gguf")], /model '.*fifo' is not a regular file/],
      [["image", "-m", fifo, "--efi", efi, "-o", join(tempDir(), "x.img")], /model '.*fifo' is not a regular file/],
      [["inspect", fifo], /fifo/],
      [["bench", "--backend", "node", "-m", bundledModel, "--tokenizer", fifo], /tokenizer '.*fifo' is not a regular file/],
    ];
    for (const [args, pattern] of cases) expectOneLine(await cli(args, { timeoutMs: 20_000 }), pattern);
  }, 180_000);

  it("the Node host's file_open refuses a FIFO at once, so the core reports it instead of waiting for a writer", () => {
    const core = new Core({ stdout: () => {}, stderr: () => {} });
    expect(() => core.load(configText({ model: specials.FIFO }))).toThrow(UserError);
  });
});
