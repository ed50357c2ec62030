// A gemma2 test model made from the gemma3 fixture that llama.cpp made (there is no gemma2 one).
import { openGGUF } from "../../host/gguf/reader.js";
import { GGUFWriter } from "../../host/gguf/writer.js";
import { gguf, type GGUFValue } from "../../host/gguf/types.js";

/**
 * A gemma2 file from the gemma3 fixture: its keys renamed, no q/k norms, no local RoPE base,
 * soft-capping of scores at 50 and logits at 30, and a 12-position window on every other layer
 * (gemma2's default pattern).
 */
export async function gemma2From(gemma3: string, path: string): Promise<string> {
  const source = await openGGUF(gemma3);
  const metadata = new Map<string, GGUFValue>();
  for (const [key, value] of source.metadata) {
    if (key === "gemma3.rope.freq_base_swa" || key === "gemma3.attention.sliding_window_pattern") continue;
    metadata.set(key.replace(/^gemma3\./, "gemma2."), value);
  }
  metadata.set("general.architecture", gguf.str("gemma2"));
  metadata.set("gemma2.attention.sliding_window", gguf.u32(12));
  metadata.set("gemma2.attn_logit_softcapping", gguf.f32(50));
  metadata.set("gemma2.final_logit_softcapping", gguf.f32(30));
  const kept = source.tensors.filter((t) => !t.name.endsWith("attn_q_norm.weight") && !t.name.endsWith("attn_k_norm.weight"));
  const writer = await GGUFWriter.create(path, metadata, kept.map((t) => ({ name: t.name, ne: t.ne, type: t.type })));
  for (const t of kept) await writer.write(t.name, await source.readTensorBytes(t));
  await writer.close();
  await source.close();
  return path;
}
