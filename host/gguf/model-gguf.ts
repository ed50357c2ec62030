// Llama-family models as GGUF: llama.cpp's tensor names, shapes and metadata keys
// for the llama, qwen2, qwen3 and gemma3 architectures, the tensor types a requested quantization
// gives each tensor, and streaming a tensor's rows through a quantizer into a writer.

import { UserError } from "../errors.js";
import type { OutputOptions } from "../output-file.js";
import { type Progress, byteProgress } from "./progress.js";
import { fittingType, quantizeRow } from "./quantize.js";
import { GGML, type GGUFValue, LLAMA_FTYPE, gguf, ggmlRowBytes, ggmlTypeName } from "./types.js";
import { type GGUFTensorSpec, GGUFWriter } from "./writer.js";

export interface ModelShape {
  arch: "llama" | "qwen2" | "qwen3" | "gemma3";
  dim: number; // embedding_length
  hiddenDim: number; // feed_forward_length
  nLayers: number;
  nHeads: number;
  nKvHeads: number;
  vocabSize: number;
  contextLength: number;
  ropeFreqBase: number;
  rmsEps: number;
  tiedEmbeddings: boolean; // true: no output.weight, the classifier is token_embd
  qkvBias: boolean; // qwen2: attn_{q,k,v}.bias
  headDim?: number; // attention.key_length when heads x head size != dim (qwen3, gemma3)
  qkNorm?: boolean; // qwen3, gemma3: attn_{q,k}_norm per head
  postNorms?: boolean; // gemma3: post_attention_norm, post_ffw_norm
  extraMetadata?: [string, GGUFValue][]; // further "<arch>.*" keys (gemma3's sliding window)
}

/** The --type values and their ggml types. */
export const TYPE_OPTIONS = { f32: GGML.F32, f16: GGML.F16, q8_0: GGML.Q8_0, q4_0: GGML.Q4_0, q4_k: GGML.Q4_K, q6_k: GGML.Q6_K } as const;
export type TypeOption = keyof typeof TYPE_OPTIONS;

export function parseTypeOption(value: string | undefined): TypeOption {
  if (value === undefined) throw new UserError(`--type is required: one of ${Object.keys(TYPE_OPTIONS).join(", ")}`);
  const key = value.toLowerCase();
  if (!(key in TYPE_OPTIONS)) throw new UserError(`--type must be one of ${Object.keys(TYPE_OPTIONS).join(", ")}, got '${value}'`);
  return key as TypeOption;
}

export function headSize(shape: ModelShape): number {
  return shape.headDim ?? shape.dim / shape.nHeads;
}

// ----------------------------------------------------------------------------
// Tensors

/**
 * Every tensor of the model in llama.cpp's order (token_embd, output_norm, output,
 * then per block: attention, its norm, feed-forward, its norm). Dims are ggml order,
 * [row length, rows]: a (out, in) matrix is ne = [in, out]. 1-D tensors stay F32;
 * matrices take `type`, or the fallback of quantize.ts's fittingType when their rows
 * aren't whole blocks.
 */
export function modelTensors(shape: ModelShape, type: number): GGUFTensorSpec[] {
  const { dim, hiddenDim, vocabSize } = shape;
  const qDim = shape.nHeads * headSize(shape);
  const kvDim = shape.nKvHeads * headSize(shape);
  const matrix = (name: string, inputs: number, outputs: number): GGUFTensorSpec => ({ name, ne: [inputs, outputs], type: fittingType(type, inputs) });
  const vector = (name: string, n: number): GGUFTensorSpec => ({ name, ne: [n], type: GGML.F32 });

  const tensors = [matrix("token_embd.weight", dim, vocabSize), vector("output_norm.weight", dim)];
  if (!shape.tiedEmbeddings) tensors.push(matrix("output.weight", dim, vocabSize));
  for (let l = 0; l < shape.nLayers; l++) {
    const b = `blk.${l}.`;
    tensors.push(matrix(b + "attn_q.weight", dim, qDim));
    if (shape.qkvBias) tensors.push(vector(b + "attn_q.bias", qDim));
    tensors.push(matrix(b + "attn_k.weight", dim, kvDim));
    if (shape.qkvBias) tensors.push(vector(b + "attn_k.bias", kvDim));
    tensors.push(matrix(b + "attn_v.weight", dim, kvDim));
    if (shape.qkvBias) tensors.push(vector(b + "attn_v.bias", kvDim));
    if (shape.qkNorm) tensors.push(vector(b + "attn_q_norm.weight", headSize(shape)), vector(b + "attn_k_norm.weight", headSize(shape)));
    tensors.push(
      matrix(b + "attn_output.weight", qDim, dim),
      vector(b + "attn_norm.weight", dim),
      matrix(b + "ffn_gate.weight", dim, hiddenDim),
      matrix(b + "ffn_down.weight", hiddenDim, dim),
      matrix(b + "ffn_up.weight", dim, hiddenDim),
      vector(b + "ffn_norm.weight", dim),
    );
    if (shape.postNorms) tensors.push(vector(b + "post_attention_norm.weight", dim), vector(b + "post_ffw_norm.weight", dim));
  }
  return tensors;
}

