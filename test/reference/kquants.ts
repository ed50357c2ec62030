// Plain dequantizers for the K-quant types the host cannot write (Q2_K, Q3_K, Q5_K),
// from ggml's block layouts (ggml-common.h) and its reference dequantize_row_*:
// one value at a time, every product rounded to f32 as the C code rounds it.

const f = Math.fround;

function half(bytes: Uint8Array, at: number): number {
  const h = bytes[at] | (bytes[at + 1] << 8);
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const mantissa = h & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24;
  if (exponent === 31) return mantissa ? NaN : sign * Infinity;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/** Q2_K block (84 bytes): scales[16] (low nibble scale, high nibble min), qs[64] (2-bit), d, dmin. */
export function dequantizeQ2K(block: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const d = half(block, 80), dmin = half(block, 82);
  for (let i = 0; i < 256; i++) {
    const group = Math.floor(i / 128); // which 32 bytes of qs
    const within = i % 128;
    const shift = 2 * Math.floor(within / 32);
    const l = within % 32; // byte within those 32 (the second 16 use their own scale)
    const scale = block[group * 8 + Math.floor(within / 16)];
    const q = (block[16 + group * 32 + l] >> shift) & 3;
    y[i] = f(f(f(d * (scale & 0xf)) * q) - f(dmin * (scale >> 4)));
  }
  return y;
}

/** Q3_K block (110 bytes): hmask[32], qs[64], scales[12] (16 six-bit scales), d. */
export function dequantizeQ3K(block: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const d = half(block, 108);
  const scale = (j: number) => {
    const low = j < 8 ? block[96 + j] & 0xf : block[96 + j - 8] >> 4;
    const high = (block[96 + 8 + (j % 4)] >> (2 * Math.floor(j / 4))) & 3;
    return (low | (high << 4)) - 32;
  };
  for (let i = 0; i < 256; i++) {
    const group = Math.floor(i / 128);
    const within = i % 128;
    const pair = Math.floor(within / 32); // 2-bit position within a byte
    const l = within % 32;
    const q = (block[32 + group * 32 + l] >> (2 * pair)) & 3;
    const hasHigh = block[l] & (1 << (group * 4 + pair));
    y[i] = f(f(d * scale(group * 8 + Math.floor(within / 16))) * (q - (hasHigh ? 0 : 4)));
  }
  return y;
}

/** Q5_K block (176 bytes): d, dmin, scales[12] (8 six-bit scale/min pairs), qh[32], qs[128]. */
export function dequantizeQ5K(block: Uint8Array): Float32Array {
  const y = new Float32Array(256);
  const d = half(block, 0), dmin = half(block, 2);
  const s = (k: number) => block[4 + k];
  const scaleMin = (j: number): [number, number] =>
    j < 4 ? [s(j) & 63, s(j + 4) & 63] : [(s(j + 4) & 0xf) | ((s(j - 4) >> 6) << 4), (s(j + 4) >> 4) | ((s(j) >> 6) << 4)];
  for (let i = 0; i < 256; i++) {
    const j = Math.floor(i / 32); // sub-block: its scale and min
    const l = i % 32;
    const chunk = Math.floor(j / 2); // 32 bytes of qs serve two sub-blocks: low then high nibbles
    const byte = block[48 + chunk * 32 + l];
    const low = j % 2 === 0 ? byte & 0xf : byte >> 4;
    const high = block[16 + l] & (1 << j) ? 16 : 0;
    const [sc, m] = scaleMin(j);
    y[i] = f(f(f(d * sc) * (low + high)) - f(dmin * m));
  }
  return y;
}
