// JSON (RFC 8259) read into a small tree and written with escapes, for the server's
// requests and answers. The tree lives on the object heap: the server marks the heap
// before a request and releases it after, so nothing here is ever freed one by one.

export const JSON_NULL: i32 = 0;
export const JSON_BOOL: i32 = 1;
export const JSON_NUMBER: i32 = 2;
export const JSON_STRING: i32 = 3;
export const JSON_ARRAY: i32 = 4;
export const JSON_OBJECT: i32 = 5;

/** Deeper nesting is refused (the parser recurses). */
const MAX_DEPTH: i32 = 64;
/** More values are refused: each is an object on the bounded object heap (~150 bytes with its arrays). */
const MAX_VALUES: i32 = 16384;

export class JsonValue {
  kind: i32 = JSON_NULL;
  flag: bool = false;
  number: f64 = 0;
  text: string = "";
  /** Array elements, or object member values (keys in `keys`, same order). */
  items: Array<JsonValue> = [];
  keys: Array<string> = [];

  /** The member named `key` of an object (the last one if repeated), or null. */
  get(key: string): JsonValue | null {
    for (let i = this.keys.length - 1; i >= 0; i--) if (this.keys[i] == key) return this.items[i];
    return null;
  }
}

/** The result of parseJson: a value, or the reason and byte offset it failed at. */
export class JsonParse {
  value: JsonValue | null = null;
  error: string = "";
  at: i32 = 0;
}

class Reader {
  pos: i32 = 0;
  values: i32 = 0;
  error: string = "";
  constructor(public buf: usize, public len: i32) {}

  peek(): i32 {
    return this.pos < this.len ? <i32>load<u8>(this.buf + <usize>this.pos) : -1;
  }

  skipSpace(): void {
    while (this.pos < this.len) {
      const c = load<u8>(this.buf + <usize>this.pos);
      if (c != 0x20 && c != 0x09 && c != 0x0a && c != 0x0d) break;
      this.pos++;
    }
  }

  fail(why: string): JsonValue | null {
    if (this.error.length == 0) this.error = why;
    return null;
  }
}

/** Parse one JSON text (UTF-8, whitespace around it allowed) from [buf, buf + len). */
export function parseJson(buf: usize, len: i32): JsonParse {
  const result = new JsonParse();
  const r = new Reader(buf, len);
  if (!validUtf8(buf, len)) {
    result.error = "the body is not valid UTF-8";
    return result;
  }
  r.skipSpace();
  const v = parseValue(r, 0);
  if (v != null) {
    r.skipSpace();
    if (r.pos < len) r.fail("unexpected data after the JSON value");
    else result.value = v;
  }
  if (result.value == null) {
    result.error = r.error.length > 0 ? r.error : "invalid JSON";
    result.at = r.pos;
  }
  return result;
}

function parseValue(r: Reader, depth: i32): JsonValue | null {
  if (depth > MAX_DEPTH) return r.fail("JSON nested deeper than " + MAX_DEPTH.toString() + " levels");
  if (++r.values > MAX_VALUES) return r.fail("more than " + MAX_VALUES.toString() + " JSON values");
  const c = r.peek();
  if (c == 0x7b) return parseObject(r, depth);
  if (c == 0x5b) return parseArray(r, depth);
  if (c == 0x22) {
    const s = parseString(r);
    if (s == null) return null;
    const v = new JsonValue();
    v.kind = JSON_STRING;
    v.text = s;
    return v;
  }
  if (c == 0x2d || (c >= 0x30 && c <= 0x39)) return parseNumber(r);
  if (literal(r, "true")) { const v = new JsonValue(); v.kind = JSON_BOOL; v.flag = true; return v; }
  if (literal(r, "false")) { const v = new JsonValue(); v.kind = JSON_BOOL; return v; }
  if (literal(r, "null")) return new JsonValue();
  return r.fail(c < 0 ? "the JSON text ends early" : "unexpected character in JSON");
}

function literal(r: Reader, word: string): bool {
  if (r.pos + word.length > r.len) return false;
  for (let i = 0; i < word.length; i++) if (<i32>load<u8>(r.buf + <usize>(r.pos + i)) != word.charCodeAt(i)) return false;
  r.pos += word.length;
  return true;
}

function parseObject(r: Reader, depth: i32): JsonValue | null {
  const v = new JsonValue();
  v.kind = JSON_OBJECT;
  r.pos++;
  r.skipSpace();
  if (r.peek() == 0x7d) { r.pos++; return v; }
  while (true) {
    r.skipSpace();
    if (r.peek() != 0x22) return r.fail("expected a string key in a JSON object");
    const key = parseString(r);
    if (key == null) return null;
    r.skipSpace();
    if (r.peek() != 0x3a) return r.fail("expected ':' in a JSON object");
    r.pos++;
    r.skipSpace();
    const item = parseValue(r, depth + 1);
    if (item == null) return null;
    v.keys.push(key);
    v.items.push(item);
    r.skipSpace();
    const c = r.peek();
    r.pos++;
    if (c == 0x7d) return v;
    if (c != 0x2c) { r.pos--; return r.fail("expected ',' or '}' in a JSON object"); }
  }
}

