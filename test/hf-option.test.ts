// -hf org/repo[:QUANT] on generate, chat and image (llama.cpp's flag): the GGUF is pulled
// into the cache from a local server with the Hub's URL layout (no internet), then used
// exactly as -m would use the cached file.
import { createHash } from "node:crypto";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cliPath } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-hf-");

const REPO = "test-org/tiny-GGUF";
const fixture = join(import.meta.dirname, "fixtures", "llama.cpp-made", "archs", "synth-qwen3-Q8_0.gguf");
const content = readFileSync(fixture);
const sha256 = createHash("sha256").update(content).digest("hex");
const requests: string[] = [];
let server: Server;
let endpoint = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    requests.push(`${req.method} ${url}`);
    if (url === `/api/models/${REPO}/tree/main?recursive=true`) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([
        { type: "file", path: "README.md", size: 10 },
        { type: "file", path: "tiny-Q8_0.gguf", size: 134, lfs: { oid: sha256, size: content.length, pointerSize: 134 } },
      ]));
      return;
    }
    if (url === `/${REPO}/resolve/main/tiny-Q8_0.gguf`) {
      res.setHeader("content-length", String(content.length));
      res.end(content);
      return;
    }
    res.statusCode = 404;
    res.end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

async function run(args: string[], cache: string, input?: string) {
  return execa("node", [cliPath, ...args], {
    reject: false,
    timeout: 60_000,
    stripFinalNewline: false,
    input,
    env: { HF_ENDPOINT: endpoint, UEFI_LLM_CACHE: cache, HF_TOKEN: "" },
  });
}

const greedy = ["-p", "Once upon a time", "--temp", "0", "-n", "12", "--print-ids"];

describe("-hf org/repo[:QUANT]", () => {
  it("generate: downloads into the cache, prints what -m prints, and reuses the file the second time", async () => {
    const cache = tempDir();
    const expected = await run(["generate", "-m", fixture, ...greedy], cache);
    expect(expected.exitCode, expected.stderr).toBe(0);
    requests.length = 0;
    const first = await run(["generate", "-hf", `${REPO}:Q8_0`, ...greedy], cache);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(first.stdout).toBe(expected.stdout);
    const cached = join(cache, "test-org", "tiny-GGUF", "tiny-Q8_0.gguf");
    expect(readFileSync(cached).equals(content)).toBe(true);
    expect(requests).toContain(`GET /${REPO}/resolve/main/tiny-Q8_0.gguf`);
    requests.length = 0;
    const second = await run(["generate", "--hf-repo", `${REPO}:q8_0`, ...greedy], cache);
    expect(second.stdout).toBe(expected.stdout);
    expect(requests.filter((r) => r.includes("/resolve/"))).toEqual([]);
  });

  it("chat: the same conversation as with -m", async () => {
    const cache = tempDir();
    const args = ["--temp", "0", "-n", "8"];
    const expected = await run(["chat", "-m", fixture, ...args], cache, "Hello there\n");
    expect(expected.exitCode, expected.stderr).toBe(0);
    const got = await run(["chat", "-hf", REPO + ":Q8_0", ...args], cache, "Hello there\n");
    expect(got.exitCode, got.stderr).toBe(0);
    expect(got.stdout).toBe(expected.stdout);
  });

  it("image: the pulled GGUF goes on the stick", async () => {
    const cache = tempDir();
    const dir = tempDir();
    const efi = join(dir, "BOOTX64.EFI");
    writeFileSync(efi, Buffer.alloc(4096, 1));
    const output = join(dir, "stick.img");
    const result = await run(["image", "-hf", `${REPO}:Q8_0`, "--efi", efi, "--arch", "x86_64", "--end", "shutdown", "-o", output], cache);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(readFileSync(output).indexOf(content)).toBeGreaterThan(0);
  });

  it("bad input: one line each", async () => {
    const cache = tempDir();
    const lines = async (args: string[]) => {
      const result = await run(args, cache);
      expect(result.exitCode).not.toBe(0);
      expect(result.stderr.trimEnd().split("\n"), result.stderr).toHaveLength(1);
      return result.stderr;
    };
    expect(await lines(["generate", "-m", fixture, "-hf", REPO])).toMatch(/cannot be used with option '-m, --model/);
    expect(await lines(["generate", "-hf", "no-slash"])).toMatch(/'no-slash' is not a Hugging Face model/);
    expect(await lines(["generate", "-hf", "test-org/missing"])).toMatch(/repo 'test-org\/missing' .*not found \(HTTP 404\)/);
    // a quant that is not there: the error, then the repo's GGUF files to choose from
    const quant = await run(["chat", "-hf", `${REPO}:Q2_K`], cache);
    expect(quant.exitCode).not.toBe(0);
    expect(quant.stderr).toMatch(/^uefi-llm: repo 'test-org\/tiny-GGUF' has no GGUF for quant 'Q2_K'; its GGUF files:\n {2}tiny-Q8_0\.gguf \(340\.3 KiB\)\n$/);
    expect(await lines(["image", "-o", join(tempDir(), "x.img")])).toMatch(/a model is needed: -m <file> or -hf/);
    expect(existsSync(join(cache, "test-org", "missing"))).toBe(false);
  });
});
