// An independent reference forward pass for GGUF llama and qwen2 models, in float64,
// written from the architectures' descriptions (llama.cpp's llm_build_llama /
// llm_build_qwen2): weights read and dequantized by the host's GGUF reader, nothing
// shared with the core. It covers what the llama2.c reference does not: Q/K/V biases,
// NeoX-style RoPE (pairs i and i + d/2), a RoPE base from the file and per-frequency
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
    r.kvHeads = key("attention.head_count_kv") ?? r.heads;
    r.headSize = r.dim / r.heads;
    r.ropeDim = key("rope.dimension_count") ?? r.headSize;
    r.theta = key("rope.freq_base") ?? 10000;
    r.eps = key("attention.layer_norm_rms_epsilon") ?? 1e-5;
    const tensor = (name: string) => file.readTensorF32(name);
    const matrix = async (name: string): Promise<Matrix> => ({
      w: await tensor(name),
      int8: INT8_ACTIVATION_TYPES.includes(file.tensors.find((t) => t.name === name)!.type),
    });
    const optional = async (name: string) => (file.tensors.some((t) => t.name === name) ? tensor(name) : undefined);
    r.embedding = await tensor("token_embd.weight");
    r.vocab = r.embedding.length / r.dim;
    r.output = file.tensors.some((t) => t.name === "output.weight") ? await matrix("output.weight") : await matrix("token_embd.weight");
    r.finalNorm = await tensor("output_norm.weight");
    r.ropeFactors = await optional("rope_freqs.weight");
    for (let l = 0; l < key("block_count")!; l++) {
      const b = `blk.${l}.`;
      r.layers.push({
        attnNorm: await tensor(b + "attn_norm.weight"),
        wq: await matrix(b + "attn_q.weight"),
        wk: await matrix(b + "attn_k.weight"),
        wv: await matrix(b + "attn_v.weight"),
        wo: await matrix(b + "attn_output.weight"),
        bq: await optional(b + "attn_q.bias"),
        bk: await optional(b + "attn_k.bias"),
        bv: await optional(b + "attn_v.bias"),
        ffnNorm: await tensor(b + "ffn_norm.weight"),
        gate: await matrix(b + "ffn_gate.weight"),
        down: await matrix(b + "ffn_down.weight"),
        up: await matrix(b + "ffn_up.weight"),
      });
      r.keys.push([]);
      r.values.push([]);
    }
    return r;
  }

  /** Rotate each head of v: pair i is (i, i + ropeDim/2) for qwen2 (NeoX), (2i, 2i + 1) for llama. */
  private rope(v: Float64Array, pos: number): void {
    const neox = this.arch === "qwen2";
    const half = this.ropeDim / 2;
    for (let head = 0; head < v.length / this.headSize; head++) {
      const base = head * this.headSize;
      for (let i = 0; i < half; i++) {
        const factor = this.ropeFactors ? this.ropeFactors[i] : 1;
        const angle = pos / Math.pow(this.theta, (2 * i) / this.ropeDim) / factor;
        const [a, b] = neox ? [base + i, base + i + half] : [base + 2 * i, base + 2 * i + 1];
        const v0 = v[a], v1 = v[b];
        v[a] = v0 * Math.cos(angle) - v1 * Math.sin(angle);
        v[b] = v0 * Math.sin(angle) + v1 * Math.cos(angle);
      }
    }
  }

  forward(token: number, pos: number): Float64Array {
    const { dim, headSize } = this;
    const kvDim = this.kvHeads * headSize;
    let x = Float64Array.from(this.embedding.subarray(token * dim, (token + 1) * dim));
    const norm = (v: Float64Array, w: Float32Array) => rmsnormEps(v, w, this.eps);
    this.layers.forEach((layer, l) => {
      const xb = norm(x, layer.attnNorm);
      const q = addBias(matvec(layer.wq, xb, this.heads * headSize), layer.bq);
      const k = addBias(matvec(layer.wk, xb, kvDim), layer.bk);
      const v = addBias(matvec(layer.wv, xb, kvDim), layer.bv);
      this.rope(q, pos);
      this.rope(k, pos);
      this.keys[l][pos] = k;
      this.values[l][pos] = v;
      const att = new Float64Array(this.heads * headSize);
      for (let h = 0; h < this.heads; h++) {
        const kv = Math.floor(h / (this.heads / this.kvHeads)) * headSize;
        const scores = new Float64Array(pos + 1);
        for (let t = 0; t <= pos; t++) {
          let s = 0;
          for (let i = 0; i < headSize; i++) s += q[h * headSize + i] * this.keys[l][t][kv + i];
          scores[t] = s / Math.sqrt(headSize);
        }
        softmax(scores);
        for (let t = 0; t <= pos; t++) for (let i = 0; i < headSize; i++) att[h * headSize + i] += scores[t] * this.values[l][t][kv + i];
      }
      const o = matvec(layer.wo, att, dim);
      x = x.map((xi, i) => xi + o[i]);
      const xf = norm(x, layer.ffnNorm);
      const g = matvec(layer.gate, xf, this.hidden);
      const u = matvec(layer.up, xf, this.hidden);
      const down = matvec(layer.down, g.map((a, i) => silu(a) * u[i]), dim);
      x = x.map((xi, i) => xi + down[i]);
    });
    return matvec(this.output, norm(x, this.finalNorm), this.vocab);
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
