// Tokens through the transformer: the Llama architecture, as in the paper, with the
// variations of its descendants switched on by the configuration (each says whose it is).
import { LayerWeights, Model, ModelConfig } from "./model";
import { BATCH, RunState } from "./state";
import { addInPlace, copyRow, geglu, mulInPlace, rmsnorm, scaleInPlace, shortConv, softcap, swiglu } from "../kernels/ops";
import { attention } from "./attention";
import { matmul, matmuls } from "../kernels/matmul";

/** Logits (vocabSize f32 at s.logits) for `token` at position `pos`; keys and values of pos go into the cache. */
export function forward(model: Model, s: RunState, token: i32, pos: i32): usize {
  store<i32>(s.token, token);
  return forwardBatch(model, s, s.token, 1, pos);
}

/** Whether every one of count token ids at tokens is in [0, vocabSize). */
export function tokensInVocabulary(tokens: usize, count: i32, vocabSize: i32): bool {
  for (let i = 0; i < count; i++) {
    const id = load<i32>(tokens + (<usize>i << 2));
    if (id < 0 || id >= vocabSize) return false;
  }
  return true;
}

/**
 * Tokens [0, count) (i32 at tokens) at positions pos.., BATCH at a time; their keys and
 * values go into the cache. Returns the logits of the last token.
 */
export function forwardBatch(model: Model, s: RunState, tokens: usize, count: i32, pos: i32): usize {
  for (let start = 0; start < count; start += BATCH) {
    layers(model, s, tokens + (<usize>start << 2), min(BATCH, count - start), pos + start);
  }
  // final norm and classifier, for the last token only
  const c = model.config;
  const last = s.x + <usize>((count - 1) % BATCH) * (<usize>c.dim << 2);
  rmsnorm(last, last, model.weights.finalNorm, c.dim, c.normEps);
  matmul(s.logits, s.input.set(last, c.dim, 1), model.weights.classifier!);
  if (c.logitScale != 1) scaleInPlace(s.logits, c.logitScale, c.vocabSize); // Granite
  if (c.finalSoftcap > 0) softcap(s.logits, c.finalSoftcap, c.vocabSize); // Gemma 2
  return s.logits;
}

/** T tokens (T <= BATCH) at positions pos..pos+T-1 through every layer, leaving their residual streams in s.x. */
function layers(model: Model, s: RunState, tokens: usize, T: i32, pos: i32): void {
  const c = model.config;
  const w = model.weights;
  const dim = c.dim, kvDim = c.kvDim, qDim = c.nHeads * c.headSize;
  const xStride = <usize>dim << 2, qStride = <usize>qDim << 2;
  const kvStride = <usize>kvDim << 2;

  for (let t = 0; t < T; t++) {
    copyRow(s.x + <usize>t * xStride, w.tokenEmbedding!, load<i32>(tokens + (<usize>t << 2)));
    if (c.embeddingScale != 1) scaleInPlace(s.x + <usize>t * xStride, c.embeddingScale, dim); // Gemma, Granite
    ropeAngles(s.ropeCos, s.ropeSin, c, c.ropeTheta, w.ropeFactors, t, pos + t);
    if (c.slidingWindow > 0) ropeAngles(s.ropeCosLocal, s.ropeSinLocal, c, c.ropeThetaLocal, w.ropeFactors, t, pos + t);
  }

  for (let l = 0; l < c.nLayers; l++) {
    const layer = unchecked(w.layers[l]);
    const cacheOffset = (<usize>l * <usize>c.seqLen + <usize>pos) * kvStride;
    const k = s.keyCache + cacheOffset; // (T, kvDim): keys and values of these tokens go straight into the cache
    const v = s.valueCache + cacheOffset;

    // attention: rmsnorm, then q, k, v
    for (let t = 0; t < T; t++) rmsnorm(s.xb + <usize>t * xStride, s.x + <usize>t * xStride, layer.attentionNorm, dim, c.normEps);
    if (layer.conv != 0) {
      // LFM2: a short convolution instead of attention, then the FFN as usual
      convolution(s, c, layer, l, T, pos);
      addInPlace(s.x, s.xb2, T * dim);
      feedForward(s, c, layer, T);
      continue;
    }
    const normed = s.input.set(s.xb, dim, T); // quantized once for all three, where they need it
    matmuls(normed, s.q, layer.wq!, k, layer.wk!, v, layer.wv!);
    for (let t = 0; t < T; t++) {
      const q = s.q + <usize>t * qStride, kt = k + <usize>t * kvStride, vt = v + <usize>t * kvStride;
      if (layer.bq != 0) addInPlace(q, layer.bq, qDim);
      if (layer.bk != 0) addInPlace(kt, layer.bk, kvDim);
      if (layer.bv != 0) addInPlace(vt, layer.bv, kvDim);
      // Qwen3, Gemma 3: each head of q and k RMS-normed on its own
      if (layer.qNorm != 0) headNorms(q, layer.qNorm, c.nHeads, c);
      if (layer.kNorm != 0) headNorms(kt, layer.kNorm, c.nKvHeads, c);
      // RoPE: rotate pairs of q and k dimensions by angles that grow with the position
      // (sliding-window layers have their own base; SmolLM3's NoPE layers none at all)
      if (layer.rope) {
        const cosines = layer.slidingWindow ? s.ropeCosLocal : s.ropeCos, sines = layer.slidingWindow ? s.ropeSinLocal : s.ropeSin;
        rope(cosines, sines, c, t, q, c.nHeads);
        rope(cosines, sines, c, t, kt, c.nKvHeads);
      }
    }

    // causal multi-head attention over the cache (or its last slidingWindow positions), into s.xb
    attention(c, s, l, T, pos, layer.slidingWindow ? c.slidingWindow : 0);

    // output projection, [post-norm], [scale], residual
    matmul(s.xb2, s.input.set(s.xb, qDim, T), layer.wo!);
    branchOutput(s, c, layer.postAttentionNorm, T);
    addInPlace(s.x, s.xb2, T * dim);

    feedForward(s, c, layer, T);
  }
}

