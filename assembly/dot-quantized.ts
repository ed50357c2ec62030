// Dot products straight on quantized rows, for the types that dominate real files.
// Like ops.ts's dot: 16 lanes of partial sums in a fixed order, so Node and the C
// build agree bit for bit and the C compiler vectorizes them. Lane k of a 32-value
// block takes values k and k + 16 (the order ggml stores the two nibbles of byte k
// in), scaled by the block's scale before it joins the lane's sum. The weights are
// never written out as f32: a decoder streams them once, as compactly as stored.
import { halfTable } from "./quant";

/** Q8_0 row (blocks of f16 d, 32 × int8) · x over n values: sum over blocks of d · Σ q·x. */
export function dotQ8_0(row: usize, x: usize, n: i32): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  const table = halfTable;
  for (let b = 0; b < n >> 5; b++) {
    const p = row + <usize>b * 34, xb = x + (<usize>b << 7);
    const d = load<f32>(table + (<usize>load<u16>(p) << 2));
    s0 += d * (<f32>load<i8>(p, 2) * load<f32>(xb, 0) + <f32>load<i8>(p, 18) * load<f32>(xb, 64));
    s1 += d * (<f32>load<i8>(p, 3) * load<f32>(xb, 4) + <f32>load<i8>(p, 19) * load<f32>(xb, 68));
    s2 += d * (<f32>load<i8>(p, 4) * load<f32>(xb, 8) + <f32>load<i8>(p, 20) * load<f32>(xb, 72));
    s3 += d * (<f32>load<i8>(p, 5) * load<f32>(xb, 12) + <f32>load<i8>(p, 21) * load<f32>(xb, 76));
    s4 += d * (<f32>load<i8>(p, 6) * load<f32>(xb, 16) + <f32>load<i8>(p, 22) * load<f32>(xb, 80));
    s5 += d * (<f32>load<i8>(p, 7) * load<f32>(xb, 20) + <f32>load<i8>(p, 23) * load<f32>(xb, 84));
    s6 += d * (<f32>load<i8>(p, 8) * load<f32>(xb, 24) + <f32>load<i8>(p, 24) * load<f32>(xb, 88));
    s7 += d * (<f32>load<i8>(p, 9) * load<f32>(xb, 28) + <f32>load<i8>(p, 25) * load<f32>(xb, 92));
    s8 += d * (<f32>load<i8>(p, 10) * load<f32>(xb, 32) + <f32>load<i8>(p, 26) * load<f32>(xb, 96));
    s9 += d * (<f32>load<i8>(p, 11) * load<f32>(xb, 36) + <f32>load<i8>(p, 27) * load<f32>(xb, 100));
    s10 += d * (<f32>load<i8>(p, 12) * load<f32>(xb, 40) + <f32>load<i8>(p, 28) * load<f32>(xb, 104));
    s11 += d * (<f32>load<i8>(p, 13) * load<f32>(xb, 44) + <f32>load<i8>(p, 29) * load<f32>(xb, 108));
    s12 += d * (<f32>load<i8>(p, 14) * load<f32>(xb, 48) + <f32>load<i8>(p, 30) * load<f32>(xb, 112));
    s13 += d * (<f32>load<i8>(p, 15) * load<f32>(xb, 52) + <f32>load<i8>(p, 31) * load<f32>(xb, 116));
    s14 += d * (<f32>load<i8>(p, 16) * load<f32>(xb, 56) + <f32>load<i8>(p, 32) * load<f32>(xb, 120));
    s15 += d * (<f32>load<i8>(p, 17) * load<f32>(xb, 60) + <f32>load<i8>(p, 33) * load<f32>(xb, 124));
  }
  return (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15)));
}

