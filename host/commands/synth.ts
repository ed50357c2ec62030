// uefi-llm synth: seeded synthetic models at real shapes, for load and speed tests
// without downloading weights. Streams tensor by tensor: the 1.1B f32 model is 4.4 GB.
import { Command, Option } from "commander";
import { UserError } from "../errors.js";
import { type OutputOptions, OutputFile, checkOutputPath } from "../output-file.js";
import { type ModelShape, TYPE_OPTIONS, type TypeOption, headSize, modelMetadata, modelTensors, parseTypeOption, spmMetadata, typeCounts, writeModelGGUF } from "../gguf/model-gguf.js";
import { byteProgress, formatBytes } from "../gguf/progress.js";
import { PUBLIC_SHAPES, SHAPES, drawWeights, syntheticBpeMetadata, syntheticSpmVocab, tensorRandom, weightDistribution } from "../gguf/synthetic.js";
import type { GGUFValue } from "../gguf/types.js";

interface SynthFlags {
  shape?: string;
  type?: string;
  seed?: string;
  output?: string;
  force?: boolean;
}

interface SynthOptions {
  shapeName: string;
  shape: ModelShape;
  type: TypeOption;
  seed: number;
  output: string;
  outputOptions?: OutputOptions;
  format: "gguf" | "llama2c";
}

export const synthCommand = new Command("synth")
  .description("write a seeded synthetic model at a real model's shape (GGUF, or a llama2.c .bin for f32 llama shapes)")
  .addOption(new Option("--shape <name>", `model shape: ${PUBLIC_SHAPES.join(", ")}`))
  .addOption(new Option("--type <type>", "weight type: f32, f16, q8_0, q4_0, q4_k, q6_k (norms and biases stay f32)"))
  .addOption(new Option("--seed <n>", "random seed, an integer 0 .. 2^53 (default 1)"))
  .addOption(new Option("-o, --output <file>", "file to write: .gguf, or .bin for a llama2.c checkpoint"))
  .option("-f, --force", "overwrite the output file if it exists")
  .addHelpText("after", "\nShapes test-llama and test-qwen2 are tiny versions of the two architectures, for tests.")
  .action(async (flags: SynthFlags) => {
    const options = synthOptions(flags);
    await checkOutputPath(options.output, options.outputOptions);
    const result = await synthesize(options);
    process.stdout.write(`wrote ${options.output}: ${formatBytes(result.fileSize)}, ${result.summary}\n`);
  });

/** Validates the flags into options, one line per problem. */
function synthOptions(flags: SynthFlags): SynthOptions {
  if (flags.shape === undefined) throw new UserError(`--shape is required: one of ${PUBLIC_SHAPES.join(", ")}`);
  const shape = SHAPES[flags.shape];
  if (shape === undefined) throw new UserError(`--shape must be one of ${PUBLIC_SHAPES.join(", ")}, got '${flags.shape}'`);
  const type = parseTypeOption(flags.type);
  const seed = flags.seed === undefined ? 1 : Number(flags.seed);
  if (flags.seed !== undefined && (flags.seed.trim() === "" || !Number.isSafeInteger(seed) || seed < 0)) throw new UserError(`--seed must be an integer 0 .. 2^53, got '${flags.seed}'`);
  if (flags.output === undefined) throw new UserError("-o, --output <file> is required");
  const format = flags.output.toLowerCase().endsWith(".bin") ? "llama2c" : "gguf";
  if (format === "llama2c" && shape.arch !== "llama") throw new UserError(`a llama2.c checkpoint can't hold ${flags.shape} (${shape.arch}); write a .gguf`);
  if (format === "llama2c" && type !== "f32") throw new UserError(`llama2.c checkpoints are f32 only; use --type f32 or write a .gguf`);
  return { shapeName: flags.shape, shape, type, seed, output: flags.output, outputOptions: { force: flags.force ?? false }, format };
}

/** Writes the model; returns the file size and a one-line summary. */
export async function synthesize(options: SynthOptions): Promise<{ fileSize: number; summary: string }> {
  return options.format === "gguf" ? synthGGUF(options) : synthLlama2c(options);
}

/** Rows of a synthetic tensor, drawn in order from its own random stream. */
function tensorRows(options: SynthOptions, name: string, rowLength: number): (first: number, count: number) => Float32Array {
  const random = tensorRandom(options.seed, name);
  const { center, halfWidth } = weightDistribution(options.shape, name, rowLength);
  return (_first, count) => drawWeights(random, count * rowLength, center, halfWidth);
}

