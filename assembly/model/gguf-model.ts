// A transformer from a GGUF file: hyperparameters from the "<arch>.*" keys, weights
// used in place in their stored types. Supported architectures: SUPPORTED below.
import { GgufFile, GgufTensor, metaF32, metaString, metaU32, T_ARRAY, T_I32, T_U32 } from "./gguf";
import { LayerWeights, Matrix, Model, ModelConfig, Weights } from "./model";
import { GGML_F32, typeName } from "./tensor-types";
import { fail } from "../runtime/status";

/** Used when the configuration sets no context length: the KV cache of a 128k-context model would not fit. */
const DEFAULT_CONTEXT_CAP = 4096;

const SUPPORTED = "llama, qwen2, qwen3, gemma2, gemma3, phi3, smollm3, granite and lfm2";

function isSupported(arch: string): bool {
  return arch == "llama" || arch == "qwen2" || arch == "qwen3" || arch == "gemma2" || arch == "gemma3" || arch == "phi3" || arch == "smollm3" || arch == "granite" || arch == "lfm2";
}

export function loadGgufModel(g: GgufFile, fileSize: u64, contextLength: i32): Model | null {
  const arch = metaString(g, "general.architecture");
  if (arch == null) {
    fail("'" + g.path + "' has no general.architecture");
    return null;
  }
  if (!isSupported(arch)) {
    fail("unsupported architecture '" + arch + "' in '" + g.path + "': supported are " + SUPPORTED);
    return null;
  }
  const c = readConfig(g, arch, contextLength);
  if (c == null) return null;
  const w = new Weights();
  const loader = new TensorLoader(g);
  w.tokenEmbedding = loader.matrix("token_embd.weight", -1, c.dim);
  if (w.tokenEmbedding == null) return null;
  c.vocabSize = w.tokenEmbedding!.rows;
  const qDim = c.nHeads * c.headSize;
  const pattern = <i32>metaU32(g, archKey(arch, "attention.sliding_window_pattern"), arch == "gemma2" ? 2 : 6);
  if (c.slidingWindow > 0 && pattern <= 0) {
    fail("'" + g.path + "': " + archKey(arch, "attention.sliding_window_pattern") + " must be positive");
    return null;
  }
  const layers = new StaticArray<LayerWeights>(c.nLayers);
  for (let l = 0; l < c.nLayers; l++) {
    const b = "blk." + l.toString() + ".";
    const layer = new LayerWeights();
    layer.attentionNorm = loader.vector(b + "attn_norm.weight", c.dim, true);
    if (arch == "lfm2" && layerKvHeads(g, arch, l) == 0) {
      // a short-convolution layer: in_proj rows are [B; C; x]
      layer.conv = loader.vector2(b + "shortconv.conv.weight", 3, c.dim);
      const inProj = loader.matrix(b + "shortconv.in_proj.weight", 3 * c.dim, c.dim);
      if (inProj != null) {
        layer.convB = rowsOf(inProj, 0, c.dim);
        layer.convC = rowsOf(inProj, c.dim, c.dim);
        layer.convX = rowsOf(inProj, 2 * c.dim, c.dim);
      }
      layer.convOut = loader.matrix(b + "shortconv.out_proj.weight", c.dim, c.dim);
      layer.ffnNorm = loader.vector(b + "ffn_norm.weight", c.dim, true);
      layer.w1 = loader.matrix(b + "ffn_gate.weight", c.hiddenDim, c.dim);
      layer.w2 = loader.matrix(b + "ffn_down.weight", c.dim, c.hiddenDim);
      layer.w3 = loader.matrix(b + "ffn_up.weight", c.hiddenDim, c.dim);
      if (loader.failed) return null;
      layers[l] = layer;
      continue;
    }
    if (arch == "phi3") {
      // fused: attn_qkv rows are [q; k; v], ffn_up rows are [gate; up]
      const qkv = loader.matrix(b + "attn_qkv.weight", qDim + 2 * c.kvDim, c.dim);
      if (qkv != null) {
        layer.wq = rowsOf(qkv, 0, qDim);
        layer.wk = rowsOf(qkv, qDim, c.kvDim);
        layer.wv = rowsOf(qkv, qDim + c.kvDim, c.kvDim);
      }
      const gateUp = loader.matrix(b + "ffn_up.weight", 2 * c.hiddenDim, c.dim);
      if (gateUp != null) {
        layer.w1 = rowsOf(gateUp, 0, c.hiddenDim);
        layer.w3 = rowsOf(gateUp, c.hiddenDim, c.hiddenDim);
      }
    } else {
      layer.wq = loader.matrix(b + "attn_q.weight", qDim, c.dim);
      layer.wk = loader.matrix(b + "attn_k.weight", c.kvDim, c.dim);
      layer.wv = loader.matrix(b + "attn_v.weight", c.kvDim, c.dim);
      layer.w1 = loader.matrix(b + "ffn_gate.weight", c.hiddenDim, c.dim);
      layer.w3 = loader.matrix(b + "ffn_up.weight", c.hiddenDim, c.dim);
    }
    layer.wo = loader.matrix(b + "attn_output.weight", c.dim, qDim);
    layer.ffnNorm = loader.vector(b + "ffn_norm.weight", c.dim, true);
    layer.w2 = loader.matrix(b + "ffn_down.weight", c.dim, c.hiddenDim);
    const biases = arch == "qwen2";
    layer.bq = loader.vector(b + "attn_q.bias", qDim, biases);
    layer.bk = loader.vector(b + "attn_k.bias", c.kvDim, biases);
    layer.bv = loader.vector(b + "attn_v.bias", c.kvDim, biases);
    const qkNorms = arch == "qwen3" || arch == "gemma3" || arch == "lfm2";
    layer.qNorm = loader.vector(b + "attn_q_norm.weight", c.headSize, qkNorms);
    layer.kNorm = loader.vector(b + "attn_k_norm.weight", c.headSize, qkNorms);
    const postNorms = arch == "gemma2" || arch == "gemma3";
    layer.postAttentionNorm = loader.vector(b + "post_attention_norm.weight", c.dim, postNorms);
    layer.postFfnNorm = loader.vector(b + "post_ffw_norm.weight", c.dim, postNorms);
    // Gemma: layer l is a sliding-window layer unless it ends a period of `pattern` layers
    layer.slidingWindow = c.slidingWindow > 0 && l % pattern < pattern - 1;
    // SmolLM3: every fourth layer has no RoPE (fixed in llama.cpp, no GGUF key)
    layer.rope = !(arch == "smollm3" && (l + 1) % 4 == 0);
    if (loader.failed) return null;
    layers[l] = layer;
  }
  w.layers = layers;
  // LFM2's final norm has the name llama.cpp gives it ("token_embd_norm", a misnomer it keeps)
  w.finalNorm = loader.vector(arch == "lfm2" ? "token_embd_norm.weight" : "output_norm.weight", c.dim, true);
  w.classifier = g.tensor("output.weight") != null ? loader.matrix("output.weight", c.vocabSize, c.dim) : w.tokenEmbedding;
  w.ropeFactors = loader.vector("rope_freqs.weight", c.ropeDim >> 1, false);
  if (arch == "phi3" && w.ropeFactors == 0) {
    // LongRoPE: llama.cpp takes the long factors when its context (rounded up to 256) exceeds the original one
    const original = metaU32(g, archKey(arch, "rope.scaling.original_context_length"), 0);
    const padded = (c.seqLen + 255) & ~255;
    const long = original > 0 && <i64>padded > original;
    w.ropeFactors = loader.vector(long ? "rope_factors_long.weight" : "rope_factors_short.weight", c.ropeDim >> 1, false);
  }
  if (loader.failed) return null;
  return new Model(c, w, fileSize);
}

