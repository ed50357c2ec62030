// Seeded synthetic models at real shapes: the shapes, a per-tensor random stream,
// weight scales that keep activations near unit size, and made-up vocabularies
// (SentencePiece-style for llama and gemma3, byte-level BPE for qwen2 and qwen3) that loaders accept.

import { UserError } from "../errors.js";
import { type ModelShape, type SpmVocab, TOKEN_TYPE } from "./model-gguf.js";
import { type GGUFValue, gguf } from "./types.js";

// ----------------------------------------------------------------------------
// Shapes

const llama = (dim: number, hiddenDim: number, nLayers: number, nHeads: number, nKvHeads: number, vocabSize: number, contextLength: number, tied: boolean): ModelShape => ({
  arch: "llama", dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, contextLength, ropeFreqBase: 10000, rmsEps: 1e-5, tiedEmbeddings: tied, qkvBias: false,
});
const qwen2 = (dim: number, hiddenDim: number, nLayers: number, nHeads: number, nKvHeads: number, vocabSize: number, contextLength: number): ModelShape => ({
  arch: "qwen2", dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, contextLength, ropeFreqBase: 1_000_000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: true,
});

const qwen3 = (dim: number, hiddenDim: number, nLayers: number, nHeads: number, nKvHeads: number, headDim: number, vocabSize: number, contextLength: number): ModelShape => ({
  arch: "qwen3", dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, contextLength, ropeFreqBase: 1_000_000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: false, headDim, qkNorm: true,
});
/** Gemma 3: sliding-window layers (window, one global layer every `pattern`) with RoPE base 10000, global ones 1e6. */
const gemma3 = (dim: number, hiddenDim: number, nLayers: number, nHeads: number, nKvHeads: number, headDim: number, vocabSize: number, contextLength: number, window: number, pattern: number): ModelShape => ({
  arch: "gemma3", dim, hiddenDim, nLayers, nHeads, nKvHeads, vocabSize, contextLength, ropeFreqBase: 1_000_000, rmsEps: 1e-6, tiedEmbeddings: true, qkvBias: false, headDim, qkNorm: true, postNorms: true,
  extraMetadata: [
    ["gemma3.attention.sliding_window", gguf.u32(window)],
    ["gemma3.attention.sliding_window_pattern", gguf.u32(pattern)],
    ["gemma3.rope.freq_base_swa", gguf.f32(10000)],
  ],
});

/** The published shapes (contexts over 4096 cut to 4096), and tiny ones for tests. */
export const SHAPES: Record<string, ModelShape> = {
  stories15M: llama(288, 768, 6, 6, 6, 32000, 256, true),
  stories42M: llama(512, 1376, 8, 8, 8, 32000, 1024, true),
  stories110M: llama(768, 2048, 12, 12, 12, 32000, 1024, true),
  "tinyllama-1.1b": llama(2048, 5632, 22, 32, 4, 32000, 2048, false),
  "qwen2.5-0.5b": qwen2(896, 4864, 24, 14, 2, 151936, 4096),
  "qwen3-0.6b": qwen3(1024, 3072, 28, 16, 8, 128, 151936, 4096),
  "gemma3-270m": gemma3(640, 2048, 18, 4, 1, 256, 262144, 4096, 512, 6),
  "gemma3-1b": gemma3(1152, 6912, 26, 4, 1, 256, 262144, 4096, 512, 6),
  "test-llama": llama(256, 512, 2, 4, 2, 512, 128, false),
  "test-qwen2": qwen2(128, 256, 2, 4, 2, 640, 128),
  "test-qwen3": qwen3(64, 128, 2, 4, 2, 32, 640, 128),
  "test-gemma3": gemma3(64, 128, 3, 4, 2, 32, 512, 128, 4, 3),
};

export const PUBLIC_SHAPES = Object.keys(SHAPES).filter((name) => !name.startsWith("test-"));

// ----------------------------------------------------------------------------
// Random numbers