async function synthGGUF(options: SynthOptions): Promise<{ fileSize: number; summary: string }> {
  const { shape } = options;
  const metadata: [string, GGUFValue][] = modelMetadata(shape, `synthetic ${options.shapeName}`, options.type);
  metadata.push(...(shape.arch === "llama" || shape.arch === "gemma3" ? spmMetadata(syntheticSpmVocab(shape.vocabSize)) : syntheticBpeMetadata(shape.vocabSize)));
  const tensors = modelTensors(shape, TYPE_OPTIONS[options.type]);

  const fileSize = await writeModelGGUF(options.output, metadata, tensors, (name, rowLength) => tensorRows(options, name, rowLength), `synth ${options.shapeName}`, options.outputOptions);
  return { fileSize, summary: `${tensors.length} tensors (${typeCounts(tensors)})` };
}

/**
 * The llama2.c legacy layout (host/model/llama2c-checkpoint.ts): header, then each
 * weight kind for all layers, freq_cis, and wcls when untied. Every array is drawn
 * from the stream of the GGUF tensor it becomes, so a .bin and a .gguf made with
 * the same seed hold the same numbers.
 */
async function synthLlama2c(options: SynthOptions): Promise<{ fileSize: number; summary: string }> {
  const { shape } = options;
  const { dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize } = shape;
  const hs = headSize(shape);
  const layers = (suffix: string, rowLength: number, rows: number) => Array.from({ length: nLayers }, (_, l) => ({ name: `blk.${l}.${suffix}`, rowLength, rows }));
  const arrays = [
    { name: "token_embd.weight", rowLength: dim, rows: vocabSize },
    ...layers("attn_norm.weight", dim, 1),
    ...layers("attn_q.weight", dim, nHeads * hs),
    ...layers("attn_k.weight", dim, nKvHeads * hs),
    ...layers("attn_v.weight", dim, nKvHeads * hs),
    ...layers("attn_output.weight", nHeads * hs, dim),
    ...layers("ffn_norm.weight", dim, 1),
    ...layers("ffn_gate.weight", dim, hiddenDim),
    ...layers("ffn_down.weight", hiddenDim, dim),
    ...layers("ffn_up.weight", dim, hiddenDim),
    { name: "output_norm.weight", rowLength: dim, rows: 1 },
  ];
  const total = 28 + 4 * (arrays.reduce((sum, a) => sum + a.rowLength * a.rows, 0) + shape.contextLength * hs + (shape.tiedEmbeddings ? 0 : vocabSize * dim));

  const file = await OutputFile.create(options.output, options.outputOptions);
  const progress = byteProgress(`synth ${options.shapeName}`, total);
  const append = async (bytes: Uint8Array) => {
    await file.write(bytes);
    progress.add(bytes.length);
  };
  try {
    const header = new Int32Array([dim, hiddenDim, nLayers, nHeads, nKvHeads, shape.tiedEmbeddings ? vocabSize : -vocabSize, shape.contextLength]);
    await append(new Uint8Array(header.buffer));
    const writeArray = async (name: string, rowLength: number, rows: number) => {
      const next = tensorRows(options, name, rowLength);
      const step = Math.max(1, Math.floor((1 << 20) / rowLength));
      for (let first = 0; first < rows; first += step) {
        const values = next(first, Math.min(step, rows - first));
        await append(new Uint8Array(values.buffer));
      }
    };
    for (const a of arrays) await writeArray(a.name, a.rowLength, a.rows);
    const [real, imag] = freqCis(shape.contextLength, hs);
    await append(new Uint8Array(real.buffer));
    await append(new Uint8Array(imag.buffer));
    if (!shape.tiedEmbeddings) await writeArray("output.weight", dim, vocabSize);
    await file.commit();
  } catch (error) {
    await file.abort();
    throw error;
  } finally {
    progress.stop();
  }
  return { fileSize: total, summary: `llama2.c checkpoint, ${shape.tiedEmbeddings ? "shared" : "separate"} classifier` };
}

/** The legacy freq_cis tables, (seq_len, head_size / 2) each: cos and sin of pos / 10000^(2i / head_size). Readers skip them. */
function freqCis(seqLen: number, hs: number): [Float32Array, Float32Array] {
  const half = hs / 2;
  const real = new Float32Array(seqLen * half);
  const imag = new Float32Array(seqLen * half);
  for (let pos = 0; pos < seqLen; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / hs);
      real[pos * half + i] = Math.cos(angle);
      imag[pos * half + i] = Math.sin(angle);
    }
  }
  return [real, imag];
}
