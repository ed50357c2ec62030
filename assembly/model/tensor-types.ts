// ggml tensor element types: their numbering in GGUF files, block sizes and bytes per block.

export const GGML_F32: i32 = 0;
export const GGML_F16: i32 = 1;
export const GGML_Q4_0: i32 = 2;
export const GGML_Q4_1: i32 = 3;
export const GGML_Q5_0: i32 = 6;
export const GGML_Q5_1: i32 = 7;
export const GGML_Q8_0: i32 = 8;
export const GGML_Q2_K: i32 = 10;
export const GGML_Q3_K: i32 = 11;
export const GGML_Q4_K: i32 = 12;
export const GGML_Q5_K: i32 = 13;
export const GGML_Q6_K: i32 = 14;
export const GGML_BF16: i32 = 30;

/** Values per block for the supported types, 0 for any other. */
export function blockSize(type: i32): i32 {
  switch (type) {
    case GGML_F32: case GGML_F16: case GGML_BF16: return 1;
    case GGML_Q4_0: case GGML_Q4_1: case GGML_Q5_0: case GGML_Q5_1: case GGML_Q8_0: return 32;
    case GGML_Q2_K: case GGML_Q3_K: case GGML_Q4_K: case GGML_Q5_K: case GGML_Q6_K: return 256;
    default: return 0;
  }
}

/** Bytes per block (see blockSize). */
export function typeSize(type: i32): i32 {
  switch (type) {
    case GGML_F32: return 4;
    case GGML_F16: case GGML_BF16: return 2;
    case GGML_Q4_0: return 18; // f16 scale, 32 4-bit values
    case GGML_Q4_1: return 20; // f16 scale and minimum, 32 4-bit values
    case GGML_Q5_0: return 22; // f16 scale, 32 high bits, 32 low nibbles
    case GGML_Q5_1: return 24; // f16 scale and minimum, 32 high bits, 32 low nibbles
    case GGML_Q8_0: return 34; // f16 scale, 32 int8 values
    case GGML_Q2_K: return 84; // 16 scale/min nibbles, 64 bytes of 2-bit values, f16 scale and minimum
    case GGML_Q3_K: return 110; // 32 bytes of high bits, 64 bytes of 2-bit values, 12 bytes of 6-bit scales, f16 scale
    case GGML_Q4_K: return 144; // f16 scale and minimum, 12 bytes of 6-bit scales/mins, 128 bytes of nibbles
    case GGML_Q5_K: return 176; // as Q4_K plus 32 bytes of high bits
    case GGML_Q6_K: return 210; // 128 bytes of low nibbles, 64 bytes of high 2 bits, 16 int8 scales, f16 scale
    default: return 0;
  }
}

export function typeName(type: i32): string {
  switch (type) {
    case GGML_F32: return "F32";
    case GGML_F16: return "F16";
    case GGML_BF16: return "BF16";
    case GGML_Q4_0: return "Q4_0";
    case GGML_Q4_1: return "Q4_1";
    case GGML_Q5_0: return "Q5_0";
    case GGML_Q5_1: return "Q5_1";
    case GGML_Q8_0: return "Q8_0";
    case GGML_Q2_K: return "Q2_K";
    case GGML_Q3_K: return "Q3_K";
    case GGML_Q4_K: return "Q4_K";
    case GGML_Q5_K: return "Q5_K";
    case GGML_Q6_K: return "Q6_K";
    case 9: return "Q8_1";
    case 15: return "Q8_K";
    default: return "#" + type.toString(); // ggml's number for a type the core doesn't know by name
  }
}
