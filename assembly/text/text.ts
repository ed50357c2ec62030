// Writing text through the host: strings, and numbers formatted the way people read them.
import { write } from "../host";

export function writeString(stream: i32, text: string): void {
  const bytes = String.UTF8.encode(text);
  write(stream, changetype<usize>(bytes), bytes.byteLength);
}

/** `value` with exactly `decimals` digits after the point (none: an integer). */
export function fixed(value: f64, decimals: i32): string {
  if (!isFinite(value)) return value.toString();
  let scale: f64 = 1;
  for (let i = 0; i < decimals; i++) scale *= 10;
  const negative = value < 0;
  const scaled = <u64>Math.round(Math.abs(value) * scale);
  const whole = scaled / <u64>scale;
  let text = whole.toString();
  if (decimals > 0) {
    const fraction = (scaled % <u64>scale).toString();
    text += "." + "0".repeat(decimals - fraction.length) + fraction;
  }
  return negative && scaled != 0 ? "-" + text : text;
}

/** Shortest plain form: integers without a fraction, others with up to 6 significant decimals. */
export function plain(value: f64): string {
  if (value == Math.floor(value) && Math.abs(value) < 1e15) return fixed(value, 0);
  return value.toString();
}

/**
 * Bytes from a file or the user, to quote in a message: valid UTF-8 as it is, any
 * other byte as \xNN, at most `limit` bytes of them (then "…").
 */
export function quoteBytes(ptr: usize, len: i32, limit: i32 = 80): string {
  const n = min(len, limit);
  let out = "";
  let i = 0;
  while (i < n) {
    const size = utf8SequenceLength(ptr + <usize>i, len - i);
    if (size > 0 && i + size <= n) {
      out += String.UTF8.decodeUnsafe(ptr + <usize>i, size);
      i += size;
    } else {
      if (size > 0) break; // a character cut by the limit
      const b = load<u8>(ptr + <usize>i);
      out += "\\x" + (b < 16 ? "0" : "") + (<u32>b).toString(16);
      i++;
    }
  }
  return len > limit ? out + "…" : out;
}

/** Length of the valid UTF-8 sequence at p (at most `left` bytes available), or 0 if the byte there starts none. */
function utf8SequenceLength(p: usize, left: i32): i32 {
  const b = load<u8>(p);
  if (b < 0x80) return 1;
  const size = b >= 0xc2 && b <= 0xdf ? 2 : b >= 0xe0 && b <= 0xef ? 3 : b >= 0xf0 && b <= 0xf4 ? 4 : 0;
  if (size == 0 || size > left) return 0;
  for (let k = 1; k < size; k++) if ((load<u8>(p + <usize>k) & 0xc0) != 0x80) return 0;
  const b1 = load<u8>(p + 1);
  // overlong forms, surrogates and code points past U+10FFFF
  if ((b == 0xe0 && b1 < 0xa0) || (b == 0xed && b1 >= 0xa0) || (b == 0xf0 && b1 < 0x90) || (b == 0xf4 && b1 >= 0x90)) return 0;
  return size;
}
