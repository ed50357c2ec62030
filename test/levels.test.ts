// Every x86-64 level the firmware carries a build for must print what Node prints for
// every weight type with a kernel of its own, not only the f32 story the boot tests
// check: the wider vectors of v3 may change how many lanes a loop handles at once,
// never the float operations or their order. The native backend is the same wasm2c
// output compiled with the same float flags for a chosen -march. Greedy text shrugs
// off a last-bit difference (an FMA build prints the same here), so the bit-level
// promise is checked on the code itself: no FMA in any level (test/build.test.ts).
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { beforeAll, describe, expect, it } from "vitest";
import { buildNative, type NativeMarch } from "../host/toolchain/native.js";
import { CORE_LEVELS } from "../host/toolchain/pipeline.js";
import { configText, type RunConfig } from "../host/config.js";
import { buildDir } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { cli } from "./helpers/cli.js";

const workDir = join(buildDir, "test", "levels");
const binaries = new Map<string, string>();

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  for (const level of CORE_LEVELS) binaries.set(level.march, await buildNative(level.march as NativeMarch));
}, 600_000);

/** A seeded synthetic model of `shape` with weights of `type`, written once. */
async function synth(shape: string, type: string): Promise<string> {
  const out = join(workDir, `${shape}-${type}.gguf`);
  const result = await cli(["synth", "--shape", shape, "--type", type, "--seed", "11", "-o", out, "--force"]);
  expect(result.exitCode, result.stderr).toBe(0);
  return out;
}

function runNode(config: RunConfig): string {
  let stdout = "";
  const decoder = new TextDecoder();
  new Core({ stdout: (bytes) => (stdout += decoder.decode(bytes, { stream: true })), stderr: () => {} }).run(configText(config));
  return stdout;
}

describe("each level's build of the core prints what Node prints", () => {
  it.each([
    ["test-llama", "f32"],
    ["test-llama", "q8_0"],
    ["test-llama", "q4_0"],
    ["test-llama", "q4_k"],
    ["test-llama", "q6_k"],
    ["test-qwen2", "q8_0"],
    ["test-qwen3", "q8_0"],
    ["test-gemma3", "q8_0"],
  ])("%s %s: greedy, 48 tokens, the text and the token ids", async (shape, type) => {
    const model = await synth(shape, type);
    const config: RunConfig = { model, prompt: "Once upon a time", steps: 48, temperature: 0, ignoreEos: true, printIds: true };
    const file = join(workDir, `${shape}-${type}.cfg`);
    writeFileSync(file, configText(config));
    const expected = runNode(config);
    expect(expected).toMatch(/\[\d+(, ?\d+)*\]/); // the ids are in it
    for (const [march, binary] of binaries) {
      const { stdout } = await execa(binary, [file], { stripFinalNewline: false });
      expect(stdout, march).toBe(expected);
    }
  }, 120_000);
});

describe("each level's build of the core gives llama.cpp's greedy ids on the new architectures", () => {
  const archs = join(import.meta.dirname, "fixtures", "llama.cpp-made", "archs");
  it.each(["synth-qwen3-F32", "synth-qwen3-Q8_0", "synth-gemma3-F32", "synth-gemma3-Q8_0", "synth-phi3-fused-F32", "synth-smollm3-F32", "synth-granite-F32", "synth-llama32-tied-F32"])(
    "%s: 48 greedy ids after the prompt",
    async (stem) => {
      const ref = JSON.parse(readFileSync(join(archs, "refs", `${stem}.json`), "utf8"));
      const config: RunConfig = { model: join(archs, `${stem}.gguf`), prompt: ref.prompt_text, steps: 48, temperature: 0, ignoreEos: true, printIds: true };
      const file = join(workDir, `${stem}.cfg`);
      writeFileSync(file, configText(config));
      const expected = `[${ref.greedy.generated_ids.join(", ")}]`;
      for (const [march, binary] of binaries) {
        const { stdout } = await execa(binary, [file], { stripFinalNewline: false });
        expect(stdout.replaceAll(" ", "").includes(expected.replaceAll(" ", "")), `${march}: ${stdout.slice(-400)}`).toBe(true);
      }
    },
    120_000,
  );
});
