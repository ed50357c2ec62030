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

/**
 * Four half-precision values (sign-extended from 16 bits into each i32 lane) as f32x4,
 * exactly: normals, subnormals, zeros, infinities and NaN (payload kept), as quant.ts's
 * halfToFloat. Exponent and mantissa shifted into an f32's place are the value × 2^-112
 * (a subnormal f32 for subnormal halves), so one exact multiply by 2^112 rebiases them;
 * lanes that were infinities or NaN (exponent 31) get the all-ones exponent instead.
 * Wasm's floats never flush subnormals to zero, nor does UEFI's MXCSR (0x1F80).
 */
@inline export function halvesToFloats(h: v128): v128 {
  const magnitude = v128.and(h, i32x4.splat(0x7fff));
  const scaled = f32x4.mul(i32x4.shl(magnitude, 13), f32x4.splat(5.192296858534828e33)); // 2^112
  const special = v128.and(i32x4.gt_s(magnitude, i32x4.splat(0x7bff)), i32x4.splat(0x7f800000));
  return v128.or(v128.or(scaled, special), v128.and(h, i32x4.splat(0x80000000)));
}

/** f32x4 lanes a0 + a1 + a2 + a3 as 16 sums s0..s15 (lane l of a_k is s_{4k+l}), added in ops' fixed order. */
@inline export function reduceSixteen(a0: v128, a1: v128, a2: v128, a3: v128): f32 {
  return (reduceLanes(a0) + reduceLanes(a1)) + (reduceLanes(a2) + reduceLanes(a3));
}

/** Bytes 0, 2, .., 14 of 16 signed bytes, as i16x8 (lane k: byte 2k). */
@inline export function evenBytes(v: v128): v128 {
  return i16x8.shr_s(i16x8.shl(v, 8), 8);
}

/** Bytes 1, 3, .., 15 of 16 signed bytes, as i16x8 (lane k: byte 2k + 1). */
@inline export function oddBytes(v: v128): v128 {
  return i16x8.shr_s(v, 8);
}

/**
 * Σ q·q_x over one block of 32 nibbles (unsigned, 0..15: the low nibbles of the 16 bytes
 * in w are values 0..15, the high nibbles 16..31) in four i32 lanes, exact. The nibbles go
 * straight into i16 lanes, even and odd bytes apart; the codes come split the same way
 * (evenBytes, oddBytes of codes 0..15 and 16..31), once for every row that shares them.
 */
@inline export function nibblesDot(w: v128, x0e: v128, x0o: v128, x1e: v128, x1o: v128): v128 {
  const nibble = i16x8.splat(0x0f);
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(v128.and(w, nibble), x0e), i32x4.dot_i16x8_s(v128.and(i16x8.shr_u(w, 8), nibble), x0o)),
    i32x4.add(i32x4.dot_i16x8_s(v128.and(i16x8.shr_u(w, 4), nibble), x1e), i32x4.dot_i16x8_s(i16x8.shr_u(w, 12), x1o)),
  );
}

/** Σ q·q_x over 16 bytes of small unsigned values (below 128) and 16 codes given as evenBytes, oddBytes; four i32 lanes, exact. */
@inline export function smallDot(w: v128, xe: v128, xo: v128): v128 {
  return i32x4.add(i32x4.dot_i16x8_s(v128.and(w, i16x8.splat(0xff)), xe), i32x4.dot_i16x8_s(i16x8.shr_u(w, 8), xo));
}

/** The low nibbles of 16 bytes, 0..15 each. */
@inline export function lowNibbles(v: v128): v128 {
  return v128.and(v, i8x16.splat(0x0f));
}

/** The high nibbles of 16 bytes, 0..15 each. */
@inline export function highNibbles(v: v128): v128 {
  return i8x16.shr_u(v, 4);
}

/**
 * Bits 0..15 (lowHalf) or 16..31 of the 32-bit value splat in `bits`, as 16 bytes of 0x10
 * (bit set) or 0: the fifth bits of Q5_0/Q5_1 values j and j + 16.
 */
@inline export function fifthBits(bits: v128, lowHalf: bool): v128 {
  const spread = lowHalf
    ? i8x16.shuffle(bits, bits, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1)
    : i8x16.shuffle(bits, bits, 2, 2, 2, 2, 2, 2, 2, 2, 3, 3, 3, 3, 3, 3, 3, 3);
  const mask = i8x16(1, 2, 4, 8, 16, 32, 64, -128, 1, 2, 4, 8, 16, 32, 64, -128);
  return v128.and(i8x16.eq(v128.and(spread, mask), mask), i8x16.splat(0x10));
}
