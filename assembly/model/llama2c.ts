// llama2.c checkpoints ("version 0" / legacy export): a header of 7 int32 values,
// then every weight as f32 in a fixed order. Weights are used in place.
import { Matrix, Model, ModelConfig, LayerWeights, Weights } from "./model";
import { GGML_F32 as F32 } from "./tensor-types";
import { FileBytes } from "../runtime/files";
import { fail } from "../runtime/status";

const HEADER_BYTES: u64 = 28;
/** export.py --version 1 and 2 files start with this magic ("ak42") instead of a header. */
const VERSIONED_MAGIC: i32 = 0x616b3432;

export function loadLlama2c(file: FileBytes, path: string): Model | null {
  if (file.size < HEADER_BYTES) {
    fail("'" + path + "' is not a llama2.c checkpoint: " + file.size.toString() + " bytes, shorter than the 28-byte header");
    return null;
  }
  const base = file.ptr;
  if (load<i32>(base) == VERSIONED_MAGIC) {
    fail("'" + path + "' is a versioned llama2.c export (version 1 or 2); only the legacy version 0 format is supported");
    return null;
  }
  const c = new ModelConfig();
  c.dim = load<i32>(base, 0);
  c.hiddenDim = load<i32>(base, 4);
  c.nLayers = load<i32>(base, 8);
  c.nHeads = load<i32>(base, 12);
  c.nKvHeads = load<i32>(base, 16);
  const rawVocab = load<i32>(base, 20);
  c.seqLen = load<i32>(base, 24);
  const sharedClassifier = rawVocab > 0;
  c.vocabSize = rawVocab == I32.MIN_VALUE ? 0 : abs(rawVocab);
  if (!checkShape(c, path)) return null;

  // Sizes in 64-bit arithmetic, checked against the file before any pointer is formed.
  const dim = <u64>c.dim, hidden = <u64>c.hiddenDim, layers = <u64>c.nLayers, vocab = <u64>c.vocabSize;
  const qDim = <u64>c.nHeads * <u64>c.headSize, kvDim = <u64>c.kvDim;
  const floats: u64 =
    vocab * dim + // token embedding
    layers * (dim + dim * qDim + 2 * dim * kvDim + qDim * dim + dim + 3 * dim * hidden) +
    dim + // final norm
    <u64>c.seqLen * <u64>c.headSize + // legacy freq_cis_real and freq_cis_imag, skipped
    (sharedClassifier ? 0 : vocab * dim);
  const expected = HEADER_BYTES + 4 * floats;
  if (file.size != expected) {
    const problem = file.size < expected ? "truncated" : "longer than its header says";
    fail("'" + path + "' is " + problem + ": the header (dim " + c.dim.toString() + ", " + c.nLayers.toString() + " layers, vocab " +
      c.vocabSize.toString() + ") needs " + expected.toString() + " bytes, the file has " + file.size.toString());
    return null;
  }

  let p = base + <usize>HEADER_BYTES;
  const w = new Weights();
  w.tokenEmbedding = new Matrix(p, F32, c.vocabSize, c.dim);
  p += <usize>(vocab * dim * 4);
  const layerArray = new StaticArray<LayerWeights>(c.nLayers);
  for (let l = 0; l < c.nLayers; l++) layerArray[l] = new LayerWeights();
  // The file groups each kind of weight across all layers.
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].attentionNorm = p; p += <usize>dim * 4; }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].wq = new Matrix(p, F32, <i32>qDim, c.dim); p += <usize>(qDim * dim * 4); }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].wk = new Matrix(p, F32, <i32>kvDim, c.dim); p += <usize>(kvDim * dim * 4); }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].wv = new Matrix(p, F32, <i32>kvDim, c.dim); p += <usize>(kvDim * dim * 4); }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].wo = new Matrix(p, F32, c.dim, <i32>qDim); p += <usize>(qDim * dim * 4); }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].ffnNorm = p; p += <usize>dim * 4; }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].w1 = new Matrix(p, F32, c.hiddenDim, c.dim); p += <usize>(hidden * dim * 4); }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].w2 = new Matrix(p, F32, c.dim, c.hiddenDim); p += <usize>(hidden * dim * 4); }
  for (let l = 0; l < c.nLayers; l++) { layerArray[l].w3 = new Matrix(p, F32, c.hiddenDim, c.dim); p += <usize>(hidden * dim * 4); }
  w.layers = layerArray;
  w.finalNorm = p;
  p += <usize>dim * 4;
  p += <usize>(<u64>c.seqLen * <u64>c.headSize * 4);
  w.classifier = sharedClassifier ? w.tokenEmbedding : new Matrix(p, F32, c.vocabSize, c.dim);
  return new Model(c, w, file.size);
}

/** Every size positive, consistent and small enough that no product overflows 64 bits. */
function checkShape(c: ModelConfig, path: string): bool {
  const bad = "'" + path + "' has an impossible llama2.c header: ";
  if (!inRange(c.dim, 65536) || !inRange(c.hiddenDim, 1 << 20) || !inRange(c.nLayers, 4096) || !inRange(c.nHeads, 4096) ||
      !inRange(c.nKvHeads, 4096) || !inRange(c.vocabSize, 1 << 22) || !inRange(c.seqLen, 1 << 22)) {
    return fail(bad + "dim " + c.dim.toString() + ", hidden_dim " + c.hiddenDim.toString() + ", n_layers " + c.nLayers.toString() +
      ", n_heads " + c.nHeads.toString() + ", n_kv_heads " + c.nKvHeads.toString() + ", vocab_size " + c.vocabSize.toString() +
      ", seq_len " + c.seqLen.toString());
  }
  if (c.dim % c.nHeads != 0) return fail(bad + "dim " + c.dim.toString() + " is not a multiple of n_heads " + c.nHeads.toString());
  if (c.nHeads % c.nKvHeads != 0) return fail(bad + "n_heads " + c.nHeads.toString() + " is not a multiple of n_kv_heads " + c.nKvHeads.toString());
  c.headSize = c.dim / c.nHeads;
  if (c.headSize % 2 != 0) return fail(bad + "head size " + c.headSize.toString() + " is odd; rotary embeddings need pairs");
  c.kvDim = c.nKvHeads * c.headSize;
  c.ropeDim = c.headSize;
  return true;
}

function inRange(value: i32, max: i32): bool {
  return value > 0 && value <= max;
}