/** "F32 11, Q8_0 32, F16 5": tensor types with counts, in order of first appearance. */
export function typeCounts(tensors: { type: number }[]): string {
  const counts = new Map<string, number>();
  for (const t of tensors) counts.set(ggmlTypeName(t.type), (counts.get(ggmlTypeName(t.type)) ?? 0) + 1);
  return [...counts].map(([name, n]) => `${name} ${n}`).join(", ");
}

/** The tensor data bytes of a tensor list (without alignment padding). */
export function tensorBytes(tensors: GGUFTensorSpec[]): number {
  return tensors.reduce((sum, t) => sum + ggmlRowBytes(t.type, t.ne[0]) * (t.ne[1] ?? 1), 0);
}

const ROW_CHUNK_VALUES = 1 << 20;

/**
 * Streams one tensor into the writer: `rows(first, count)` gives `count` rows of
 * f32 values (count * ne[0]), which are converted to the tensor's type a chunk of
 * about a million values at a time.
 */
export async function writeTensorRows(writer: GGUFWriter, tensor: GGUFTensorSpec, rows: (first: number, count: number) => Float32Array, progress?: Progress): Promise<void> {
  const rowLength = tensor.ne[0];
  const nRows = tensor.ne.slice(1).reduce((a, b) => a * b, 1);
  const step = Math.max(1, Math.floor(ROW_CHUNK_VALUES / rowLength));
  for (let first = 0; first < nRows; first += step) {
    const count = Math.min(step, nRows - first);
    const values = rows(first, count);
    if (values.length !== count * rowLength) throw new Error(`rows(${first}, ${count}) of '${tensor.name}' gave ${values.length} values, expected ${count * rowLength}`);
    const bytes = quantizeRow(tensor.type, values);
    await writer.write(tensor.name, bytes);
    progress?.add(bytes.length);
  }
}

/**
 * A whole GGUF file: metadata, then every tensor's rows quantized to its type, with a
 * progress bar labelled `label`; a failure leaves no partial file and the old one (if
 * `outputOptions.force` lets it be replaced) untouched. Returns the file size.
 */
export async function writeModelGGUF(
  output: string,
  metadata: [string, GGUFValue][],
  tensors: GGUFTensorSpec[],
  rowsOf: (name: string, rowLength: number) => (first: number, count: number) => Float32Array,
  label: string,
  outputOptions: OutputOptions = {},
): Promise<number> {
  const writer = await GGUFWriter.create(output, metadata, tensors, undefined, outputOptions);
  const progress = byteProgress(label, tensorBytes(tensors));
  try {
    for (const tensor of tensors) await writeTensorRows(writer, tensor, rowsOf(tensor.name, tensor.ne[0]), progress);
    await writer.close();
  } catch (error) {
    await writer.abort();
    throw error;
  } finally {
    progress.stop();
  }
  return writer.fileSize;
}

// ----------------------------------------------------------------------------
// Metadata

/** general.file_type for a requested type (llama_ftype; q4_k is written as Q4_K_M, as llama-quantize does). */
export function fileTypeOf(type: TypeOption): number {
  return { f32: LLAMA_FTYPE.F32, f16: LLAMA_FTYPE.F16, q8_0: LLAMA_FTYPE.Q8_0, q4_0: LLAMA_FTYPE.Q4_0, q4_k: LLAMA_FTYPE.Q4_K, q6_k: LLAMA_FTYPE.Q6_K }[type];
}

/** general.* and the architecture's hyperparameters. */
export function modelMetadata(shape: ModelShape, name: string, type: TypeOption): [string, GGUFValue][] {
  const a = shape.arch;
  const entries: [string, GGUFValue][] = [
    ["general.architecture", gguf.str(a)],
    ["general.name", gguf.str(name)],
    ["general.file_type", gguf.u32(fileTypeOf(type))],
  ];
  if (type !== "f32" && type !== "f16") entries.push(["general.quantization_version", gguf.u32(2)]);
  entries.push(
    [`${a}.vocab_size`, gguf.u32(shape.vocabSize)],
    [`${a}.context_length`, gguf.u32(shape.contextLength)],
    [`${a}.embedding_length`, gguf.u32(shape.dim)],
    [`${a}.feed_forward_length`, gguf.u32(shape.hiddenDim)],
    [`${a}.block_count`, gguf.u32(shape.nLayers)],
    [`${a}.attention.head_count`, gguf.u32(shape.nHeads)],
    [`${a}.attention.head_count_kv`, gguf.u32(shape.nKvHeads)],
  );
  if (a !== "qwen2") entries.push([`${a}.rope.dimension_count`, gguf.u32(headSize(shape))]);
  if (shape.headDim !== undefined) entries.push([`${a}.attention.key_length`, gguf.u32(shape.headDim)], [`${a}.attention.value_length`, gguf.u32(shape.headDim)]);
  entries.push([`${a}.attention.layer_norm_rms_epsilon`, gguf.f32(shape.rmsEps)], [`${a}.rope.freq_base`, gguf.f32(shape.ropeFreqBase)]);
  entries.push(...(shape.extraMetadata ?? []));
  return entries;
}

