// Activations as llama.cpp quantizes them before a product with Q8_0, Q4_0, Q4_1, Q5_0,
// Q5_1 and K-quant weights (its quantize_row_q8_0 reference): per 32 values d = max|x| / 127, stored at
// half precision, and codes roundf(x / d) computed with the unrounded d. Returned as the
// values the products see: code × stored d. Written from llama.cpp's description.
import { f16ToF32, f32ToF16 } from "../../host/gguf/quantize.js";
import { GGML } from "../../host/gguf/types.js";

/** The weight types whose products llama.cpp (and the core) take with int8 activations. */
export const INT8_ACTIVATION_TYPES: readonly number[] = [
  GGML.Q8_0, GGML.Q4_0, GGML.Q4_1, GGML.Q5_0, GGML.Q5_1, GGML.Q2_K, GGML.Q3_K, GGML.Q4_K, GGML.Q5_K, GGML.Q6_K,
];

export function int8Activations(x: ArrayLike<number>): Float64Array {
  const out = new Float64Array(x.length);
  for (let b = 0; b < x.length; b += 32) {
    let amax = 0;
    for (let k = 0; k < 32; k++) amax = Math.max(amax, Math.abs(Math.fround(x[b + k])));
    const d = Math.fround(amax / 127);
    const id = d !== 0 ? Math.fround(1 / d) : 0;
    const stored = f16ToF32(f32ToF16(d));
    for (let k = 0; k < 32; k++) {
      const scaled = Math.fround(Math.fround(x[b + k]) * id);
      out[b + k] = Math.sign(scaled) * Math.round(Math.abs(scaled)) * stored;
    }
  }
  return out;
}
