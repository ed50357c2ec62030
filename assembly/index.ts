// The core's exports: the host side of the interface documented in host.ts.
import { clock_us, STDERR } from "./host";
import { RunConfig, parseConfig } from "./config";
import { readWholeFile } from "./runtime/files";
import { loadLlama2c } from "./model/llama2c";
import { GgufFile, isGguf, metaString, parseGguf } from "./model/gguf";
import { Chat, chat } from "./text/chat";
import { TEMPLATE_PLAIN, detectTemplate, templateByName } from "./text/chat-template";
import { writeString } from "./text/text";
import { loadGgufModel } from "./model/gguf-model";
import { dequantizeRow, rowBytes } from "./kernels/quant";
import { blockSize } from "./model/tensor-types";
import { Matrix, Model } from "./model/model";
import { RunState, newRunState } from "./model/state";
import { Tokenizer, loadLlama2cTokenizer, loadGgufTokenizer, encode as encodeText, decode as decodeToken, decodedPtr, maxTokens, isEndOfGeneration, MAX_TEXT_BYTES } from "./tokenizer/tokenizer";
import { Sampler, newSampler } from "./text/sampler";
import { forward as forwardToken, forwardBatch, tokensInVocabulary } from "./model/forward";
import { generate } from "./text/generate";
import { initMatmul, matmul, runMatmulJob } from "./kernels/matmul";
import { Input } from "./kernels/activations";
import { runAttentionJob } from "./model/attention";
import { ATTENTION_JOBS, activeJobs } from "./runtime/parallel";
import { injectOutOfBoundsRead } from "./runtime/memory";
import { Region, take, reuse, keep } from "./runtime/request-memory";
import { fail, errorPointer, errorLength } from "./runtime/status";
import { objectHeapUsed } from "./runtime/object-heap";
import { Server, serve as serveHttp } from "./serve/server";

export { coreAbort } from "./host";

let model: Model | null = null;
let gguf: GgufFile | null = null;
let tokenizer: Tokenizer | null = null;
let state: RunState | null = null;
let config: RunConfig | null = null;
let loadUs: i64 = 0;

const OK = 0;
const FAILED = 1;

/** What the host hands in; a request that is over leaves it to the next (see inputUsed). */
const hostInput = new Region();
let inputUsed = false; // set by each export that reads host input and keeps nothing of it
/** The results of the tool exports (dequantize_tensor, multiply), which the host copies at once. */
const results = new Region();

/** Room for `len` bytes of host input (configuration text, text to encode), valid until the next request. */
export function alloc(len: u32): usize {
  if (inputUsed) reuse(hostInput);
  inputUsed = false;
  return take(hostInput, len, "host input");
}

/** Parse the configuration and load the model and tokenizer it names. */
export function load(configPtr: usize, configLen: u32): i32 {
  const started = clock_us();
  if (model != null) return fail("a model is already loaded; this instance loads one") ? OK : FAILED;
  keep(hostInput); // the configuration: the prompt stays in it
  config = parseConfig(configPtr, configLen);
  if (config == null) return FAILED;
  const c = config!;
  const modelFile = readWholeFile(c.model, "model");
  if (modelFile == null) return FAILED;
  if (isGguf(modelFile)) {
    gguf = parseGguf(modelFile, c.model);
    if (gguf == null) return FAILED;
    model = loadGgufModel(gguf!, modelFile.size, c.context);
  } else {
    model = loadLlama2c(modelFile, c.model);
    if (model != null && c.context > 0) model!.config.seqLen = min(model!.config.seqLen, c.context);
  }
  if (model == null) return FAILED;
  // A context longer than the model was trained for is clamped, and said so (llama.cpp warns too).
  if (c.context > model!.config.seqLen) {
    writeString(STDERR, "warning: context " + c.context.toString() + " is more than the model's " + model!.config.seqLen.toString() + " tokens: using " + model!.config.seqLen.toString() + "\n");
  }
  if (c.tokenizer.length > 0) {
    const tokenizerFile = readWholeFile(c.tokenizer, "tokenizer");
    if (tokenizerFile == null) return FAILED;
    tokenizer = loadLlama2cTokenizer(tokenizerFile, c.tokenizer, model!.config.vocabSize);
  } else if (gguf != null) {
    tokenizer = loadGgufTokenizer(gguf!, c.model);
    if (tokenizer != null && tokenizer!.vocabSize != model!.config.vocabSize) {
      fail("'" + c.model + "' has " + tokenizer!.vocabSize.toString() + " tokens but " + model!.config.vocabSize.toString() + " embedding rows");
      return FAILED;
    }
  } else {
    return fail("no tokenizer given: a llama2.c checkpoint needs its tokenizer.bin (config key 'tokenizer')") ? OK : FAILED;
  }
  if (tokenizer == null) return FAILED;
  state = newRunState(model!.config);
  if (state == null) return FAILED;
  loadUs = clock_us() - started;
  return OK;
}

