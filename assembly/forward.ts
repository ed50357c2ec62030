// One token through the transformer: the Llama architecture, as in the paper.
import { Model, ModelConfig } from "./model";
import { RunState } from "./state";
import { addInPlace, addScaled, copyRow, dot, matvec, rmsnorm, softmax, swiglu } from "./ops";

/** Logits (vocabSize f32 at s.logits) for `token` at position `pos`; keys and values of pos go into the cache. */
export function forward(model: Model, s: RunState, token: i32, pos: i32): usize {
  const c = model.config;
  const w = model.weights;
  const dim = c.dim, kvDim = c.kvDim, headSize = c.headSize;
  const kvPerHead = c.nHeads / c.nKvHeads;

  copyRow(s.x, w.tokenEmbedding!, token);
  ropeAngles(s, c, w.ropeFactors, pos);

  for (let l = 0; l < c.nLayers; l++) {
    const layer = unchecked(w.layers[l]);
    const cacheOffset = (<usize>l * <usize>c.seqLen + <usize>pos) * (<usize>kvDim << 2);
    const k = s.keyCache + cacheOffset;
    const v = s.valueCache + cacheOffset;

    // attention: rmsnorm, then q, k, v, with k and v written straight into the cache
    rmsnorm(s.xb, s.x, layer.attentionNorm, dim, c.normEps);
    matvec(s.q, s.xb, layer.wq!);
    matvec(k, s.xb, layer.wk!);
    matvec(v, s.xb, layer.wv!);
    if (layer.bq != 0) addInPlace(s.q, layer.bq, c.nHeads * headSize);
    if (layer.bk != 0) addInPlace(k, layer.bk, kvDim);
    if (layer.bv != 0) addInPlace(v, layer.bv, kvDim);

    // RoPE: rotate pairs of q and k dimensions by angles that grow with the position
    rope(s, c, s.q, c.nHeads);
    rope(s, c, k, c.nKvHeads);

    // multi-head attention over positions 0..pos; query head h reads key/value head h / kvPerHead
    const sqrtHeadSize = Mathf.sqrt(<f32>headSize);
    for (let h = 0; h < c.nHeads; h++) {
      const q = s.q + (<usize>(h * headSize) << 2);
      const att = s.att + (<usize>h * <usize>c.seqLen << 2);
      const headOffset = <usize>((h / kvPerHead) * headSize) << 2;
      for (let t = 0; t <= pos; t++) {
        const kt = s.keyCache + (<usize>l * <usize>c.seqLen + <usize>t) * (<usize>kvDim << 2) + headOffset;
        store<f32>(att + (<usize>t << 2), dot(q, kt, headSize) / sqrtHeadSize);
      }
      softmax(att, pos + 1);
      const out = s.xb + (<usize>(h * headSize) << 2);
      memory.fill(out, 0, <usize>headSize << 2);
      for (let t = 0; t <= pos; t++) {
        const vt = s.valueCache + (<usize>l * <usize>c.seqLen + <usize>t) * (<usize>kvDim << 2) + headOffset;
        addScaled(out, vt, load<f32>(att + (<usize>t << 2)), headSize);
      }
    }

    // output projection and residual
    matvec(s.xb2, s.xb, layer.wo!);
    addInPlace(s.x, s.xb2, dim);

    // feed-forward: rmsnorm, then w2(silu(w1 x) * w3 x), and residual
    rmsnorm(s.xb, s.x, layer.ffnNorm, dim, c.normEps);
    matvec(s.hb, s.xb, layer.w1!);
    matvec(s.hb2, s.xb, layer.w3!);
    swiglu(s.hb, s.hb2, c.hiddenDim);
    matvec(s.xb2, s.hb, layer.w2!);
    addInPlace(s.x, s.xb2, dim);
  }

  // final norm and classifier
  rmsnorm(s.x, s.x, w.finalNorm, dim, c.normEps);
  matvec(s.logits, s.x, w.classifier!);
  return s.logits;
}

/** cos and sin of pos * scale * theta^(-2i / ropeDim) (divided by the model's factor i, if any) for each pair i. */
function ropeAngles(s: RunState, c: ModelConfig, factors: usize, pos: i32): void {
  for (let i = 0; i < c.ropeDim; i += 2) {
    let freq: f32 = 1.0 / Mathf.pow(c.ropeTheta, <f32>i / <f32>c.ropeDim);
    if (factors != 0) freq /= load<f32>(factors + (<usize>i << 1));
    const angle = <f32>pos * c.ropeScale * freq;
    store<f32>(s.ropeCos + (<usize>i << 1), Mathf.cos(angle));
    store<f32>(s.ropeSin + (<usize>i << 1), Mathf.sin(angle));
  }
}

/** Rotate each head's pairs: adjacent (j, j+1) for Llama, or (j, j + ropeDim/2) for NeoX-style models. */
function rope(s: RunState, c: ModelConfig, vec: usize, heads: i32): void {
  const pairs = c.ropeDim >> 1;
  for (let h = 0; h < heads; h++) {
    const head = vec + (<usize>(h * c.headSize) << 2);
    for (let i = 0; i < pairs; i++) {
      const ia: i32 = c.ropeNeox ? i : 2 * i;
      const ib: i32 = c.ropeNeox ? i + pairs : 2 * i + 1;
      const a = head + (<usize>ia << 2), b = head + (<usize>ib << 2);
      const cr = load<f32>(s.ropeCos + (<usize>i << 2)), ci = load<f32>(s.ropeSin + (<usize>i << 2));
      const v0 = load<f32>(a), v1 = load<f32>(b);
      store<f32>(a, v0 * cr - v1 * ci);
      store<f32>(b, v0 * ci + v1 * cr);
    }
  }
}
