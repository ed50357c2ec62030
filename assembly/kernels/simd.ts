// The few v128 steps every kernel shares. Wasm SIMD is exact and deterministic (no
// relaxed operations, no fused multiply-add), so a kernel built from these gives the
// same bits in V8, in wasm2c's C at every x86-64 level, and on bare metal.

/**
 * Σ q·q_x over one block of 32 signed bytes at w and its 32 codes at x (activations.ts), in
 * four i32 lanes (lane k: values 2k, 2k + 1, 2k + 8, 2k + 9 and those 16 on). Exact. Each
 * 8 bytes widen to i16 as they load; the codes are i16 already.
 */
@inline export function bytesDot(w: usize, x: usize): v128 {
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(w), v128.load(x)), i32x4.dot_i16x8_s(v128.load8x8_s(w, 8), v128.load(x, 16))),
    i32x4.add(i32x4.dot_i16x8_s(v128.load8x8_s(w, 16), v128.load(x, 32)), i32x4.dot_i16x8_s(v128.load8x8_s(w, 24), v128.load(x, 48))),
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

/**
 * Σ q·q_x over one block of 32 nibbles (16 bytes at w: the low nibbles are values 0..15,
 * the high ones 16..31, taken unsigned, 0..15) and its 32 codes at x, in four i32 lanes,
 * exact. Each 8 bytes widen to i16 as they load: a mask gives their low nibbles, a shift
 * their high ones, already in the lanes of the codes they meet.
 */
@inline export function nibblesDot(w: usize, x: usize): v128 {
  const nibble = i16x8.splat(0x0f);
  const a = v128.load8x8_u(w), b = v128.load8x8_u(w, 8);
  return i32x4.add(
    i32x4.add(i32x4.dot_i16x8_s(v128.and(a, nibble), v128.load(x)), i32x4.dot_i16x8_s(v128.and(b, nibble), v128.load(x, 16))),
    i32x4.add(i32x4.dot_i16x8_s(i16x8.shr_u(a, 4), v128.load(x, 32)), i32x4.dot_i16x8_s(i16x8.shr_u(b, 4), v128.load(x, 48))),
  );
}

/** Σ q·q_x over 16 bytes of unsigned values in w and their 16 codes at x; four i32 lanes, exact. */
@inline export function smallDot(w: v128, x: usize): v128 {
  return i32x4.add(
    i32x4.dot_i16x8_s(i16x8.extend_low_i8x16_u(w), v128.load(x)),
    i32x4.dot_i16x8_s(i16x8.extend_high_i8x16_u(w), v128.load(x, 16)),
  );
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