/** Parse the configuration only, opening no file: a host's preflight (the image command) before any work. */
export function check_config(configPtr: usize, configLen: u32): i32 {
  inputUsed = true;
  return parseConfig(configPtr, configLen) != null ? OK : FAILED;
}

/** A sampler for the loaded model with the configuration's settings, or null with the reason recorded. */
function configuredSampler(c: RunConfig, seed: u64): Sampler | null {
  const sampler = newSampler(model!.config.vocabSize, seed);
  if (sampler == null) return null;
  sampler.temperature = c.temperature;
  sampler.topP = c.topP;
  sampler.topK = c.topK;
  sampler.minP = c.minP;
  sampler.repeatPenalty = c.repeatPenalty;
  return sampler;
}

/** load(), then generate from the configured prompt, streaming text to stream 1. */
export function run(configPtr: usize, configLen: u32): i32 {
  if (load(configPtr, configLen) != OK) return FAILED;
  const c = config!;
  if (c.debug == "trap-oob") injectOutOfBoundsRead();
  // A stick in serve mode (uefi-llm.cfg "mode = serve") listens on all of its addresses.
  if (c.mode == "serve") return serveLoaded("0.0.0.0", c.port);
  const sampler = configuredSampler(c, c.seed != 0 ? c.seed : (<u64>clock_us() | 1));
  if (sampler == null) return FAILED;
  if (c.mode == "chat") return chat(new Chat(model!, state!, tokenizer!, sampler, chatFamily(c), c.system, c.steps, c.repeatLastN, c.keep)) ? OK : FAILED;
  return generate(model!, state!, tokenizer!, sampler, c.promptPtr, c.promptLen, c.steps, c.repeatLastN, c.keep, c.printIds, c.ignoreEos, loadUs) ? OK : FAILED;
}

/**
 * load(), then serve the OpenAI-style HTTP API on host:port (the UTF-8 bytes at hostPtr):
 * the configuration's sampling settings and steps are the defaults a request can override.
 * Returns only when listening fails.
 */
export function serve(configPtr: usize, configLen: u32, hostPtr: usize, hostLen: u32, port: i32): i32 {
  const host = String.UTF8.decodeUnsafe(hostPtr, hostLen);
  if (load(configPtr, configLen) != OK) return FAILED;
  return serveLoaded(host, port);
}

/** Serve the loaded model: the configuration's settings are the defaults of every request. */
function serveLoaded(host: string, port: i32): i32 {
  const c = config!;
  const sampler = configuredSampler(c, 1);
  if (sampler == null) return FAILED;
  const s = new Server(model!, state!, tokenizer!, sampler, chatFamily(c), modelName(c.model));
  s.steps = c.steps;
  s.repeatLastN = c.repeatLastN;
  s.seed = c.seed;
  return serveHttp(s, host, port) ? OK : FAILED;
}

/** The model's id in the API: its file name without folders. */
function modelName(path: string): string {
  const slash = max(path.lastIndexOf("/"), path.lastIndexOf("\\"));
  return path.substring(slash + 1);
}

/** The template family: the configured one, else the one the GGUF's chat template implies, else plain text. */
function chatFamily(c: RunConfig): i32 {
  if (c.chatTemplate.length > 0) return templateByName(c.chatTemplate);
  const jinja = gguf != null ? metaString(gguf!, "tokenizer.chat_template") : null;
  if (jinja == null) return TEMPLATE_PLAIN;
  const family = detectTemplate(jinja);
  if (family >= 0) return family;
  writeString(STDERR, "this model's chat template is not one uefi-llm knows; chatting in plain text (set chat_template to choose one)\n");
  return TEMPLATE_PLAIN;
}

/** Logits for `token` at `pos` (vocab_size f32), or 0 if out of range or nothing is loaded. */
export function forward(token: i32, pos: i32): usize {
  if (model == null) { fail("no model loaded"); return 0; }
  const c = model!.config;
  if (token < 0 || token >= c.vocabSize || pos < 0 || pos >= c.seqLen) {
    fail("forward: token " + token.toString() + " or position " + pos.toString() + " out of range");
    return 0;
  }
  return forwardToken(model!, state!, token, pos);
}

/** Logits after tokens [0, count) (i32 at tokensPtr) at positions pos.. go through in batches; 0 if out of range. */
export function forward_tokens(tokensPtr: usize, count: i32, pos: i32): usize {
  inputUsed = true;
  if (model == null) { fail("no model loaded"); return 0; }
  const c = model!.config;
  if (count < 1 || pos < 0 || pos + count > c.seqLen) { fail("forward_tokens: positions out of range"); return 0; }
  if (!tokensInVocabulary(tokensPtr, count, c.vocabSize)) { fail("forward_tokens: a token is out of range"); return 0; }
  return forwardBatch(model!, state!, tokensPtr, count, pos);
}

export function vocab_size(): i32 {
  return model != null ? model!.config.vocabSize : 0;
}

