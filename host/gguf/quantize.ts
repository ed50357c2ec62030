// f32 rows to ggml's block formats and back: F16, Q8_0, Q4_0, Q4_K, Q6_K (and
// BF16 for reading), bit-identical to ggml's reference quantizers.
//
// The quantizers follow ggml-quants.c's quantize_row_{q8_0,q4_0,q4_K,q6_K}_ref
// (llama.cpp c392e509 / ggml b3a469a1; unchanged up to ggml d99724f2), which is what
// llama-quantize runs when no importance matrix is given. The C code computes in
// single precision, one rounding per operation, no fused multiply-adds, so every
// intermediate here goes through Math.fround in the C evaluation order (spelled
// out: V8 turns a direct Math.fround call into two instructions; an alias of it
// made the K-quants about 40% slower). float -> half rounds to nearest even, as
// ggml's conversion does. The tests compare every block with llama.cpp's files;
// there is no known difference, K-quants included (NaN inputs untested).
//
// Block layouts (ggml-common.h), little-endian, `d`/`dmin` are f16:
//   Q8_0 (32 values, 34 bytes):  d, int8 qs[32]                  x = d * q
//   Q4_0 (32 values, 18 bytes):  d, u8 qs[16]                    x = d * (q - 8); value j in the low
//                                nibble of qs[j], value j + 16 in the high nibble
//   Q4_K (256 values, 144 bytes): d, dmin, u8 scales[12], u8 qs[128]
//                                8 sub-blocks of 32: x = d * sc[j] * q - dmin * m[j], sc/m 6-bit,
//                                packed by get_scale_min_k4; qs holds 64-value chunks, value l of
//                                a chunk in the low nibble of qs[l], value l + 32 in the high one
//   Q6_K (256 values, 210 bytes): u8 ql[128], u8 qh[64], int8 scales[16], d
//                                16 sub-blocks of 16: x = d * scales[j] * (q - 32), q 6-bit: low 4
//                                bits in ql, high 2 bits in qh, in 128-value halves (see below)

import { endianness } from "node:os";
import { UserError } from "../errors.js";
import { GGML, ggmlType, ggmlTypeName } from "./types.js";

if (endianness() !== "LE") throw new Error("gguf quantize: needs a little-endian host");

const QK_K = 256;
const GROUP_MAX_EPS = Math.fround(1e-15);

// ----------------------------------------------------------------------------
// Half and bfloat16

const f32Bits = new Float32Array(1);
const u32Bits = new Uint32Array(f32Bits.buffer);

/** float -> IEEE half bits, round to nearest even; NaN -> quiet NaN, overflow -> infinity. */
export function f32ToF16(x: number): number {
  f32Bits[0] = x;
  const b = u32Bits[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant !== 0 ? 0x200 : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: rounds to zero
    const m = mant | 0x800000;
    const shift = 14 - e;
    const half = 1 << (shift - 1);
    let r = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    if (rest > half || (rest === half && (r & 1) !== 0)) r++;
    return sign | r; // a carry into bit 10 is the smallest normal, correctly encoded
  }
  let r = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  if (rest > 0x1000 || (rest === 0x1000 && (r & 1) !== 0)) r++; // a carry may reach infinity, as it should
  return sign | r;
}

let halfTable: Float32Array | undefined;

/** IEEE half bits -> float (exact). */
export function f16ToF32(h: number): number {
  halfTable ??= buildHalfTable();
  return halfTable[h & 0xffff];
}

function buildHalfTable(): Float32Array {
  const table = new Float32Array(65536);
  for (let h = 0; h < 65536; h++) {
    const sign = h & 0x8000 ? -1 : 1;
    const e = (h >>> 10) & 0x1f;
    const m = h & 0x3ff;
    table[h] = e === 0 ? sign * m * 2 ** -24 : e === 31 ? (m !== 0 ? NaN : sign * Infinity) : sign * (1 + m / 1024) * 2 ** (e - 15);
  }
  return table;
}

