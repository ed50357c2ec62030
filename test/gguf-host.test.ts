// Host-side GGUF tooling against llama.cpp's own files (test/fixtures/llama.cpp-made/
// and test/fixtures/gguf/, see their READMEs): the reader, the writer, the quantizers
// byte for byte, and the convert / synth / inspect commands end to end.
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it, vi } from "vitest";
import { convertCommand } from "../host/commands/convert.js";
import { inspectCommand, type GGUFInfo, type Llama2cInfo } from "../host/commands/inspect.js";
import { synthCommand } from "../host/commands/synth.js";
import { configText } from "../host/config.js";
import { UserError } from "../host/errors.js";
import { readLlama2cCheckpoint } from "../host/model/llama2c-checkpoint.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { Core } from "../host/runner/core.js";
import { type GGUFFile, memorySource, openGGUF, readGGUF } from "../host/gguf/reader.js";
import {
  dequantizeRow, f16ToF32, f32ToF16, quantizeQ4_0, quantizeQ4_K, quantizeQ6_K, quantizeQ8_0, quantizeRow,
} from "../host/gguf/quantize.js";
import { GGML, type GGUFArray, GGUFType, gguf, ggmlType, ggmlTypeName } from "../host/gguf/types.js";
import { GGUFWriter, encodeGGUF } from "../host/gguf/writer.js";

const fixtures = join(import.meta.dirname, "fixtures");
const made = join(fixtures, "llama.cpp-made");
const stories260KGguf = join(fixtures, "gguf", "stories260K.gguf");
const llama2Tokenizer = join(fixtures, "llama2c", "tokenizer.bin");
const dir = mkdtempSync(join(tmpdir(), "uefi-llm-gguf-host-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function withGGUF<T>(path: string, use: (g: GGUFFile) => Promise<T>): Promise<T> {
  const g = await openGGUF(path);
  try {
    return await use(g);
  } finally {
    await g.close();
  }
}

/** Runs a command in-process; returns what it printed on stdout. */
async function run(command: typeof convertCommand, args: string[]): Promise<string> {
  let out = "";
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    out += typeof chunk === "string" ? chunk : Buffer.from(chunk).toString();
    return true;
  });
  try {
    await command.parseAsync(args, { from: "user" });
  } finally {
    spy.mockRestore();
  }
  return out;
}

async function expectUserError(promise: Promise<unknown>, pattern: RegExp): Promise<void> {
  const error = await promise.then(() => undefined, (e: unknown) => e);
  expect(error, `expected a UserError matching ${pattern}`).toBeInstanceOf(UserError);
  expect((error as Error).message).toMatch(pattern);
  expect((error as Error).message).not.toContain("\n");
}

/** Counts equal blocks of `blockBytes` in two byte strings of the same length. */
function identicalBlocks(a: Uint8Array, b: Uint8Array, blockBytes: number): number {
  expect(a.length).toBe(b.length);
  let same = 0;
  for (let off = 0; off < a.length; off += blockBytes) {
    let equal = true;
    for (let k = 0; k < blockBytes; k++) if (a[off + k] !== b[off + k]) { equal = false; break; }
    if (equal) same++;
  }
  return same;
}

const bits = (x: Float32Array) => new Uint32Array(x.buffer, x.byteOffset, x.length);

// ----------------------------------------------------------------------------