export function context_length(): i32 {
  return model != null ? model!.config.seqLen : 0;
}

/**
 * Token ids of the text into out (room for max_tokens(text_len) ids); returns the count, or -1.
 * flags: 1 = BOS and 2 = EOS where the vocabulary adds them, 4 = parse special tokens in the text.
 */
export function encode(textPtr: usize, textLen: i32, flags: i32, out: usize): i32 {
  inputUsed = true;
  if (tokenizer == null) { fail("no tokenizer loaded"); return -1; }
  return encodeText(tokenizer!, textPtr, textLen, (flags & 1) != 0, (flags & 2) != 0, out, (flags & 4) != 0);
}

/** The most ids encode() can write for text_len bytes (0 <= text_len <= 2^28). */
export function max_tokens(textLen: i32): i32 {
  return maxTokens(min(max(textLen, 0), MAX_TEXT_BYTES));
}

/** Bytes to print for `token` after `prev` (-1: none) at decoded_piece(); returns the length, or -1. */
export function decode(prev: i32, token: i32): i32 {
  if (tokenizer == null || token < 0 || token >= tokenizer!.vocabSize) { fail("decode: no tokenizer or token out of range"); return -1; }
  return decodeToken(tokenizer!, prev, token);
}

export function decoded_piece(): usize {
  return decodedPtr;
}

/** Load only the tokenizer of the GGUF file named by config key `model` (vocab-only files have no tensors). */
export function load_tokenizer(configPtr: usize, configLen: u32): i32 {
  if (tokenizer != null) return fail("a tokenizer is already loaded; this instance loads one") ? OK : FAILED;
  keep(hostInput);
  const c = parseConfig(configPtr, configLen);
  if (c == null) return FAILED;
  const file = readWholeFile(c.model, "model");
  if (file == null) return FAILED;
  const g = parseGguf(file, c.model);
  if (g == null) return FAILED;
  tokenizer = loadGgufTokenizer(g, c.model);
  return tokenizer != null ? OK : FAILED;
}

/** Special tokens of the loaded tokenizer: -1 when it has none (or none is loaded). */
export function bos_id(): i32 {
  return tokenizer != null ? tokenizer!.bos : -1;
}

export function eos_id(): i32 {
  return tokenizer != null ? tokenizer!.eos : -1;
}

export function eot_id(): i32 {
  return tokenizer != null ? tokenizer!.eot : -1;
}

/** 1 if generating `token` ends the text (EOS, EOT and the like), else 0. */
export function token_is_eog(token: i32): i32 {
  return tokenizer != null && token >= 0 && token < tokenizer!.vocabSize && isEndOfGeneration(tokenizer!, token) ? 1 : 0;
}

/** All values of the named GGUF tensor as f32 (rows x cols), for tests and tools; 0 if there is no such tensor. */
export function dequantize_tensor(namePtr: usize, nameLen: u32): usize {
  inputUsed = true;
  const t = gguf != null ? gguf!.tensor(String.UTF8.decodeUnsafe(namePtr, nameLen)) : null;
  if (t == null) { fail("no such tensor"); return 0; }
  const cols = <i32>t.cols;
  const rows = t.rows;
  reuse(results);
  const out = take(results, <u64>rows * <u64>cols * 4, "a dequantized tensor");
  if (out == 0) return 0;
  const rowSize = rowBytes(t.type, cols);
  for (let r: i64 = 0; r < rows; r++) dequantizeRow(out + <usize>r * (<usize>cols << 2), t.ptr + <usize>r * rowSize, t.type, cols);
  return out;
}

/** multiply()'s input vectors. */
const multiplyInput = new Input();

/**
 * W (rows, cols) of ggml `type` at w, times T vectors x (T, cols) f32: the (T, rows) f32 result,
 * through the same matmul as the forward pass; for tests and tools. 0 with the reason recorded.
 */
export function multiply(type: i32, rows: i32, cols: i32, w: usize, x: usize, T: i32): usize {
  inputUsed = true;
  if (blockSize(type) == 0 || rows <= 0 || cols <= 0 || cols % blockSize(type) != 0 || T <= 0) { fail("multiply: bad type or shape"); return 0; }
  if (!initMatmul() || !multiplyInput.reserve(cols, T)) return 0;
  reuse(results);
  const out = take(results, <u64>T * <u64>rows * 4, "a product");
  if (out == 0) return 0;
  matmul(out, multiplyInput.set(x, cols, T), new Matrix(w, type, rows, cols));
  return out;
}

/** One share of the work the core asked the host to spread with parallel_for. */
export function job(index: i32): void {
  if (activeJobs == ATTENTION_JOBS) runAttentionJob(index);
  else runMatmulJob(index);
}

/** Bytes of the object heap in use (strings, small objects): a chat that gives back what each line made keeps this flat. */
export function object_heap_used(): usize {
  return objectHeapUsed();
}

export function error_ptr(): usize {
  return errorPointer();
}

export function error_len(): i32 {
  return errorLength();
}