/** bfloat16 bits -> float (exact). */
export function bf16ToF32(h: number): number {
  u32Bits[0] = (h & 0xffff) << 16;
  return f32Bits[0];
}

// ----------------------------------------------------------------------------
// Helpers with ggml's exact rounding

/** ggml's nearest_int: round to nearest, ties to even, by the 1.5 * 2^23 trick (|x| <= 4194303). */
function nearestInt(x: number): number {
  return Math.fround(x + 12582912) - 12582912;
}

/** C roundf: halves away from zero. */
function roundAway(x: number): number {
  return x < 0 ? -Math.floor(-x + 0.5) : Math.floor(x + 0.5);
}

function checkLength(name: string, n: number, block: number): void {
  if (n % block !== 0) throw new UserError(`${name}: ${n} values are not a whole number of ${block}-value blocks`);
}

// ----------------------------------------------------------------------------
// F16

export function quantizeF16(x: Float32Array): Uint8Array {
  const out = new Uint16Array(x.length);
  for (let i = 0; i < x.length; i++) out[i] = f32ToF16(x[i]);
  return new Uint8Array(out.buffer);
}

// ----------------------------------------------------------------------------
// Q8_0: d = amax / 127, q = roundf(x / d)

export function quantizeQ8_0(x: Float32Array): Uint8Array {
  checkLength("Q8_0", x.length, 32);
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 34);
  const qs = new Int8Array(out.buffer);
  for (let i = 0; i < nb; i++) {
    const base = i * 32;
    let amax = 0;
    for (let j = 0; j < 32; j++) amax = Math.max(amax, Math.abs(x[base + j]));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const h = f32ToF16(d);
    out[i * 34] = h & 0xff;
    out[i * 34 + 1] = h >> 8;
    for (let j = 0; j < 32; j++) qs[i * 34 + 2 + j] = roundAway(Math.fround(x[base + j] * id));
  }
  return out;
}