/** The key/value heads of layer l: head_count_kv, or its element l when it is a per-layer array (-1 if unusable). */
function layerKvHeads(g: GgufFile, arch: string, l: i32): i64 {
  const v = g.get(archKey(arch, "attention.head_count_kv"));
  if (v == null || v.type != T_ARRAY) return metaU32(g, archKey(arch, "attention.head_count_kv"), -1);
  if ((v.arrayType != T_U32 && v.arrayType != T_I32) || <u64>l >= v.count) return -1;
  return <i64>load<i32>(v.value + (<usize>l << 2));
}

/** Rows [first, first + count) of m, in place: one part of a fused matrix. */
function rowsOf(m: Matrix, first: i32, count: i32): Matrix {
  return new Matrix(m.ptr + <usize>first * m.rowBytes, m.type, count, m.cols);
}

/** "<arch>.<name>": where GGUF keeps an architecture's hyperparameters. */
function archKey(arch: string, name: string): string {
  return arch + "." + name;
}

function readConfig(g: GgufFile, arch: string, contextLength: i32): ModelConfig | null {
  const c = new ModelConfig();
  const dim = metaU32(g, archKey(arch, "embedding_length"), 0);
  const hidden = metaU32(g, archKey(arch, "feed_forward_length"), 0);
  const layers = metaU32(g, archKey(arch, "block_count"), 0);
  const heads = metaU32(g, archKey(arch, "attention.head_count"), 0);
  // LFM2 gives head_count_kv per layer (0 for its convolution layers): the attention layers' count
  let kvHeads = metaU32(g, archKey(arch, "attention.head_count_kv"), heads);
  if (arch == "lfm2") {
    kvHeads = 0;
    for (let l: i64 = 0; l < min(layers, 4096); l++) {
      const n = layerKvHeads(g, arch, <i32>l);
      kvHeads = max(kvHeads, n);
      if (n == 0) c.hasConv = true;
    }
    if (kvHeads == 0) kvHeads = heads;
    if (metaU32(g, archKey(arch, "shortconv.l_cache"), 3) != 3) {
      fail("'" + g.path + "': " + archKey(arch, "shortconv.l_cache") + " must be 3 (the only short-convolution length supported)");
      return null;
    }
  }
  const trained = metaU32(g, archKey(arch, "context_length"), 0);
  const sizes = [dim, hidden, layers, heads, kvHeads, trained];
  const names = ["embedding_length", "feed_forward_length", "block_count", "attention.head_count", "attention.head_count_kv", "context_length"];
  const limits: i64[] = [65536, 1 << 20, 4096, 4096, 4096, 1 << 24];
  for (let i = 0; i < sizes.length; i++) {
    if (sizes[i] <= 0 || sizes[i] > limits[i]) {
      fail("'" + g.path + "': " + archKey(arch, names[i]) + (g.has(archKey(arch, names[i])) ? " is " + sizes[i].toString() + ", out of range" : " is missing"));
      return null;
    }
  }
  c.dim = <i32>dim;
  c.hiddenDim = <i32>hidden;
  c.nLayers = <i32>layers;
  c.nHeads = <i32>heads;
  c.nKvHeads = <i32>kvHeads;
  if (c.nHeads % c.nKvHeads != 0) {
    fail("'" + g.path + "': head_count " + heads.toString() + " is not a multiple of head_count_kv " + kvHeads.toString());
    return null;
  }
  const headSize = metaU32(g, archKey(arch, "attention.key_length"), dim / heads);
  if (headSize <= 0 || headSize > 4096 || metaU32(g, archKey(arch, "attention.value_length"), headSize) != headSize || (dim % heads != 0 && !g.has(archKey(arch, "attention.key_length")))) {
    fail("'" + g.path + "': head size " + headSize.toString() + " (embedding " + dim.toString() + " over " + heads.toString() + " heads) is not supported");
    return null;
  }
  c.headSize = <i32>headSize;
  c.kvDim = c.nKvHeads * c.headSize;
  const ropeDim = metaU32(g, archKey(arch, "rope.dimension_count"), headSize);
  if (ropeDim <= 0 || ropeDim > headSize || ropeDim % 2 != 0) {
    fail("'" + g.path + "': rope.dimension_count " + ropeDim.toString() + " does not fit the head size " + headSize.toString());
    return null;
  }
  c.ropeDim = <i32>ropeDim;
  c.ropeTheta = metaF32(g, archKey(arch, "rope.freq_base"), 10000.0);
  c.ropeNeox = arch == "qwen2" || arch == "qwen3" || arch == "gemma2" || arch == "gemma3" || arch == "phi3" || arch == "lfm2";
  const scaling = metaString(g, archKey(arch, "rope.scaling.type"));
  // Phi-3's LongRoPE comes as per-frequency factor tensors (read with the weights), not as a factor here
  if (scaling != null && scaling != "none" && !(arch == "phi3" && scaling == "longrope")) {
    if (scaling != "linear") {
      fail("'" + g.path + "' uses RoPE scaling '" + scaling + "', which is not supported (none and linear are)");
      return null;
    }
    const factor = metaF32(g, archKey(arch, "rope.scaling.factor"), 1.0);
    if (!(factor > 0)) {
      fail("'" + g.path + "': rope.scaling.factor must be positive");
      return null;
    }
    c.ropeScale = 1.0 / factor;
  }
  c.normEps = metaF32(g, archKey(arch, "attention.layer_norm_rms_epsilon"), 1e-5);
  c.arch = arch;
  c.ropeThetaLocal = metaF32(g, archKey(arch, "rope.freq_base_swa"), c.ropeTheta);
  c.ropeAttnFactor = metaF32(g, archKey(arch, "rope.scaling.attn_factor"), 1.0);
  if (arch == "gemma2" || arch == "gemma3") {
    c.embeddingScale = Mathf.sqrt(<f32>c.dim);
    c.geglu = true;
    // q is scaled by 1/sqrt(query_pre_attn_scalar): the head size, but dim / heads in the 27B models
    // (46 layers in Gemma 2, 62 in Gemma 3), which llama.cpp recognises by their layer count
    const is27B = c.nLayers == (arch == "gemma2" ? 46 : 62);
    c.attentionScale = 1.0 / Mathf.sqrt(<f32>(is27B ? c.dim / c.nHeads : c.headSize));
    c.slidingWindow = <i32>metaU32(g, archKey(arch, "attention.sliding_window"), arch == "gemma2" ? 4096 : 0);
    c.attentionSoftcap = metaF32(g, archKey(arch, "attn_logit_softcapping"), 0.0);
    c.finalSoftcap = metaF32(g, archKey(arch, "final_logit_softcapping"), 0.0);
    if (c.slidingWindow < 0 || !(c.attentionSoftcap >= 0) || !(c.finalSoftcap >= 0)) {
      fail("'" + g.path + "': sliding_window and the soft-capping values must not be negative");
      return null;
    }
  }
  if (arch == "granite") {
    c.embeddingScale = metaF32(g, archKey(arch, "embedding_scale"), 1.0);
    c.residualScale = metaF32(g, archKey(arch, "residual_scale"), 1.0);
    c.attentionScale = metaF32(g, archKey(arch, "attention.scale"), 0.0);
    const logitScale = metaF32(g, archKey(arch, "logit_scale"), 1.0);
    if (!(logitScale > 0)) {
      fail("'" + g.path + "': granite.logit_scale must be positive");
      return null;
    }
    c.logitScale = 1.0 / logitScale;
  }
  c.seqLen = contextLength > 0 ? min(contextLength, <i32>trained) : min(<i32>trained, DEFAULT_CONTEXT_CAP);
  return c;
}