function parseArray(r: Reader, depth: i32): JsonValue | null {
  const v = new JsonValue();
  v.kind = JSON_ARRAY;
  r.pos++;
  r.skipSpace();
  if (r.peek() == 0x5d) { r.pos++; return v; }
  while (true) {
    r.skipSpace();
    const item = parseValue(r, depth + 1);
    if (item == null) return null;
    v.items.push(item);
    r.skipSpace();
    const c = r.peek();
    r.pos++;
    if (c == 0x5d) return v;
    if (c != 0x2c) { r.pos--; return r.fail("expected ',' or ']' in a JSON array"); }
  }
}

function digits(r: Reader): i32 {
  const from = r.pos;
  while (r.pos < r.len) {
    const c = load<u8>(r.buf + <usize>r.pos);
    if (c < 0x30 || c > 0x39) break;
    r.pos++;
  }
  return r.pos - from;
}

function parseNumber(r: Reader): JsonValue | null {
  const start = r.pos;
  if (r.peek() == 0x2d) r.pos++;
  if (r.peek() == 0x30) r.pos++;
  else if (digits(r) == 0) return r.fail("malformed JSON number");
  if (r.peek() == 0x2e) {
    r.pos++;
    if (digits(r) == 0) return r.fail("malformed JSON number");
  }
  if ((r.peek() | 0x20) == 0x65) {
    r.pos++;
    if (r.peek() == 0x2b || r.peek() == 0x2d) r.pos++;
    if (digits(r) == 0) return r.fail("malformed JSON number");
  }
  const v = new JsonValue();
  v.kind = JSON_NUMBER;
  v.number = parseFloat(String.UTF8.decodeUnsafe(r.buf + <usize>start, <usize>(r.pos - start)));
  return v;
}

function hex4(r: Reader): i32 {
  if (r.pos + 4 > r.len) return -1;
  let v = 0;
  for (let i = 0; i < 4; i++) {
    const c = <i32>load<u8>(r.buf + <usize>(r.pos + i));
    let d = -1;
    if (c >= 0x30 && c <= 0x39) d = c - 0x30;
    else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = (c | 0x20) - 0x61 + 10;
    if (d < 0) return -1;
    v = (v << 4) | d;
  }
  r.pos += 4;
  return v;
}

/**
 * A string from the opening quote; its escapes resolved. Unpaired surrogate escapes become
 * U+FFFD. The bytes are decoded once, into one string: building it piece by piece would
 * copy it again for every escape, which a long prompt full of \n would make quadratic.
 */
function parseString(r: Reader): string | null {
  r.pos++;
  const start = r.pos;
  let escaped = false;
  while (true) {
    if (r.pos >= r.len) { r.fail("unterminated JSON string"); return null; }
    const c = load<u8>(r.buf + <usize>r.pos);
    if (c == 0x22) break;
    if (c < 0x20) { r.fail("a control character in a JSON string"); return null; }
    if (c == 0x5c) { escaped = true; r.pos++; }
    r.pos++;
  }
  const end = r.pos;
  r.pos++;
  if (!escaped) return String.UTF8.decodeUnsafe(r.buf + <usize>start, <usize>(end - start));
  // Escapes never take more bytes than they resolve to: \uXXXX (6) is at most 3 bytes, a pair (12) 4.
  const out = changetype<usize>(new ArrayBuffer(end - start));
  let n = 0;
  let i = start;
  while (i < end) {
    const c = load<u8>(r.buf + <usize>i);
    if (c != 0x5c) { store<u8>(out + <usize>n, c); n++; i++; continue; }
    const e = i + 1 < end ? load<u8>(r.buf + <usize>(i + 1)) : 0;
    i += 2;
    let b: i32 = -1;
    if (e == 0x22) b = 0x22;
    else if (e == 0x5c) b = 0x5c;
    else if (e == 0x2f) b = 0x2f;
    else if (e == 0x62) b = 0x08;
    else if (e == 0x66) b = 0x0c;
    else if (e == 0x6e) b = 0x0a;
    else if (e == 0x72) b = 0x0d;
    else if (e == 0x74) b = 0x09;
    if (b >= 0) { store<u8>(out + <usize>n, <u8>b); n++; continue; }
    if (e != 0x75) { r.pos = i - 1; r.fail("unknown escape in a JSON string"); return null; }
    r.pos = i;
    let u = hex4(r);
    if (u < 0 || r.pos > end) { r.fail("malformed \\u escape in a JSON string"); return null; }
    i = r.pos;
    let cp: u32 = <u32>u;
    if (u >= 0xd800 && u < 0xdc00 && i + 5 < end && load<u8>(r.buf + <usize>i) == 0x5c && load<u8>(r.buf + <usize>(i + 1)) == 0x75) {
      r.pos = i + 2;
      const low = hex4(r);
      if (low >= 0xdc00 && low < 0xe000) {
        cp = 0x10000 + ((<u32>u - 0xd800) << 10) + (<u32>low - 0xdc00);
        i = r.pos;
      } else {
        cp = 0xfffd; // the next escape is read on its own
      }
    } else if (u >= 0xd800 && u < 0xe000) {
      cp = 0xfffd;
    }
    n += putUtf8(out + <usize>n, cp);
  }
  r.pos = end + 1;
  return String.UTF8.decodeUnsafe(out, <usize>n);
}

