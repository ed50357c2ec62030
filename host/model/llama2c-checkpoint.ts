// llama2.c model files on the host: read and write legacy ("version 0") checkpoints,
// make seeded random models for tests, and write llama2.c tokenizer files.
//
// Checkpoint layout, all little-endian:
//   header   7 x int32: dim, hidden_dim, n_layers, n_heads, n_kv_heads, vocab_size, seq_len
//            (vocab_size < 0 means the classifier wcls is stored separately at the end)
//   weights  f32 arrays in the order of Llama2cWeights below, then the legacy
//            freq_cis_real and freq_cis_imag (seq_len, head_size / 2) each, which
//            readers skip, then wcls (vocab, dim) when unshared.
// A matrix of shape (out, in) is row-major, `out` rows of `in` values, applied as
// out[i] = sum_j W[i * in + j] * x[j].
//
// Tokenizer layout: int32 max_token_length, then per token: f32 score, int32 byte
// length, the piece's bytes (no terminator).

import { endianness } from "node:os";
import { UserError } from "../errors.js";
import { type OutputOptions, writeOutputFile } from "../output-file.js";

// ----------------------------------------------------------------------------
// Model shape and weights

export interface Llama2cConfig {
  dim: number; // transformer width
  hiddenDim: number; // feed-forward width
  nLayers: number;
  nHeads: number; // query heads
  nKvHeads: number; // key/value heads (fewer than nHeads: grouped-query attention)
  vocabSize: number; // always positive here; the sign in the file is sharedClassifier
  seqLen: number; // maximum context length
  sharedClassifier: boolean; // true: logits use tokenEmbeddingTable as wcls
}

export interface Llama2cWeights {
  tokenEmbeddingTable: Float32Array; // (vocab, dim)
  rmsAttWeight: Float32Array; // (layer, dim)
  wq: Float32Array; // (layer, n_heads * head_size, dim)
  wk: Float32Array; // (layer, n_kv_heads * head_size, dim)
  wv: Float32Array; // (layer, n_kv_heads * head_size, dim)
  wo: Float32Array; // (layer, dim, n_heads * head_size)
  rmsFfnWeight: Float32Array; // (layer, dim)
  w1: Float32Array; // (layer, hidden_dim, dim)
  w2: Float32Array; // (layer, dim, hidden_dim)
  w3: Float32Array; // (layer, hidden_dim, dim)
  rmsFinalWeight: Float32Array; // (dim,)
  wcls?: Float32Array; // (vocab, dim), present only when the classifier is unshared
}

export interface Llama2cCheckpoint {
  config: Llama2cConfig;
  weights: Llama2cWeights;
}

const HEADER_BYTES = 7 * 4;

// Float32Array views and DataView writes below agree only on a little-endian host.
if (endianness() !== "LE") throw new Error("llama2c-checkpoint: needs a little-endian host");

export function headSize(config: Llama2cConfig): number {
  return config.dim / config.nHeads;
}

/** The stored arrays in file order with their element counts (freq_cis included, wcls only when unshared). */
function layout(config: Llama2cConfig): { name: keyof Llama2cWeights | "freqCisReal" | "freqCisImag"; length: number }[] {
  const { dim, hiddenDim, nLayers: L, nHeads, nKvHeads, vocabSize, seqLen } = config;
  const hs = dim / nHeads;
  const entries: { name: keyof Llama2cWeights | "freqCisReal" | "freqCisImag"; length: number }[] = [
    { name: "tokenEmbeddingTable", length: vocabSize * dim },
    { name: "rmsAttWeight", length: L * dim },
    { name: "wq", length: L * dim * nHeads * hs },
    { name: "wk", length: L * dim * nKvHeads * hs },
    { name: "wv", length: L * dim * nKvHeads * hs },
    { name: "wo", length: L * nHeads * hs * dim },
    { name: "rmsFfnWeight", length: L * dim },
    { name: "w1", length: L * hiddenDim * dim },
    { name: "w2", length: L * dim * hiddenDim },
    { name: "w3", length: L * hiddenDim * dim },
    { name: "rmsFinalWeight", length: dim },
    { name: "freqCisReal", length: (seqLen * hs) / 2 },
    { name: "freqCisImag", length: (seqLen * hs) / 2 },
  ];
  if (!config.sharedClassifier) entries.push({ name: "wcls", length: vocabSize * dim });
  return entries;
}