// ----------------------------------------------------------------------------
// Tokenizers

/** llama.cpp's token types (tokenizer.ggml.token_type). */
export const TOKEN_TYPE = { NORMAL: 1, UNKNOWN: 2, CONTROL: 3, USER_DEFINED: 4, UNUSED: 5, BYTE: 6 } as const;

export interface SpmVocab {
  tokens: string[];
  scores: Float32Array;
  types: Int32Array;
  bos: number;
  eos: number;
  unk: number;
}

/** tokenizer.ggml.* for a SentencePiece (llama) vocabulary. */
export function spmMetadata(vocab: SpmVocab): [string, GGUFValue][] {
  return [
    ["tokenizer.ggml.model", gguf.str("llama")],
    ["tokenizer.ggml.tokens", gguf.strings(vocab.tokens)],
    ["tokenizer.ggml.scores", gguf.f32s(vocab.scores)],
    ["tokenizer.ggml.token_type", gguf.i32s(vocab.types)],
    ["tokenizer.ggml.bos_token_id", gguf.u32(vocab.bos)],
    ["tokenizer.ggml.eos_token_id", gguf.u32(vocab.eos)],
    ["tokenizer.ggml.unknown_token_id", gguf.u32(vocab.unk)],
    ["tokenizer.ggml.add_bos_token", gguf.bool(true)],
    ["tokenizer.ggml.add_eos_token", gguf.bool(false)],
    ["tokenizer.ggml.add_space_prefix", gguf.bool(true)],
  ];
}

export interface Llama2cTokenizerFile {
  maxTokenLength: number;
  pieces: Uint8Array[];
  scores: Float32Array;
}

/** Parses a llama2.c tokenizer.bin holding exactly `vocabSize` entries (int32 max_token_length, then f32 score, int32 length, bytes per token). */
export function readLlama2cTokenizer(bytes: Uint8Array, vocabSize: number, label: string): Llama2cTokenizerFile {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (bytes.length < 4) throw new UserError(`${label}: ${bytes.length} bytes is too short for a llama2.c tokenizer`);
  const maxTokenLength = view.getInt32(0, true);
  if (maxTokenLength <= 0 || maxTokenLength > 1 << 16) throw new UserError(`${label}: not a llama2.c tokenizer (max_token_length ${maxTokenLength})`);
  const pieces: Uint8Array[] = [];
  const scores = new Float32Array(vocabSize);
  let offset = 4;
  for (let i = 0; i < vocabSize; i++) {
    if (offset + 8 > bytes.length) throw new UserError(`${label}: ends after ${i} tokens, the model has ${vocabSize}`);
    scores[i] = view.getFloat32(offset, true);
    const length = view.getInt32(offset + 4, true);
    if (length < 0 || length > maxTokenLength || offset + 8 + length > bytes.length) {
      throw new UserError(`${label}: token ${i} has length ${length} at offset ${offset + 4} (max_token_length ${maxTokenLength}, file ${bytes.length} bytes)`);
    }
    pieces.push(bytes.slice(offset + 8, offset + 8 + length));
    offset += 8 + length;
  }
  if (offset !== bytes.length) throw new UserError(`${label}: ${bytes.length - offset} bytes left after ${vocabSize} tokens: the tokenizer has more tokens than the model's vocabulary`);
  return { maxTokenLength, pieces, scores };
}

const BYTE_TOKEN = /^<0x[0-9A-F]{2}>$/;

/**
 * llama2.c pieces as SentencePiece tokens, the way llama.cpp's converter stores them:
 * spaces become U+2581 "▁", the BOS/EOS pieces "\n<s>\n" and "\n</s>\n" become "<s>"
 * and "</s>"; types: <0xXX> byte tokens BYTE, <unk> UNKNOWN, <s> and </s> CONTROL,
 * everything else NORMAL. Ids: unk 0, bos 1, eos 2, as in llama2.c.
 */
export function spmVocabFromLlama2c(file: Llama2cTokenizerFile, label: string): SpmVocab {
  const decoder = new TextDecoder("utf-8", { fatal: true });
  const tokens = file.pieces.map((bytes, i) => {
    let text: string;
    try {
      text = decoder.decode(bytes);
    } catch {
      throw new UserError(`${label}: token ${i} is not valid UTF-8`);
    }
    if (text === "\n<s>\n") return "<s>";
    if (text === "\n</s>\n") return "</s>";
    return text.replaceAll(" ", "\u2581");
  });
  const types = new Int32Array(tokens.length);
  tokens.forEach((token, i) => {
    types[i] = BYTE_TOKEN.test(token) ? TOKEN_TYPE.BYTE : token === "<unk>" ? TOKEN_TYPE.UNKNOWN : token === "<s>" || token === "</s>" ? TOKEN_TYPE.CONTROL : TOKEN_TYPE.NORMAL;
  });
  return { tokens, scores: file.scores, types, bos: 1, eos: 2, unk: 0 };
}
