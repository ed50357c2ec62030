// The core's GGUF forward pass against an independent float64 reference
// (test/reference/gguf-forward.ts) on seeded synthetic models: qwen2 (biases, NeoX
// RoPE), llama with Llama 3.1-style RoPE factors and base, and quantized llama
// weights (the reference dequantizes with the host's own code and, for the types
// llama.cpp multiplies that way, quantizes the activations to int8 first).
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Core } from "../host/runner/core.js";
import { configText } from "../host/config.js";
import { openGGUF } from "../host/gguf/reader.js";
import { GGUFWriter } from "../host/gguf/writer.js";
import { gguf, GGML } from "../host/gguf/types.js";
import { GgufReference } from "./reference/gguf-forward.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-arch-");

const dir = tempDir();
const silent = { stdout: () => {}, stderr: () => {} };

async function synth(shape: string, type: string): Promise<string> {
  const out = join(dir, `${shape}-${type}.gguf`);
  const result = await cli(["synth", "--shape", shape, "--type", type, "--seed", "7", "-o", out]);
  expect(result.exitCode, result.stderr).toBe(0);
  return out;
}

/** Largest |core - reference| over `positions` steps, relative to the largest reference logit. */
async function compare(path: string, positions: number): Promise<number> {
  const file = await openGGUF(path);
  const reference = await GgufReference.load(file);
  await file.close();
  const core = new Core(silent);
  core.load(configText({ model: path }));
  let worst = 0;
  for (let pos = 0; pos < positions; pos++) {
    const token = (pos * 37 + 11) % core.vocabSize;
    const ours = core.forward(token, pos);
    const theirs = reference.forward(token, pos);
    const scale = Math.max(1, ...Array.from(theirs, Math.abs));
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - theirs[i]) / scale);
    expect(Math.max(...theirs) - Math.min(...theirs), "the logits are not flat").toBeGreaterThan(0.1);
  }
  return worst;
}

describe("GGUF architectures against the float64 reference", () => {
  it("qwen2: Q/K/V biases and NeoX RoPE", async () => {
    expect(await compare(await synth("test-qwen2", "f32"), 12)).toBeLessThan(1e-4);
  });

  describe("llama with Llama 3.1 RoPE factors and base", () => {
    let path: string;
    beforeAll(async () => {
      // The synthetic llama plus rope_freqs.weight and a RoPE base of 500000, written anew.
      const source = await openGGUF(await synth("test-llama", "f32"));
      path = join(dir, "llama-rope-factors.gguf");
      const headSize = source.number("llama.embedding_length")! / source.number("llama.attention.head_count")!;
      const factors = Float32Array.from({ length: headSize / 2 }, (_, i) => (i < headSize / 8 ? 1 : i < headSize / 4 ? 2.5 : 8));
      const metadata = new Map(source.metadata);
      metadata.set("llama.rope.freq_base", gguf.f32(500000));
      const tensors = [...source.tensors.map((t) => ({ name: t.name, ne: t.ne, type: t.type })), { name: "rope_freqs.weight", ne: [factors.length], type: GGML.F32 }];
      const writer = await GGUFWriter.create(path, metadata, tensors);
      for (const t of source.tensors) await writer.write(t.name, await source.readTensorBytes(t));
      await writer.write("rope_freqs.weight", new Uint8Array(factors.buffer));
      await writer.close();
      await source.close();
    });

    it("agrees with the reference", async () => {
      expect(await compare(path, 12)).toBeLessThan(1e-4);
    });
  });

  for (const type of ["q8_0", "q4_0", "q4_k", "q6_k", "f16"]) {
    it(`llama with ${type} weights (dequantized by the host for the reference; int8 activations where llama.cpp uses them)`, async () => {
      expect(await compare(await synth("test-llama", type), 6)).toBeLessThan(1e-4);
    });
  }
});
