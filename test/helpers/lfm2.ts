// An LFM2 test model made from the smollm3 fixture that llama.cpp made (there is no lfm2
// one): layers 0, 1 and 3 become short-convolution layers with seeded weights, layer 2
// stays attention and gains per-head q/k norms; keys renamed to lfm2.*, head_count_kv per
// layer (0 = convolution), the final norm under llama.cpp's name token_embd_norm.
import { openGGUF } from "../../host/gguf/reader.js";
import { GGUFWriter } from "../../host/gguf/writer.js";
import { GGML, gguf, type GGUFValue } from "../../host/gguf/types.js";
import { drawWeights, tensorRandom } from "../../host/gguf/synthetic.js";

const CONV_LAYERS = [0, 1, 3];

export async function lfm2From(smollm3: string, path: string, seed = 13): Promise<string> {
  const source = await openGGUF(smollm3);
  const metadata = new Map<string, GGUFValue>();
  for (const [key, value] of source.metadata) metadata.set(key.replace(/^smollm3\./, "lfm2."), value);
  const layers = source.number("smollm3.block_count")!;
  const dim = source.number("smollm3.embedding_length")!;
  const kvHeads = source.number("smollm3.attention.head_count_kv")!;
  const headSize = dim / source.number("smollm3.attention.head_count")!;
  metadata.set("general.architecture", gguf.str("lfm2"));
  metadata.set("lfm2.attention.head_count_kv", gguf.i32s(Int32Array.from({ length: layers }, (_, l) => (CONV_LAYERS.includes(l) ? 0 : kvHeads))));
  metadata.set("lfm2.shortconv.l_cache", gguf.u32(3));

  // tensors kept (renamed) or made: name -> [ne, f32 values or the source tensor]
  const made = new Map<string, Float32Array>();
  const draw = (name: string, n: number, center: number, halfWidth: number) => made.set(name, drawWeights(tensorRandom(seed, name), n, center, halfWidth));
  const specs: { name: string; ne: number[]; from?: string }[] = [];
  for (const t of source.tensors) {
    const m = /^blk\.(\d+)\.(attn_q|attn_k|attn_v|attn_output)\.weight$/.exec(t.name);
    if (m && CONV_LAYERS.includes(Number(m[1]))) continue;
    specs.push({ name: t.name === "output_norm.weight" ? "token_embd_norm.weight" : t.name, ne: t.ne.map(Number), from: t.name });
  }
  for (let l = 0; l < layers; l++) {
    const b = `blk.${l}.`;
    if (CONV_LAYERS.includes(l)) {
      draw(b + "shortconv.conv.weight", 3 * dim, 0, 1);
      draw(b + "shortconv.in_proj.weight", 3 * dim * dim, 0, Math.sqrt(3 / dim));
      draw(b + "shortconv.out_proj.weight", dim * dim, 0, Math.sqrt(3 / dim));
      specs.push({ name: b + "shortconv.conv.weight", ne: [3, dim] }, { name: b + "shortconv.in_proj.weight", ne: [dim, 3 * dim] }, { name: b + "shortconv.out_proj.weight", ne: [dim, dim] });
    } else {
      draw(b + "attn_q_norm.weight", headSize, 1, 0.1);
      draw(b + "attn_k_norm.weight", headSize, 1, 0.1);
      specs.push({ name: b + "attn_q_norm.weight", ne: [headSize] }, { name: b + "attn_k_norm.weight", ne: [headSize] });
    }
  }
  const writer = await GGUFWriter.create(path, metadata, specs.map((t) => ({ name: t.name, ne: t.ne, type: GGML.F32 })));
  for (const t of specs) {
    const bytes = t.from ? await source.readTensorBytes(source.tensors.find((s) => s.name === t.from)!) : new Uint8Array(made.get(t.name)!.buffer);
    await writer.write(t.name, bytes);
  }
  await writer.close();
  await source.close();
  return path;
}