/** Looks tensors up by name and checks their shapes; the first problem is recorded and sticks. */
class TensorLoader {
  failed: bool = false;
  constructor(public g: GgufFile) {}

  /** A 2-D weight (rows, cols); rows -1 = any. */
  matrix(name: string, rows: i32, cols: i32): Matrix | null {
    const t = this.find(name, true);
    if (t == null) return null;
    if (t.ne[2] != 1 || t.ne[3] != 1 || t.ne[0] != <i64>cols || (rows >= 0 && t.ne[1] != <i64>rows) || t.ne[1] > (1 << 24)) {
      this.wrongShape(t, cols.toString() + " x " + (rows >= 0 ? rows.toString() : "n"));
      return null;
    }
    return new Matrix(t.ptr, t.type, <i32>t.ne[1], cols);
  }

  /** A required 2-D f32 tensor (rows, cols), as a pointer: small per-channel kernels. */
  vector2(name: string, cols: i32, rows: i32): usize {
    const t = this.find(name, true);
    if (t == null) return 0;
    if (t.nDims != 2 || t.ne[0] != <i64>cols || t.ne[1] != <i64>rows) {
      this.wrongShape(t, cols.toString() + " x " + rows.toString());
      return 0;
    }
    if (t.type != GGML_F32) {
      this.failed = true;
      fail("tensor '" + name + "' in '" + this.g.path + "' is " + typeName(t.type) + "; it must be F32");
      return 0;
    }
    return t.ptr;
  }

  /** A 1-D f32 vector of n values, or 0 if it is absent and optional. */
  vector(name: string, n: i32, required: bool): usize {
    const t = this.find(name, required);
    if (t == null) return 0;
    if (t.nDims != 1 || t.ne[0] != <i64>n) {
      this.wrongShape(t, n.toString());
      return 0;
    }
    if (t.type != GGML_F32) {
      this.failed = true;
      fail("tensor '" + name + "' in '" + this.g.path + "' is " + typeName(t.type) + "; vectors must be F32");
      return 0;
    }
    return t.ptr;
  }

  private find(name: string, required: bool): GgufTensor | null {
    if (this.failed) return null;
    const t = this.g.tensor(name);
    if (t == null && required) {
      this.failed = true;
      fail("'" + this.g.path + "' has no tensor '" + name + "'");
    }
    return t;
  }

  private wrongShape(t: GgufTensor, expected: string): void {
    this.failed = true;
    let shape = t.ne[0].toString();
    for (let d = 1; d < t.nDims; d++) shape += " x " + t.ne[d].toString();
    fail("tensor '" + t.name + "' in '" + this.g.path + "' has shape " + shape + ", expected " + expected + " (row length first, as ggml orders them)");
  }
}
