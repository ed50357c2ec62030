// HTTP/1.1 requests from bytes: the request line, the headers we act on, and the body
// (Content-Length or chunked), with limits on both, for the OpenAI-style server.
//
// parseRequest() is called again each time more bytes arrive; it keeps nothing between
// calls, so a request cut anywhere parses the same as one read whole. A complete request
// says how many bytes it used (`consumed`), so a pipelined next request starts there.

/** Not all of the request is here yet: read more and call again. */
export const HTTP_INCOMPLETE: i32 = -1;
/** The request is complete: method, target, body, keepAlive are set. */
export const HTTP_COMPLETE: i32 = 0;
// Any other status is the HTTP status to answer with (400, 413, 431, 501, 505, 417), and `error` says why.

const CR: u8 = 13;
const LF: u8 = 10;

export class HttpRequest {
  status: i32 = HTTP_INCOMPLETE;
  error: string = "";
  method: string = "";
  target: string = "";
  minor: i32 = 1; // HTTP/1.minor
  keepAlive: bool = true;
  /** The client sent `Expect: 100-continue` and the headers are complete: answer 100 before the body comes. */
  expectContinue: bool = false;
  /** The header section is complete (set also while the body is incomplete). */
  headersDone: bool = false;
  contentType: string = "";
  /** The body, decoded (chunked framing removed), at bodyPtr in the caller's body buffer. */
  bodyPtr: usize = 0;
  bodyLen: i32 = 0;
  /** Bytes of the input this request used, framing included. */
  consumed: i32 = 0;
}

function failWith(r: HttpRequest, status: i32, why: string): HttpRequest {
  r.status = status;
  r.error = why;
  return r;
}

/** Offset of the first CRLF at or after `from` in [buf, buf + len), or -1. */
function findCrlf(buf: usize, len: i32, from: i32): i32 {
  for (let i = from; i + 1 < len; i++) {
    if (load<u8>(buf + <usize>i) == CR && load<u8>(buf + <usize>i + 1) == LF) return i;
  }
  return -1;
}

/** RFC 9110 tchar: the bytes of a method or a header name. */
function isTokenChar(c: u8): bool {
  if (c >= 0x30 && c <= 0x39) return true;
  const l = c | 0x20;
  if (l >= 0x61 && l <= 0x7a) return true;
  return c == 0x21 || c == 0x23 || c == 0x24 || c == 0x25 || c == 0x26 || c == 0x27 || c == 0x2a || c == 0x2b ||
    c == 0x2d || c == 0x2e || c == 0x5e || c == 0x5f || c == 0x60 || c == 0x7c || c == 0x7e;
}

function ascii(buf: usize, start: i32, end: i32): string {
  return String.UTF8.decodeUnsafe(buf + <usize>start, <usize>(end - start));
}

/** Whether bytes [start, end) equal `word`, ASCII letters in any case. `word` is lower case. */
function equalsIgnoreCase(buf: usize, start: i32, end: i32, word: string): bool {
  if (end - start != word.length) return false;
  for (let i = 0; i < word.length; i++) {
    let c = load<u8>(buf + <usize>(start + i));
    if (c >= 0x41 && c <= 0x5a) c |= 0x20;
    if (<i32>c != word.charCodeAt(i)) return false;
  }
  return true;
}

@inline function isSpace(c: u8): bool {
  return c == 0x20 || c == 0x09;
}

/**
 * Parse the request at the start of [buf, buf + len). The body goes to bodyOut (room for
 * maxBody bytes). maxHeader bounds the request line and headers together.
 */