describe("reader on llama.cpp's files", () => {
  interface ListedTensor { name: string; ne: number[]; type: string; data_offset: number; n_bytes: number }
  const listing: Record<string, { n_tensors: number; n_kv: number; tensors: ListedTensor[] }> = JSON.parse(readFileSync(join(made, "tensor-types.json"), "utf8"));

  for (const [file, expected] of Object.entries(listing)) {
    it(`${file}: every tensor's name, dims, type, offset and size are gguf-py's`, () =>
      withGGUF(file === "stories260K.gguf" ? stories260KGguf : join(made, file), async (g) => {
        expect(g.version).toBe(3);
        expect(g.tensors.length).toBe(expected.n_tensors);
        expect(g.metadata.size + 3).toBe(expected.n_kv); // gguf-py also counts the header's version and two counts as fields
        const actual = g.tensors.map((t) => ({ name: t.name, ne: t.ne, type: ggmlTypeName(t.type), data_offset: t.fileOffset, n_bytes: t.nBytes }));
        expect(actual).toEqual(expected.tensors.map(({ name, ne, type, data_offset, n_bytes }) => ({ name, ne, type, data_offset, n_bytes })));
      }));
  }

  it("stories260K.gguf: header and metadata as PROVENANCE.md describes them", () =>
    withGGUF(stories260KGguf, async (g) => {
      expect([g.version, g.tensors.length, g.metadata.size, g.alignment, g.dataOffset]).toEqual([3, 48, 19, 32, 14176]);
      expect(g.string("general.architecture")).toBe("llama");
      expect(
        ["embedding_length", "feed_forward_length", "block_count", "attention.head_count", "attention.head_count_kv", "rope.dimension_count", "context_length"].map((k) => g.number(`llama.${k}`)),
      ).toEqual([64, 172, 5, 8, 4, 8, 2048]);
      expect(g.get("llama.attention.layer_norm_rms_epsilon")).toEqual({ type: GGUFType.FLOAT32, value: Math.fround(1e-5) });
      expect(g.string("tokenizer.ggml.model")).toBe("llama");
      const tokens = g.array("tokenizer.ggml.tokens")!;
      expect(tokens.itemType).toBe(GGUFType.STRING);
      expect((tokens.values as string[]).slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
      expect(g.array("tokenizer.ggml.scores")!.values).toBeInstanceOf(Float32Array);
      expect([g.number("tokenizer.ggml.bos_token_id"), g.number("tokenizer.ggml.eos_token_id"), g.number("tokenizer.ggml.unknown_token_id")]).toEqual([1, 2, 0]);
    }));

  it("reads a part of a tensor, and refuses a range outside it", () =>
    withGGUF(stories260KGguf, async (g) => {
      const all = await g.readTensorBytes("blk.0.attn_q.weight");
      expect(await g.readTensorBytes("blk.0.attn_q.weight", 1000, 24)).toEqual(all.subarray(1000, 1024));
      await expectUserError(g.readTensorBytes("blk.0.attn_q.weight", 16380, 8), /bytes \[16380, 16388\) are outside tensor 'blk.0.attn_q.weight' \(16384 bytes\)/);
      await expectUserError(g.readTensorBytes("blk.9.attn_q.weight"), /no tensor 'blk.9.attn_q.weight'/);
    }));
});

// ----------------------------------------------------------------------------

describe("reader errors", () => {
  const small = () =>
    encodeGGUF([["general.architecture", gguf.str("llama")], ["general.name", gguf.str("t")]], [{ name: "w", ne: [32, 2], type: GGML.Q8_0, data: new Uint8Array(68) }]);
  const parse = (bytes: Uint8Array) => readGGUF(memorySource(bytes), "t.gguf");
  const patched = (at: number, write: (view: DataView) => void) => {
    const bytes = small();
    write(new DataView(bytes.buffer, at));
    return bytes;
  };
  // offsets in small(): magic 0, version 4, tensor count 8, kv count 16, first key length 24
  const firstKeyEnd = 24 + 8 + "general.architecture".length;

  it("bad magic, version 1, a big-endian file, a future version", async () => {
    await expectUserError(parse(new TextEncoder().encode("GGML0000")), /not a GGUF file/);
    await expectUserError(parse(patched(4, (v) => v.setUint32(0, 1, true))), /GGUF version 1 is not supported/);
    await expectUserError(parse(patched(4, (v) => v.setUint32(0, 3, false))), /big-endian GGUF is not supported/);
    await expectUserError(parse(patched(4, (v) => v.setUint32(0, 4, true))), /unsupported GGUF version 4/);
  });

  it("truncation anywhere in the front names what was being read", async () => {
    const bytes = small();
    await expectUserError(parse(bytes.subarray(0, 20)), /truncated: metadata count at offset 16 needs 8 bytes, the file ends at 20/);
    await expectUserError(parse(bytes.subarray(0, 40)), /header claims 2 metadata entries, the file is too short for them/);
    await expectUserError(parse(patched(24, (v) => v.setBigUint64(0, 1000n, true))), /metadata key 0 claims 1000 bytes at offset 24, only \d+ remain in the file/);
    await expectUserError(parse(bytes.subarray(0, bytes.length - 28 - 1)), /truncated: tensor 'w' \(Q8_0 \[32, 2\]\) needs bytes up to \d+, the file ends at/);
    for (let n = 0; n < bytes.length - 28; n++) await expect(parse(bytes.subarray(0, n))).rejects.toBeInstanceOf(UserError); // the last tensor's padding may go
    await expect(parse(bytes.subarray(0, bytes.length - 28))).resolves.toBeDefined();
  });

  it("impossible counts, lengths, types and tensor tables", async () => {
    await expectUserError(parse(patched(8, (v) => v.setBigUint64(0, 1n << 40n, true))), /claims 1099511627776 tensors, the file is too short/);
    await expectUserError(parse(patched(16, (v) => v.setBigUint64(0, 1n << 62n, true))), /metadata count is 4611686018427387904, beyond any possible size/);
    await expectUserError(parse(patched(firstKeyEnd, (v) => v.setUint32(0, 13, true))), /metadata 'general.architecture' has unknown value type 13/);
    // the value is now read as a bool: the first byte of the string's length, 5
    await expectUserError(parse(patched(firstKeyEnd, (v) => v.setUint32(0, GGUFType.BOOL, true))), /metadata 'general.architecture' at offset 56 is a bool of value 5, must be 0 or 1/);
    const arrays = encodeGGUF([["a", gguf.array({ itemType: GGUFType.UINT32, values: new Uint32Array(3) })]], []);
    new DataView(arrays.buffer).setBigUint64(24 + 8 + 1 + 4 + 4, 1000n, true);
    await expectUserError(readGGUF(memorySource(arrays), "a.gguf"), /metadata 'a' claims 1000 items of u32 at offset \d+, only 12 bytes remain/);

    const tensor = (ne: number[], type: number, data = new Uint8Array(0)) => encodeGGUF([], [{ name: "x", ne, type, data }]);
    // the tensor info after the 24-byte header: name "x" (8 + 1), n_dims (4), one dim (8), type (4), offset (8)
    const withType = (type: number) => {
      const b = tensor([4], GGML.F32, new Uint8Array(16));
      new DataView(b.buffer).setUint32(24 + 9 + 4 + 8, type, true);
      return b;
    };
    await expectUserError(readGGUF(memorySource(withType(5)), "x.gguf"), /tensor 'x' has unknown ggml type 5/);
    await expectUserError(readGGUF(memorySource(withType(GGML.Q8_0)), "x.gguf"), /tensor 'x' is Q8_0 with rows of 4 values, not a multiple of its 32-value blocks/);
    const offset = tensor([4], GGML.F32, new Uint8Array(16));
    new DataView(offset.buffer).setBigUint64(24 + 9 + 4 + 8 + 4, 8n, true);
    await expectUserError(readGGUF(memorySource(offset), "x.gguf"), /tensor 'x' offset 8 is not a multiple of the alignment 32/);
    // general.alignment: header (24 bytes), key length (8) and "general.alignment" (17), type (4), value
    const alignment = encodeGGUF([["general.alignment", gguf.u32(64)]], [], 64);
    new DataView(alignment.buffer).setUint32(24 + 8 + 17 + 4, 48, true);
    await expectUserError(readGGUF(memorySource(alignment), "a.gguf"), /general.alignment 48 is not a power of two/);
    const alignmentType = new Uint8Array([...alignment.subarray(0, 24 + 8 + 17), 10, 0, 0, 0, 32, 0, 0, 0, 0, 0, 0, 0]);
    await expectUserError(readGGUF(memorySource(alignmentType), "a.gguf"), /general.alignment must be u32, it is u64/);
  });

  it("300 random corruptions of stories260K.gguf's front: each parses or ends in a UserError", async () => {
    const original = readFileSync(stories260KGguf);
    let state = 12345;
    const random = () => ((state = (Math.imul(state, 1103515245) + 12345) >>> 0) / 2 ** 32);
    const outcomes = { parsed: 0, rejected: 0 };
    for (let i = 0; i < 300; i++) {
      const bytes = new Uint8Array(original);
      const at = Math.floor(random() * 14176);
      for (let k = 0; k < 1 + Math.floor(random() * 4); k++) bytes[at + k] = Math.floor(random() * 256);
      try {
        await readGGUF(memorySource(bytes), "fuzzed.gguf");
        outcomes.parsed++;
      } catch (error) {
        expect(error, `iteration ${i}: ${(error as Error).message}`).toBeInstanceOf(UserError);
        outcomes.rejected++;
      }
    }
    expect(outcomes.rejected).toBeGreaterThan(50);
  });
});

// ----------------------------------------------------------------------------

describe("writer", () => {
  const nested: GGUFArray = {
    itemType: GGUFType.ARRAY,
    values: [
      { itemType: GGUFType.INT16, values: new Int16Array([-2, 7]) },
      { itemType: GGUFType.ARRAY, values: [{ itemType: GGUFType.STRING, values: ["deep", ""] }] },
    ],
  };
  const metadata: [string, ReturnType<typeof gguf.u8>][] = [
    ["t.u8", gguf.u8(255)], ["t.i8", gguf.i8(-128)], ["t.u16", gguf.u16(65535)], ["t.i16", gguf.i16(-32768)],
    ["t.u32", gguf.u32(4294967295)], ["t.i32", gguf.i32(-2147483648)], ["t.f32", gguf.f32(Math.fround(0.1))],
    ["t.f64", gguf.f64(0.1)], ["t.u64", gguf.u64(2n ** 64n - 1n)], ["t.i64", gguf.i64(-(2n ** 63n))],
    ["t.bool", gguf.bool(true)], ["t.string", gguf.str("héllo ▁ wörld \u{1F600}")], ["t.empty", gguf.str("")],
    ["t.strings", gguf.strings(["a", "▁b", ""])], ["t.f32s", gguf.f32s(new Float32Array([1.5, -0, Infinity]))],
    ["t.bools", gguf.array({ itemType: GGUFType.BOOL, values: [true, false, true] })],
    ["t.u64s", gguf.array({ itemType: GGUFType.UINT64, values: new BigUint64Array([0n, 2n ** 63n]) })],
    ["t.nested", gguf.array(nested)],
    ["t.emptyarray", gguf.array({ itemType: GGUFType.FLOAT64, values: new Float64Array(0) })],
  ];
  const tensors = [
    { name: "a", ne: [3], type: GGML.F32, data: new Uint8Array(new Float32Array([1, 2, 3]).buffer) },
    { name: "b", ne: [32, 3], type: GGML.Q8_0, data: quantizeQ8_0(new Float32Array(96).map((_, i) => Math.sin(i))) },
    { name: "c", ne: [256, 1, 1, 2], type: GGML.Q6_K, data: quantizeQ6_K(new Float32Array(512).map((_, i) => Math.cos(i))) },
    { name: "d", ne: [5, 0], type: GGML.F16, data: new Uint8Array(0) },
  ];

  it("round trip: every metadata type (nested arrays too), tensor infos, alignment 32, data", async () => {
    const bytes = encodeGGUF(metadata, tensors);
    const g = await readGGUF(memorySource(bytes), "rt.gguf");
    expect([...g.metadata.keys()]).toEqual(metadata.map(([k]) => k));
    for (const [key, value] of metadata) expect(g.get(key), key).toEqual(value);
    expect(g.tensors.map((t) => [t.name, t.ne, t.type, t.offset % 32, t.fileOffset % 32])).toEqual(tensors.map((t) => [t.name, t.ne, t.type, 0, 0]));
    expect(g.dataOffset % 32).toBe(0);
    for (const t of tensors) expect(await g.readTensorBytes(t.name)).toEqual(t.data);
    expect(g.alignment).toBe(32);
    expect(g.get("general.alignment")).toBeUndefined();
  });

  it("another alignment is written as general.alignment and honoured", async () => {
    const g = await readGGUF(memorySource(encodeGGUF([], tensors, 64)), "a64.gguf");
    expect(g.alignment).toBe(64);
    expect(g.get("general.alignment")).toEqual(gguf.u32(64));
    expect(g.tensors.every((t) => t.fileOffset % 64 === 0)).toBe(true);
  });

  it("streams to a file in pieces, and the file equals the in-memory encoding", async () => {
    const path = join(dir, "stream.gguf");
    const writer = await GGUFWriter.create(path, metadata, tensors);
    for (const t of tensors) for (let off = 0; off < t.data.length; off += 7) await writer.write(t.name, t.data.subarray(off, off + 7));
    expect(existsSync(path)).toBe(false); // written as .partial until close()
    await writer.close();
    expect(new Uint8Array(readFileSync(path))).toEqual(encodeGGUF(metadata, tensors));
    expect(writer.fileSize).toBe(readFileSync(path).length);
  });

  it("refuses wrong order, excess and missing bytes, bad values, and leaves no partial file", async () => {
    const path = join(dir, "bad.gguf");
    const specs = tensors.map(({ name, ne, type }) => ({ name, ne, type }));
    let writer = await GGUFWriter.create(path, [], specs);
    await expectUserError(writer.write("b", tensors[1].data), /got data for 'b' but the next tensor is 'a'/);
    await expectUserError(writer.write("a", new Uint8Array(13)), /tensor 'a' gets more than its 12 bytes/);
    await writer.write("a", new Uint8Array(4));
    await expectUserError(writer.close(), /tensor 'a' got 4 of its 12 bytes/);
    expect(existsSync(path) || existsSync(path + ".partial")).toBe(false);
    writer = await GGUFWriter.create(path, [], specs);
    await writer.abort();
    expect(existsSync(path + ".partial")).toBe(false);
    expect(() => encodeGGUF([["x", gguf.u8(256)]], [])).toThrow(/metadata 'x' must be an integer in \[0, 255\] for u8, got 256/);
    expect(() => encodeGGUF([["x", gguf.u8(1)], ["x", gguf.u8(1)]], [])).toThrow(/metadata key 'x' given twice/);
    expect(() => encodeGGUF([], [{ name: "q", ne: [16, 2], type: GGML.Q4_0, data: new Uint8Array(0) }])).toThrow(/Q4_0 rows must be a multiple of 32 values, got 16/);
    expect(() => encodeGGUF([], [{ name: "x".repeat(64), ne: [1], type: GGML.F32, data: new Uint8Array(4) }])).toThrow(/longer than 63 bytes/);
  });
});

// ----------------------------------------------------------------------------

describe("quantizers against llama.cpp's llama-quantize", () => {
  /** Quantizes each non-F32 tensor of `quantized` from the same tensor of `f32Source`; returns identical/total blocks per type. */
  async function compare(f32Source: string, quantized: string): Promise<Record<string, [number, number]>> {
    const counts: Record<string, [number, number]> = {};
    await withGGUF(f32Source, (src) =>
      withGGUF(quantized, async (q) => {
        for (const t of q.tensors) {
          if (t.type === GGML.F32) continue;
          const mine = quantizeRow(t.type, await src.readTensorF32(t.name));
          const theirs = await q.readTensorBytes(t);
          const blockBytes = ggmlType(t.type)!.typeSize;
          const c = (counts[ggmlTypeName(t.type)] ??= [0, 0]);
          c[0] += identicalBlocks(mine, theirs, blockBytes);
          c[1] += theirs.length / blockBytes;
        }
      }),
    );
    return counts;
  }

  // Block counts: stories260K has 32 quantized matrices (7408 blocks of 32) and five
  // F16 ffn_down fallbacks (55040 values); kquant-test has 9 matrices (4096 blocks of 256).
  it("Q8_0 (and the F16 fallback): every block byte-identical", async () => {
    expect(await compare(stories260KGguf, join(made, "stories260K-Q8_0.gguf"))).toEqual({ Q8_0: [7408, 7408], F16: [55040, 55040] });
  });

  it("Q4_0 (and the F16 fallback): every block byte-identical", async () => {
    expect(await compare(stories260KGguf, join(made, "stories260K-Q4_0.gguf"))).toEqual({ Q4_0: [7408, 7408], F16: [55040, 55040] });
  });

  it("F16: every value byte-identical (round to nearest even)", async () => {
    expect(await compare(stories260KGguf, join(made, "stories260K-F16.gguf"))).toEqual({ F16: [292096, 292096] });
  });

  it("Q4_K (llama-quantize --pure, no imatrix = the reference path): 4096 of 4096 blocks byte-identical", async () => {
    expect(await compare(join(made, "kquant-test-F32.gguf"), join(made, "kquant-test-Q4_K.gguf"))).toEqual({ Q4_K: [4096, 4096] });
  });

  it("Q6_K (likewise): 4096 of 4096 blocks byte-identical", async () => {
    expect(await compare(join(made, "kquant-test-F32.gguf"), join(made, "kquant-test-Q6_K.gguf"))).toEqual({ Q6_K: [4096, 4096] });
  });
});

describe("dequantizers against llama.cpp's to_float", () => {
  interface DequantEntry { model_file: string; tensor: string; type: string; n_values: number; sha256: string }
  const index: Record<string, DequantEntry> = JSON.parse(readFileSync(join(made, "dequant", "index.json"), "utf8"));
  const supported = ["F16", "BF16", "Q8_0", "Q4_0", "Q4_K", "Q6_K"];
  for (const [file, entry] of Object.entries(index)) {
    if (!supported.includes(entry.type)) continue;
    it(`${entry.model_file} ${entry.tensor} (${entry.type}): bit for bit`, () =>
      withGGUF(join(made, entry.model_file), async (g) => {
        const ours = await g.readTensorF32(entry.tensor);
        const reference = readFileSync(join(made, "dequant", file));
        expect(ours.length).toBe(entry.n_values);
        expect(Buffer.from(ours.buffer).equals(reference)).toBe(true);
        expect(createHash("sha256").update(reference).digest("hex")).toBe(entry.sha256);
      }));
  }
});

describe("quantize -> dequantize", () => {
  // a deterministic mix of scales, signs and outliers, 8 super-blocks
  const x = new Float32Array(2048).map((_, i) => Math.fround(Math.sin(i * 1.7) * Math.exp(Math.cos(i * 0.31)) * (i % 97 === 0 ? 6 : 1) * 0.05));
  const rms = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0) / a.length);
  const relativeError = (type: number) => {
    const y = dequantizeRow(type, quantizeRow(type, x), x.length);
    return rms(y.map((v, i) => v - x[i])) / rms(x);
  };

  it("relative RMS error is small and ordered by bits: Q8_0 < Q6_K < Q4_K, Q4_0", () => {
    const e = { q8_0: relativeError(GGML.Q8_0), q6_k: relativeError(GGML.Q6_K), q4_k: relativeError(GGML.Q4_K), q4_0: relativeError(GGML.Q4_0), f16: relativeError(GGML.F16) };
    expect(e.f16).toBeLessThan(3e-4);
    expect(e.q8_0).toBeLessThan(0.01);
    expect(e.q6_k).toBeLessThan(0.03);
    expect(e.q4_k).toBeLessThan(0.12);
    expect(e.q4_0).toBeLessThan(0.15);
    expect(e.q8_0).toBeLessThan(e.q6_k);
    expect(e.q6_k).toBeLessThan(e.q4_k);
  });

  it("Q8_0 codes are round(x / d) with d = amax / 127: every value within 0.6 d", () => {
    const q = quantizeQ8_0(x);
    const y = dequantizeRow(GGML.Q8_0, q, x.length);
    for (let b = 0; b < x.length / 32; b++) {
      const d = f16ToF32(q[34 * b] | (q[34 * b + 1] << 8));
      const amax = Math.max(...x.subarray(32 * b, 32 * b + 32).map(Math.abs));
      expect(Math.abs(d - amax / 127)).toBeLessThanOrEqual((amax / 127) * 2 ** -11);
      for (let j = 0; j < 32; j++) expect(Math.abs(y[32 * b + j] - x[32 * b + j])).toBeLessThanOrEqual(0.6 * d);
    }
  });

  it("Q4_0: the value of largest magnitude is code 0 (d = max / -8), the others within 0.6 |d| (|d| where clamped to 15)", () => {
    const q = quantizeQ4_0(x);
    for (let b = 0; b < x.length / 32; b++) {
      const block = x.subarray(32 * b, 32 * b + 32);
      const iMax = block.reduce((best, v, i) => (Math.abs(v) > Math.abs(block[best]) ? i : best), 0);
      const code = (j: number) => (j < 16 ? q[18 * b + 2 + j] & 15 : q[18 * b + 2 + j - 16] >> 4);
      expect(code(iMax)).toBe(0);
      const d = f16ToF32(q[18 * b] | (q[18 * b + 1] << 8));
      for (let j = 0; j < 32; j++) expect(Math.abs((code(j) - 8) * d - block[j])).toBeLessThanOrEqual((code(j) === 15 ? 1.01 : 0.6) * Math.abs(d));
    }
  });

  it("zero, constant and tiny blocks", () => {
    for (const type of [GGML.Q8_0, GGML.Q4_0, GGML.Q4_K, GGML.Q6_K]) {
      expect(dequantizeRow(type, quantizeRow(type, new Float32Array(256)), 256).every((v) => v === 0), ggmlTypeName(type)).toBe(true);
      const constant = dequantizeRow(type, quantizeRow(type, new Float32Array(256).fill(0.25)), 256);
      expect(Math.max(...constant.map((v) => Math.abs(v - 0.25))), ggmlTypeName(type)).toBeLessThan(0.25 / 8);
    }
    expect(quantizeQ6_K(new Float32Array(256).fill(1e-20)).every((b) => b === 0)).toBe(true); // below GROUP_MAX_EPS: an all-zero block
    expect(quantizeQ4_K(new Float32Array(256).fill(-3)).length).toBe(144);
  });

  it("f16 conversion: round to nearest even, subnormals, overflow, NaN", () => {
    const cases: [number, number][] = [
      [0, 0x0000], [-0, 0x8000], [1, 0x3c00], [-2, 0xc000], [65504, 0x7bff],
      [1 + 2 ** -11, 0x3c00], [1 + 3 * 2 ** -11, 0x3c02], [1 + 2 ** -11 + 2 ** -20, 0x3c01], // ties to even, above the tie rounds up
      [65519.99, 0x7bff], [65520, 0x7c00], [1e10, 0x7c00], [-Infinity, 0xfc00],
      [2 ** -24, 0x0001], [2 ** -25, 0x0000], [3 * 2 ** -26, 0x0001], [2 ** -14, 0x0400], [2 ** -14 - 2 ** -25, 0x0400], [1023 * 2 ** -24, 0x03ff],
    ];
    for (const [value, expected] of cases) expect(f32ToF16(value).toString(16), String(value)).toBe(expected.toString(16));
    expect(f32ToF16(NaN) & 0x7e00).toBe(0x7e00);
    for (let h = 0; h < 0x7c00; h += 37) expect(f32ToF16(f16ToF32(h))).toBe(h); // exact round trip
  });
});