/** Q4_0 row (blocks of f16 d, 16 bytes of nibbles) · x: sum over blocks of d · Σ (q - 8)·x. */
export function dotQ4_0(row: usize, x: usize, n: i32): f32 {
  let s0: f32 = 0, s1: f32 = 0, s2: f32 = 0, s3: f32 = 0, s4: f32 = 0, s5: f32 = 0, s6: f32 = 0, s7: f32 = 0;
  let s8: f32 = 0, s9: f32 = 0, s10: f32 = 0, s11: f32 = 0, s12: f32 = 0, s13: f32 = 0, s14: f32 = 0, s15: f32 = 0;
  const table = halfTable;
  for (let b = 0; b < n >> 5; b++) {
    const p = row + <usize>b * 18, xb = x + (<usize>b << 7);
    const d = load<f32>(table + (<usize>load<u16>(p) << 2));
    s0 += d * (<f32>(<i32>(load<u8>(p, 2) & 15) - 8) * load<f32>(xb, 0) + <f32>(<i32>(load<u8>(p, 2) >> 4) - 8) * load<f32>(xb, 64));
    s1 += d * (<f32>(<i32>(load<u8>(p, 3) & 15) - 8) * load<f32>(xb, 4) + <f32>(<i32>(load<u8>(p, 3) >> 4) - 8) * load<f32>(xb, 68));
    s2 += d * (<f32>(<i32>(load<u8>(p, 4) & 15) - 8) * load<f32>(xb, 8) + <f32>(<i32>(load<u8>(p, 4) >> 4) - 8) * load<f32>(xb, 72));
    s3 += d * (<f32>(<i32>(load<u8>(p, 5) & 15) - 8) * load<f32>(xb, 12) + <f32>(<i32>(load<u8>(p, 5) >> 4) - 8) * load<f32>(xb, 76));
    s4 += d * (<f32>(<i32>(load<u8>(p, 6) & 15) - 8) * load<f32>(xb, 16) + <f32>(<i32>(load<u8>(p, 6) >> 4) - 8) * load<f32>(xb, 80));
    s5 += d * (<f32>(<i32>(load<u8>(p, 7) & 15) - 8) * load<f32>(xb, 20) + <f32>(<i32>(load<u8>(p, 7) >> 4) - 8) * load<f32>(xb, 84));
    s6 += d * (<f32>(<i32>(load<u8>(p, 8) & 15) - 8) * load<f32>(xb, 24) + <f32>(<i32>(load<u8>(p, 8) >> 4) - 8) * load<f32>(xb, 88));
    s7 += d * (<f32>(<i32>(load<u8>(p, 9) & 15) - 8) * load<f32>(xb, 28) + <f32>(<i32>(load<u8>(p, 9) >> 4) - 8) * load<f32>(xb, 92));
    s8 += d * (<f32>(<i32>(load<u8>(p, 10) & 15) - 8) * load<f32>(xb, 32) + <f32>(<i32>(load<u8>(p, 10) >> 4) - 8) * load<f32>(xb, 96));
    s9 += d * (<f32>(<i32>(load<u8>(p, 11) & 15) - 8) * load<f32>(xb, 36) + <f32>(<i32>(load<u8>(p, 11) >> 4) - 8) * load<f32>(xb, 100));
    s10 += d * (<f32>(<i32>(load<u8>(p, 12) & 15) - 8) * load<f32>(xb, 40) + <f32>(<i32>(load<u8>(p, 12) >> 4) - 8) * load<f32>(xb, 104));
    s11 += d * (<f32>(<i32>(load<u8>(p, 13) & 15) - 8) * load<f32>(xb, 44) + <f32>(<i32>(load<u8>(p, 13) >> 4) - 8) * load<f32>(xb, 108));
    s12 += d * (<f32>(<i32>(load<u8>(p, 14) & 15) - 8) * load<f32>(xb, 48) + <f32>(<i32>(load<u8>(p, 14) >> 4) - 8) * load<f32>(xb, 112));
    s13 += d * (<f32>(<i32>(load<u8>(p, 15) & 15) - 8) * load<f32>(xb, 52) + <f32>(<i32>(load<u8>(p, 15) >> 4) - 8) * load<f32>(xb, 116));
    s14 += d * (<f32>(<i32>(load<u8>(p, 16) & 15) - 8) * load<f32>(xb, 56) + <f32>(<i32>(load<u8>(p, 16) >> 4) - 8) * load<f32>(xb, 120));
    s15 += d * (<f32>(<i32>(load<u8>(p, 17) & 15) - 8) * load<f32>(xb, 60) + <f32>(<i32>(load<u8>(p, 17) >> 4) - 8) * load<f32>(xb, 124));
  }
  return (((s0 + s1) + (s2 + s3)) + ((s4 + s5) + (s6 + s7))) + (((s8 + s9) + (s10 + s11)) + ((s12 + s13) + (s14 + s15)));
}
