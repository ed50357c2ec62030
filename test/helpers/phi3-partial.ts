// A phi3 test model with partial rotary and LongRoPE, made from the fused phi3 fixture that
// llama.cpp made: rope.dimension_count 24 of a 32-wide head, per-frequency factors
// rope_factors_long / rope_factors_short (12 each), original context 64 (below any context
// llama.cpp or we use, so the long factors apply) and attention factor sqrt(1 + ln(256/64)/ln(64)).
import { openGGUF } from "../../host/gguf/reader.js";
import { GGUFWriter } from "../../host/gguf/writer.js";
import { GGML, gguf, type GGUFValue } from "../../host/gguf/types.js";

export async function phi3PartialFrom(phi3: string, path: string): Promise<string> {
  const source = await openGGUF(phi3);
  const metadata = new Map<string, GGUFValue>(source.metadata);
  const ropeDim = 24;
  metadata.set("phi3.rope.dimension_count", gguf.u32(ropeDim));
  metadata.set("phi3.rope.scaling.original_context_length", gguf.u32(64));
  metadata.set("phi3.rope.scaling.attn_factor", gguf.f32(Math.sqrt(1 + Math.log(256 / 64) / Math.log(64))));
  const long = Float32Array.from({ length: ropeDim / 2 }, (_, i) => 1 + (3 * i) / (ropeDim / 2 - 1));
  const short = Float32Array.from({ length: ropeDim / 2 }, (_, i) => 1 + i / (ropeDim / 2));
  const tensors = [
    ...source.tensors.map((t) => ({ name: t.name, ne: t.ne, type: t.type })),
    { name: "rope_factors_long.weight", ne: [ropeDim / 2], type: GGML.F32 },
    { name: "rope_factors_short.weight", ne: [ropeDim / 2], type: GGML.F32 },
  ];
  const writer = await GGUFWriter.create(path, metadata, tensors);
  for (const t of source.tensors) await writer.write(t.name, await source.readTensorBytes(t));
  await writer.write("rope_factors_long.weight", new Uint8Array(long.buffer));
  await writer.write("rope_factors_short.weight", new Uint8Array(short.buffer));
  await writer.close();
  await source.close();
  return path;
}
