// The server's HTTP/1.1 request parser and JSON reader/writer (assembly/serve/http.ts,
// json.ts), compiled on their own (test/fixtures/serve-entry.ts), against the bytes real
// clients send: Node's fetch and curl talk to a node:net server whose only HTTP logic is
// the core's parser, so a request the parser gets wrong hangs or fails the client.
import { execa } from "execa";
import { mkdirSync, readFileSync } from "node:fs";
import { createServer, type Socket } from "node:net";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { buildDir, packageRoot } from "../host/paths.js";

const entryWasm = join(buildDir, "test", "serve-entry.wasm");

interface Parsed {
  status: number;
  error: string;
  method: string;
  target: string;
  keepAlive: boolean;
  expectContinue: boolean;
  headersDone: boolean;
  contentType: string;
  body: string; // one char per byte
  consumed: number;
}

class Entry {
  private readonly exports: Record<string, (...args: number[]) => number> & { memory: WebAssembly.Memory };

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    const instance = new WebAssembly.Instance(new WebAssembly.Module(bytes), { env: { abort: () => { throw new Error("abort"); } } });
    this.exports = instance.exports as never;
  }

  private put(bytes: Uint8Array): number {
    const ptr = this.exports.input(bytes.length);
    new Uint8Array(this.exports.memory.buffer, ptr, bytes.length).set(bytes);
    return ptr;
  }

  private result(ptr: number): string {
    return new TextDecoder().decode(new Uint8Array(this.exports.memory.buffer, ptr, this.exports.result_len()));
  }

  parse(bytes: Uint8Array | string, maxHeader = 8192, maxBody = 1 << 20): Parsed {
    const b = typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes;
    return JSON.parse(this.result(this.exports.parse_request(this.put(b), b.length, maxHeader, maxBody)));
  }

  json(text: string | Uint8Array): string {
    const b = typeof text === "string" ? Buffer.from(text, "utf8") : text;
    return this.result(this.exports.json_roundtrip(this.put(b), b.length));
  }
}

let entry: Entry;

beforeAll(async () => {
  mkdirSync(join(buildDir, "test"), { recursive: true });
  // From test/fixtures (--baseDir), so that the core's asconfig.json does not apply.
  await execa(join(packageRoot, "node_modules", ".bin", "asc"),
    ["serve-entry.ts", "--baseDir", join(packageRoot, "test", "fixtures"), "--runtime", "stub", "-O3", "-o", entryWasm], { timeout: 120_000 });
  entry = new Entry(new Uint8Array(readFileSync(entryWasm)));
}, 180_000);

/**
 * A server that answers with the core's parser alone: bytes accumulate until parse says
 * complete (or an error status); 100 Continue is sent when asked. Every request's raw
 * bytes are kept. Answers "ok" and closes.
 */
