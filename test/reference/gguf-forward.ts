// An independent reference forward pass for GGUF llama, qwen2, qwen3, gemma2, gemma3,
// phi3, smollm3, granite and lfm2 models, in float64, written from the architectures'
// descriptions (llama.cpp's src/models/*.cpp): weights read and dequantized by the host's
// GGUF reader, nothing shared with the core. GELU is rounded through half precision as
// ggml's CPU backend does (exactGelu turns that off), and scales multiply the scores, not q.
// It covers what the llama2.c reference does not: Q/K/V biases, NeoX-style RoPE (pairs i and i + d/2), a RoPE base from the file and per-frequency
// factors (rope_freqs.weight, Llama 3.1), a separate output matrix, and the int8
// activations llama.cpp multiplies Q8_0, Q4_0 and K-quant weights with.
import type { GGUFFile } from "../../host/gguf/reader.js";
import { softmax, silu } from "./llama2-forward.js";
import { INT8_ACTIVATION_TYPES, int8Activations } from "./activations.js";

/** A weight matrix, row-major, and whether its products take int8-quantized activations (llama.cpp's way for its type). */
interface Matrix {
  w: Float32Array;
  int8: boolean;
}

interface Layer {
  attnNorm: Float32Array;
  wq: Matrix;
  wk: Matrix;
  wv: Matrix;
  wo: Matrix;
  bq?: Float32Array;
  bk?: Float32Array;
  bv?: Float32Array;
  ffnNorm: Float32Array;
  gate: Matrix;
  down: Matrix;
  up: Matrix;
  qNorm?: Float32Array;
  kNorm?: Float32Array;
  postAttnNorm?: Float32Array;
  postFfnNorm?: Float32Array;
  local: boolean; // a sliding-window layer
  rope: boolean;
  conv?: { kernel: Float32Array; b: Matrix; c: Matrix; x: Matrix; out: Matrix }; // LFM2's short convolution, in place of attention
}

/** Rows [first, first + count) of a row-major matrix with `cols` columns. */
function rows(m: Matrix, first: number, count: number, cols: number): Matrix {
  return { w: m.w.subarray(first * cols, (first + count) * cols), int8: m.int8 };
}

/** GELU, tanh form, in float64. */
function gelu(x: number): number {
  return 0.5 * x * (1 + Math.tanh(Math.sqrt(2 / Math.PI) * (x + 0.044715 * x * x * x)));
}

/** x (as f32) rounded to the nearest half-precision value, ties to even (normal and subnormal halves; |x| < 65504). */
export function halfRound(x: number): number {
  const a = Math.abs(Math.fround(x));
  if (a === 0) return x;
  const exponent = Math.max(Math.floor(Math.log2(a)), -14);
  let step = 2 ** (exponent - 10);
  if (a / step >= 2048) step *= 2; // log2 rounded down past a power of two
  const q = a / step;
  let r = Math.round(q);
  if (q - Math.floor(q) === 0.5) r = 2 * Math.round(q / 2);
  return Math.sign(x) * r * step;
}

/**
 * GELU as ggml's CPU backend computes it (llama.cpp's gemma): 0 at or below -10, x at or
 * above 10, otherwise the input rounded to half precision, GELU, the result rounded to half.
 */
export function geluHalf(x: number): number {
  const f = Math.fround(x);
  if (f <= -10) return 0;
  if (f >= 10) return f;
  return halfRound(gelu(halfRound(f)));
}

/** W (rows, cols) @ x */
function matvec({ w, int8 }: Matrix, input: Float64Array, rows: number): Float64Array {
  const x = int8 ? int8Activations(input) : input;
  const cols = x.length;
  const y = new Float64Array(rows);
  for (let i = 0; i < rows; i++) {
    let sum = 0;
    for (let j = 0; j < cols; j++) sum += w[i * cols + j] * x[j];
    y[i] = sum;
  }
  return y;
}