/** Feed-forward: rmsnorm, then w2(silu(w1 x) * w3 x) (gelu for Gemma), [post-norm], [scale], residual. */
function feedForward(s: RunState, c: ModelConfig, layer: LayerWeights, T: i32): void {
  const dim = c.dim, xStride = <usize>dim << 2;
  for (let t = 0; t < T; t++) rmsnorm(s.xb + <usize>t * xStride, s.x + <usize>t * xStride, layer.ffnNorm, dim, c.normEps);
  const ffnInput = s.input.set(s.xb, dim, T);
  matmuls(ffnInput, s.hb, layer.w1!, s.hb2, layer.w3!);
  if (c.geglu) geglu(s.hb, s.hb2, T * c.hiddenDim);
  else swiglu(s.hb, s.hb2, T * c.hiddenDim);
  matmul(s.xb2, s.input.set(s.hb, c.hiddenDim, T), layer.w2!);
  branchOutput(s, c, layer.postFfnNorm, T);
  addInPlace(s.x, s.xb2, T * dim);
}

/**
 * LFM2's short-convolution block on the normed s.xb (T, dim), into s.xb2: [B; C; x] = in(h),
 * u = B·x kept in the layer's convolution cache at its position, y = conv3(u) over this
 * position and the two before, out = W_out (C·y).
 */
function convolution(s: RunState, c: ModelConfig, layer: LayerWeights, l: i32, T: i32, pos: i32): void {
  const dim = c.dim, xStride = <usize>dim << 2;
  const input = s.input.set(s.xb, dim, T);
  const u = s.convCache + (<usize>l * <usize>c.seqLen + <usize>pos) * xStride; // (T, dim): B·x of these tokens
  matmuls(input, s.convB, layer.convB!, s.convC, layer.convC!, u, layer.convX!);
  mulInPlace(u, s.convB, T * dim);
  for (let t = 0; t < T; t++) {
    const p = pos + t, ut = u + <usize>t * xStride;
    shortConv(s.convB + <usize>t * xStride, layer.conv, ut, p >= 1 ? ut - xStride : 0, p >= 2 ? ut - 2 * xStride : 0, dim);
  }
  mulInPlace(s.convB, s.convC, T * dim);
  matmul(s.xb2, s.input.set(s.convB, dim, T), layer.convOut!);
}

/** Each of `heads` heads of vec (headSize floats each) RMS-normed in place with the same weights. */
function headNorms(vec: usize, weight: usize, heads: i32, c: ModelConfig): void {
  for (let h = 0; h < heads; h++) {
    const head = vec + (<usize>(h * c.headSize) << 2);
    rmsnorm(head, head, weight, c.headSize, c.normEps);
  }
}

/** A block's output in s.xb2 (T, dim) before its residual add: Gemma's post-norm, Granite's residual scale. */
function branchOutput(s: RunState, c: ModelConfig, postNorm: usize, T: i32): void {
  const xStride = <usize>c.dim << 2;
  if (postNorm != 0) {
    for (let t = 0; t < T; t++) rmsnorm(s.xb2 + <usize>t * xStride, s.xb2 + <usize>t * xStride, postNorm, c.dim, c.normEps);
  }
  if (c.residualScale != 1) scaleInPlace(s.xb2, c.residualScale, T * c.dim);
}

