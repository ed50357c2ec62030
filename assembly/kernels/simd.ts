// The few v128 steps every kernel shares. Wasm SIMD is exact and deterministic (no
// relaxed operations, no fused multiply-add), so a kernel built from these gives the
// same bits in V8, in wasm2c's C at every x86-64 level, and on bare metal.

/** Σ a_i·b_i of 16 signed bytes each, in four i32 lanes (lane k: bytes 2k, 2k+1, 2k+8, 2k+9). Exact. */
@inline export function blockDot(a: v128, b: v128): v128 {
  return i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_s(a), i16x8.extend_low_i8x16_s(b)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_s(a), i16x8.extend_high_i8x16_s(b)),
  );
}

/** The four lanes of an f32x4 summed in a fixed order: (l0 + l1) + (l2 + l3). */
@inline export function reduceLanes(v: v128): f32 {
  return (f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1)) + (f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3));
}
