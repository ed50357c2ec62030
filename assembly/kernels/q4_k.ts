// Q4_K rows (super-blocks of 256 values: f16 d, f16 dmin, 12 bytes of 6-bit scales and
// mins, 128 bytes of nibbles) times int8 activations.
import { halfTable } from "./quant";
import { int8Scales, int8Sums } from "./activations";
import { reduceLanes } from "./simd";
import { laneSums } from "./q2_k";

/**
 * row0 · xq -> out0 and row1 · xq -> out1 over n values. Value k of 32-value sub-block j
 * is d·sc_j·q_k − dmin·m_j, so sub-block j adds
 *   d·d_x·(sc_j·Σ q·q_x)  −  dmin·d_x·m_j·Σ q_x
 * with d_x the scale of the activation block it meets. The first sum is exact in i32
 * (at most 63·32·15·127 < 2^22) and takes one float step per 32 values, four sub-blocks
 * side by side in f32 lanes; the minimums add up in lanes of their own, four sub-blocks
 * at a time, and are subtracted once at the end. Bytes 32c .. 32c + 31 of the nibbles
 * hold sub-block 2c in their low halves and 2c + 1 in their high ones.
 */
export function dot2Q4_K(out0: usize, out1: usize, row0: usize, row1: usize, xq: usize, n: i32): void {
  const scales = int8Scales(xq, n), sums = int8Sums(xq, n);
  let sum0 = f32x4.splat(0), sum1 = f32x4.splat(0), mins0 = f32x4.splat(0), mins1 = f32x4.splat(0);
  for (let b = 0; b < n >> 8; b++) {
    const p0 = row0 + <usize>b * 144, p1 = row1 + <usize>b * 144;
    const blockScales = scales + (<usize>b << 5), blockSums = sums + (<usize>b << 6);
    const d0 = load<f32>(halfTable + (<usize>load<u16>(p0) << 2)), dmin0 = load<f32>(halfTable + (<usize>load<u16>(p0, 2) << 2));
    const d1 = load<f32>(halfTable + (<usize>load<u16>(p1) << 2)), dmin1 = load<f32>(halfTable + (<usize>load<u16>(p1, 2) << 2));
    // sub-block scales and mins, one byte each: sub-blocks 0..3 in the low words, 4..7 in the high ones
    const a0 = load<u32>(p0, 4), b0 = load<u32>(p0, 8), c0 = load<u32>(p0, 12);
    const a1 = load<u32>(p1, 4), b1 = load<u32>(p1, 8), c1 = load<u32>(p1, 12);
    const scLow0 = a0 & 0x3f3f3f3f, scHigh0 = (c0 & 0x0f0f0f0f) | (((a0 >> 6) & 0x03030303) << 4);
    const scLow1 = a1 & 0x3f3f3f3f, scHigh1 = (c1 & 0x0f0f0f0f) | (((a1 >> 6) & 0x03030303) << 4);
    const mLow0 = b0 & 0x3f3f3f3f, mHigh0 = ((c0 >> 4) & 0x0f0f0f0f) | (((b0 >> 6) & 0x03030303) << 4);
    const mLow1 = b1 & 0x3f3f3f3f, mHigh1 = ((c1 >> 4) & 0x0f0f0f0f) | (((b1 >> 6) & 0x03030303) << 4);

    // the minimums: d_x·Σ q_x per sub-block (exact: an f16 times at most 32·127), times m_j, times dmin
    const xs0 = codeSums(blockScales, blockSums), xs1 = codeSums(blockScales + 16, blockSums + 32);
    mins0 = f32x4.add(mins0, f32x4.mul(f32x4.add(f32x4.mul(bytes(mLow0), xs0), f32x4.mul(bytes(mHigh0), xs1)), f32x4.splat(dmin0)));
    mins1 = f32x4.add(mins1, f32x4.mul(f32x4.add(f32x4.mul(bytes(mLow1), xs0), f32x4.mul(bytes(mHigh1), xs1)), f32x4.splat(dmin1)));

    // sub-blocks 4h .. 4h + 3 (64 bytes of nibbles, 128 codes), the two rows side by side so they share the codes
    for (let h: usize = 0; h < 2; h++) {
      const q0 = p0 + 16 + (h << 6), q1 = p1 + 16 + (h << 6), x = xq + (<usize>b << 9) + (h << 8);
      const lowNibble = i16x8.splat(15);
      let l0 = i32x4.splat(0), l1 = i32x4.splat(0), l2 = i32x4.splat(0), l3 = i32x4.splat(0);
      let k0 = i32x4.splat(0), k1 = i32x4.splat(0), k2 = i32x4.splat(0), k3 = i32x4.splat(0);
      for (let l: usize = 0; l < 32; l += 8) {
        const xa = v128.load(x + (l << 1)), xb = v128.load(x + (l << 1), 64);
        const u0 = v128.load8x8_u(q0 + l), u1 = v128.load8x8_u(q1 + l);
        l0 = i32x4.add(l0, i32x4.dot_i16x8_s(v128.and(u0, lowNibble), xa));
        k0 = i32x4.add(k0, i32x4.dot_i16x8_s(v128.and(u1, lowNibble), xa));
        l1 = i32x4.add(l1, i32x4.dot_i16x8_s(i16x8.shr_u(u0, 4), xb));
        k1 = i32x4.add(k1, i32x4.dot_i16x8_s(i16x8.shr_u(u1, 4), xb));
        const xc = v128.load(x + (l << 1), 128), xd = v128.load(x + (l << 1), 192);
        const v0 = v128.load8x8_u(q0 + l, 32), v1 = v128.load8x8_u(q1 + l, 32);
        l2 = i32x4.add(l2, i32x4.dot_i16x8_s(v128.and(v0, lowNibble), xc));
        k2 = i32x4.add(k2, i32x4.dot_i16x8_s(v128.and(v1, lowNibble), xc));
        l3 = i32x4.add(l3, i32x4.dot_i16x8_s(i16x8.shr_u(v0, 4), xd));
        k3 = i32x4.add(k3, i32x4.dot_i16x8_s(i16x8.shr_u(v1, 4), xd));
      }
      const dx = v128.load(blockScales + (h << 4));
      const sc0 = h == 0 ? scLow0 : scHigh0, sc1 = h == 0 ? scLow1 : scHigh1;
      sum0 = f32x4.add(sum0, f32x4.mul(f32x4.convert_i32x4_s(i32x4.mul(laneSums(l0, l1, l2, l3), wordBytes(sc0))), f32x4.mul(f32x4.splat(d0), dx)));
      sum1 = f32x4.add(sum1, f32x4.mul(f32x4.convert_i32x4_s(i32x4.mul(laneSums(k0, k1, k2, k3), wordBytes(sc1))), f32x4.mul(f32x4.splat(d1), dx)));
    }
  }
  store<f32>(out0, reduceLanes(sum0) - reduceLanes(mins0));
  store<f32>(out1, reduceLanes(sum1) - reduceLanes(mins1));
}

/** The four bytes of w as f32 lanes, byte 0 in lane 0. */
@inline export function bytes(w: u32): v128 {
  return f32x4.convert_i32x4_u(wordBytes(w));
}

/**
 * d_x·Σ q_x of four consecutive 32-value activation blocks (their scales at blockScales,
 * their 16-value sums at blockSums), as f32 lanes. Exact: the sums are integers below
 * 2^12 and the scales half-precision values.
 */
@inline export function codeSums(blockScales: usize, blockSums: usize): v128 {
  const s0 = v128.load(blockSums), s1 = v128.load(blockSums, 16); // 8 sums of 16 codes
  const pairs = i32x4.add(i32x4.shuffle(s0, s1, 0, 2, 4, 6), i32x4.shuffle(s0, s1, 1, 3, 5, 7));
  return f32x4.mul(f32x4.convert_i32x4_s(pairs), v128.load(blockScales));
}

/** The four bytes of w as i32 lanes, byte 0 in lane 0. */
@inline function wordBytes(w: u32): v128 {
  return i32x4.extend_low_i16x8_u(i16x8.extend_low_i8x16_u(i32x4.splat(w)));
}