/** Code point cp as UTF-8 at p; returns its length. */
function putUtf8(p: usize, cp: u32): i32 {
  if (cp < 0x80) { store<u8>(p, <u8>cp); return 1; }
  if (cp < 0x800) { store<u8>(p, <u8>(0xc0 | (cp >> 6))); store<u8>(p, <u8>(0x80 | (cp & 63)), 1); return 2; }
  if (cp < 0x10000) {
    store<u8>(p, <u8>(0xe0 | (cp >> 12))); store<u8>(p, <u8>(0x80 | ((cp >> 6) & 63)), 1); store<u8>(p, <u8>(0x80 | (cp & 63)), 2);
    return 3;
  }
  store<u8>(p, <u8>(0xf0 | (cp >> 18))); store<u8>(p, <u8>(0x80 | ((cp >> 12) & 63)), 1);
  store<u8>(p, <u8>(0x80 | ((cp >> 6) & 63)), 2); store<u8>(p, <u8>(0x80 | (cp & 63)), 3);
  return 4;
}

/** Whether [buf, buf + len) is well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF). */
export function validUtf8(buf: usize, len: i32): bool {
  let i = 0;
  while (i < len) {
    const b = <u32>load<u8>(buf + <usize>i);
    if (b < 0x80) { i++; continue; }
    let n = 0;
    let cp: u32 = 0;
    let least: u32 = 0;
    if ((b & 0xe0) == 0xc0) { n = 1; cp = b & 0x1f; least = 0x80; }
    else if ((b & 0xf0) == 0xe0) { n = 2; cp = b & 0x0f; least = 0x800; }
    else if ((b & 0xf8) == 0xf0) { n = 3; cp = b & 0x07; least = 0x10000; }
    else return false;
    if (i + n >= len) return false;
    for (let k = 1; k <= n; k++) {
      const c = <u32>load<u8>(buf + <usize>(i + k));
      if ((c & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (c & 0x3f);
    }
    if (cp < least || cp > 0x10ffff || (cp >= 0xd800 && cp < 0xe000)) return false;
    i += n + 1;
  }
  return true;
}

/** `s` as a JSON string literal, quotes included: ", \ and control characters escaped; the rest as is. */
export function jsonString(s: string): string {
  // Pieces joined once at the end: appending to one string would copy it for every escape.
  const parts = new Array<string>();
  parts.push("\"");
  let runStart = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    let esc: string | null = null;
    if (c == 0x22) esc = "\\\"";
    else if (c == 0x5c) esc = "\\\\";
    else if (c == 0x0a) esc = "\\n";
    else if (c == 0x0d) esc = "\\r";
    else if (c == 0x09) esc = "\\t";
    else if (c == 0x08) esc = "\\b";
    else if (c == 0x0c) esc = "\\f";
    else if (c < 0x20) esc = "\\u00" + HEX.charAt(c >> 4) + HEX.charAt(c & 15);
    else if (c >= 0xd800 && c < 0xe000) {
      // A lone surrogate (a piece that split a character) has no UTF-8 form: U+FFFD, as decoders do.
      const paired = c < 0xdc00 && i + 1 < s.length && s.charCodeAt(i + 1) >= 0xdc00 && s.charCodeAt(i + 1) < 0xe000;
      if (paired) { i++; continue; }
      esc = "\uFFFD";
    }
    if (esc != null) {
      parts.push(s.substring(runStart, i));
      parts.push(esc);
      runStart = i + 1;
    }
  }
  parts.push(s.substring(runStart));
  parts.push("\"");
  return parts.join("");
}

const HEX = "0123456789abcdef";

/** A JSON number: integers without a fraction, others as the shortest text that reads back the same. */
export function jsonNumber(x: f64): string {
  if (!isFinite(x)) return "null";
  if (x == Math.floor(x) && Math.abs(x) < 9007199254740992) return (<i64>x).toString();
  return x.toString();
}

/** The tree written back as compact JSON (tests; the server writes its answers directly). */
export function writeJson(v: JsonValue): string {
  if (v.kind == JSON_NULL) return "null";
  if (v.kind == JSON_BOOL) return v.flag ? "true" : "false";
  if (v.kind == JSON_NUMBER) return jsonNumber(v.number);
  if (v.kind == JSON_STRING) return jsonString(v.text);
  let out = v.kind == JSON_ARRAY ? "[" : "{";
  for (let i = 0; i < v.items.length; i++) {
    if (i > 0) out += ",";
    if (v.kind == JSON_OBJECT) out += jsonString(v.keys[i]) + ":";
    out += writeJson(v.items[i]);
  }
  return out + (v.kind == JSON_ARRAY ? "]" : "}");
}
