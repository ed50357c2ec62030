// The core's GGUF forward pass against an independent float64 reference
// (test/reference/gguf-forward.ts) on seeded synthetic models: qwen2 (biases, NeoX
// RoPE), llama with Llama 3.1-style RoPE factors and base, and quantized llama
// weights (the reference dequantizes with the host's own code and, for the types
// llama.cpp multiplies that way, quantizes the activations to int8 first); and the
// architectures of test/fixtures/llama.cpp-made/archs (qwen3, gemma3, phi3, smollm3,
// granite, Llama 3.2), plus a gemma2 made from the gemma3 file, where the reference is
// itself checked against llama.cpp's logits first.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { Core } from "../host/runner/core.js";
import { configText } from "../host/config.js";
import { openGGUF } from "../host/gguf/reader.js";
import { GGUFWriter } from "../host/gguf/writer.js";
import { gguf, GGML } from "../host/gguf/types.js";
import { GgufReference } from "./reference/gguf-forward.js";
import { gemma2From } from "./helpers/gemma2.js";
import { lfm2From } from "./helpers/lfm2.js";
import { phi3PartialFrom } from "./helpers/phi3-partial.js";
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

/** Largest |core - reference| over `positions` steps (tokens from `ids`, if given), relative to the largest reference logit. */
async function compare(path: string, positions: number, ids?: number[]): Promise<number> {
  const file = await openGGUF(path);
  const reference = await GgufReference.load(file);
  await file.close();
  const core = new Core(silent);
  core.load(configText({ model: path }));
  let worst = 0;
  for (let pos = 0; pos < positions; pos++) {
    const token = ids ? ids[pos] : (pos * 37 + 11) % core.vocabSize;
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

const archs = join(import.meta.dirname, "fixtures/llama.cpp-made/archs");

/** llama.cpp's teacher-forced batch for a fixture: token ids and logits rows. */
function llamaCpp(stem: string): { ids: number[]; logits: number[][] } {
  const r = JSON.parse(readFileSync(join(archs, "refs", `${stem}.json`), "utf8"));
  return { ids: r.batch_eval.token_ids, logits: r.batch_eval.logits };
}

/** Largest |reference - llama.cpp| over the first `positions` rows of the fixture's batch. */
async function referenceVsLlamaCpp(stem: string, positions: number): Promise<number> {
  const file = await openGGUF(join(archs, `${stem}.gguf`));
  const reference = await GgufReference.load(file);
  await file.close();
  const { ids, logits } = llamaCpp(stem);
  let worst = 0;
  for (let pos = 0; pos < positions; pos++) {
    const ours = reference.forward(ids[pos], pos);
    for (let i = 0; i < ours.length; i++) worst = Math.max(worst, Math.abs(ours[i] - logits[pos][i]));
  }
  return worst;
}

describe("synthetic qwen3 and gemma3 (uefi-llm synth) against the float64 reference", () => {
  for (const [shape, tolerance] of [["test-qwen3", 1e-4], ["test-gemma3", 1e-4]] as const) {
    for (const type of ["f32", "q8_0", "q4_k"]) {
      it(`${shape} with ${type} weights, 12 positions (gemma3: window 4 on layers 0 and 1)`, async () => {
        expect(await compare(await synth(shape, type), 12)).toBeLessThan(tolerance);
      });
    }
  }
});

describe("new architectures: core vs the float64 reference, reference vs llama.cpp", () => {
  // 24 positions: past gemma3's 16-position sliding window. Both round Gemma's GELU through
  // half precision as llama.cpp does, but an f32 value on one side of a half-precision
  // rounding boundary and its f64 twin on the other move a GELU output by a half ulp
  // (1e-3 relative), which the next layers carry on: hence gemma's wider core tolerance.
  // Against llama.cpp what is left is its own batch-versus-incremental difference (0.07).
  const cases: [string, string, number, number][] = [
    ["synth-qwen3-F32", "per-head q/k RMSNorm, NeoX RoPE, head size x heads != dim", 1e-5, 2e-3],
    ["synth-gemma3-F32", "scaled embedding, GeGLU, post-norms, q/k norms, sliding window (16) with its own RoPE base", 5e-4, 0.1],
    ["synth-phi3-fused-F32", "fused qkv and gate/up", 1e-5, 2e-3],
    ["synth-smollm3-F32", "a layer without RoPE", 1e-5, 2e-3],
    ["synth-granite-F32", "embedding, residual, attention and logit multipliers", 1e-5, 2e-3],
    ["synth-llama32-tied-F32", "tied embeddings and rope_freqs", 1e-5, 2e-3],
  ];
  for (const [stem, what, coreTolerance, llamaCppTolerance] of cases) {
    it(`${stem.split("-")[1]}: ${what}`, async () => {
      expect(await referenceVsLlamaCpp(stem, 24)).toBeLessThan(llamaCppTolerance);
      expect(await compare(join(archs, `${stem}.gguf`), 24, llamaCpp(stem).ids)).toBeLessThan(coreTolerance);
    });
  }

  it("gemma2: attention and final soft-capping, sliding window 12, pattern 2 (the gemma3 file rewritten)", async () => {
    const path = await gemma2From(join(archs, "synth-gemma3-F32.gguf"), join(dir, "gemma2.gguf"));
    expect(await compare(path, 24, llamaCpp("synth-gemma3-F32").ids)).toBeLessThan(2e-3);
  });

  it("phi3: partial rotary (24 of 32) with LongRoPE's long factors and attention factor (the fused file rewritten)", async () => {
    const path = await phi3PartialFrom(join(archs, "synth-phi3-fused-F32.gguf"), join(dir, "phi3-partial.gguf"));
    expect(await compare(path, 24, llamaCpp("synth-phi3-fused-F32").ids)).toBeLessThan(1e-5);
  });

  it("lfm2: short-convolution layers (0, 1, 3) around an attention layer (the smollm3 file rewritten)", async () => {
    const path = await lfm2From(join(archs, "synth-smollm3-F32.gguf"), join(dir, "lfm2.gguf"));
    expect(await compare(path, 24, llamaCpp("synth-smollm3-F32").ids)).toBeLessThan(1e-5);
  });
});

describe("new architectures: bad files name what is wrong", () => {
  /** The fixture without `drop`, with `set` metadata. */
  async function rewrite(stem: string, name: string, drop: string[], set: [string, ReturnType<typeof gguf.str>][] = []): Promise<string> {
    const source = await openGGUF(join(archs, `${stem}.gguf`));
    const metadata = new Map(source.metadata);
    for (const [key, value] of set) metadata.set(key, value);
    const kept = source.tensors.filter((t) => !drop.includes(t.name));
    const path = join(dir, name);
    const writer = await GGUFWriter.create(path, metadata, kept.map((t) => ({ name: t.name, ne: t.ne, type: t.type })));
    for (const t of kept) await writer.write(t.name, await source.readTensorBytes(t));
    await writer.close();
    await source.close();
    return path;
  }
  const load = (path: string) => new Core(silent).load(configText({ model: path }));

  it("qwen3 without a q norm, gemma3 without a post-norm", () => {
    expect(() => load(rewrite0)).toThrow(/has no tensor 'blk\.0\.attn_q_norm\.weight'/);
    expect(() => load(rewrite1)).toThrow(/has no tensor 'blk\.1\.post_ffw_norm\.weight'/);
  });

  let rewrite0 = "", rewrite1 = "";
  beforeAll(async () => {
    rewrite0 = await rewrite("synth-qwen3-F32", "qwen3-no-q-norm.gguf", ["blk.0.attn_q_norm.weight"]);
    rewrite1 = await rewrite("synth-gemma3-F32", "gemma3-no-post-norm.gguf", ["blk.1.post_ffw_norm.weight"]);
  });

  it("an architecture we do not run says so and lists those we do", async () => {
    const path = await rewrite("synth-qwen3-F32", "mamba.gguf", [], [["general.architecture", gguf.str("mamba")]]);
    expect(() => load(path)).toThrow(/unsupported architecture 'mamba' .*supported are llama, qwen2, qwen3, gemma2, gemma3, phi3, smollm3, granite and lfm2/);
  });
});