async function withCapture<T>(client: (port: number) => Promise<T>): Promise<{ result: T; raw: Buffer[]; parsed: Parsed[] }> {
  const raw: Buffer[] = [];
  const parsed: Parsed[] = [];
  const server = createServer((socket: Socket) => {
    let data = Buffer.alloc(0);
    let continued = false;
    socket.on("data", (chunk) => {
      data = Buffer.concat([data, chunk]);
      const r = entry.parse(data);
      if (r.status === -1) {
        if (r.expectContinue && !continued) {
          continued = true;
          socket.write("HTTP/1.1 100 Continue\r\n\r\n");
        }
        return;
      }
      raw.push(data.subarray(0, r.status === 0 ? r.consumed : data.length));
      parsed.push(r);
      const body = r.status === 0 ? "ok" : "no";
      socket.end(`HTTP/1.1 ${r.status === 0 ? 200 : r.status} X\r\nContent-Length: ${body.length}\r\nConnection: close\r\n\r\n${body}`);
    });
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  try {
    const result = await client(port);
    return { result, raw, parsed };
  } finally {
    server.close();
  }
}

const jsonBody = JSON.stringify({ model: "m", messages: [{ role: "user", content: "Hé \"there\"\n😀" }], temperature: 0.8, stream: true });

describe("requests from real clients", () => {
  it("fetch: POST with a JSON body (Content-Length)", async () => {
    const { result, parsed } = await withCapture(async (port) => {
      const res = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json" }, body: jsonBody });
      return res.text();
    });
    expect(result).toBe("ok");
    expect(parsed[0]).toMatchObject({ status: 0, method: "POST", target: "/v1/chat/completions", keepAlive: true, contentType: "application/json" });
    expect(Buffer.from(parsed[0].body, "latin1").toString("utf8")).toBe(jsonBody);
  });

  it("fetch: a streamed body arrives chunked", async () => {
    const { result, parsed, raw } = await withCapture(async (port) => {
      const parts = [jsonBody.slice(0, 10), jsonBody.slice(10)];
      const stream = new ReadableStream({ start(c) { for (const p of parts) c.enqueue(new TextEncoder().encode(p)); c.close(); } });
      const res = await fetch(`http://127.0.0.1:${port}/v1/completions`, { method: "POST", body: stream, duplex: "half" } as RequestInit);
      return res.text();
    });
    expect(result).toBe("ok");
    expect(raw[0].toString("latin1")).toMatch(/transfer-encoding: chunked/i);
    expect(Buffer.from(parsed[0].body, "latin1").toString("utf8")).toBe(jsonBody);
  });

  it("fetch: GET", async () => {
    const { result, parsed } = await withCapture(async (port) => (await fetch(`http://127.0.0.1:${port}/v1/models`)).text());
    expect(result).toBe("ok");
    expect(parsed[0]).toMatchObject({ status: 0, method: "GET", target: "/v1/models", body: "" });
  });

  it("curl: POST -d, chunked, and a large body with Expect: 100-continue", async () => {
    const big = JSON.stringify({ prompt: "x".repeat(5000) });
    for (const args of [["-d", jsonBody], ["-H", "Transfer-Encoding: chunked", "-d", jsonBody], ["-d", big], ["-H", "Expect: 100-continue", "-d", big], ["--http1.0", "-d", jsonBody]]) {
      const { result, parsed, raw } = await withCapture(async (port) =>
        (await execa("curl", ["-sS", "--max-time", "10", "-H", "Content-Type: application/json", ...args, `http://127.0.0.1:${port}/v1/completions`])).stdout);
      expect(result).toBe("ok");
      const body = args[args.length - 1];
      expect(Buffer.from(parsed[0].body, "latin1").toString("utf8")).toBe(body);
      expect(parsed[0].keepAlive).toBe(args[0] !== "--http1.0");
      if (args[1] === "Expect: 100-continue") expect(raw[0].toString("latin1")).toMatch(/expect: 100-continue/i);
    }
  }, 30_000);

  it("a request cut at every byte is incomplete until its last byte, then parses the same", async () => {
    const { raw } = await withCapture(async (port) => {
      await execa("curl", ["-sS", "--max-time", "10", "-H", "Transfer-Encoding: chunked", "-d", jsonBody, `http://127.0.0.1:${port}/x`]);
      await fetch(`http://127.0.0.1:${port}/y`, { method: "POST", body: jsonBody }).then((r) => r.text());
    });
    for (const request of raw) {
      const whole = entry.parse(request);
      expect(whole.status).toBe(0);
      expect(whole.consumed).toBe(request.length);
      for (let cut = 0; cut < request.length; cut++) expect(entry.parse(request.subarray(0, cut)).status, `cut at ${cut}`).toBe(-1);
      // Pipelined: a second request after the first is left for the next call.
      const two = Buffer.concat([request, request]);
      expect(entry.parse(two)).toEqual(whole);
      expect(entry.parse(two.subarray(whole.consumed))).toEqual(whole);
    }
  });
});

describe("bad requests get the right status", () => {
  const cases: [string, string, number][] = [
    ["binary", "\x00\x01\x02\xff\xfe", 400],
    ["no version", "GET /\r\n\r\n", 400],
    ["HTTP/2 text", "GET / HTTP/2.0\r\n\r\n", 505],
    ["bad version", "GET / HTTQ/1.1\r\n\r\n", 400],
    ["space in target", "GET /a b HTTP/1.1\r\n\r\n", 400],
    ["header without colon", "GET / HTTP/1.1\r\nHost\r\n\r\n", 400],
    ["folded header", "GET / HTTP/1.1\r\nA: b\r\n c\r\n\r\n", 400],
    ["space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", 400],
    ["bad Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1x\r\n\r\n", 400],
    ["negative Content-Length", "POST / HTTP/1.1\r\nContent-Length: -1\r\n\r\n", 400],
    ["conflicting Content-Length", "POST / HTTP/1.1\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400],
    ["CL and TE", "POST / HTTP/1.1\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400],
    ["gzip TE", "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
    ["bad chunk size", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", 400],
    ["chunk without CRLF", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabXY", 400],
    ["body too large", "POST / HTTP/1.1\r\nContent-Length: 2000000\r\n\r\n", 413],
    ["chunked body too large", "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\nfffffffff\r\n", 413],
    ["expect other", "POST / HTTP/1.1\r\nExpect: something\r\n\r\n", 417],
    ["headers too long", "GET / HTTP/1.1\r\nX: " + "a".repeat(9000), 431],
    ["control in header", "GET / HTTP/1.1\r\nX: a\x01b\r\n\r\n", 400],
  ];
  it.each(cases)("%s", (_name, text, status) => {
    const r = entry.parse(text);
    expect(r.status).toBe(status);
    expect(r.error.length).toBeGreaterThan(0);
  });

  it("keep-alive rules: 1.1 default on, close off; 1.0 default off, keep-alive on", () => {
    expect(entry.parse("GET / HTTP/1.1\r\n\r\n").keepAlive).toBe(true);
    expect(entry.parse("GET / HTTP/1.1\r\nConnection: foo, Close\r\n\r\n").keepAlive).toBe(false);
    expect(entry.parse("GET / HTTP/1.0\r\n\r\n").keepAlive).toBe(false);
    expect(entry.parse("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n").keepAlive).toBe(true);
  });

  it("a chunked body with extensions and trailers", () => {
    const r = entry.parse("POST / HTTP/1.1\r\nTransfer-Encoding: Chunked\r\n\r\n3;x=y\r\nabc\r\nA\r\n0123456789\r\n0\r\nT: v\r\n\r\nNEXT");
    expect(r).toMatchObject({ status: 0, body: "abc0123456789" });
    const text = "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\nT: v\r\n\r\nNEXT";
    expect(entry.parse(text).consumed).toBe(text.length - "NEXT".length);
  });
});

describe("JSON", () => {
  const valid = [
    jsonBody, "{}", "[]", "0", "-0", "1.5", "-12e-3", "1E+21", "123456789012", "3.141592653589793", "0.1", "1e-7",
    "\"\"", "\"\\u00e9\\ud83d\\ude00\\/\\b\\f\\t\\u0001\"", "[true,false,null]", " { \"a\" : [ 1 , { \"b\" : \"c\" } ] } ",
    "{\"a\":1,\"a\":2}", JSON.stringify({ s: "mixed \u0000 \u007f é 中文 😀" }),
  ];
  it.each(valid)("round-trips %s as JSON.stringify(JSON.parse()) does", (text) => {
    const expected = JSON.stringify(JSON.parse(text), (_k, v) => v);
    // Duplicate keys: we keep both in the tree (the last wins on lookup); JSON.parse keeps the last only.
    if (text === "{\"a\":1,\"a\":2}") expect(entry.json(text)).toBe("{\"a\":1,\"a\":2}");
    else expect(entry.json(text)).toBe(expected === "-0" ? "0" : expected);
  });

  const invalid = [
    "", " ", "{", "[1,]", "{\"a\":}", "{a:1}", "01", "1.", ".5", "-", "1e", "+1", "tru", "nul", "\"abc", "\"a\nb\"", "\"\\x\"",
    "\"\\u12\"", "[1] 2", "{\"a\" 1}", "NaN", "Infinity", "'a'",
  ];
  it.each(invalid)("refuses %j", (text) => {
    expect(() => JSON.parse(text)).toThrow();
    expect(entry.json(text)).toMatch(/^!/);
  });

  it("refuses nesting deeper than 64 levels, which a request never needs", () => {
    expect(entry.json("[".repeat(64) + "]".repeat(64))).toBe("[".repeat(64) + "]".repeat(64));
    expect(entry.json("[".repeat(100) + "]".repeat(100))).toMatch(/^!JSON nested deeper/);
  });

  it("refuses more than 16384 values, which would fill the bounded object heap", () => {
    expect(entry.json("[" + Array(16383).fill(1).join(",") + "]")).toMatch(/^\[1,/);
    expect(entry.json("[" + Array(16384).fill(1).join(",") + "]")).toBe("!more than 16384 JSON values");
  });

  it("long strings full of escapes, and lone or swapped surrogates, as JSON.parse reads them", () => {
    const long = JSON.stringify({ prompt: "line\n\t\"q\" é😀 ".repeat(5000) });
    expect(entry.json(long)).toBe(long);
    // JSON.parse keeps a lone surrogate; a UTF-8 string cannot, so it becomes U+FFFD.
    expect(entry.json(String.raw`"a\ud800b\udc00c\ud800\u0041\ud83d\ude00"`)).toBe(`"a\ufffdb\ufffdc\ufffdA😀"`);
  });

  it("refuses invalid UTF-8", () => {
    for (const bytes of [[0x22, 0xff, 0x22], [0x22, 0xc0, 0xaf, 0x22], [0x22, 0xed, 0xa0, 0x80, 0x22], [0x22, 0xe2, 0x82]]) {
      expect(entry.json(new Uint8Array(bytes))).toMatch(/^!/);
    }
  });
});