/** Throws a one-line UserError when the shape cannot describe a llama2.c model. */
export function validateLlama2cConfig(config: Llama2cConfig): void {
  const fields: (keyof Llama2cConfig)[] = ["dim", "hiddenDim", "nLayers", "nHeads", "nKvHeads", "vocabSize", "seqLen"];
  for (const field of fields) {
    const value = config[field] as number;
    if (!Number.isInteger(value) || value <= 0 || value > 0x7fffffff) throw new UserError(`llama2.c checkpoint: ${field} must be a positive int32, got ${value}`);
  }
  if (config.dim % config.nHeads !== 0) throw new UserError(`llama2.c checkpoint: dim ${config.dim} is not a multiple of n_heads ${config.nHeads}`);
  if (headSize(config) % 2 !== 0) throw new UserError(`llama2.c checkpoint: head size ${headSize(config)} is odd, RoPE needs pairs`);
  if (config.nHeads % config.nKvHeads !== 0) throw new UserError(`llama2.c checkpoint: n_heads ${config.nHeads} is not a multiple of n_kv_heads ${config.nKvHeads}`);
}

/** Size in bytes of a checkpoint with this shape. */
export function llama2cCheckpointSize(config: Llama2cConfig): number {
  return HEADER_BYTES + 4 * layout(config).reduce((sum, entry) => sum + entry.length, 0);
}

// ----------------------------------------------------------------------------
// Reading

/**
 * Parse a checkpoint. The weight arrays are views into `buffer` when it is 4-byte
 * aligned (copies otherwise). Throws a one-line UserError on a malformed file,
 * including any size other than exactly what the header implies.
 */
export function readLlama2cCheckpoint(buffer: Uint8Array): Llama2cCheckpoint {
  if (buffer.byteLength < HEADER_BYTES) throw new UserError(`llama2.c checkpoint: ${buffer.byteLength} bytes is shorter than the 28-byte header`);
  const header = new DataView(buffer.buffer, buffer.byteOffset, HEADER_BYTES);
  const int = (i: number) => header.getInt32(4 * i, true);
  const config: Llama2cConfig = {
    dim: int(0),
    hiddenDim: int(1),
    nLayers: int(2),
    nHeads: int(3),
    nKvHeads: int(4),
    vocabSize: Math.abs(int(5)),
    seqLen: int(6),
    sharedClassifier: int(5) > 0,
  };
  validateLlama2cConfig(config);
  const expected = llama2cCheckpointSize(config);
  if (buffer.byteLength !== expected) {
    throw new UserError(`llama2.c checkpoint: file is ${buffer.byteLength} bytes, the header implies ${expected}`);
  }

  const aligned = buffer.byteOffset % 4 === 0 ? buffer : new Uint8Array(buffer); // (a copy starts at offset 0)
  const weights: Partial<Record<string, Float32Array>> = {};
  let offset = aligned.byteOffset + HEADER_BYTES;
  for (const entry of layout(config)) {
    weights[entry.name] = new Float32Array(aligned.buffer, offset, entry.length);
    offset += 4 * entry.length;
  }
  delete weights.freqCisReal;
  delete weights.freqCisImag;
  return { config, weights: weights as unknown as Llama2cWeights };
}

// ----------------------------------------------------------------------------
// Writing

/** The checkpoint file's bytes. freq_cis is filled with the values llama2.c's exporter used (cos, sin of pos * freq). */
export function encodeLlama2cCheckpoint(config: Llama2cConfig, weights: Llama2cWeights): Uint8Array {
  validateLlama2cConfig(config);
  if (config.sharedClassifier === (weights.wcls !== undefined)) {
    throw new UserError(`llama2.c checkpoint: wcls must be given exactly when the classifier is unshared`);
  }
  const out = new Uint8Array(llama2cCheckpointSize(config));
  const header = new DataView(out.buffer, 0, HEADER_BYTES);
  const ints = [config.dim, config.hiddenDim, config.nLayers, config.nHeads, config.nKvHeads, config.sharedClassifier ? config.vocabSize : -config.vocabSize, config.seqLen];
  ints.forEach((value, i) => header.setInt32(4 * i, value, true));

  const [freqCisReal, freqCisImag] = legacyFreqCis(config);
  const floats = new Float32Array(out.buffer, HEADER_BYTES);
  let offset = 0;
  for (const entry of layout(config)) {
    const array = entry.name === "freqCisReal" ? freqCisReal : entry.name === "freqCisImag" ? freqCisImag : weights[entry.name];
    if (array === undefined || array.length !== entry.length) {
      throw new UserError(`llama2.c checkpoint: ${entry.name} has ${array?.length ?? 0} values, the shape needs ${entry.length}`);
    }
    floats.set(array, offset);
    offset += entry.length;
  }
  return out;
}

export async function writeLlama2cCheckpoint(path: string, config: Llama2cConfig, weights: Llama2cWeights, output: OutputOptions = {}): Promise<void> {
  await writeOutputFile(path, encodeLlama2cCheckpoint(config, weights), output);
}

/** (seq_len, head_size / 2) cos and sin tables of the RoPE angles; kept in the format, ignored by readers. */
function legacyFreqCis(config: Llama2cConfig): [Float32Array, Float32Array] {
  const half = headSize(config) / 2;
  const real = new Float32Array(config.seqLen * half);
  const imag = new Float32Array(config.seqLen * half);
  for (let pos = 0; pos < config.seqLen; pos++) {
    for (let i = 0; i < half; i++) {
      const angle = pos / Math.pow(10000, (2 * i) / headSize(config));
      real[pos * half + i] = Math.cos(angle);
      imag[pos * half + i] = Math.sin(angle);
    }
  }
  return [real, imag];
}

