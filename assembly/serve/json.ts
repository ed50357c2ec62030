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

/** A string from the opening quote; its escapes resolved. Unpaired surrogate escapes become U+FFFD. */
function parseString(r: Reader): string | null {
  r.pos++;
  let out = "";
  let runStart = r.pos;
  while (true) {
    if (r.pos >= r.len) { r.fail("unterminated JSON string"); return null; }
    const c = load<u8>(r.buf + <usize>r.pos);
    if (c == 0x22) {
      out += String.UTF8.decodeUnsafe(r.buf + <usize>runStart, <usize>(r.pos - runStart));
      r.pos++;
      return out;
    }
    if (c < 0x20) { r.fail("a control character in a JSON string"); return null; }
    if (c != 0x5c) { r.pos++; continue; }
    out += String.UTF8.decodeUnsafe(r.buf + <usize>runStart, <usize>(r.pos - runStart));
    r.pos++;
    const e = r.peek();
    r.pos++;
    if (e == 0x22) out += "\"";
    else if (e == 0x5c) out += "\\";
    else if (e == 0x2f) out += "/";
    else if (e == 0x62) out += "\b";
    else if (e == 0x66) out += "\f";
    else if (e == 0x6e) out += "\n";
    else if (e == 0x72) out += "\r";
    else if (e == 0x74) out += "\t";
    else if (e == 0x75) {
      let u = hex4(r);
      if (u < 0) { r.fail("malformed \\u escape in a JSON string"); return null; }
      if (u >= 0xd800 && u < 0xdc00 && r.pos + 1 < r.len && load<u8>(r.buf + <usize>r.pos) == 0x5c && load<u8>(r.buf + <usize>r.pos + 1) == 0x75) {
        const save = r.pos;
        r.pos += 2;
        const low = hex4(r);
        if (low >= 0xdc00 && low < 0xe000) {
          out += String.fromCodePoint(0x10000 + ((u - 0xd800) << 10) + (low - 0xdc00));
        } else {
          r.pos = save;
          out += "\uFFFD";
        }
      } else if (u >= 0xd800 && u < 0xe000) {
        out += "\uFFFD";
      } else {
        out += String.fromCharCode(u);
      }
    } else { r.pos--; r.fail("unknown escape in a JSON string"); return null; }
    runStart = r.pos;
  }
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
  let out = "\"";
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
      out += s.substring(runStart, i) + esc;
      runStart = i + 1;
    }
  }
  return out + s.substring(runStart) + "\"";
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
