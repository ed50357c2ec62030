// Inputs for the kernel tests: deterministic, with a spread of magnitudes, an all-zero
// block (values 32..63) and an outlier, so every kernel meets the edge cases of its scales.

export function kernelValues(count: number, seed: number): Float32Array {
  const out = new Float32Array(count);
  let state = seed >>> 0;
  for (let i = 0; i < count; i++) {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    out[i] = ((state / 2 ** 32) * 2 - 1) * (1 + (i % 7));
  }
  out.fill(0, 32, 64);
  out[count - 5] = 40;
  return out;
}