// ----------------------------------------------------------------------------

describe("uefi-llm convert", () => {
  const converted = (type: string) => join(dir, `stories260K-${type}.gguf`);
  const convert = (type: string) => run(convertCommand, [bundledModel, "--tokenizer", bundledTokenizer, "--type", type, "-o", converted(type), "--force"]);

  it("f32: every tensor bit-identical to llama.cpp's conversion (no Q/K permutation), tokenizer metadata equal", async () => {
    expect(await convert("f32")).toMatch(/^wrote .*stories260K-f32\.gguf: .*, 47 tensors \(F32 47\)\n$/);
    await withGGUF(converted("f32"), (ours) =>
      withGGUF(stories260KGguf, async (theirs) => {
        // llama.cpp's converter stores the shared classifier again as output.weight; ours leaves it tied
        expect(ours.tensors.map((t) => t.name).sort()).toEqual(theirs.tensors.map((t) => t.name).filter((n) => n !== "output.weight").sort());
        expect(await theirs.readTensorBytes("output.weight")).toEqual(await theirs.readTensorBytes("token_embd.weight"));
        for (const t of ours.tensors) {
          const their = theirs.tensor(t.name);
          expect([t.ne, t.type], t.name).toEqual([their.ne, their.type]);
          expect(Buffer.from(await ours.readTensorBytes(t)).equals(await theirs.readTensorBytes(their)), t.name).toBe(true);
        }
        for (const key of ["tokenizer.ggml.model", "tokenizer.ggml.tokens", "tokenizer.ggml.scores", "tokenizer.ggml.token_type", "tokenizer.ggml.bos_token_id", "tokenizer.ggml.eos_token_id", "tokenizer.ggml.unknown_token_id"]) {
          expect(ours.get(key), key).toEqual(theirs.get(key));
        }
        for (const key of ["embedding_length", "feed_forward_length", "block_count", "attention.head_count", "attention.head_count_kv", "rope.dimension_count", "attention.layer_norm_rms_epsilon"]) {
          expect(ours.get(`llama.${key}`), key).toEqual(theirs.get(`llama.${key}`));
        }
        expect(ours.number("llama.context_length")).toBe(512); // the checkpoint's seq_len; llama.cpp's converter writes its default 2048
        expect(ours.number("general.file_type")).toBe(0);
        expect([ours.bool("tokenizer.ggml.add_bos_token"), ours.bool("tokenizer.ggml.add_space_prefix")]).toEqual([true, true]);
      }),
    );
  });

  for (const [type, file] of [["q8_0", "stories260K-Q8_0.gguf"], ["q4_0", "stories260K-Q4_0.gguf"]]) {
    it(`${type}: every tensor byte-identical to llama-quantize's ${file} (F16 for the 172-wide ffn_down)`, async () => {
      expect(await convert(type)).toMatch(/47 tensors \((Q8_0|Q4_0) 31, F32 11, F16 5\)/);
      await withGGUF(converted(type), (ours) =>
        withGGUF(join(made, file), async (theirs) => {
          for (const t of ours.tensors) {
            expect(ggmlTypeName(t.type), t.name).toBe(ggmlTypeName(theirs.tensor(t.name).type));
            expect(Buffer.from(await ours.readTensorBytes(t)).equals(await theirs.readTensorBytes(t.name)), t.name).toBe(true);
          }
          expect(ours.number("general.quantization_version")).toBe(2);
          expect(ours.number("general.file_type")).toBe(theirs.number("general.file_type"));
        }),
      );
    });
  }

  it("q4_k / q6_k on rows that aren't 256-value blocks fall back to q4_0 / q8_0, then f16", async () => {
    expect(await convert("q4_k")).toMatch(/47 tensors \(Q4_0 31, F32 11, F16 5\)/);
    expect(await convert("q6_k")).toMatch(/47 tensors \(Q8_0 31, F32 11, F16 5\)/);
    await withGGUF(converted("q6_k"), async (g) => expect(g.number("general.file_type")).toBe(18));
  });

  it("the converted q8_0 file gives the core the same logits as llama.cpp's Q8_0 file", () => {
    const silent = { stdout: () => {}, stderr: () => {} };
    const logits = (model: string) => {
      const core = new Core(silent);
      core.load(configText({ model, tokenizer: bundledTokenizer }));
      return [1, 403, 407, 261].map((token, pos) => core.forward(token, pos));
    };
    const ours = logits(converted("q8_0"));
    const theirs = logits(join(made, "stories260K-Q8_0.gguf"));
    ours.forEach((row, pos) => expect(bits(row), `position ${pos}`).toEqual(bits(theirs[pos])));
  });

  it("refuses bad options and inputs with one line", async () => {
    const args = (extra: string[]) => [bundledModel, "--tokenizer", bundledTokenizer, ...extra];
    await expectUserError(run(convertCommand, args(["--type", "q5_0", "-o", join(dir, "x.gguf")])), /--type must be one of f32, f16, q8_0, q4_0, q4_k, q6_k, got 'q5_0'/);
    await expectUserError(run(convertCommand, args(["-o", join(dir, "x.gguf")])), /--type is required/);
    await expectUserError(run(convertCommand, args(["--type", "f32"])), /-o, --output <file> is required/);
    await expectUserError(run(convertCommand, args(["--type", "f32", "-o", converted("f32")])), /stories260K-f32\.gguf already exists \(use --force to replace it\)/);
    await expectUserError(run(convertCommand, [join(dir, "nope.bin"), "--type", "f32", "-o", join(dir, "x.gguf")]), /cannot open model '.*nope\.bin': no such file or directory/);
    await expectUserError(run(convertCommand, [bundledModel, "--tokenizer", llama2Tokenizer, "--type", "f32", "-o", join(dir, "x.gguf")]), /bytes left after 512 tokens: the tokenizer has more tokens than the model's vocabulary/);
    expect(existsSync(join(dir, "x.gguf")) || existsSync(join(dir, "x.gguf.partial"))).toBe(false);
  });
});

// ----------------------------------------------------------------------------

describe("uefi-llm synth", () => {
  const out = (name: string) => join(dir, name);

  it("test-llama: the .gguf and the llama2.c .bin of one seed hold the same numbers; seeds matter", async () => {
    expect(await run(synthCommand, ["--shape", "test-llama", "--type", "f32", "--seed", "7", "-o", out("tl.gguf")])).toMatch(/21 tensors \(F32 21\)/);
    await run(synthCommand, ["--shape", "test-llama", "--type", "f32", "--seed", "7", "-o", out("tl.bin")]);
    await run(synthCommand, ["--shape", "test-llama", "--type", "f32", "--seed", "8", "-o", out("tl8.gguf")]);
    const { config, weights } = readLlama2cCheckpoint(new Uint8Array(readFileSync(out("tl.bin"))));
    expect(config).toEqual({ dim: 256, hiddenDim: 512, nLayers: 2, nHeads: 4, nKvHeads: 2, vocabSize: 512, seqLen: 128, sharedClassifier: false });
    await withGGUF(out("tl.gguf"), async (g) => {
      expect(await g.readTensorF32("token_embd.weight")).toEqual(weights.tokenEmbeddingTable);
      expect(await g.readTensorF32("output.weight")).toEqual(weights.wcls);
      expect(await g.readTensorF32("blk.1.attn_k.weight")).toEqual(weights.wk.subarray(256 * 128));
      expect(await g.readTensorF32("blk.1.ffn_down.weight")).toEqual(weights.w2.subarray(256 * 512));
      expect(await g.readTensorF32("output_norm.weight")).toEqual(weights.rmsFinalWeight);
      const tokens = g.array("tokenizer.ggml.tokens")!.values as string[];
      expect(tokens.length).toBe(512);
      expect(new Set(tokens).size).toBe(512);
      expect(tokens.slice(0, 4)).toEqual(["<unk>", "<s>", "</s>", "<0x00>"]);
    });
    expect(readFileSync(out("tl.gguf")).equals(readFileSync(out("tl8.gguf")))).toBe(false);
  });

  it("test-qwen2 q4_k: qwen2 metadata, q/k/v biases, tied embeddings, a consistent byte-level BPE vocabulary", async () => {
    await run(synthCommand, ["--shape", "test-qwen2", "--type", "q4_k", "-o", out("tq.gguf")]);
    await withGGUF(out("tq.gguf"), async (g) => {
      expect(g.string("general.architecture")).toBe("qwen2");
      expect(g.number("qwen2.attention.head_count_kv")).toBe(2);
      expect(g.get("qwen2.rope.freq_base")).toEqual(gguf.f32(1e6));
      expect(g.tensor("blk.0.attn_q.bias").type).toBe(GGML.F32);
      expect(() => g.tensor("output.weight")).toThrow(/no tensor 'output.weight'/);
      expect(g.tensor("blk.0.ffn_down.weight").type).toBe(GGML.Q4_K); // rows of 256
      expect(g.tensor("blk.0.ffn_up.weight").type).toBe(GGML.Q4_0); // rows of 128 fall back
      const tokens = g.array("tokenizer.ggml.tokens")!.values as string[];
      const merges = g.array("tokenizer.ggml.merges")!.values as string[];
      const id = new Map(tokens.map((t, i) => [t, i]));
      expect(tokens.length).toBe(640);
      expect(id.size).toBe(640);
      merges.forEach((merge, rank) => {
        const [left, right] = merge.split(" ");
        expect(id.get(left)! < 256 + rank && id.get(right)! < 256 + rank, merge).toBe(true);
        expect(id.get(left + right), merge).toBe(256 + rank);
      });
      expect(tokens[g.number("tokenizer.ggml.eos_token_id")!]).toBe("<|im_end|>");
      expect(g.string("tokenizer.chat_template")).toContain("<|im_start|>");
    });
  });

  it("stories15M q8_0: 15M parameters at the real shape, loads in the core, logits of sane size", async () => {
    await run(synthCommand, ["--shape", "stories15M", "--type", "q8_0", "-o", out("s15.gguf")]);
    const info = JSON.parse(await run(inspectCommand, [out("s15.gguf"), "--json"])) as GGUFInfo;
    expect(info.hyperparameters).toMatchObject({ embedding_length: 288, feed_forward_length: 768, block_count: 6, "attention.head_count": 6, "attention.head_count_kv": 6, context_length: 256 });
    expect(info.tensorTypes).toEqual({ Q8_0: 43, F32: 13 });
    expect(info.parameters).toBe(32000 * 288 + 6 * (2 * 288 + 4 * 288 * 288 + 3 * 288 * 768) + 288);
    expect(info.tokenizer.vocabSize).toBe(32000);
    const core = new Core({ stdout: () => {}, stderr: () => {} });
    core.load(configText({ model: out("s15.gguf"), tokenizer: llama2Tokenizer }));
    for (let pos = 0, token = 1; pos < 8; pos++) {
      const logits = core.forward(token, pos);
      const mean = logits.reduce((s, v) => s + v, 0) / logits.length;
      const sd = Math.sqrt(logits.reduce((s, v) => s + (v - mean) ** 2, 0) / logits.length);
      expect(logits.every(Number.isFinite)).toBe(true);
      expect(sd).toBeGreaterThan(0.5);
      expect(sd).toBeLessThan(8);
      token = logits.indexOf(Math.max(...logits));
    }
    rmSync(out("s15.gguf"));
  });

  it("refuses bad options with one line", async () => {
    await expectUserError(run(synthCommand, ["--shape", "gpt5", "--type", "f32", "-o", out("x.gguf")]), /--shape must be one of stories15M, stories42M, stories110M, tinyllama-1.1b, qwen2.5-0.5b, .*, got 'gpt5'$/);
    await expectUserError(run(synthCommand, ["--shape", "stories15M", "--type", "f32", "--seed", "1.5", "-o", out("x.gguf")]), /--seed must be an integer/);
    await expectUserError(run(synthCommand, ["--shape", "qwen2.5-0.5b", "--type", "f32", "-o", out("x.bin")]), /a llama2.c checkpoint can't hold qwen2.5-0.5b/);
    await expectUserError(run(synthCommand, ["--shape", "stories15M", "--type", "q8_0", "-o", out("x.bin")]), /llama2.c checkpoints are f32 only/);
    await expectUserError(run(synthCommand, ["--shape", "test-llama", "--type", "f32", "-o", out("tl.gguf")]), /already exists \(use --force/);
  });
});

// ----------------------------------------------------------------------------

describe("uefi-llm inspect", () => {
  it("a GGUF as text", async () => {
    const text = await run(inspectCommand, [stories260KGguf]);
    expect(text).toContain("architecture:    llama");
    expect(text).toMatch(/sizes: +context_length 2048, embedding_length 64, feed_forward_length 172, .*block_count 5/);
    expect(text).toContain("tensor types:    F32 48");
    expect(text).toContain("tokenizer:       llama (512 tokens)");
    expect(text).toContain('special tokens:  bos 1 "<s>", eos 2 "</s>", unk 0 "<unk>"');
    expect(text).toContain("chat template:   (none)");
  });

  it("a GGUF as one JSON object", async () => {
    const info = JSON.parse(await run(inspectCommand, [join(made, "kquant-test-Q6_K.gguf"), "--json"])) as GGUFInfo;
    expect(info).toMatchObject({ format: "gguf", fileSize: 875360, ggufVersion: 3, architecture: "llama", fileType: 18, tensorCount: 12, tensorTypes: { F32: 3, Q6_K: 9 } });
    expect(info.tokenizer).toMatchObject({ model: "llama", vocabSize: 512, special: { bos: { id: 1, piece: "<s>" }, eos: { id: 2, piece: "</s>" }, unk: { id: 0, piece: "<unk>" } } });
    expect(info.tokenizer.special.pad).toBeUndefined(); // 0xFFFFFFFF means none
  });

  it("a chat template's first lines", async () => {
    await run(synthCommand, ["--shape", "test-qwen2", "--type", "f32", "-o", join(dir, "chat.gguf")]);
    const text = await run(inspectCommand, [join(dir, "chat.gguf")]);
    expect(text).toMatch(/chat template: +1 lines, \d+ characters:\n  \{% for message in messages %\}/);
    expect(text).toMatch(/tokenizer: +gpt2 \(pre qwen2, 640 tokens, 381 merges\)/);
  });

  it("a llama2.c checkpoint's header", async () => {
    const info = JSON.parse(await run(inspectCommand, [bundledModel, "--json"])) as Llama2cInfo;
    expect(info).toMatchObject({ format: "llama2c", fileSize: 1056540, sharedClassifier: true, headSize: 8 });
    expect(info.header).toEqual({ dim: 64, hidden_dim: 172, n_layers: 5, n_heads: 8, n_kv_heads: 4, vocab_size: 512, seq_len: 512 });
    expect(await run(inspectCommand, [bundledModel])).toContain("dim 64, hidden_dim 172, n_layers 5, n_heads 8, n_kv_heads 4, vocab_size 512, seq_len 512");
  });

  it("anything else is one line of error", async () => {
    writeFileSync(join(dir, "junk.bin"), "not a model at all, just some text");
    await expectUserError(run(inspectCommand, [join(dir, "junk.bin")]), /junk\.bin: not a GGUF file nor a llama2.c checkpoint/);
    await expectUserError(run(inspectCommand, [join(dir, "missing.gguf")]), /cannot open model '.*missing\.gguf': no such file or directory/);
    const truncated = readFileSync(stories260KGguf).subarray(0, 5000);
    writeFileSync(join(dir, "truncated.gguf"), truncated);
    await expectUserError(run(inspectCommand, [join(dir, "truncated.gguf")]), /truncated\.gguf: truncated: /);
  });
});