export function parseRequest(buf: usize, len: i32, bodyOut: usize, maxHeader: i32, maxBody: i32): HttpRequest {
  const r = new HttpRequest();
  // Blank lines before a request are allowed (RFC 9112 2.2): a client's keep-alive CRLF.
  let start = 0;
  while (start + 1 < len && load<u8>(buf + <usize>start) == CR && load<u8>(buf + <usize>start + 1) == LF) start += 2;

  // The request line.
  const lineEnd = findCrlf(buf, min(len, start + maxHeader), start);
  if (lineEnd < 0) {
    if (len - start >= maxHeader) return failWith(r, 431, "the request line and headers are longer than " + maxHeader.toString() + " bytes");
    if (!plausibleStart(buf, start, len)) return failWith(r, 400, "this is not an HTTP request");
    return r;
  }
  let i = start;
  while (i < lineEnd && isTokenChar(load<u8>(buf + <usize>i))) i++;
  if (i == start || i >= lineEnd || load<u8>(buf + <usize>i) != 0x20) return failWith(r, 400, "malformed request line");
  r.method = ascii(buf, start, i);
  const targetStart = ++i;
  while (i < lineEnd && load<u8>(buf + <usize>i) > 0x20 && load<u8>(buf + <usize>i) < 0x7f) i++;
  if (i == targetStart || i >= lineEnd || load<u8>(buf + <usize>i) != 0x20) return failWith(r, 400, "malformed request target");
  r.target = ascii(buf, targetStart, i);
  i++;
  if (lineEnd - i != 8 || !equalsIgnoreCase(buf, i, i + 5, "http/") || load<u8>(buf + <usize>i + 6) != 0x2e) return failWith(r, 400, "malformed HTTP version");
  const major = <i32>load<u8>(buf + <usize>i + 5) - 0x30;
  const minor = <i32>load<u8>(buf + <usize>i + 7) - 0x30;
  if (major < 0 || major > 9 || minor < 0 || minor > 9) return failWith(r, 400, "malformed HTTP version");
  if (major != 1) return failWith(r, 505, "only HTTP/1.x is served");
  r.minor = minor;
  r.keepAlive = minor >= 1;

  // Header fields, one per line, up to the empty line.
  let contentLength: i64 = -1;
  let chunked = false;
  let line = lineEnd + 2;
  while (true) {
    const end = findCrlf(buf, min(len, start + maxHeader), line);
    if (end < 0) {
      if (len - start >= maxHeader) return failWith(r, 431, "the request line and headers are longer than " + maxHeader.toString() + " bytes");
      return r;
    }
    if (end == line) { line = end + 2; break; }
    const first = load<u8>(buf + <usize>line);
    if (isSpace(first)) return failWith(r, 400, "folded header lines are not accepted");
    let n = line;
    while (n < end && isTokenChar(load<u8>(buf + <usize>n))) n++;
    if (n == line || n >= end || load<u8>(buf + <usize>n) != 0x3a) return failWith(r, 400, "malformed header line");
    let v = n + 1;
    while (v < end && isSpace(load<u8>(buf + <usize>v))) v++;
    let ve = end;
    while (ve > v && isSpace(load<u8>(buf + <usize>ve - 1))) ve--;
    for (let k = v; k < ve; k++) {
      const c = load<u8>(buf + <usize>k);
      if ((c < 0x20 && c != 0x09) || c == 0x7f) return failWith(r, 400, "a control character in a header value");
    }
    if (equalsIgnoreCase(buf, line, n, "content-length")) {
      const value = parseDecimal(buf, v, ve);
      if (value < 0) return failWith(r, 400, "invalid Content-Length");
      if (contentLength >= 0 && contentLength != value) return failWith(r, 400, "conflicting Content-Length headers");
      contentLength = value;
    } else if (equalsIgnoreCase(buf, line, n, "transfer-encoding")) {
      if (!equalsIgnoreCase(buf, v, ve, "chunked") || chunked) return failWith(r, 501, "only the chunked transfer coding is supported");
      chunked = true;
    } else if (equalsIgnoreCase(buf, line, n, "connection")) {
      connectionTokens(r, buf, v, ve);
    } else if (equalsIgnoreCase(buf, line, n, "expect")) {
      if (!equalsIgnoreCase(buf, v, ve, "100-continue")) return failWith(r, 417, "only Expect: 100-continue is supported");
      r.expectContinue = minor >= 1;
    } else if (equalsIgnoreCase(buf, line, n, "content-type")) {
      r.contentType = ascii(buf, v, ve);
    }
    line = end + 2;
  }
  if (chunked && contentLength >= 0) return failWith(r, 400, "both Content-Length and Transfer-Encoding");
  r.headersDone = true;

  // The body.
  r.bodyPtr = bodyOut;
  if (chunked) return readChunked(r, buf, len, line, bodyOut, maxBody);
  if (contentLength < 0) contentLength = 0;
  if (contentLength > <i64>maxBody) return failWith(r, 413, "the body is longer than " + maxBody.toString() + " bytes");
  if (<i64>(len - line) < contentLength) return r;
  memory.copy(bodyOut, buf + <usize>line, <usize>contentLength);
  r.bodyLen = <i32>contentLength;
  r.consumed = line + <i32>contentLength;
  r.expectContinue = false;
  r.status = HTTP_COMPLETE;
  return r;
}

/** Whether the bytes so far could still begin a request line: a method's characters, then a space. */
function plausibleStart(buf: usize, start: i32, len: i32): bool {
  for (let i = start; i < len; i++) {
    const c = load<u8>(buf + <usize>i);
    if (c == 0x20) return i > start;
    if (!isTokenChar(c)) return false;
  }
  return true;
}