export function dequantizeQ8_0(bytes: Uint8Array, n: number): Float32Array {
  checkLength("Q8_0", n, 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const y = new Float32Array(n);
  for (let i = 0; i < n / 32; i++) {
    const d = f16ToF32(view.getUint16(i * 34, true));
    for (let j = 0; j < 32; j++) y[i * 32 + j] = view.getInt8(i * 34 + 2 + j) * d;
  }
  return y;
}

// ----------------------------------------------------------------------------
// Q4_0: d = max / -8 (max = the value of largest magnitude, sign kept), q = min(15, trunc(x / d + 8.5))

export function quantizeQ4_0(x: Float32Array): Uint8Array {
  checkLength("Q4_0", x.length, 32);
  const nb = x.length / 32;
  const out = new Uint8Array(nb * 18);
  const view = new DataView(out.buffer);
  for (let i = 0; i < nb; i++) {
    const base = i * 32;
    let amax = 0;
    let max = 0;
    for (let j = 0; j < 32; j++) {
      const v = x[base + j];
      if (amax < Math.abs(v)) {
        amax = Math.abs(v);
        max = v;
      }
    }
    const d = Math.fround(max / -8);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    view.setUint16(i * 18, f32ToF16(d), true);
    for (let j = 0; j < 16; j++) {
      const x0 = Math.fround(x[base + j] * id);
      const x1 = Math.fround(x[base + 16 + j] * id);
      const q0 = Math.min(15, Math.trunc(Math.fround(x0 + 8.5)));
      const q1 = Math.min(15, Math.trunc(Math.fround(x1 + 8.5)));
      out[i * 18 + 2 + j] = q0 | (q1 << 4);
    }
  }
  return out;
}

export function dequantizeQ4_0(bytes: Uint8Array, n: number): Float32Array {
  checkLength("Q4_0", n, 32);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const y = new Float32Array(n);
  for (let i = 0; i < n / 32; i++) {
    const d = f16ToF32(view.getUint16(i * 18, true));
    for (let j = 0; j < 16; j++) {
      const q = bytes[i * 18 + 2 + j];
      y[i * 32 + j] = ((q & 0x0f) - 8) * d;
      y[i * 32 + j + 16] = ((q >> 4) - 8) * d;
    }
  }
  return y;
}

// ----------------------------------------------------------------------------
// Q4_K

/**
 * make_qkx2_quants: codes L in [0, nmax] and (scale, min) for x ≈ scale * L - min,
 * minimizing the weighted squared error over a sweep of nstep + 1 trial scales.
 * Returns the scale and writes min (>= 0, the amount subtracted) to out[0].
 *
 * Two shortcuts leave the result exactly as in C: a trial whose codes equal the
 * previous trial's has the same sums and error, so its verdict is already known;
 * and the error is a sum of non-negative terms, so once it reaches the best error
 * the trial has lost.
 */
function makeQkx2Quants(
  n: number, nmax: number, x: Float32Array, xo: number, weights: Float32Array, L: Uint8Array, lo: number,
  out: Float32Array, Laux: Uint8Array, rmin: number, rdelta: number, nstep: number,
): number {
  let min = x[xo];
  let max = x[xo];
  let sumW = weights[0];
  let sumX = Math.fround(sumW * x[xo]);
  for (let i = 1; i < n; i++) {
    const xi = x[xo + i];
    if (xi < min) min = xi;
    if (xi > max) max = xi;
    const w = weights[i];
    sumW = Math.fround(sumW + w);
    sumX = Math.fround(sumX + Math.fround(w * xi));
  }
  if (min > 0) min = 0;
  if (max === min) {
    for (let i = 0; i < n; i++) L[lo + i] = 0;
    out[0] = -min;
    return 0;
  }
  let iscale = Math.fround(nmax / Math.fround(max - min));
  let scale = Math.fround(1 / iscale);
  let bestError = 0;
  for (let i = 0; i < n; i++) {
    const l = Math.max(0, Math.min(nmax, nearestInt(Math.fround(iscale * Math.fround(x[xo + i] - min)))));
    L[lo + i] = l;
    let diff = Math.fround(Math.fround(Math.fround(scale * l) + min) - x[xo + i]);
    diff = Math.fround(diff * diff);
    bestError = Math.fround(bestError + Math.fround(weights[i] * diff));
  }
  if (nstep < 1) {
    out[0] = -min;
    return scale;
  }
  for (let is = 0; is <= nstep; is++) {
    // (max - min) with the current min: it moves when a trial wins, as in C
    iscale = Math.fround(Math.fround(Math.fround(rmin + Math.fround(rdelta * is)) + nmax) / Math.fround(max - min));
    let same = is > 0;
    for (let i = 0; i < n; i++) {
      const l = Math.max(0, Math.min(nmax, nearestInt(Math.fround(iscale * Math.fround(x[xo + i] - min)))));
      if (l !== Laux[i]) same = false;
      Laux[i] = l;
    }
    if (same) continue;
    let sumL = 0;
    let sumL2 = 0;
    let sumXL = 0;
    for (let i = 0; i < n; i++) {
      const l = Laux[i];
      const wl = Math.fround(weights[i] * l);
      sumL = Math.fround(sumL + wl);
      sumL2 = Math.fround(sumL2 + Math.fround(wl * l));
      sumXL = Math.fround(sumXL + Math.fround(wl * x[xo + i]));
    }
    const D = Math.fround(Math.fround(sumW * sumL2) - Math.fround(sumL * sumL));
    if (!(D > 0)) continue;
    let thisScale = Math.fround(Math.fround(Math.fround(sumW * sumXL) - Math.fround(sumX * sumL)) / D);
    let thisMin = Math.fround(Math.fround(Math.fround(sumL2 * sumX) - Math.fround(sumL * sumXL)) / D);
    if (thisMin > 0) {
      thisMin = 0;
      thisScale = Math.fround(sumXL / sumL2);
    }
    let error = 0;
    for (let i = 0; i < n && error < bestError; i++) {
      let diff = Math.fround(Math.fround(Math.fround(thisScale * Laux[i]) + thisMin) - x[xo + i]);
      diff = Math.fround(diff * diff);
      error = Math.fround(error + Math.fround(weights[i] * diff));
    }
    if (error < bestError) {
      for (let i = 0; i < n; i++) L[lo + i] = Laux[i];
      bestError = error;
      scale = thisScale;
      min = thisMin;
    }
  }
  out[0] = -min;
  return scale;
}

/** get_scale_min_k4: the 6-bit scale and min of sub-block j from the 12 packed bytes at q[o..]. */
function scaleMinK4(j: number, q: Uint8Array, o: number): [number, number] {
  if (j < 4) return [q[o + j] & 63, q[o + j + 4] & 63];
  return [(q[o + j + 4] & 0x0f) | ((q[o + j - 4] >> 6) << 4), (q[o + j + 4] >> 4) | ((q[o + j] >> 6) << 4)];
}

export function quantizeQ4_K(x: Float32Array): Uint8Array {
  checkLength("Q4_K", x.length, QK_K);
  const nb = x.length / QK_K;
  const out = new Uint8Array(nb * 144);
  const view = new DataView(out.buffer);
  const L = new Uint8Array(QK_K);
  const Laux = new Uint8Array(32);
  const weights = new Float32Array(32);
  const mins = new Float32Array(8);
  const scales = new Float32Array(8);
  const minOut = new Float32Array(1);
  for (let i = 0; i < nb; i++) {
    const xb = i * QK_K;
    const yb = i * 144;
    let maxScale = 0;
    let maxMin = 0;
    for (let j = 0; j < 8; j++) {
      let sumX2 = 0;
      for (let l = 0; l < 32; l++) sumX2 = Math.fround(sumX2 + Math.fround(x[xb + 32 * j + l] * x[xb + 32 * j + l]));
      const avX = Math.fround(Math.sqrt(Math.fround(sumX2 / 32)));
      for (let l = 0; l < 32; l++) weights[l] = Math.fround(avX + Math.abs(x[xb + 32 * j + l]));
      scales[j] = makeQkx2Quants(32, 15, x, xb + 32 * j, weights, L, 32 * j, minOut, Laux, -1, Math.fround(0.1), 20);
      mins[j] = minOut[0];
      if (scales[j] > maxScale) maxScale = scales[j];
      if (mins[j] > maxMin) maxMin = mins[j];
    }
    const invScale = maxScale > 0 ? Math.fround(63 / maxScale) : 0;
    const invMin = maxMin > 0 ? Math.fround(63 / maxMin) : 0;
    const sc = yb + 4; // scales[12]
    for (let j = 0; j < 8; j++) {
      const ls = Math.min(63, nearestInt(Math.fround(invScale * scales[j])) & 0xff);
      const lm = Math.min(63, nearestInt(Math.fround(invMin * mins[j])) & 0xff);
      if (j < 4) {
        out[sc + j] = ls;
        out[sc + j + 4] = lm;
      } else {
        out[sc + j + 4] = (ls & 0x0f) | ((lm & 0x0f) << 4);
        out[sc + j - 4] |= (ls >> 4) << 6;
        out[sc + j] |= (lm >> 4) << 6;
      }
    }
    const dHalf = f32ToF16(Math.fround(maxScale / 63));
    const dminHalf = f32ToF16(Math.fround(maxMin / 63));
    view.setUint16(yb, dHalf, true);
    view.setUint16(yb + 2, dminHalf, true);
    // requantize against the stored (rounded) scales; a sub-block whose scale rounds to 0 keeps its first codes
    for (let j = 0; j < 8; j++) {
      const [s, m] = scaleMinK4(j, out, sc);
      const d = Math.fround(f16ToF32(dHalf) * s);
      if (d === 0) continue;
      const dm = Math.fround(f16ToF32(dminHalf) * m);
      for (let ii = 0; ii < 32; ii++) {
        const l = nearestInt(Math.fround(Math.fround(x[xb + 32 * j + ii] + dm) / d));
        L[32 * j + ii] = Math.max(0, Math.min(15, l));
      }
    }
    const qs = yb + 16;
    for (let j = 0; j < QK_K; j += 64) {
      for (let l = 0; l < 32; l++) out[qs + j / 2 + l] = L[j + l] | (L[j + l + 32] << 4);
    }
  }
  return out;
}

export function dequantizeQ4_K(bytes: Uint8Array, n: number): Float32Array {
  checkLength("Q4_K", n, QK_K);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const y = new Float32Array(n);
  for (let i = 0; i < n / QK_K; i++) {
    const yb = i * 144;
    const d = f16ToF32(view.getUint16(yb, true));
    const dmin = f16ToF32(view.getUint16(yb + 2, true));
    for (let j = 0; j < 4; j++) {
      const [s1, m1] = scaleMinK4(2 * j, bytes, yb + 4);
      const [s2, m2] = scaleMinK4(2 * j + 1, bytes, yb + 4);
      const d1 = Math.fround(d * s1), min1 = Math.fround(dmin * m1);
      const d2 = Math.fround(d * s2), min2 = Math.fround(dmin * m2);
      const q = yb + 16 + 32 * j;
      const o = i * QK_K + 64 * j;
      for (let l = 0; l < 32; l++) y[o + l] = Math.fround(d1 * (bytes[q + l] & 0x0f)) - min1;
      for (let l = 0; l < 32; l++) y[o + 32 + l] = Math.fround(d2 * (bytes[q + l] >> 4)) - min2;
    }
  }
  return y;
}

// ----------------------------------------------------------------------------
// Q6_K

/**
 * make_qx_quants with rmse_type 1 and no importance weights: signed codes in
 * [-nmax, nmax - 1] stored as L = code + nmax, and the scale, the best of 19 trial
 * scales under squared error weighted by x^2. As in makeQkx2Quants, a trial with the
 * previous trial's codes is skipped: it would leave L, scale and best as they are.
 */
function makeQxQuants(n: number, nmax: number, x: Float32Array, xo: number, L: Uint8Array, lo: number, trial: Uint8Array): number {
  let max = 0;
  let amax = 0;
  for (let i = 0; i < n; i++) {
    const ax = Math.abs(x[xo + i]);
    if (ax > amax) {
      amax = ax;
      max = x[xo + i];
    }
  }
  if (amax < GROUP_MAX_EPS) {
    for (let i = 0; i < n; i++) L[lo + i] = 0;
    return 0;
  }
  let iscale = Math.fround(-nmax / max);
  let sumLX = 0;
  let sumL2 = 0;
  for (let i = 0; i < n; i++) {
    const xi = x[xo + i];
    const l = Math.max(-nmax, Math.min(nmax - 1, nearestInt(Math.fround(iscale * xi))));
    L[lo + i] = trial[i] = l + nmax;
    const w = Math.fround(xi * xi);
    sumLX = Math.fround(sumLX + Math.fround(Math.fround(w * xi) * l));
    sumL2 = Math.fround(sumL2 + Math.fround(Math.fround(w * l) * l));
  }
  let scale = sumL2 !== 0 ? Math.fround(sumLX / sumL2) : 0;
  let best = Math.fround(scale * sumLX);
  for (let is = -9; is <= 9; is++) {
    if (is === 0) continue;
    iscale = Math.fround(-Math.fround(nmax + Math.fround(Math.fround(0.1) * is)) / max);
    let same = true;
    for (let i = 0; i < n; i++) {
      const code = nmax + Math.max(-nmax, Math.min(nmax - 1, nearestInt(Math.fround(iscale * x[xo + i]))));
      if (code !== trial[i]) same = false;
      trial[i] = code;
    }
    if (same) continue;
    sumLX = 0;
    sumL2 = 0;
    for (let i = 0; i < n; i++) {
      const xi = x[xo + i];
      const l = trial[i] - nmax;
      const w = Math.fround(xi * xi);
      sumLX = Math.fround(sumLX + Math.fround(Math.fround(w * xi) * l));
      sumL2 = Math.fround(sumL2 + Math.fround(Math.fround(w * l) * l));
    }
    if (sumL2 > 0 && Math.fround(sumLX * sumLX) > Math.fround(best * sumL2)) {
      for (let i = 0; i < n; i++) L[lo + i] = trial[i];
      scale = Math.fround(sumLX / sumL2);
      best = Math.fround(scale * sumLX);
    }
  }
  return scale;
}

export function quantizeQ6_K(x: Float32Array): Uint8Array {
  checkLength("Q6_K", x.length, QK_K);
  const nb = x.length / QK_K;
  const out = new Uint8Array(nb * 210);
  const view = new DataView(out.buffer);
  const L = new Uint8Array(QK_K);
  const trial = new Uint8Array(16);
  const scales = new Float32Array(16);
  for (let i = 0; i < nb; i++) {
    const xb = i * QK_K;
    const yb = i * 210;
    let maxScale = 0;
    let maxAbsScale = 0;
    for (let ib = 0; ib < 16; ib++) {
      const scale = makeQxQuants(16, 32, x, xb + 16 * ib, L, 16 * ib, trial);
      scales[ib] = scale;
      if (Math.abs(scale) > maxAbsScale) {
        maxAbsScale = Math.abs(scale);
        maxScale = scale;
      }
    }
    if (maxAbsScale < GROUP_MAX_EPS) continue; // the block stays all zero, d = +0
    const iscale = Math.fround(-128 / maxScale);
    const dHalf = f32ToF16(Math.fround(1 / iscale));
    view.setUint16(yb + 208, dHalf, true);
    for (let ib = 0; ib < 16; ib++) view.setInt8(yb + 192 + ib, Math.min(127, nearestInt(Math.fround(iscale * scales[ib]))));
    // requantize against the stored scales; a sub-block whose scale rounds to 0 keeps its first codes
    for (let j = 0; j < 16; j++) {
      const d = Math.fround(f16ToF32(dHalf) * view.getInt8(yb + 192 + j));
      if (d === 0) continue;
      for (let ii = 0; ii < 16; ii++) {
        const l = nearestInt(Math.fround(x[xb + 16 * j + ii] / d));
        L[16 * j + ii] = Math.max(-32, Math.min(31, l)) + 32;
      }
    }
    // each 128-value half: ql[l] = q[l] | q[l+64] << 4, ql[l+32] = q[l+32] | q[l+96] << 4,
    // qh[l] = the high 2 bits of q[l], q[l+32], q[l+64], q[l+96] at bits 0, 2, 4, 6
    for (let half = 0; half < 2; half++) {
      const j = 128 * half;
      const ql = yb + 64 * half;
      const qh = yb + 128 + 32 * half;
      for (let l = 0; l < 32; l++) {
        out[ql + l] = (L[j + l] & 0x0f) | ((L[j + l + 64] & 0x0f) << 4);
        out[ql + l + 32] = (L[j + l + 32] & 0x0f) | ((L[j + l + 96] & 0x0f) << 4);
        out[qh + l] = (L[j + l] >> 4) | ((L[j + l + 32] >> 4) << 2) | ((L[j + l + 64] >> 4) << 4) | ((L[j + l + 96] >> 4) << 6);
      }
    }
  }
  return out;
}

export function dequantizeQ6_K(bytes: Uint8Array, n: number): Float32Array {
  checkLength("Q6_K", n, QK_K);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const y = new Float32Array(n);
  for (let i = 0; i < n / QK_K; i++) {
    const yb = i * 210;
    const d = f16ToF32(view.getUint16(yb + 208, true));
    for (let half = 0; half < 2; half++) {
      const ql = yb + 64 * half;
      const qh = yb + 128 + 32 * half;
      const sc = yb + 192 + 8 * half;
      const o = i * QK_K + 128 * half;
      for (let l = 0; l < 32; l++) {
        const is = l >> 4;
        const q1 = ((bytes[ql + l] & 0x0f) | (((bytes[qh + l] >> 0) & 3) << 4)) - 32;
        const q2 = ((bytes[ql + l + 32] & 0x0f) | (((bytes[qh + l] >> 2) & 3) << 4)) - 32;
        const q3 = ((bytes[ql + l] >> 4) | (((bytes[qh + l] >> 4) & 3) << 4)) - 32;
        const q4 = ((bytes[ql + l + 32] >> 4) | (((bytes[qh + l] >> 6) & 3) << 4)) - 32;
        y[o + l] = Math.fround(d * view.getInt8(sc + is)) * q1;
        y[o + l + 32] = Math.fround(d * view.getInt8(sc + is + 2)) * q2;
        y[o + l + 64] = Math.fround(d * view.getInt8(sc + is + 4)) * q3;
        y[o + l + 96] = Math.fround(d * view.getInt8(sc + is + 6)) * q4;
      }
    }
  }
  return y;
}

// ----------------------------------------------------------------------------
// By type id

/** Types quantizeRow can produce. */
export const QUANTIZABLE = [GGML.F32, GGML.F16, GGML.Q8_0, GGML.Q4_0, GGML.Q4_K, GGML.Q6_K] as const;

/** f32 values (a whole number of blocks) in the block format of `type`. */
export function quantizeRow(type: number, x: Float32Array): Uint8Array {
  switch (type) {
    case GGML.F32: return new Uint8Array(x.buffer.slice(x.byteOffset, x.byteOffset + x.byteLength));
    case GGML.F16: return quantizeF16(x);
    case GGML.Q8_0: return quantizeQ8_0(x);
    case GGML.Q4_0: return quantizeQ4_0(x);
    case GGML.Q4_K: return quantizeQ4_K(x);
    case GGML.Q6_K: return quantizeQ6_K(x);
    default: throw new UserError(`quantizing to ${ggmlTypeName(type)} is not supported`);
  }
}

/** `n` values from bytes in the block format of `type`. */
export function dequantizeRow(type: number, bytes: Uint8Array, n: number): Float32Array {
  const info = ggmlType(type);
  if (info !== undefined && bytes.byteLength < (n / info.blockSize) * info.typeSize) {
    throw new UserError(`${info.name}: ${bytes.byteLength} bytes hold fewer than ${n} values`);
  }
  switch (type) {
    case GGML.F32: {
      const copy = new Float32Array(n);
      new Uint8Array(copy.buffer).set(bytes.subarray(0, 4 * n));
      return copy;
    }
    case GGML.F16:
    case GGML.BF16: {
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      const y = new Float32Array(n);
      const convert = type === GGML.F16 ? f16ToF32 : bf16ToF32;
      for (let i = 0; i < n; i++) y[i] = convert(view.getUint16(2 * i, true));
      return y;
    }
    case GGML.Q8_0: return dequantizeQ8_0(bytes, n);
    case GGML.Q4_0: return dequantizeQ4_0(bytes, n);
    case GGML.Q4_K: return dequantizeQ4_K(bytes, n);
    case GGML.Q6_K: return dequantizeQ6_K(bytes, n);
    default: throw new UserError(`dequantizing ${ggmlTypeName(type)} is not supported`);
  }
}

/**
 * The type a matrix with rows of `rowLength` values is stored as when `requested`
 * is asked for: itself when the rows are whole blocks; otherwise the K-quants fall
 * back to the 32-block type of about the same size (Q6_K -> Q8_0, as llama.cpp does;
 * Q4_K -> Q4_0, where llama.cpp takes Q5_0, which this toolchain doesn't write) and
 * the 32-block types to F16, as llama.cpp's quantizer does.
 */
export function fittingType(requested: number, rowLength: number): number {
  const blockSize = ggmlType(requested)?.blockSize ?? 1;
  if (rowLength % blockSize === 0) return requested;
  if (requested === GGML.Q6_K) return fittingType(GGML.Q8_0, rowLength);
  if (requested === GGML.Q4_K) return fittingType(GGML.Q4_0, rowLength);
  return GGML.F16;
}