export class GgufReference {
  private arch = "";
  private dim = 0;
  private hidden = 0;
  private heads = 0;
  private kvHeads = 0;
  private headSize = 0;
  private ropeDim = 0;
  private theta = 10000;
  private eps = 1e-5;
  private vocab = 0;
  private embedding: Float32Array = new Float32Array();
  private output: Matrix = { w: new Float32Array(), int8: false };
  private finalNorm: Float32Array = new Float32Array();
  private ropeFactors?: Float32Array;
  private neox = false;
  private thetaLocal = 10000;
  private window = 0;
  private embedScale = 1;
  private residualScale = 1;
  private attnScale = 0;
  private attnCap = 0;
  private finalCap = 0;
  private logitScale = 1;
  private attnFactor = 1;
  private geglu = false;
  /** Exact GELU instead of ggml's half-precision one (llama.cpp's and the core's). */
  exactGelu = false;
  private layers: Layer[] = [];
  private keys: Float64Array[][] = [];
  private values: Float64Array[][] = [];

  static async load(file: GGUFFile): Promise<GgufReference> {
    const r = new GgufReference();
    const arch = file.string("general.architecture")!;
    const key = (name: string) => file.number(`${arch}.${name}`);
    r.arch = arch;
    r.dim = key("embedding_length")!;
    r.hidden = key("feed_forward_length")!;
    r.heads = key("attention.head_count")!;
    const kvValue = file.metadata.get(`${arch}.attention.head_count_kv`);
    r.kvHeads = kvValue && typeof kvValue.value === "number" ? kvValue.value : r.heads;
    r.headSize = key("attention.key_length") ?? r.dim / r.heads;
    r.ropeDim = key("rope.dimension_count") ?? r.headSize;
    r.theta = key("rope.freq_base") ?? 10000;
    r.thetaLocal = key("rope.freq_base_swa") ?? r.theta;
    r.eps = key("attention.layer_norm_rms_epsilon") ?? 1e-5;
    r.neox = ["qwen2", "qwen3", "gemma2", "gemma3", "phi3", "lfm2"].includes(arch);
    const kvArray = file.metadata.get(`${arch}.attention.head_count_kv`)?.value as { values?: ArrayLike<number> } | undefined;
    const perLayerKv = kvArray && typeof kvArray === "object" && "values" in kvArray ? Array.from(kvArray.values!) : undefined;
    if (perLayerKv) r.kvHeads = Math.max(...perLayerKv);
    r.attnFactor = key("rope.scaling.attn_factor") ?? 1;
    const gemma = arch === "gemma2" || arch === "gemma3";
    if (gemma) {
      r.embedScale = Math.sqrt(r.dim);
      r.geglu = true;
      r.attnScale = 1 / Math.sqrt(r.headSize);
      r.window = key("attention.sliding_window") ?? (arch === "gemma2" ? 4096 : 0);
      r.attnCap = key("attn_logit_softcapping") ?? 0;
      r.finalCap = key("final_logit_softcapping") ?? 0;
    }
    if (arch === "granite") {
      r.embedScale = key("embedding_scale") ?? 1;
      r.residualScale = key("residual_scale") ?? 1;
      r.attnScale = key("attention.scale") ?? 0;
      r.logitScale = 1 / (key("logit_scale") ?? 1);
    }
    const pattern = key("attention.sliding_window_pattern") ?? (arch === "gemma2" ? 2 : 6);
    const tensor = (name: string) => file.readTensorF32(name);
    const matrix = async (name: string): Promise<Matrix> => ({
      w: await tensor(name),
      int8: INT8_ACTIVATION_TYPES.includes(file.tensors.find((t) => t.name === name)!.type),
    });
    const optional = async (name: string) => (file.tensors.some((t) => t.name === name) ? tensor(name) : undefined);
    r.embedding = await tensor("token_embd.weight");
    r.vocab = r.embedding.length / r.dim;
    r.output = file.tensors.some((t) => t.name === "output.weight") ? await matrix("output.weight") : await matrix("token_embd.weight");
    r.finalNorm = await tensor(arch === "lfm2" ? "token_embd_norm.weight" : "output_norm.weight");
    r.ropeFactors = (await optional("rope_freqs.weight")) ?? (await optional("rope_factors_long.weight"));
    const qDim = r.heads * r.headSize, kvDim = r.kvHeads * r.headSize;
    for (let l = 0; l < key("block_count")!; l++) {
      const b = `blk.${l}.`;
      let wq: Matrix, wk: Matrix, wv: Matrix, gate: Matrix, up: Matrix;
      const none: Matrix = { w: new Float32Array(), int8: false };
      if (perLayerKv && perLayerKv[l] === 0) {
        const inProj = await matrix(b + "shortconv.in_proj.weight");
        r.layers.push({
          attnNorm: await tensor(b + "attn_norm.weight"),
          wq: none, wk: none, wv: none, wo: none,
          ffnNorm: await tensor(b + "ffn_norm.weight"),
          gate: await matrix(b + "ffn_gate.weight"),
          down: await matrix(b + "ffn_down.weight"),
          up: await matrix(b + "ffn_up.weight"),
          local: false,
          rope: false,
          conv: {
            kernel: await tensor(b + "shortconv.conv.weight"),
            b: rows(inProj, 0, r.dim, r.dim),
            c: rows(inProj, r.dim, r.dim, r.dim),
            x: rows(inProj, 2 * r.dim, r.dim, r.dim),
            out: await matrix(b + "shortconv.out_proj.weight"),
          },
        });
        r.keys.push([]);
        r.values.push([]);
        continue;
      }
      if (arch === "phi3") {
        const qkv = await matrix(b + "attn_qkv.weight");
        [wq, wk, wv] = [rows(qkv, 0, qDim, r.dim), rows(qkv, qDim, kvDim, r.dim), rows(qkv, qDim + kvDim, kvDim, r.dim)];
        const gateUp = await matrix(b + "ffn_up.weight");
        [gate, up] = [rows(gateUp, 0, r.hidden, r.dim), rows(gateUp, r.hidden, r.hidden, r.dim)];
      } else {
        [wq, wk, wv] = [await matrix(b + "attn_q.weight"), await matrix(b + "attn_k.weight"), await matrix(b + "attn_v.weight")];
        [gate, up] = [await matrix(b + "ffn_gate.weight"), await matrix(b + "ffn_up.weight")];
      }
      r.layers.push({
        attnNorm: await tensor(b + "attn_norm.weight"),
        wq,
        wk,
        wv,
        wo: await matrix(b + "attn_output.weight"),
        bq: await optional(b + "attn_q.bias"),
        bk: await optional(b + "attn_k.bias"),
        bv: await optional(b + "attn_v.bias"),
        ffnNorm: await tensor(b + "ffn_norm.weight"),
        gate,
        down: await matrix(b + "ffn_down.weight"),
        up,
        qNorm: await optional(b + "attn_q_norm.weight"),
        kNorm: await optional(b + "attn_k_norm.weight"),
        postAttnNorm: await optional(b + "post_attention_norm.weight"),
        postFfnNorm: await optional(b + "post_ffw_norm.weight"),
        local: r.window > 0 && l % pattern < pattern - 1,
        rope: !(arch === "smollm3" && (l + 1) % 4 === 0),
      });
      r.keys.push([]);
      r.values.push([]);
    }
    return r;
  }