/**
 * Row t of the tables: cos and sin of pos * scale * theta^(-2i / ropeDim) (divided by the
 * model's factor i, if any) for each pair i, times LongRoPE's attention factor if any.
 */
export function ropeAngles(cosines: usize, sines: usize, c: ModelConfig, theta: f32, factors: usize, t: i32, pos: i32): void {
  const row = <usize>t * (<usize>(c.ropeDim >> 1) << 2);
  for (let i = 0; i < c.ropeDim; i += 2) {
    let freq: f32 = 1.0 / Mathf.pow(theta, <f32>i / <f32>c.ropeDim);
    if (factors != 0) freq /= load<f32>(factors + (<usize>i << 1));
    const angle = <f32>pos * c.ropeScale * freq;
    let cos = Mathf.cos(angle), sin = Mathf.sin(angle);
    if (c.ropeAttnFactor != 1) {
      cos *= c.ropeAttnFactor;
      sin *= c.ropeAttnFactor;
    }
    store<f32>(cosines + row + (<usize>i << 1), cos);
    store<f32>(sines + row + (<usize>i << 1), sin);
  }
}

/**
 * Rotate each head's pairs: adjacent (j, j+1) for Llama, or (j, j + ropeDim/2) for NeoX-style
 * models. Four pairs at a time in f32x4, then one by one; each value is a · cos ∓ b · sin
 * computed lane by lane, so the bits are those of the scalar form.
 */
export function rope(cosTable: usize, sinTable: usize, c: ModelConfig, t: i32, vec: usize, heads: i32): void {
  const pairs = c.ropeDim >> 1;
  const cosines = cosTable + <usize>t * (<usize>pairs << 2), sines = sinTable + <usize>t * (<usize>pairs << 2);
  const evenSign = i32x4(0x80000000, 0, 0x80000000, 0); // flips the sign of lanes 0 and 2
  for (let h = 0; h < heads; h++) {
    const head = vec + (<usize>(h * c.headSize) << 2);
    let i = 0;
    if (c.ropeNeox) {
      for (; i + 4 <= pairs; i += 4) {
        const a = head + (<usize>i << 2), b = head + (<usize>(i + pairs) << 2);
        const cr = v128.load(cosines + (<usize>i << 2)), ci = v128.load(sines + (<usize>i << 2));
        const v0 = v128.load(a), v1 = v128.load(b);
        v128.store(a, f32x4.sub(f32x4.mul(v0, cr), f32x4.mul(v1, ci)));
        v128.store(b, f32x4.add(f32x4.mul(v0, ci), f32x4.mul(v1, cr)));
      }
    } else {
      // values [x0 y0 x1 y1] of two pairs: [x0 y0 x1 y1]·[c0 c0 c1 c1] + [y0 x0 y1 x1]·[-s0 s0 -s1 s1]
      for (; i + 4 <= pairs; i += 4) {
        const p = head + (<usize>i << 3);
        const cr = v128.load(cosines + (<usize>i << 2)), ci = v128.load(sines + (<usize>i << 2));
        const cLow = v128.shuffle<f32>(cr, cr, 0, 0, 1, 1), cHigh = v128.shuffle<f32>(cr, cr, 2, 2, 3, 3);
        const sLow = v128.xor(v128.shuffle<f32>(ci, ci, 0, 0, 1, 1), evenSign);
        const sHigh = v128.xor(v128.shuffle<f32>(ci, ci, 2, 2, 3, 3), evenSign);
        const low = v128.load(p, 0), high = v128.load(p, 16);
        v128.store(p, f32x4.add(f32x4.mul(low, cLow), f32x4.mul(v128.shuffle<f32>(low, low, 1, 0, 3, 2), sLow)), 0);
        v128.store(p, f32x4.add(f32x4.mul(high, cHigh), f32x4.mul(v128.shuffle<f32>(high, high, 1, 0, 3, 2), sHigh)), 16);
      }
    }
    for (; i < pairs; i++) {
      const ia: i32 = c.ropeNeox ? i : 2 * i;
      const ib: i32 = c.ropeNeox ? i + pairs : 2 * i + 1;
      const a = head + (<usize>ia << 2), b = head + (<usize>ib << 2);
      const cr = load<f32>(cosines + (<usize>i << 2)), ci = load<f32>(sines + (<usize>i << 2));
      const v0 = load<f32>(a), v1 = load<f32>(b);
      store<f32>(a, v0 * cr - v1 * ci);
      store<f32>(b, v0 * ci + v1 * cr);
    }
  }
}