/** FNV-1a over the UTF-16 units of a string, 32-bit. */
function hash32(text: string, seed: number): number {
  let h = (0x811c9dc5 ^ Math.imul(seed | 0, 0x01000193)) >>> 0;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193) >>> 0;
  return h;
}

/**
 * A uniform [0, 1) stream for one tensor: Marsaglia's xorshift32 (shifts 13, 17, 5)
 * started from a hash of (seed, tensor name), so every tensor's values depend only
 * on the seed and its name, whatever order or format they are written in.
 */
export function tensorRandom(seed: number, name: string): () => number {
  let state = hash32(name, seed ^ Math.floor(seed / 2 ** 32)) || 0x9e3779b9;
  for (let i = 0; i < 8; i++) {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
  }
  return () => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return (state >>> 0) / 4294967296;
  };
}

/**
 * Uniform weights, center +- halfWidth, per tensor kind:
 *   matrices W (out, in): variance 1/in (halfWidth sqrt(3/in)), so W x keeps x's scale;
 *   token_embd and output: standard deviation 2/sqrt(dim), so logits = E x of a
 *     unit-RMS x have a standard deviation of about 2;
 *   norm gains: 1 +- 0.1; q/k/v biases: +- 0.05.
 */
export function weightDistribution(shape: ModelShape, name: string, rowLength: number): { center: number; halfWidth: number } {
  if (name.endsWith("_norm.weight")) return { center: 1, halfWidth: 0.1 };
  if (name.endsWith(".bias")) return { center: 0, halfWidth: 0.05 };
  if (name === "token_embd.weight" || name === "output.weight") return { center: 0, halfWidth: Math.sqrt(3) * (2 / Math.sqrt(shape.dim)) };
  return { center: 0, halfWidth: Math.sqrt(3 / rowLength) };
}

/** Draws the next `n` weights of a tensor from its stream. */
export function drawWeights(random: () => number, n: number, center: number, halfWidth: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = center + halfWidth * (2 * random() - 1);
  return out;
}

// ----------------------------------------------------------------------------
// A SentencePiece-style vocabulary: <unk>, <s>, </s>, the 256 byte tokens, then pieces

const PIECE_ALPHABET = [..."etaoinshrdlcumwfgypbvkjxqz", "\u2581", ..."ETAOINSHRDLCUMWFGYPBVKJXQZ", ..."0123456789.,!?'\"-:;()"];

export function syntheticSpmVocab(vocabSize: number): SpmVocab {
  const tokens = ["<unk>", "<s>", "</s>"];
  for (let b = 0; b < 256; b++) tokens.push(`<0x${b.toString(16).toUpperCase().padStart(2, "0")}>`);
  const special = tokens.length;
  if (vocabSize < special) throw new UserError(`a synthetic SentencePiece vocabulary needs at least ${special} tokens, got ${vocabSize}`);
  // single characters, "▁" + character, then longer pieces by extending earlier pieces
  const pieces: string[] = [];
  const seen = new Set<string>();
  const add = (piece: string) => {
    if (!seen.has(piece) && tokens.length + pieces.length < vocabSize) {
      seen.add(piece);
      pieces.push(piece);
    }
  };
  for (const c of PIECE_ALPHABET) add(c);
  for (const c of PIECE_ALPHABET) add("\u2581" + c);
  for (let i = 0; tokens.length + pieces.length < vocabSize; i++) for (const c of PIECE_ALPHABET.slice(0, 27)) add(pieces[i] + c);
  tokens.push(...pieces);
  const scores = new Float32Array(vocabSize);
  const types = new Int32Array(vocabSize).fill(TOKEN_TYPE.NORMAL);
  types[0] = TOKEN_TYPE.UNKNOWN;
  types[1] = types[2] = TOKEN_TYPE.CONTROL;
  for (let i = 3; i < special; i++) types[i] = TOKEN_TYPE.BYTE;
  for (let i = special; i < vocabSize; i++) scores[i] = -(i - special); // earlier pieces are preferred, as in SentencePiece
  return { tokens, scores, types, bos: 1, eos: 2, unk: 0 };
}

