// Fetching a GGUF from the Hugging Face Hub into the local cache: list the repo's files
// through the Hub API, pick the quant asked for, download to "<name>.part" (resuming
// what is there with a Range request), check size and the LFS sha256, then rename.
// The final name only ever holds a checked file.
import { createHash } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rename, rm, stat } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { Option } from "commander";
import { UserError } from "../errors.js";
import { byteProgress, formatBytes } from "../gguf/progress.js";

export interface PullSource {
  repo: string; // "org/name"
  quant?: string; // e.g. "Q4_K_M"; undefined = llama.cpp's default choice
}

export interface PullEnvironment {
  endpoint: string; // HF_ENDPOINT, default https://huggingface.co
  token?: string; // HF_TOKEN
  cacheDir: string; // UEFI_LLM_CACHE, default ~/.cache/uefi-llm
  progress: boolean;
}

export interface RepoFile {
  path: string;
  size: number;
  sha256?: string; // the LFS object id, when the file is in LFS
}

export interface PullResult {
  path: string;
  file: RepoFile;
  downloaded: boolean; // false when the cache already held it
}

/** "org/repo" or "org/repo:QUANT", as llama.cpp's -hf takes it. */
export function parseSource(text: string): PullSource {
  const [repo, quant, ...rest] = text.split(":");
  if (rest.length > 0 || !/^[\w.-]+\/[\w.-]+$/.test(repo) || (quant !== undefined && !/^[\w.-]+$/.test(quant))) {
    throw new UserError(`'${text}' is not a Hugging Face model: expected org/repo or org/repo:QUANT (e.g. Qwen/Qwen3-0.6B-GGUF:Q8_0)`);
  }
  return { repo, quant };
}

/** `-hf org/repo[:QUANT]` (llama.cpp's flag; host/cli.ts turns -hf into --hf for commander) on generate, chat and image. */
export function hfOption(): Option {
  return new Option("--hf, --hf-repo <org/repo[:quant]>", "GGUF from Hugging Face, downloaded into the cache first (as 'uefi-llm pull'), instead of -m; also -hf")
    .conflicts("model");
}

/** The cached file of an -hf source: pulled (with a progress bar on stderr) unless the cache has it. */
export async function modelFromHub(text: string): Promise<string> {
  const result = await pull(parseSource(text), environment(process.env, true));
  if (result.downloaded) process.stderr.write(`downloaded: ${result.path}\n`);
  return result.path;
}

export function environment(env: NodeJS.ProcessEnv = process.env, progress = true): PullEnvironment {
  return {
    endpoint: (env.HF_ENDPOINT || "https://huggingface.co").replace(/\/+$/, ""),
    token: env.HF_TOKEN || undefined,
    cacheDir: env.UEFI_LLM_CACHE || join(homedir(), ".cache", "uefi-llm"),
    progress,
  };
}

/** The repo's file, fetched if the cache does not hold it already. */
export async function pull(source: PullSource, env: PullEnvironment): Promise<PullResult> {
  const files = await listFiles(source.repo, env);
  const file = chooseGguf(source, files);
  const dir = join(env.cacheDir, ...source.repo.split("/"));
  const path = join(dir, ...file.path.split("/"));
  const existing = await stat(path).catch(() => undefined);
  if (existing?.isFile() && existing.size === file.size) return { path, file, downloaded: false };
  await mkdir(join(path, ".."), { recursive: true });
  await download(source.repo, file, path, env);
  return { path, file, downloaded: true };
}

async function request(url: string, env: PullEnvironment, headers: Record<string, string> = {}): Promise<Response> {
  const all: Record<string, string> = { "user-agent": "uefi-llm", ...headers };
  if (env.token) all.authorization = `Bearer ${env.token}`;
  try {
    return await fetch(url, { headers: all, redirect: "follow" });
  } catch (error) {
    const cause = error instanceof Error && error.cause instanceof Error ? error.cause.message : String(error);
    throw new UserError(`cannot reach ${new URL(url).origin} (${cause}): check the network, or set HF_ENDPOINT`);
  }
}

function httpError(what: string, response: Response, env: PullEnvironment): UserError {
  if (response.status === 401 || response.status === 403) {
    return new UserError(`${what}: access denied (HTTP ${response.status})${env.token ? "" : "; for a gated or private repo set HF_TOKEN"}`);
  }
  if (response.status === 404) return new UserError(`${what}: not found (HTTP 404)`);
  return new UserError(`${what}: HTTP ${response.status} ${response.statusText}`);
}

