// One token through the transformer: the Llama architecture, as in the paper.
import { Model } from "./model";
import { RunState } from "./state";
import { addInPlace, addScaled, copyRow, dot, matvec, rmsnorm, softmax, swiglu } from "./ops";

/** Logits (vocabSize f32 at s.logits) for `token` at position `pos`; keys and values of pos go into the cache. */
export function forward(model: Model, s: RunState, token: i32, pos: i32): usize {
  const c = model.config;
  const w = model.weights;
  const dim = c.dim, kvDim = c.kvDim, headSize = c.headSize;
  const kvPerHead = c.nHeads / c.nKvHeads;

  copyRow(s.x, w.tokenEmbedding!, token);

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

    // RoPE: rotate each pair of q and k dimensions by an angle that grows with the position
    rope(s.q, c.nHeads * headSize, headSize, pos, c.ropeTheta);
    rope(k, kvDim, headSize, pos, c.ropeTheta);

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

/** Rotate consecutive pairs (v[i], v[i+1]) of each head by pos * theta^(-(i mod headSize) / headSize). */
function rope(vec: usize, size: i32, headSize: i32, pos: i32, theta: f32): void {
  for (let i = 0; i < size; i += 2) {
    const headDim = i % headSize;
    const freq: f32 = 1.0 / Mathf.pow(theta, <f32>headDim / <f32>headSize);
    const angle = <f32>pos * freq;
    const cr = Mathf.cos(angle), ci = Mathf.sin(angle);
    const at = vec + (<usize>i << 2);
    const v0 = load<f32>(at), v1 = load<f32>(at, 4);
    store<f32>(at, v0 * cr - v1 * ci);
    store<f32>(at, v0 * ci + v1 * cr, 4);
  }
}
