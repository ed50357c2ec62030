// `uefi-llm serve` end to end: the built CLI serves the bundled stories260K on a local port;
// real HTTP clients (Node's fetch, curl, raw sockets) check that the answers carry the same
// text `generate` prints for the same settings, that bad requests get OpenAI-style 4xx
// errors while the server keeps serving, and that 500 requests leave the memory flat.
import { execa, type ResultPromise } from "execa";
import { connect } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cli, cliPath } from "./helpers/cli.js";
import { freePort, generated, sseEvents } from "./helpers/serve.js";
import OpenAI from "openai";

let server: ResultPromise;
let base: string;
let port: number;
let stderr = "";

beforeAll(async () => {
  port = await freePort();
  base = `http://127.0.0.1:${port}`;
  server = execa("node", [cliPath, "serve", "--port", String(port)], { reject: false, timeout: 300_000 });
  server.stderr!.on("data", (chunk: Buffer) => { stderr += chunk.toString(); });
  const deadline = Date.now() + 30_000;
  while (!stderr.includes("serving ")) {
    if (Date.now() > deadline) throw new Error(`serve did not start: ${stderr}`);
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}, 60_000);

afterAll(async () => {
  server?.kill("SIGTERM");
  const result = await server;
  expect(result.signal).toBe("SIGTERM");
});

async function post(path: string, body: unknown): Promise<{ status: number; json: any }> {
  const res = await fetch(base + path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body), signal: AbortSignal.timeout(60_000) });
  return { status: res.status, json: await res.json() };
}

/** post() under another name, for the tests where post is the raw request builder. */
const postJson = (path: string, body: unknown) => post(path, body);


const settings = [
  { name: "greedy", body: { temperature: 0 }, args: ["--temp", "0"] },
  { name: "seeded", body: { temperature: 0.8, top_p: 0.9, seed: 42 }, args: ["--temp", "0.8", "--top-p", "0.9", "-s", "42"] },
];

describe.each(settings)("the same text as generate ($name)", ({ body, args }) => {
  const prompt = "Once upon a time";
  let expected: string;
  beforeAll(async () => { expected = await generated(prompt, ["-n", "60", ...args]); }, 60_000);

  it("/v1/completions", async () => {
    const { status, json } = await post("/v1/completions", { model: "x", prompt, max_tokens: 60, ...body });
    expect(status).toBe(200);
    expect(json.object).toBe("text_completion");
    expect(json.choices[0].text).toBe(expected);
    expect(json.usage.prompt_tokens).toBe(5); // BOS + 4
    expect(json.usage.total_tokens).toBe(json.usage.prompt_tokens + json.usage.completion_tokens);
  });

  it("/v1/chat/completions (the bundled model has no template: the message is the prompt)", async () => {
    const { status, json } = await post("/v1/chat/completions", { model: "x", messages: [{ role: "user", content: prompt }], max_tokens: 60, ...body });
    expect(status).toBe(200);
    expect(json.object).toBe("chat.completion");
    expect(json.choices[0].message).toEqual({ role: "assistant", content: expected });
  });

  it("streamed over SSE, the pieces make the same text; usage, finish_reason and [DONE] at the end", async () => {
    for (const chat of [false, true]) {
      const request = chat ? { messages: [{ role: "user", content: prompt }] } : { prompt };
      const res = await fetch(base + (chat ? "/v1/chat/completions" : "/v1/completions"), { method: "POST", body: JSON.stringify({ ...request, max_tokens: 60, stream: true, ...body }) });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("text/event-stream");
      const list = sseEvents(await res.text());
      expect(list.at(-1)).toBe("[DONE]");
      const chunks = list.slice(0, -1).map((e) => JSON.parse(e));
      const text = chunks.map((c) => (chat ? c.choices[0].delta.content ?? "" : c.choices[0].text)).join("");
      expect(text).toBe(expected);
      expect(chunks.at(-1).choices[0].finish_reason).toMatch(/^(stop|length)$/);
      expect(chunks.at(-1).usage.completion_tokens).toBeGreaterThan(0);
      if (chat) expect(chunks[0].choices[0].delta.role).toBe("assistant");
    }
  });
});

