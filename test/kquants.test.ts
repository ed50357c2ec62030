// The core's Q2_K, Q3_K and Q5_K dequantization against plain reference dequantizers
// (test/reference/kquants.ts), bit for bit, on random blocks inside a real model file.
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { Core } from "../host/runner/core.js";
import { configText } from "../host/config.js";
import { openGGUF } from "../host/gguf/reader.js";
import { GGUFWriter } from "../host/gguf/writer.js";
import { GGML, ggmlTensorBytes } from "../host/gguf/types.js";
import { dequantizeQ2K, dequantizeQ3K, dequantizeQ5K } from "./reference/kquants.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-kq-");

const kinds = [
  { tensor: "blk.0.attn_q.weight", type: GGML.Q2_K, blockBytes: 84, scales: [80, 82], reference: dequantizeQ2K },
  { tensor: "blk.0.attn_k.weight", type: GGML.Q3_K, blockBytes: 110, scales: [108], reference: dequantizeQ3K },
  { tensor: "blk.0.ffn_up.weight", type: GGML.Q5_K, blockBytes: 176, scales: [0, 2], reference: dequantizeQ5K },
];

/** Random bytes, with every f16 scale a finite value in [2^-10, 2^-3). */
function randomBlocks(count: number, blockBytes: number, scales: number[], seed: number): Uint8Array {
  const bytes = new Uint8Array(count * blockBytes);
  let state = seed;
  for (let i = 0; i < bytes.length; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    bytes[i] = state >>> 24;
  }
  for (let b = 0; b < count; b++)
    for (const at of scales) {
      const exponent = 5 + (bytes[b * blockBytes + at] % 7); // biased f16 exponent: 2^-10 .. 2^-4
      bytes[b * blockBytes + at + 1] = (bytes[b * blockBytes + at + 1] & 0x83) | (exponent << 2);
    }
  return bytes;
}

describe("K-quant dequantization the host cannot produce", () => {
  it("Q2_K, Q3_K and Q5_K equal the reference dequantizers bit for bit", async () => {
    const dir = tempDir();
    const base = join(dir, "base.gguf");
    expect((await cli(["synth", "--shape", "test-llama", "--type", "f32", "-o", base])).exitCode).toBe(0);
    const source = await openGGUF(base);
    const path = join(dir, "kquants.gguf");
    const data = new Map<string, Uint8Array>();
    const tensors = source.tensors.map((t) => {
      const kind = kinds.find((k) => k.tensor === t.name);
      if (!kind) return { name: t.name, ne: t.ne, type: t.type };
      data.set(t.name, randomBlocks(ggmlTensorBytes(kind.type, t.ne) / kind.blockBytes, kind.blockBytes, kind.scales, kind.type));
      return { name: t.name, ne: t.ne, type: kind.type };
    });
    const writer = await GGUFWriter.create(path, source.metadata, tensors);
    for (const t of source.tensors) await writer.write(t.name, data.get(t.name) ?? (await source.readTensorBytes(t)));
    await writer.close();
    await source.close();

    const core = new Core({ stdout: () => {}, stderr: () => {} });
    core.load(configText({ model: path }));
    for (const kind of kinds) {
      const blocks = data.get(kind.tensor)!;
      const count = blocks.length / kind.blockBytes;
      const ours = core.dequantizeTensor(kind.tensor, count * 256);
      let mismatches = 0;
      for (let b = 0; b < count; b++) {
        const expected = kind.reference(blocks.subarray(b * kind.blockBytes, (b + 1) * kind.blockBytes));
        for (let i = 0; i < 256; i++) if (!Object.is(ours[b * 256 + i], expected[i])) mismatches++;
      }
      expect(mismatches, kind.tensor).toBe(0);
    }
  });
});