/** A non-negative decimal of at most 15 digits, or -1. */
function parseDecimal(buf: usize, start: i32, end: i32): i64 {
  if (end <= start || end - start > 15) return -1;
  let value: i64 = 0;
  for (let i = start; i < end; i++) {
    const d = <i32>load<u8>(buf + <usize>i) - 0x30;
    if (d < 0 || d > 9) return -1;
    value = value * 10 + d;
  }
  return value;
}

/** Connection: close / keep-alive among comma-separated tokens. */
function connectionTokens(r: HttpRequest, buf: usize, start: i32, end: i32): void {
  let i = start;
  while (i < end) {
    while (i < end && (isSpace(load<u8>(buf + <usize>i)) || load<u8>(buf + <usize>i) == 0x2c)) i++;
    let e = i;
    while (e < end && load<u8>(buf + <usize>e) != 0x2c) e++;
    let te = e;
    while (te > i && isSpace(load<u8>(buf + <usize>te - 1))) te--;
    if (equalsIgnoreCase(buf, i, te, "close")) r.keepAlive = false;
    else if (equalsIgnoreCase(buf, i, te, "keep-alive")) r.keepAlive = true;
    i = e;
  }
}

/** A chunked body from `at`: hex size [; extensions] CRLF data CRLF ..., 0 CRLF, trailers, CRLF. */
function readChunked(r: HttpRequest, buf: usize, len: i32, at: i32, out: usize, maxBody: i32): HttpRequest {
  let total = 0;
  let p = at;
  while (true) {
    const end = findCrlf(buf, len, p);
    if (end < 0) {
      if (len - p > 1024) return failWith(r, 400, "malformed chunk size line");
      return r;
    }
    let size: i64 = 0;
    let k = p;
    while (k < end) {
      const c = load<u8>(buf + <usize>k);
      let d: i32 = -1;
      if (c >= 0x30 && c <= 0x39) d = <i32>c - 0x30;
      else if ((c | 0x20) >= 0x61 && (c | 0x20) <= 0x66) d = <i32>(c | 0x20) - 0x61 + 10;
      if (d < 0) break;
      if (k - p >= 8) return failWith(r, 413, "the body is longer than " + maxBody.toString() + " bytes");
      size = size * 16 + d;
      k++;
    }
    if (k == p) return failWith(r, 400, "malformed chunk size");
    while (k < end && isSpace(load<u8>(buf + <usize>k))) k++;
    if (k < end && load<u8>(buf + <usize>k) != 0x3b) return failWith(r, 400, "malformed chunk size");
    if (<i64>total + size > <i64>maxBody) return failWith(r, 413, "the body is longer than " + maxBody.toString() + " bytes");
    const data = end + 2;
    if (size == 0) {
      // Trailer fields are read and dropped, up to the empty line.
      let t = data;
      while (true) {
        const te = findCrlf(buf, len, t);
        if (te < 0) {
          if (len - t > 8192) return failWith(r, 431, "the trailer fields are too long");
          return r;
        }
        if (te == t) { t += 2; break; }
        t = te + 2;
      }
      r.bodyLen = total;
      r.consumed = t;
      r.expectContinue = false;
      r.status = HTTP_COMPLETE;
      return r;
    }
    if (<i64>(len - data) < size + 2) return r;
    const n = <i32>size;
    if (load<u8>(buf + <usize>(data + n)) != CR || load<u8>(buf + <usize>(data + n + 1)) != LF) return failWith(r, 400, "a chunk does not end with CRLF");
    memory.copy(out + <usize>total, buf + <usize>data, <usize>n);
    total += n;
    p = data + n + 2;
  }
  return r; // not reached: every way out of the loop returns
}

/** The reason phrase of a status we send. */
export function reasonPhrase(status: i32): string {
  switch (status) {
    case 100: return "Continue";
    case 200: return "OK";
    case 400: return "Bad Request";
    case 404: return "Not Found";
    case 405: return "Method Not Allowed";
    case 408: return "Request Timeout";
    case 411: return "Length Required";
    case 413: return "Content Too Large";
    case 415: return "Unsupported Media Type";
    case 417: return "Expectation Failed";
    case 431: return "Request Header Fields Too Large";
    case 500: return "Internal Server Error";
    case 501: return "Not Implemented";
    case 503: return "Service Unavailable";
    case 505: return "HTTP Version Not Supported";
  }
  return "Unknown";
}