describe("the API", () => {
  it("GET /health and /v1/models", async () => {
    expect(await (await fetch(base + "/health")).json()).toMatchObject({ status: "ok" });
    const models = await (await fetch(base + "/v1/models")).json();
    expect(models.object).toBe("list");
    expect(models.data[0]).toMatchObject({ id: "stories260K.bin", object: "model" });
  });

  it("stop strings end the text before them, with finish_reason stop", async () => {
    const full = (await post("/v1/completions", { prompt: "Once upon a time", max_tokens: 60, temperature: 0 })).json.choices[0].text as string;
    const stopAt = full.indexOf(" girl");
    expect(stopAt).toBeGreaterThan(0);
    for (const stop of [" girl", [" nothing-like-this", " girl"]]) {
      const { json } = await post("/v1/completions", { prompt: "Once upon a time", max_tokens: 60, temperature: 0, stop });
      expect(json.choices[0].text).toBe(full.slice(0, stopAt));
      expect(json.choices[0].finish_reason).toBe("stop");
    }
    const res = await fetch(base + "/v1/completions", { method: "POST", body: JSON.stringify({ prompt: "Once upon a time", max_tokens: 60, temperature: 0, stop: " girl", stream: true }) });
    const chunks = sseEvents(await res.text()).slice(0, -1).map((e) => JSON.parse(e));
    expect(chunks.map((c) => c.choices[0].text).join("")).toBe(full.slice(0, stopAt));
  });

  it("prefix caching: a request that continues the last one reuses its cache and still gives generate's text", async () => {
    const first = "Once upon a time";
    const a = await post("/v1/completions", { prompt: first, max_tokens: 30, temperature: 0 });
    const again = await post("/v1/completions", { prompt: first, max_tokens: 30, temperature: 0 });
    expect(again.json.choices[0].text).toBe(a.json.choices[0].text);
    expect(again.json.usage.prompt_tokens_details.cached_tokens).toBe(a.json.usage.prompt_tokens - 1);
    const longer = first + a.json.choices[0].text + " The end.";
    const b = await post("/v1/completions", { prompt: longer, max_tokens: 30, temperature: 0.8, seed: 5 });
    expect(b.json.usage.prompt_tokens_details.cached_tokens).toBeGreaterThan(20);
    expect(b.json.choices[0].text).toBe(await generated(longer, ["-n", "30", "--temp", "0.8", "-s", "5"]));
    // A different start computes everything again.
    const c = await post("/v1/completions", { prompt: "Tom", max_tokens: 5, temperature: 0 });
    expect(c.json.usage.prompt_tokens_details.cached_tokens).toBe(1); // the BOS token
  }, 60_000);

  it("max_tokens 0 and 1; a context too small for the prompt is a 400 with code context_length_exceeded", async () => {
    expect((await post("/v1/completions", { prompt: "Hi", max_tokens: 0 })).json.choices[0].text).toBe("");
    expect((await post("/v1/completions", { prompt: "Hi", max_tokens: 1, temperature: 0 })).json.usage.completion_tokens).toBe(1);
    const long = await post("/v1/completions", { prompt: "Once upon a time ".repeat(400) });
    expect(long.status).toBe(400);
    expect(long.json.error.code).toBe("context_length_exceeded");
  });

  it("curl sees the SSE chunks", async () => {
    const r = await execa("curl", ["-sS", "-N", "--max-time", "30", base + "/v1/chat/completions", "-H", "Content-Type: application/json",
      "-d", JSON.stringify({ messages: [{ role: "user", content: "Once upon a time" }], max_tokens: 20, temperature: 0, stream: true })]);
    const list = sseEvents(r.stdout);
    expect(list.at(-1)).toBe("[DONE]");
    expect(list.length).toBeGreaterThan(3);
  });
});

