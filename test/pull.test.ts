// uefi-llm pull against a local server with the Hub's URL layout: the tree API
// (/api/models/<repo>/tree/main) and file downloads (/<repo>/resolve/main/<file>) with
// Range support; no internet. Download, resume after a cut connection, sha256 mismatch,
// 404, a quant that is not there, and reuse of the cache.
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chooseGguf, environment, parseSource, pull, type PullEnvironment } from "../host/hf/pull.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-pull-");

const REPO = "test-org/tiny-GGUF";
const content = Buffer.from(Array.from({ length: 300_000 }, (_, i) => (i * 7919) % 251));
const sha256 = createHash("sha256").update(content).digest("hex");

/** The server's behaviour for the next requests. */
const state = { cutAfter: -1, wrongHash: false, requests: [] as string[] };
let server: Server;
let endpoint = "";

beforeAll(async () => {
  server = createServer((req, res) => {
    const url = req.url ?? "";
    state.requests.push(`${req.method} ${url} ${req.headers.range ?? ""}`.trim());
    if (url === `/api/models/${REPO}/tree/main?recursive=true`) {
      res.setHeader("content-type", "application/json");
      res.end(JSON.stringify([
        { type: "file", path: "README.md", size: 10 },
        { type: "file", path: "tiny-Q8_0.gguf", size: 134, lfs: { oid: state.wrongHash ? "0".repeat(64) : sha256, size: content.length, pointerSize: 134 } },
        { type: "file", path: "tiny-F16.gguf", size: 134, lfs: { oid: "f".repeat(64), size: 999, pointerSize: 134 } },
      ]));
      return;
    }
    if (url === `/${REPO}/resolve/main/tiny-Q8_0.gguf`) {
      const range = /^bytes=(\d+)-$/.exec(req.headers.range ?? "");
      const start = range ? Number(range[1]) : 0;
      res.statusCode = range ? 206 : 200;
      if (range) res.setHeader("content-range", `bytes ${start}-${content.length - 1}/${content.length}`);
      res.setHeader("content-length", String(content.length - start));
      const body = content.subarray(start);
      if (state.cutAfter >= 0) {
        res.write(body.subarray(0, state.cutAfter), () => res.destroy());
        state.cutAfter = -1;
        return;
      }
      res.end(body);
      return;
    }
    res.statusCode = 404;
    res.end("not found");
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  endpoint = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

function env(cacheDir = tempDir()): PullEnvironment {
  return { endpoint, cacheDir, progress: false };
}

describe("uefi-llm pull", () => {
  it("parses org/repo[:QUANT] and refuses anything else", () => {
    expect(parseSource("Qwen/Qwen3-0.6B-GGUF:Q8_0")).toEqual({ repo: "Qwen/Qwen3-0.6B-GGUF", quant: "Q8_0" });
    expect(parseSource("org/repo")).toEqual({ repo: "org/repo", quant: undefined });
    expect(() => parseSource("no-slash")).toThrow(/not a Hugging Face model/);
    expect(environment({ HF_ENDPOINT: "http://h/", UEFI_LLM_CACHE: "/c" }).endpoint).toBe("http://h");
  });

  it("downloads into the cache, checks the sha256, and reuses the file the second time", async () => {
    const e = env();
    state.requests = [];
    const first = await pull({ repo: REPO, quant: "q8_0" }, e);
    expect(first.downloaded).toBe(true);
    expect(first.path).toBe(join(e.cacheDir, "test-org", "tiny-GGUF", "tiny-Q8_0.gguf"));
    expect(readFileSync(first.path).equals(content)).toBe(true);
    const second = await pull({ repo: REPO, quant: "Q8_0" }, e);
    expect(second.downloaded).toBe(false);
    expect(state.requests.filter((r) => r.includes("/resolve/"))).toHaveLength(1);
  });

  it("resumes after a cut connection, with a Range request, and never leaves a partial file under the final name", async () => {
    const e = env();
    state.cutAfter = 100_000;
    state.requests = [];
    const final = join(e.cacheDir, "test-org", "tiny-GGUF", "tiny-Q8_0.gguf");
    await expect(pull({ repo: REPO, quant: "Q8_0" }, e)).rejects.toThrow(/cut off .*run pull again to resume/);
    expect(existsSync(final)).toBe(false);
    expect(existsSync(`${final}.part`)).toBe(true);
    const result = await pull({ repo: REPO, quant: "Q8_0" }, e);
    expect(readFileSync(result.path).equals(content)).toBe(true);
    expect(existsSync(`${final}.part`)).toBe(false);
    const resume = state.requests.filter((r) => r.includes("/resolve/")).at(-1)!;
    expect(resume).toMatch(/bytes=\d+-$/);
    expect(Number(/bytes=(\d+)-/.exec(resume)![1])).toBeGreaterThan(0);
  });

  it("deletes a download whose sha256 does not match, and says so", async () => {
    const e = env();
    state.wrongHash = true;
    try {
      await expect(pull({ repo: REPO, quant: "Q8_0" }, e)).rejects.toThrow(/failed its sha256 check/);
    } finally {
      state.wrongHash = false;
    }
    const final = join(e.cacheDir, "test-org", "tiny-GGUF", "tiny-Q8_0.gguf");
    expect(existsSync(final) || existsSync(`${final}.part`)).toBe(false);
  });

  it("says which: a repo that is not there (404), a quant that is not there (with the list), no server", async () => {
    await expect(pull({ repo: "test-org/missing" }, env())).rejects.toThrow(/repo 'test-org\/missing' on .*: not found \(HTTP 404\)/);
    await expect(pull({ repo: REPO, quant: "Q2_K" }, env())).rejects.toThrow(/no GGUF for quant 'Q2_K'; its GGUF files:\n {2}tiny-Q8_0\.gguf/);
    await expect(pull({ repo: REPO }, { ...env(), endpoint: "http://127.0.0.1:9" })).rejects.toThrow(/cannot reach http:\/\/127\.0\.0\.1:9/);
  });

  it("picks Q4_K_M by default, else the first GGUF; skips mmproj files", () => {
    const files = [{ path: "mmproj-Q4_K_M.gguf", size: 1 }, { path: "m-Q8_0.gguf", size: 1 }, { path: "m-Q4_K_M.gguf", size: 1 }];
    expect(chooseGguf({ repo: "a/b" }, files).path).toBe("m-Q4_K_M.gguf");
    expect(chooseGguf({ repo: "a/b" }, files.slice(0, 2)).path).toBe("m-Q8_0.gguf");
  });

  it("the command prints the cached path on stdout, with HF_ENDPOINT and UEFI_LLM_CACHE", async () => {
    const cache = tempDir();
    const saved = { HF_ENDPOINT: process.env.HF_ENDPOINT, UEFI_LLM_CACHE: process.env.UEFI_LLM_CACHE };
    Object.assign(process.env, { HF_ENDPOINT: endpoint, UEFI_LLM_CACHE: cache }); // the child inherits them
    try {
      const result = await cli(["pull", `${REPO}:Q8_0`]);
      expect(result.exitCode, result.stderr).toBe(0);
      expect(result.stdout.trim()).toBe(join(cache, "test-org", "tiny-GGUF", "tiny-Q8_0.gguf"));
      const missing = await cli(["pull", `${REPO}:Q2_K`]);
      expect(missing.exitCode).not.toBe(0);
      expect(missing.stderr).toMatch(/no GGUF for quant 'Q2_K'/);
    } finally {
      for (const [key, value] of Object.entries(saved)) {
        if (value === undefined) delete process.env[key];
        else process.env[key] = value;
      }
    }
  });
});
