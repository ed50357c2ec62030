// Failure reporting without exceptions: a failing function records one user-facing
// line here and returns false (or 0); callers pass the failure up unchanged.
//
// The line is kept in a fixed buffer, not on the object heap: a chat turn releases the
// objects it made (object-heap.ts), and the reason it failed must outlive them.

const MAX_CHARACTERS_BYTES = 4 * 400 + 3; // UTF-8 or \xNN: at most 4 bytes a character, and "…"
const messageBuffer = memory.data(MAX_CHARACTERS_BYTES);
let messageLength: i32 = 0;

const MAX_CHARACTERS = 400;

/** Record `text` as the reason the current call fails. Always returns false. */
export function fail(text: string): bool {
  let n = 0;
  const count = min(text.length, MAX_CHARACTERS);
  for (let i = 0; i < count; i++) {
    let c = <u32>text.charCodeAt(i);
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < count) {
      const low = <u32>text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) { c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00); i++; }
    }
    n = put(n, c);
  }
  if (text.length > MAX_CHARACTERS) n = put(n, 0x2026); // …
  messageLength = n;
  return false;
}

/** Append code point c at byte n as UTF-8; control characters as \xNN, so the message stays one printable line. */
function put(n: i32, c: u32): i32 {
  const p = messageBuffer + <usize>n;
  if (c < 0x20 || c == 0x7f) {
    store<u8>(p, 0x5c); store<u8>(p, 0x78, 1);
    store<u8>(p, hexDigit(c >> 4), 2); store<u8>(p, hexDigit(c & 15), 3);
    return n + 4;
  }
  if (c < 0x80) { store<u8>(p, <u8>c); return n + 1; }
  if (c < 0x800) { store<u8>(p, <u8>(0xc0 | (c >> 6))); store<u8>(p, <u8>(0x80 | (c & 63)), 1); return n + 2; }
  if (c < 0x10000) {
    if (c >= 0xd800 && c < 0xe000) c = 0xfffd; // a lone surrogate
    store<u8>(p, <u8>(0xe0 | (c >> 12))); store<u8>(p, <u8>(0x80 | ((c >> 6) & 63)), 1); store<u8>(p, <u8>(0x80 | (c & 63)), 2);
    return n + 3;
  }
  store<u8>(p, <u8>(0xf0 | (c >> 18))); store<u8>(p, <u8>(0x80 | ((c >> 12) & 63)), 1);
  store<u8>(p, <u8>(0x80 | ((c >> 6) & 63)), 2); store<u8>(p, <u8>(0x80 | (c & 63)), 3);
  return n + 4;
}

@inline function hexDigit(v: u32): u8 {
  return <u8>(v < 10 ? 48 + v : 87 + v);
}

export function errorPointer(): usize {
  return messageBuffer;
}

export function errorLength(): i32 {
  return messageLength;
}

export function lastError(): string {
  return String.UTF8.decodeUnsafe(messageBuffer, messageLength);
}