/** Send raw bytes on a fresh connection; the whole answer until the server closes or timeMs passes. */
function raw(bytes: Buffer | string, { end = true, timeMs = 5000 } = {}): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect(port, "127.0.0.1");
    let got = "";
    const timer = setTimeout(() => { socket.destroy(); resolve(got); }, timeMs);
    socket.on("data", (d) => {
      got += d.toString("latin1");
      // One answer is enough: a complete response with a body of its Content-Length.
      const m = /Content-Length: (\d+)\r\n[\s\S]*?\r\n\r\n/.exec(got);
      if (m && got.length >= got.indexOf("\r\n\r\n") + 4 + Number(m[1])) { clearTimeout(timer); socket.destroy(); resolve(got); }
    });
    socket.on("close", () => { clearTimeout(timer); resolve(got); });
    socket.on("error", () => {});
    socket.write(typeof bytes === "string" ? Buffer.from(bytes, "latin1") : bytes);
    if (end) socket.end();
  });
}

describe("bad requests: a 4xx with an OpenAI-style error, and the server keeps serving", () => {
  const post = (body: string, path = "/v1/completions", extra = "") => `POST ${path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body, "latin1")}\r\n${extra}\r\n${body}`;
  const cases: [string, string | Buffer, number][] = [
    ["binary", Buffer.from([0, 1, 2, 255, 254, 13, 10, 13, 10]), 400],
    ["not HTTP", "hello\r\n\r\n", 400],
    ["HTTP/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505],
    ["oversized headers", "GET / HTTP/1.1\r\nX: " + "a".repeat(20000) + "\r\n\r\n", 431],
    ["oversized body", "POST /v1/completions HTTP/1.1\r\nContent-Length: 5000000\r\n\r\n", 413],
    ["bad JSON", post("{\"prompt\": "), 400],
    ["JSON not an object", post("[1,2]"), 400],
    ["invalid UTF-8", post("{\"prompt\":\"\xff\"}"), 400],
    ["wrong type", post("{\"prompt\": 5}"), 400],
    ["temperature a string", post("{\"prompt\": \"a\", \"temperature\": \"hot\"}"), 400],
    ["top_p out of range", post("{\"prompt\": \"a\", \"top_p\": 2}"), 400],
    ["max_tokens negative", post("{\"prompt\": \"a\", \"max_tokens\": -1}"), 400],
    ["stream not a bool", post("{\"prompt\": \"a\", \"stream\": 1}"), 400],
    ["stop of numbers", post("{\"prompt\": \"a\", \"stop\": [1]}"), 400],
    ["no messages", post("{\"messages\": []}", "/v1/chat/completions"), 400],
    ["unknown role", post("{\"messages\": [{\"role\": \"robot\", \"content\": \"a\"}]}", "/v1/chat/completions"), 400],
    ["unknown endpoint", "GET /v2/nothing HTTP/1.1\r\n\r\n", 404],
    ["GET on completions", "GET /v1/completions HTTP/1.1\r\n\r\n", 405],
    ["gzip body", "POST /v1/completions HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n", 501],
  ];
  it.each(cases)("%s", async (_name, bytes, status) => {
    const answer = await raw(bytes);
    expect(answer.startsWith(`HTTP/1.1 ${status} `), answer.slice(0, 200)).toBe(true);
    const body = JSON.parse(answer.slice(answer.indexOf("\r\n\r\n") + 4));
    expect(typeof body.error.message).toBe("string");
    expect(body.error.type).toBe("invalid_request_error");
    expect((await fetch(base + "/health")).status).toBe(200);
  });

  it("a seeded fuzz: cut, flipped and random requests; every answer is a 4xx or a 200, and the server still answers", async () => {
    let seed = 1234;
    const rand = (n: number) => { seed = (seed * 1103515245 + 12345) % 2147483648; return seed % n; };
    const good = Buffer.from(post(JSON.stringify({ prompt: "Once", max_tokens: 2, temperature: 0 })), "latin1");
    for (let i = 0; i < 60; i++) {
      let b = Buffer.from(good);
      const kind = rand(3);
      if (kind === 0) b = b.subarray(0, rand(b.length)); // truncated: the server waits, the client ends
      else if (kind === 1) for (let k = 0; k < 1 + rand(4); k++) b[rand(b.length)] = rand(256);
      else b = Buffer.from(Array.from({ length: 1 + rand(300) }, () => rand(256)));
      const answer = await raw(b, { timeMs: 3000 });
      // Every request gets an answer: a cut one, once the client ends its side, a 400.
      expect(answer, JSON.stringify(b.toString("latin1"))).toMatch(/^HTTP\/1\.1 (200|4\d\d|5\d\d) /);
    }
    const ok = await post2();
    expect(ok).toBe(200);
  }, 240_000);

  it("two requests in one write, then the client's end: both are answered in order", async () => {
    const one = post(JSON.stringify({ prompt: "Once", max_tokens: 1, temperature: 0 }));
    const answer = await new Promise<string>((resolve) => {
      const socket = connect(port, "127.0.0.1");
      let got = "";
      socket.on("data", (d) => { got += d.toString("latin1"); });
      socket.on("close", () => resolve(got));
      socket.on("error", () => {});
      socket.end(one + one);
    });
    expect(answer.match(/HTTP\/1\.1 200 OK/g)?.length).toBe(2);
  });

  it("the largest bodies (escapes, many messages) are refused cleanly, not by filling the core's heap", async () => {
    const content = "a\n".repeat(80_000); // ~240 KiB of JSON
    const big = await postJson("/v1/chat/completions", { messages: [{ role: "system", content }, { role: "user", content }] });
    expect(big.status).toBe(413);
    const one = await postJson("/v1/chat/completions", { messages: [{ role: "user", content: content.slice(0, 100_000) }] });
    expect(one.status).toBe(400);
    expect(one.json.error.code).toBe("context_length_exceeded");
    const many = Array.from({ length: 3000 }, (_, i) => ({ role: i % 2 ? "assistant" : "user", content: "hello there" }));
    const manyAnswer = await postJson("/v1/chat/completions", { messages: [...many, { role: "user", content: "x" }] });
    expect(manyAnswer.status).toBe(400);
    expect(manyAnswer.json.error.code).toBe("context_length_exceeded");
    expect(await post2()).toBe(200);
  });

  it("a client that goes away mid-stream: the server goes on serving", async () => {
    for (let i = 0; i < 5; i++) {
      const controller = new AbortController();
      const res = await fetch(base + "/v1/completions", { method: "POST", body: JSON.stringify({ prompt: "Once upon a time", max_tokens: 400, stream: true, seed: i + 1 }), signal: controller.signal });
      const reader = res.body!.getReader();
      await reader.read();
      controller.abort();
    }
    expect(await post2()).toBe(200);
  });

  it("a client that stops sending mid-request does not keep others waiting", async () => {
    const socket = connect(port, "127.0.0.1");
    socket.on("error", () => {});
    socket.write("POST /v1/completions HTTP/1.1\r\nContent-Length: 100\r\n\r\n{\"pro");
    const started = Date.now();
    expect((await fetch(base + "/health")).status).toBe(200);
    expect(Date.now() - started).toBeLessThan(2000);
    socket.destroy();
  });
});

async function post2(): Promise<number> {
  return (await fetch(base + "/v1/completions", { method: "POST", body: JSON.stringify({ prompt: "Once", max_tokens: 2 }) })).status;
}

describe("memory discipline", () => {
  it("500 requests (completions, chat, streams, errors) leave the object heap and linear memory flat", async () => {
    const health = async () => (await (await fetch(base + "/health")).json()) as { object_heap_bytes: number; memory_bytes: number };
    const one = async (i: number) => {
      switch (i % 5) {
        case 0: return post("/v1/completions", { prompt: "Once upon a time", max_tokens: 3, seed: i + 1 });
        case 1: return post("/v1/chat/completions", { messages: [{ role: "system", content: "Be nice." }, { role: "user", content: "Tom had a dog" }], max_tokens: 3, temperature: 0 });
        case 2: return (await fetch(base + "/v1/completions", { method: "POST", body: JSON.stringify({ prompt: "Lily", max_tokens: 3, stream: true }) })).text();
        case 3: return post("/v1/completions", { prompt: 12 });
        default: return fetch(base + "/v1/models").then((r) => r.text());
      }
    };
    for (let i = 0; i < 50; i++) await one(i);
    const before = await health();
    for (let i = 50; i < 500; i++) await one(i);
    const after = await health();
    expect(after.object_heap_bytes).toBe(before.object_heap_bytes);
    expect(after.memory_bytes).toBe(before.memory_bytes);
  }, 240_000);
});

describe("the official openai client (a devDependency, tests only)", () => {
  const client = () => new OpenAI({ baseURL: `${base}/v1`, apiKey: "none", maxRetries: 0, timeout: 60_000 });
  const prompt = "Once upon a time";
  let greedy: string;
  let seeded: string;
  beforeAll(async () => {
    greedy = await generated(prompt, ["-n", "40", "--temp", "0"]);
    seeded = await generated(prompt, ["-n", "40", "--temp", "0.8", "-s", "7"]);
  }, 60_000);

  it("chat and completions, streaming and not, give generate's text", async () => {
    const openai = client();
    const chat = await openai.chat.completions.create({ model: "stories260K.bin", messages: [{ role: "user", content: prompt }], max_tokens: 40, temperature: 0 });
    expect(chat.choices[0].message.content).toBe(greedy);
    const completion = await openai.completions.create({ model: "stories260K.bin", prompt, max_tokens: 40, temperature: 0.8, seed: 7 });
    expect(completion.choices[0].text).toBe(seeded);
    let streamed = "";
    for await (const chunk of await openai.chat.completions.create({ model: "stories260K.bin", messages: [{ role: "user", content: prompt }], max_tokens: 40, temperature: 0.8, seed: 7, stream: true })) {
      streamed += chunk.choices[0]?.delta?.content ?? "";
    }
    expect(streamed).toBe(seeded);
    let streamedCompletion = "";
    for await (const chunk of await openai.completions.create({ model: "stories260K.bin", prompt, max_tokens: 40, temperature: 0, stream: true })) {
      streamedCompletion += chunk.choices[0]?.text ?? "";
    }
    expect(streamedCompletion).toBe(greedy);
    const models = await openai.models.list();
    expect(models.data.map((m: { id: string }) => m.id)).toEqual(["stories260K.bin"]);
  });

  it("a bad request is the client's BadRequestError with our message", async () => {
    const openai = client();
    await expect(openai.completions.create({ model: "x", prompt, temperature: 5e6 })).rejects.toMatchObject({ status: 400, message: expect.stringContaining("temperature") });
  });
});

describe("serve's own errors: one line and exit 1", () => {
  it("a taken port, a bad port, a missing model", async () => {
    const taken = await cli(["serve", "--port", String(port)]);
    expect(taken.exitCode).toBe(1);
    expect(taken.stderr).toBe(`uefi-llm: cannot listen on 127.0.0.1:${port} (no network, or the port is taken)\n`);
    const bad = await cli(["serve", "--port", "99999"]);
    expect(bad.stderr).toBe("uefi-llm: --port must be a whole number from 1 to 65535, not '99999'\n");
    const missing = await cli(["serve", "-m", "/nonexistent/model.gguf"]);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr).toMatch(/^uefi-llm: cannot open model '\/nonexistent\/model.gguf'/);
  }, 60_000);
});