  /** Rotate each head of v: pair i is (i, i + ropeDim/2) for NeoX-style models, (2i, 2i + 1) for llama's. */
  private rope(v: Float64Array, pos: number, theta: number): void {
    const neox = this.neox;
    const m = this.attnFactor;
    const half = this.ropeDim / 2;
    for (let head = 0; head < v.length / this.headSize; head++) {
      const base = head * this.headSize;
      for (let i = 0; i < half; i++) {
        const factor = this.ropeFactors ? this.ropeFactors[i] : 1;
        const angle = pos / Math.pow(theta, (2 * i) / this.ropeDim) / factor;
        const [a, b] = neox ? [base + i, base + i + half] : [base + 2 * i, base + 2 * i + 1];
        const v0 = v[a], v1 = v[b];
        v[a] = m * (v0 * Math.cos(angle) - v1 * Math.sin(angle));
        v[b] = m * (v0 * Math.sin(angle) + v1 * Math.cos(angle));
      }
    }
  }

  forward(token: number, pos: number): Float64Array {
    const { dim, headSize } = this;
    const kvDim = this.kvHeads * headSize;
    let x = Float64Array.from(this.embedding.subarray(token * dim, (token + 1) * dim), (v) => v * this.embedScale);
    const norm = (v: Float64Array, w: Float32Array) => rmsnormEps(v, w, this.eps);
    const headNorm = (v: Float64Array, w?: Float32Array) => {
      if (!w) return v;
      const out = new Float64Array(v.length);
      for (let h = 0; h < v.length / headSize; h++) out.set(norm(v.subarray(h * headSize, (h + 1) * headSize), w), h * headSize);
      return out;
    };
    const branch = (o: Float64Array, post?: Float32Array) => (post ? norm(o, post) : o).map((v) => v * this.residualScale);
    this.layers.forEach((layer, l) => {
      const xb = norm(x, layer.attnNorm);
      if (layer.conv) {
        // u = B·x kept per position (in the keys' slot); y[c] = Σ_k kernel[c][k] · u[pos - 2 + k][c]
        const { kernel, b, c, x: xw, out } = layer.conv;
        const gateB = matvec(b, xb, dim), gateC = matvec(c, xb, dim), input = matvec(xw, xb, dim);
        this.keys[l][pos] = gateB.map((v, i) => v * input[i]);
        const y = new Float64Array(dim);
        for (let ch = 0; ch < dim; ch++) {
          for (let k = 0; k < 3; k++) {
            const p = pos - 2 + k;
            if (p >= 0) y[ch] += kernel[ch * 3 + k] * this.keys[l][p][ch];
          }
        }
        const o = matvec(out, y.map((v, i) => v * gateC[i]), dim);
        x = x.map((xi, i) => xi + o[i]);
        const xf = norm(x, layer.ffnNorm);
        const g = matvec(layer.gate, xf, this.hidden);
        const u = matvec(layer.up, xf, this.hidden);
        const down = matvec(layer.down, g.map((a, i) => silu(a) * u[i]), dim);
        x = x.map((xi, i) => xi + down[i]);
        return;
      }
      const q = headNorm(addBias(matvec(layer.wq, xb, this.heads * headSize), layer.bq), layer.qNorm);
      const k = headNorm(addBias(matvec(layer.wk, xb, kvDim), layer.bk), layer.kNorm);
      const v = addBias(matvec(layer.wv, xb, kvDim), layer.bv);
      if (layer.rope) {
        this.rope(q, pos, layer.local ? this.thetaLocal : this.theta);
        this.rope(k, pos, layer.local ? this.thetaLocal : this.theta);
      }
      this.keys[l][pos] = k;
      this.values[l][pos] = v;
      const first = layer.local ? Math.max(0, pos - this.window + 1) : 0;
      const att = new Float64Array(this.heads * headSize);
      for (let h = 0; h < this.heads; h++) {
        const kv = Math.floor(h / (this.heads / this.kvHeads)) * headSize;
        const scores = new Float64Array(pos + 1 - first);
        for (let t = first; t <= pos; t++) {
          let s = 0;
          for (let i = 0; i < headSize; i++) s += q[h * headSize + i] * this.keys[l][t][kv + i];
          s = this.attnScale ? s * this.attnScale : s / Math.sqrt(headSize);
          scores[t - first] = this.attnCap ? this.attnCap * Math.tanh(s / this.attnCap) : s;
        }
        softmax(scores);
        for (let t = first; t <= pos; t++) for (let i = 0; i < headSize; i++) att[h * headSize + i] += scores[t - first] * this.values[l][t][kv + i];
      }
      const o = branch(matvec(layer.wo, att, dim), layer.postAttnNorm);
      x = x.map((xi, i) => xi + o[i]);
      const xf = norm(x, layer.ffnNorm);
      const g = matvec(layer.gate, xf, this.hidden);
      const u = matvec(layer.up, xf, this.hidden);
      const act = this.geglu ? (this.exactGelu ? gelu : geluHalf) : silu;
      const down = branch(matvec(layer.down, g.map((a, i) => act(a) * u[i]), dim), layer.postFfnNorm);
      x = x.map((xi, i) => xi + down[i]);
    });
    const logits = matvec(this.output, norm(x, this.finalNorm), this.vocab).map((v) => v * this.logitScale);
    return this.finalCap ? logits.map((v) => this.finalCap * Math.tanh(v / this.finalCap)) : logits;
  }
}

function addBias(v: Float64Array, bias?: Float32Array): Float64Array {
  return bias ? v.map((x, i) => x + bias[i]) : v;
}

/** x * w / sqrt(mean(x^2) + eps), with the model's epsilon */
function rmsnormEps(x: Float64Array, w: Float32Array, eps: number): Float64Array {
  let ss = 0;
  for (const v of x) ss += v * v;
  const scale = 1 / Math.sqrt(ss / x.length + eps);
  return x.map((v, i) => v * scale * w[i]);
}
