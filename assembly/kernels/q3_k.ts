// Q3_K rows (super-blocks of 256 values: 32 bytes of high bits, 64 bytes of 2-bit low
// parts, 12 bytes of 6-bit scales, f16 d) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales } from "./activations";
import { reduceLanes } from "./simd";
import { laneSums } from "./q2_k";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values. Value k of 16-value group g is
 * d·(sc_g − 32)·q_k with q_k = low 2 bits − 4 where its hmask bit is clear, so a 32-value
 * activation block (groups a, b) adds d·d_x·Σ (sc − 32)·q·q_x: products of at most 32·4
 * in i16, the block's sum exact in i32, one float step per block.
 *
 * Each 128-value half h of a super-block keeps 32 bytes of low parts: its block k takes
 * bits 2k, 2k + 1 of bytes l = 0..31, bit 4h + k of hmask[l], and scales 8h + 2k
 * (l < 16) and 8h + 2k + 1.
 */
export function dot2Q3_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 110, p1 = row1 + <usize>b * 110;
    const d0 = f32x4.splat(load<f32>(halfTable + (<usize>load<u16>(p0, 108) << 2)));
    const d1 = f32x4.splat(load<f32>(halfTable + (<usize>load<u16>(p1, 108) << 2)));
    for (let h: usize = 0; h < 2; h++) {
      const x = xq + (<usize>b << 9) + (h << 8), dx = v128.load(scales + (<usize>b << 5) + (h << 4));
      sum0 = f32x4.add(sum0, f32x4.mul(half(p0, h, x), f32x4.mul(d0, dx)));
      sum1 = f32x4.add(sum1, f32x4.mul(half(p1, h, x), f32x4.mul(d1, dx)));
    }
  }
  store<f32>(out0, reduceLanes(sum0));
  store<f32>(out1, reduceLanes(sum1));
}

/**
 * The 8 scales of half h of the super-block at p, minus 32, as i16 lanes. Scale j has
 * its low nibble in byte j (j < 8) or the high nibble of byte j − 8 of the first 8
 * scale bytes, and its two high bits at bits 2·(j >> 2) of byte 8 + (j & 3).
 */
@inline function halfScales(p: usize, h: usize): v128 {
  const a = load<u32>(p, 96), b = load<u32>(p, 100), c = load<u32>(p, 104) >> (<u32>h << 2);
  const first = ((a >> (<u32>h << 2)) & 0x0f0f0f0f) | ((c & 0x03030303) << 4); // scales 8h .. 8h + 3
  const second = ((b >> (<u32>h << 2)) & 0x0f0f0f0f) | (((c >> 2) & 0x03030303) << 4); // 8h + 4 .. 8h + 7
  return i16x8.sub(i16x8.extend_low_i8x16_u(i32x4.replace_lane(i32x4.splat(first), 1, second)), i16x8.splat(32));
}

/** Σ (sc − 32)·q·q_x of the four blocks of half h of the super-block at p (codes at x), one block per lane, as f32. */
@inline function half(p: usize, h: usize, x: usize): v128 {
  const q = p + 32 + (h << 5), hShift = <u32>h << 2;
  const three = i16x8.splat(3), four = i16x8.splat(4);
  const scales = halfScales(p, h); // lane 2k + g: block k, group g
  let l0 = i32x4.splat(0), l1 = i32x4.splat(0), l2 = i32x4.splat(0), l3 = i32x4.splat(0);
  for (let g: usize = 0; g < 2; g++) { // the two 16-value groups of each block
    const s = i32x4.shr_s(scales, <u32>g << 4); // group g's scales into the even lanes
    const s0 = i16x8.shuffle(s, s, 0, 0, 0, 0, 0, 0, 0, 0), s1 = i16x8.shuffle(s, s, 2, 2, 2, 2, 2, 2, 2, 2);
    const s2 = i16x8.shuffle(s, s, 4, 4, 4, 4, 4, 4, 4, 4), s3 = i16x8.shuffle(s, s, 6, 6, 6, 6, 6, 6, 6, 6);
    for (let l = g << 4; l < (g << 4) + 16; l += 8) {
      const w = v128.load8x8_u(q + l), m = i16x8.shr_u(v128.load8x8_u(p + l), hShift);
      const q0 = i16x8.sub(v128.or(v128.and(w, three), v128.and(i16x8.shl(m, 2), four)), four);
      const q1 = i16x8.sub(v128.or(v128.and(i16x8.shr_u(w, 2), three), v128.and(i16x8.shl(m, 1), four)), four);
      const q2 = i16x8.sub(v128.or(v128.and(i16x8.shr_u(w, 4), three), v128.and(m, four)), four);
      const q3 = i16x8.sub(v128.or(i16x8.shr_u(w, 6), v128.and(i16x8.shr_u(m, 1), four)), four);
      l0 = i32x4.add(l0, i32x4.dot_i16x8_s(i16x8.mul(q0, s0), v128.load(x + (l << 1))));
      l1 = i32x4.add(l1, i32x4.dot_i16x8_s(i16x8.mul(q1, s1), v128.load(x + (l << 1), 64)));
      l2 = i32x4.add(l2, i32x4.dot_i16x8_s(i16x8.mul(q2, s2), v128.load(x + (l << 1), 128)));
      l3 = i32x4.add(l3, i32x4.dot_i16x8_s(i16x8.mul(q3, s3), v128.load(x + (l << 1), 192)));
    }
  }
  return f32x4.convert_i32x4_s(laneSums(l0, l1, l2, l3));
}
