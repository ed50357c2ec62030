// uefi-llm convert: a llama2.c checkpoint (+ its tokenizer.bin) to one self-contained
// GGUF, with llama.cpp's tensor names and metadata, optionally quantized.
import { basename } from "node:path";
import { Command, Option } from "commander";
import { UserError } from "../errors.js";
import { readInputFile } from "../input-file.js";
import { type OutputOptions, checkOutputPath } from "../output-file.js";
import { type Llama2cCheckpoint, type Llama2cWeights, readLlama2cCheckpoint } from "../model/llama2c-checkpoint.js";
import {
  TYPE_OPTIONS, type ModelShape, type TypeOption, modelMetadata, modelTensors, parseTypeOption, readLlama2cTokenizer, spmMetadata, spmVocabFromLlama2c,
  typeCounts, writeModelGGUF,
} from "../gguf/model-gguf.js";
import { formatBytes } from "../gguf/progress.js";
import type { GGUFValue } from "../gguf/types.js";

interface ConvertFlags {
  tokenizer?: string;
  type?: string;
  output?: string;
  force?: boolean;
}

export const convertCommand = new Command("convert")
  .description("convert a llama2.c checkpoint (and its tokenizer) to a GGUF file, optionally quantized")
  .argument("<model>", "llama2.c checkpoint (.bin, legacy version 0)")
  .addOption(new Option("-z, --tokenizer <file>", "llama2.c tokenizer.bin to embed (strongly recommended: without it the GGUF has no vocabulary)"))
  .addOption(new Option("--type <type>", "weight type: f32, f16, q8_0, q4_0, q4_k, q6_k (norms stay f32; see the notes below)"))
  .addOption(new Option("-o, --output <file>", "GGUF file to write"))
  .option("-f, --force", "overwrite the output file if it exists")
  .addHelpText(
    "after",
    "\nMatrices whose rows are not whole blocks fall back: q4_k -> q4_0, q6_k -> q8_0 (256-value blocks),\n" +
      "then q8_0/q4_0 -> f16 (32-value blocks), as llama.cpp's quantizer does (it takes q5_0 for q4_k).",
  )
  .action(async (model: string, flags: ConvertFlags) => {
    const type = parseTypeOption(flags.type);
    if (flags.output === undefined) throw new UserError("-o, --output <file> is required");
    const output = flags.output;
    const outputOptions = { force: flags.force ?? false, inputs: [model, ...(flags.tokenizer === undefined ? [] : [flags.tokenizer])] };
    await checkOutputPath(output, outputOptions);

    const checkpoint = readLlama2cCheckpoint(await readInputFile(model, "model"));
    const tokenizer = flags.tokenizer === undefined ? undefined : await readInputFile(flags.tokenizer, "tokenizer");
    if (tokenizer === undefined) process.stderr.write("uefi-llm: warning: no --tokenizer: the GGUF will have no vocabulary and cannot run on its own\n");
    const name = basename(model).replace(/\.bin$/, "");
    const { tensors, fileSize } = await convertLlama2c(checkpoint, tokenizer, { type, output, outputOptions, name, tokenizerLabel: flags.tokenizer ?? "" });
    process.stdout.write(`wrote ${output}: ${formatBytes(fileSize)}, ${tensors.length} tensors (${typeCounts(tensors)})\n`);
  });

export function llama2cShape(checkpoint: Llama2cCheckpoint): ModelShape {
  const c = checkpoint.config;
  return {
    arch: "llama",
    dim: c.dim,
    hiddenDim: c.hiddenDim,
    nLayers: c.nLayers,
    nHeads: c.nHeads,
    nKvHeads: c.nKvHeads,
    vocabSize: c.vocabSize,
    contextLength: c.seqLen,
    ropeFreqBase: 10000,
    rmsEps: 1e-5,
    tiedEmbeddings: c.sharedClassifier,
    qkvBias: false,
  };
}

/**
 * Writes the GGUF. The checkpoint's arrays map onto llama.cpp's tensors one to one
 * and unchanged: llama2.c's exporter already stores W_q and W_k in the layout of
 * llama.cpp's normal (non-NeoX) RoPE, so there is no permutation (checked in the
 * tests against llama.cpp's own conversion of stories260K).
 */
export async function convertLlama2c(
  checkpoint: Llama2cCheckpoint,
  tokenizer: Uint8Array | undefined,
  options: { type: TypeOption; output: string; outputOptions?: OutputOptions; name: string; tokenizerLabel: string },
) {
  const shape = llama2cShape(checkpoint);
  const metadata: [string, GGUFValue][] = modelMetadata(shape, options.name, options.type);
  if (tokenizer !== undefined) {
    const file = readLlama2cTokenizer(tokenizer, shape.vocabSize, options.tokenizerLabel);
    metadata.push(...spmMetadata(spmVocabFromLlama2c(file, options.tokenizerLabel)));
  }
  const tensors = modelTensors(shape, TYPE_OPTIONS[options.type]);
  const source = tensorSources(checkpoint);

  const fileSize = await writeModelGGUF(options.output, metadata, tensors, (name, rowLength) => {
    const data = source(name);
    return (first, count) => data.subarray(first * rowLength, (first + count) * rowLength);
  }, "convert", options.outputOptions);
  return { shape, tensors, fileSize };
}

/** GGUF tensor name -> the f32 values of that tensor in the checkpoint. */
function tensorSources(checkpoint: Llama2cCheckpoint): (name: string) => Float32Array {
  const w = checkpoint.weights;
  const L = checkpoint.config.nLayers;
  const perLayer: Record<string, keyof Llama2cWeights> = {
    "attn_q.weight": "wq",
    "attn_k.weight": "wk",
    "attn_v.weight": "wv",
    "attn_output.weight": "wo",
    "attn_norm.weight": "rmsAttWeight",
    "ffn_gate.weight": "w1",
    "ffn_down.weight": "w2",
    "ffn_up.weight": "w3",
    "ffn_norm.weight": "rmsFfnWeight",
  };
  return (name) => {
    if (name === "token_embd.weight") return w.tokenEmbeddingTable;
    if (name === "output_norm.weight") return w.rmsFinalWeight;
    if (name === "output.weight" && w.wcls !== undefined) return w.wcls;
    const match = /^blk\.(\d+)\.(.+)$/.exec(name);
    const field = match ? perLayer[match[2]] : undefined;
    if (match === null || field === undefined) throw new Error(`no llama2.c array for tensor '${name}'`);
    const all = w[field] as Float32Array;
    const size = all.length / L;
    const layer = Number(match[1]);
    return all.subarray(layer * size, (layer + 1) * size);
  };
}