/** Every file of the repo's main branch, with sizes and LFS hashes (the Hub's tree API). */
export async function listFiles(repo: string, env: PullEnvironment): Promise<RepoFile[]> {
  const response = await request(`${env.endpoint}/api/models/${repo}/tree/main?recursive=true`, env);
  if (!response.ok) throw httpError(`repo '${repo}' on ${env.endpoint}`, response, env);
  const entries = (await response.json()) as { type: string; path: string; size: number; lfs?: { oid: string; size: number } }[];
  if (!Array.isArray(entries)) throw new UserError(`repo '${repo}': the Hub's file list is not a list`);
  return entries
    .filter((e) => e.type === "file")
    .map((e) => ({ path: e.path, size: e.lfs?.size ?? e.size, sha256: e.lfs?.oid }));
}

/** The GGUF for the quant asked for (its name contains it, case-insensitively), or llama.cpp's default: Q4_K_M, else the first. */
export function chooseGguf(source: PullSource, files: RepoFile[]): RepoFile {
  const ggufs = files.filter((f) => f.path.toLowerCase().endsWith(".gguf") && !/mmproj/i.test(f.path));
  if (ggufs.length === 0) throw new UserError(`repo '${source.repo}' has no GGUF files`);
  const list = () => ggufs.map((f) => `  ${f.path} (${formatBytes(f.size)})`).join("\n");
  const wanted = (source.quant ?? "Q4_K_M").toLowerCase();
  const matches = ggufs.filter((f) => new RegExp(`(^|[-_./])${wanted.replace(/[.]/g, "\\.")}([-_.]|$)`).test(f.path.toLowerCase()));
  if (matches.length === 0 && source.quant === undefined) return ggufs[0];
  if (matches.length === 0) throw new UserError(`repo '${source.repo}' has no GGUF for quant '${source.quant}'; its GGUF files:\n${list()}`);
  if (/-\d{5}-of-\d{5}\.gguf$/.test(matches[0].path)) throw new UserError(`'${matches[0].path}' is split into parts, which uefi-llm does not join; pick another quant:\n${list()}`);
  return matches[0];
}

/** Downloads to path + ".part" (resuming it), checks size and sha256, then renames it to path. */
async function download(repo: string, file: RepoFile, path: string, env: PullEnvironment): Promise<void> {
  const part = `${path}.part`;
  let have = (await stat(part).catch(() => undefined))?.size ?? 0;
  if (have > file.size) {
    await rm(part, { force: true });
    have = 0;
  }
  const url = `${env.endpoint}/${repo}/resolve/main/${file.path.split("/").map(encodeURIComponent).join("/")}`;
  if (have < file.size) {
    const response = await request(url, env, have > 0 ? { range: `bytes=${have}-` } : {});
    if (!response.ok) throw httpError(`'${file.path}' in '${repo}'`, response, env);
    if (have > 0 && response.status !== 206) have = 0; // the server ignored the range: start over
    const progress = byteProgress(`${file.path}`, file.size, env.progress);
    progress.add(have);
    const out = createWriteStream(part, { flags: have > 0 ? "a" : "w" });
    try {
      for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
        if (!out.write(chunk)) await new Promise<void>((resolve) => out.once("drain", () => resolve()));
        have += chunk.length;
        progress.add(chunk.length);
      }
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new UserError(`download of '${file.path}' was cut off at ${formatBytes(have)} of ${formatBytes(file.size)} (${reason}); run pull again to resume`);
    } finally {
      progress.stop();
      await new Promise<void>((resolve, reject) => out.end((error?: Error | null) => (error ? reject(error) : resolve())));
    }
  }
  const size = (await stat(part)).size;
  if (size !== file.size) {
    throw new UserError(`download of '${file.path}' ended at ${formatBytes(size)} of ${formatBytes(file.size)}; run pull again to resume`);
  }
  if (file.sha256) {
    const hash = createHash("sha256");
    for await (const chunk of createReadStream(part)) hash.update(chunk as Buffer);
    const actual = hash.digest("hex");
    if (actual !== file.sha256) {
      await rm(part, { force: true });
      throw new UserError(`'${file.path}' failed its sha256 check (expected ${file.sha256}, got ${actual}); the download was deleted`);
    }
  }
  await rename(part, path);
}
