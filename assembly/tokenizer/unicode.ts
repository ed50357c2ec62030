// Code points for the tokenizers: UTF-8 in and out as llama.cpp reads and writes it,
// the Unicode class of a code point, and GPT-2's reversible bytes-to-characters map.
import { RANGES, RANGE_COUNT } from "./unicode-tables";

// Class bits (the values scripts/gen-unicode-tables.ts writes).
export const LETTER: u32 = 1; // \p{L}
export const NUMBER: u32 = 2; // \p{N}
export const PUNCTUATION: u32 = 4; // \p{P}
export const SPACE: u32 = 8; // White_Space, llama.cpp's \s
/** Not a class: the splitters' marker for a position past the end of the text. */
export const OUTSIDE: u32 = 16;
export const MARK: u32 = 32; // \p{M}
export const SYMBOL: u32 = 64; // \p{S}

export const REPLACEMENT: u32 = 0xfffd;

/** Class bits of a code point: binary search for the last range starting at or below it. */
export function classOf(cp: u32): u32 {
  let lo = 0, hi = RANGE_COUNT - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (load<u32>(RANGES + (<usize>mid << 2)) >> 8 <= cp) lo = mid;
    else hi = mid - 1;
  }
  return load<u32>(RANGES + (<usize>lo << 2)) & 255;
}

/** Bytes of the UTF-8 character a lead byte starts (1 for stray continuation bytes), as llama.cpp counts them. */
@inline export function utf8Length(lead: u8): i32 {
  const high = lead >> 4;
  return high < 12 ? 1 : high < 14 ? 2 : high == 14 ? 3 : 4;
}

/**
 * Code points of n bytes of UTF-8 into cps (room for n); returns how many. Like llama.cpp,
 * a byte that does not start a complete sequence becomes U+FFFD on its own and decoding
 * goes on with the next byte; overlong forms and surrogates pass. Sequences above U+10FFFF
 * also become U+FFFD (llama.cpp cannot re-encode them and aborts).
 */
export function decodeUtf8(text: usize, n: i32, cps: usize): i32 {
  let count = 0;
  let i = 0;
  while (i < n) {
    const b0 = <u32>load<u8>(text + i);
    let cp = REPLACEMENT;
    let length = 1;
    if (b0 < 0x80) {
      cp = b0;
    } else if ((b0 & 0xe0) == 0xc0) {
      if (i + 1 < n && continuation(text + i + 1)) {
        cp = ((b0 & 0x1f) << 6) | (<u32>load<u8>(text + i + 1) & 0x3f);
        length = 2;
      }
    } else if ((b0 & 0xf0) == 0xe0) {
      if (i + 2 < n && continuation(text + i + 1) && continuation(text + i + 2)) {
        cp = ((b0 & 0x0f) << 12) | ((<u32>load<u8>(text + i + 1) & 0x3f) << 6) | (<u32>load<u8>(text + i + 2) & 0x3f);
        length = 3;
      }
    } else if ((b0 & 0xf8) == 0xf0) {
      if (i + 3 < n && continuation(text + i + 1) && continuation(text + i + 2) && continuation(text + i + 3)) {
        cp = ((b0 & 0x07) << 18) | ((<u32>load<u8>(text + i + 1) & 0x3f) << 12) |
          ((<u32>load<u8>(text + i + 2) & 0x3f) << 6) | (<u32>load<u8>(text + i + 3) & 0x3f);
        length = 4;
        if (cp > 0x10ffff) cp = REPLACEMENT;
      }
    }
    store<u32>(cps + (<usize>count << 2), cp);
    count++;
    i += length;
  }
  return count;
}

@inline function continuation(p: usize): bool {
  return (load<u8>(p) & 0xc0) == 0x80;
}

/** Write cp (at most U+10FFFF) as UTF-8 at dst; returns the byte count. */
export function encodeUtf8(cp: u32, dst: usize): i32 {
  if (cp < 0x80) {
    store<u8>(dst, <u8>cp);
    return 1;
  }
  if (cp < 0x800) {
    store<u8>(dst, <u8>(0xc0 | (cp >> 6)));
    store<u8>(dst, <u8>(0x80 | (cp & 0x3f)), 1);
    return 2;
  }
  if (cp < 0x10000) {
    store<u8>(dst, <u8>(0xe0 | (cp >> 12)));
    store<u8>(dst, <u8>(0x80 | ((cp >> 6) & 0x3f)), 1);
    store<u8>(dst, <u8>(0x80 | (cp & 0x3f)), 2);
    return 3;
  }
  store<u8>(dst, <u8>(0xf0 | (cp >> 18)));
  store<u8>(dst, <u8>(0x80 | ((cp >> 12) & 0x3f)), 1);
  store<u8>(dst, <u8>(0x80 | ((cp >> 6) & 0x3f)), 2);
  store<u8>(dst, <u8>(0x80 | (cp & 0x3f)), 3);
  return 4;
}

// GPT-2's byte-level alphabet: the printable bytes ! to ~, ¡ to ¬ and ® to ÿ stand for
// themselves; the other 68 bytes, in order, become U+0100 to U+0143. Both directions are
// this closed form, so no table is needed.

/** The character that stands for byte b. */
export function byteChar(b: u32): u32 {
  if (b <= 0x20) return 0x100 + b; // controls and space: U+0100..U+0120
  if (b >= 0x7f && b <= 0xa0) return 0x121 + (b - 0x7f); // DEL, C1 controls, NBSP: U+0121..U+0142
  if (b == 0xad) return 0x143; // soft hyphen
  return b;
}

/** The byte a character stands for, or -1 if it is not in the alphabet. */
export function charByte(cp: u32): i32 {
  if (cp < 0x100) return cp <= 0x20 || (cp >= 0x7f && cp <= 0xa0) || cp == 0xad ? -1 : <i32>cp;
  if (cp <= 0x120) return <i32>(cp - 0x100);
  if (cp <= 0x142) return <i32>(cp - 0x121 + 0x7f);
  return cp == 0x143 ? 0xad : -1;
}
