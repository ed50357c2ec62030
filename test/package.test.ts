// The npm package ships only what a user runs (package.json "files"), and the packed
// tarball installs into an empty prefix and tells the bundled story from any folder.
import { join } from "node:path";
import { execa } from "execa";
import { describe, expect, it } from "vitest";
import { packageRoot } from "../host/paths.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-package-");

describe("npm pack", () => {
  it("holds no test fixtures, and its tarball installs and generates the bundled story", async () => {
    const dir = tempDir();
    // The build outputs exist already (npm test builds first); prepare would rebuild them.
    const packed = await execa("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", dir], { cwd: packageRoot, timeout: 120_000 });
    const [info] = JSON.parse(packed.stdout) as { filename: string; size: number; files: { path: string }[] }[];
    const paths = info.files.map((f) => f.path);
    expect(paths.filter((p) => p.startsWith("test/") || p.startsWith("host/"))).toEqual([]);
    for (const needed of ["bin/uefi-llm.js", "dist/cli.js", "build/core.wasm", "models/stories260K.bin", "models/tok512.bin", "firmware/main.c", "native/host_posix.c"]) expect(paths).toContain(needed);
    expect(info.size).toBeLessThan(3 * 1024 * 1024);

    const prefix = join(dir, "prefix");
    const installed = await execa("npm", ["install", "-g", "--ignore-scripts", "--prefer-offline", "--no-audit", "--no-fund", "--prefix", prefix, join(dir, info.filename)], { timeout: 300_000, reject: false });
    expect(installed.exitCode, installed.stderr).toBe(0);
    const story = await execa(join(prefix, "bin", "uefi-llm"), ["generate", "--temp", "0", "-n", "64", "-t", "1"], { cwd: dir, reject: false });
    expect(story.exitCode, story.stderr).toBe(0);
    const here = await cli(["generate", "--temp", "0", "-n", "64", "-t", "1"]);
    expect(story.stdout + "\n").toBe(here.stdout);
    expect(story.stdout).toMatch(/^Once upon a time/);
  }, 400_000);
});