// ----------------------------------------------------------------------------
// A byte-level BPE vocabulary (gpt2 type), Qwen-style specials

/** GPT-2's byte -> printable character map: printable Latin-1 bytes stand for themselves, the rest move to U+0100 and up. */
export function byteToUnicode(): string[] {
  const map: string[] = new Array(256);
  let next = 256;
  for (let b = 0; b < 256; b++) {
    const printable = (b >= 0x21 && b <= 0x7e) || (b >= 0xa1 && b <= 0xac) || (b >= 0xae && b <= 0xff);
    map[b] = String.fromCodePoint(printable ? b : next++);
  }
  return map;
}

const QWEN_SPECIALS = ["<|endoftext|>", "<|im_start|>", "<|im_end|>"];

/** ChatML, the prompt format Qwen2.5 uses. */
export const CHATML_TEMPLATE =
  "{% for message in messages %}{{ '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}{% endfor %}" +
  "{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";

/**
 * tokenizer.ggml.* for a made-up byte-level BPE vocabulary of `vocabSize` tokens:
 * the 256 byte characters; merges that build every string over "Ġ" (space) and
 * a-z by appending one character to an earlier token (so each merge's two parts
 * are tokens of lower rank, and each result is new); the ChatML specials; then
 * unused [PADn] tokens, as the padded rows of a real embedding table.
 */
export function syntheticBpeMetadata(vocabSize: number): [string, GGUFValue][] {
  const nSpecial = QWEN_SPECIALS.length;
  const nRegular = Math.min(vocabSize - nSpecial, 151643); // Qwen2.5: 151643 regular tokens, the rest of 151936 specials and padding
  if (nRegular < 256) throw new UserError(`a synthetic BPE vocabulary needs at least ${256 + nSpecial} tokens, got ${vocabSize}`);
  const bytes = byteToUnicode();
  const tokens = [...bytes];
  const merges: string[] = [];
  const alphabet = [bytes[0x20], ..."abcdefghijklmnopqrstuvwxyz"]; // "Ġ" is the space byte
  let level = alphabet.slice();
  while (tokens.length < nRegular) {
    const nextLevel: string[] = [];
    for (const prefix of level) {
      for (const c of alphabet) {
        if (tokens.length >= nRegular) break;
        merges.push(`${prefix} ${c}`);
        tokens.push(prefix + c);
        nextLevel.push(prefix + c);
      }
    }
    level = nextLevel;
  }
  const types = new Int32Array(vocabSize).fill(TOKEN_TYPE.NORMAL);
  const endOfText = tokens.length;
  for (const special of QWEN_SPECIALS) {
    types[tokens.length] = TOKEN_TYPE.CONTROL;
    tokens.push(special);
  }
  while (tokens.length < vocabSize) {
    types[tokens.length] = TOKEN_TYPE.UNUSED;
    tokens.push(`[PAD${tokens.length}]`);
  }
  return [
    ["tokenizer.ggml.model", gguf.str("gpt2")],
    ["tokenizer.ggml.pre", gguf.str("qwen2")],
    ["tokenizer.ggml.tokens", gguf.strings(tokens)],
    ["tokenizer.ggml.token_type", gguf.i32s(types)],
    ["tokenizer.ggml.merges", gguf.strings(merges)],
    ["tokenizer.ggml.eos_token_id", gguf.u32(endOfText + 2)], // <|im_end|>
    ["tokenizer.ggml.padding_token_id", gguf.u32(endOfText)],
    ["tokenizer.ggml.bos_token_id", gguf.u32(endOfText)],
    ["tokenizer.ggml.add_bos_token", gguf.bool(false)],
    ["tokenizer.chat_template", gguf.str(CHATML_TEMPLATE)],
  ];
}
