// Thousands of corrupted GGUF headers and tensor tables: each load must end in a
// clean error (or, for a harmless change, a loaded model), never a trap or a hang.
import { closeSync, copyFileSync, ftruncateSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Core, CoreTrap } from "../host/runner/core.js";
import { configText } from "../host/config.js";
import { UserError } from "../host/errors.js";
import { bundledTokenizer } from "../host/paths.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-fuzz-");

const original = join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf");
const silent = { stdout: () => {}, stderr: () => {} };

/** A small deterministic generator, so a failure can be replayed by its iteration number. */
function mulberry32(seed: number) {
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

describe("corrupted GGUF files", () => {
  it("give errors, never traps or hangs (3000 variants)", () => {
    const bytes = readFileSync(original);
    const headerEnd = 14176; // metadata and tensor infos end here; the tensor data follows
    const path = join(tempDir(), "fuzzed.gguf");
    copyFileSync(original, path);
    const random = mulberry32(1234);
    const outcomes = { error: 0, loaded: 0 };
    const messages = new Set<string>();
    for (let iteration = 0; iteration < 3000; iteration++) {
      const header = Buffer.from(bytes.subarray(0, headerEnd));
      const kind = iteration % 3;
      const at = Math.floor(random() * (headerEnd - 8));
      if (kind === 0) {
        for (let i = 0; i < 1 + Math.floor(random() * 4); i++) header[at + i] = Math.floor(random() * 256);
      } else {
        // a count, length, dimension or offset turned huge, negative-looking or zero
        const values = [0xffffffffffffffffn, 0x8000000000000000n, 0x100000000n, 0n, BigInt(Math.floor(random() * 2 ** 32))];
        header.writeBigUInt64LE(values[Math.floor(random() * values.length)], at);
      }
      const fd = openSync(path, "r+");
      writeSync(fd, header, 0, headerEnd, 0);
      // every tenth variant is also cut short
      ftruncateSync(fd, iteration % 10 === 0 ? Math.floor(random() * bytes.length) : bytes.length);
      if (iteration % 10 === 0) writeSync(fd, header, 0, headerEnd, 0);
      closeSync(fd);

      try {
        new Core(silent).load(configText({ model: path, tokenizer: bundledTokenizer }));
        outcomes.loaded++;
      } catch (error) {
        if (error instanceof CoreTrap || !(error instanceof UserError)) throw new Error(`iteration ${iteration}: ${error}`);
        expect((error as Error).message).not.toMatch(/\n/);
        outcomes.error++;
        messages.add((error as Error).message.replace(/'[^']*'/g, "X").replace(/\d+/g, "N"));
      }
    }
    // Most corruptions must be caught, and by many different checks.
    expect(outcomes.error).toBeGreaterThan(1000);
    expect(messages.size).toBeGreaterThan(10);
  }, 180_000);
});
