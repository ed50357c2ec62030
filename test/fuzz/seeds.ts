// The valid files every fuzz input starts from: tiny models made in memory by the host's
// own GGUF tooling (so a mutated copy loads in well under a millisecond), the bundled
// llama2.c tokenizer, and the stories260K GGUF fixture as one real-world file.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type ModelShape, modelMetadata, modelTensors, readLlama2cTokenizer, spmMetadata, spmVocabFromLlama2c } from "../../host/gguf/model-gguf.js";
import { quantizeRow } from "../../host/gguf/quantize.js";
import { drawWeights, syntheticBpeMetadata, tensorRandom } from "../../host/gguf/synthetic.js";
import { GGML } from "../../host/gguf/types.js";
import { encodeGGUF } from "../../host/gguf/writer.js";
import { bundledTokenizer, packageRoot } from "../../host/paths.js";

/** Where the core finds the seeds: paths in the in-memory file table of the fuzzing host. */
export const PATHS = {
  llamaGguf: "/fuzz/llama-spm.gguf",
  qwen2Gguf: "/fuzz/qwen2-bpe.gguf",
  stories260KGguf: "/fuzz/stories260K.gguf",
  checkpoint: "/fuzz/model.bin",
  tokenizer: "/fuzz/tokenizer.bin",
} as const;

export type SeedName = keyof typeof PATHS;

/** llama2.c's tokenizer.bin for the bundled model: 512 tokens. */
const LLAMA2C_VOCAB = 512;

function tinyLlama(): ModelShape {
  return { arch: "llama", dim: 32, hiddenDim: 64, nLayers: 1, nHeads: 4, nKvHeads: 2, vocabSize: LLAMA2C_VOCAB, contextLength: 64, ropeFreqBase: 10000, rmsEps: 1e-5, tiedEmbeddings: false, qkvBias: false };
}

function tinyQwen2(): ModelShape {
  return { arch: "qwen2", dim: 32, hiddenDim: 64, nLayers: 1, nHeads: 4, nKvHeads: 2, vocabSize: 300, contextLength: 64, ropeFreqBase: 1_000_000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: true };
}

/** A whole GGUF model in memory: seeded weights quantized to `type` (vectors stay F32). */
function ggufModel(shape: ModelShape, type: number, typeName: "q8_0" | "f16", tokenizer: ReturnType<typeof spmMetadata>): Uint8Array {
  const tensors = modelTensors(shape, type).map((spec) => {
    const values = drawWeights(tensorRandom(7, spec.name), spec.ne.reduce((a, b) => a * b, 1), spec.ne.length === 1 ? 1 : 0, 0.2);
    return { ...spec, data: quantizeRow(spec.type, values) };
  });
  return encodeGGUF([...modelMetadata(shape, `fuzz-${shape.arch}`, typeName), ...tokenizer], tensors);
}

/** A legacy llama2.c checkpoint (7 int32 header values, then f32 weights) of the tiny llama's shape. */
function llama2cCheckpoint(): Uint8Array {
  const dim = 16, hidden = 32, layers = 1, heads = 2, kvHeads = 2, seqLen = 32, headSize = dim / heads;
  const floats = LLAMA2C_VOCAB * dim + layers * (dim + 4 * dim * dim + dim + 3 * dim * hidden) + dim + seqLen * headSize;
  const bytes = new Uint8Array(28 + 4 * floats);
  const view = new DataView(bytes.buffer);
  [dim, hidden, layers, heads, kvHeads, LLAMA2C_VOCAB, seqLen].forEach((v, i) => view.setInt32(4 * i, v, true));
  new Uint8Array(bytes.buffer, 28).set(new Uint8Array(drawWeights(tensorRandom(7, "llama2c"), floats, 0, 0.2).buffer));
  return bytes;
}

/** Every seed, built once per process (deterministic: the same bytes every time). */
export function buildSeeds(): Record<SeedName, Uint8Array> {
  const tokenizer = new Uint8Array(readFileSync(bundledTokenizer));
  const spmVocab = spmVocabFromLlama2c(readLlama2cTokenizer(tokenizer, LLAMA2C_VOCAB, "tok512.bin"), "tok512.bin");
  return {
    llamaGguf: ggufModel(tinyLlama(), GGML.Q8_0, "q8_0", spmMetadata(spmVocab)),
    qwen2Gguf: ggufModel(tinyQwen2(), GGML.F16, "f16", syntheticBpeMetadata(tinyQwen2().vocabSize)),
    stories260KGguf: new Uint8Array(readFileSync(join(packageRoot, "test", "fixtures", "gguf", "stories260K.gguf"))),
    checkpoint: llama2cCheckpoint(),
    tokenizer,
  };
}