// ----------------------------------------------------------------------------
// Seeded random models

/** xorshift32 over a scrambled seed; returns uniform floats in [0, 1). Deterministic across platforms. */
function xorshiftRandom(seed: number): () => number {
  let state = (Math.imul(seed >>> 0, 0x9e3779b1) ^ 0x5bd1e995) >>> 0 || 1;
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    return state / 0x100000000;
  };
}

/**
 * Weights for a model of this shape, deterministic in `seed`. Matrices are uniform
 * with variance 1 / in (so each matvec keeps activations near unit scale), the
 * embedding is uniform in [-1, 1), RMSNorm gains are 1 +- 0.2.
 */
export function randomLlama2cModel(config: Llama2cConfig, seed: number): Llama2cWeights {
  validateLlama2cConfig(config);
  const random = xorshiftRandom(seed);
  const { dim, hiddenDim, nLayers: L, nHeads, nKvHeads, vocabSize } = config;
  const hs = headSize(config);
  const uniform = (length: number, center: number, halfWidth: number) => {
    const array = new Float32Array(length);
    for (let i = 0; i < length; i++) array[i] = center + halfWidth * (2 * random() - 1);
    return array;
  };
  // uniform in [-a, a) has variance a^2 / 3; a = sqrt(3 / in) gives variance 1 / in
  const matrix = (count: number, out: number, inputs: number) => uniform(count * out * inputs, 0, Math.sqrt(3 / inputs));
  const weights: Llama2cWeights = {
    tokenEmbeddingTable: uniform(vocabSize * dim, 0, 1),
    rmsAttWeight: uniform(L * dim, 1, 0.2),
    wq: matrix(L, nHeads * hs, dim),
    wk: matrix(L, nKvHeads * hs, dim),
    wv: matrix(L, nKvHeads * hs, dim),
    wo: matrix(L, dim, nHeads * hs),
    rmsFfnWeight: uniform(L * dim, 1, 0.2),
    w1: matrix(L, hiddenDim, dim),
    w2: matrix(L, dim, hiddenDim),
    w3: matrix(L, hiddenDim, dim),
    rmsFinalWeight: uniform(dim, 1, 0.2),
  };
  if (!config.sharedClassifier) weights.wcls = matrix(1, vocabSize, dim);
  return weights;
}

// ----------------------------------------------------------------------------
// Tokenizer files

export interface Llama2cTokenizerPiece {
  piece: Uint8Array | string; // a string is stored as UTF-8
  score: number;
}

export function encodeLlama2cTokenizer(pieces: Llama2cTokenizerPiece[]): Uint8Array {
  const bytes = pieces.map((p) => (typeof p.piece === "string" ? new TextEncoder().encode(p.piece) : p.piece));
  const maxTokenLength = bytes.reduce((max, b) => Math.max(max, b.length), 0);
  const out = new Uint8Array(4 + bytes.reduce((sum, b) => sum + 8 + b.length, 0));
  const view = new DataView(out.buffer);
  view.setInt32(0, maxTokenLength, true);
  let offset = 4;
  bytes.forEach((b, i) => {
    view.setFloat32(offset, pieces[i].score, true);
    view.setInt32(offset + 4, b.length, true);
    out.set(b, offset + 8);
    offset += 8 + b.length;
  });
  return out;
}

export async function writeLlama2cTokenizer(path: string, pieces: Llama2cTokenizerPiece[], output: OutputOptions = {}): Promise<void> {
  await writeOutputFile(path, encodeLlama2cTokenizer(pieces), output);
}

/**
 * A made-up vocabulary of `vocabSize` pieces in the shape of llama2.c's: <unk>, BOS,
 * EOS, then printable ASCII characters, then two-character pieces, each with a
 * distinct score. Enough for loaders and decoders; it encodes no real text well.
 */
export function syntheticLlama2cVocab(vocabSize: number): Llama2cTokenizerPiece[] {
  const pieces: Llama2cTokenizerPiece[] = [
    { piece: "<unk>", score: 0 },
    { piece: "\n<s>\n", score: 0 },
    { piece: "\n</s>\n", score: 0 },
  ];
  const chars: string[] = [];
  for (let c = 0x20; c < 0x7f; c++) chars.push(String.fromCharCode(c));
  for (const c of chars) pieces.push({ piece: c, score: -pieces.length });
  for (const a of chars) for (const b of chars) pieces.push({ piece: a + b, score: -pieces.length });
  if (vocabSize < 3 || vocabSize > pieces.length) throw new UserError(`synthetic vocabulary: size ${vocabSize} is outside 3..${pieces.length}`);
  return pieces.slice(0, vocabSize);
}
