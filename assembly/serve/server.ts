// The OpenAI-style HTTP server: connections polled in turn, one request (and one
// generation) at a time, answers written as JSON or Server-Sent Events. The same code
// serves in Node and on bare metal; the host only moves bytes (net_* in host.ts).
import { clock_us, net_accept, net_close, net_listen, net_read, net_write, STDERR } from "../host";
import { Model } from "../model/model";
import { RunState } from "../model/state";
import { Tokenizer, encode, decode, decodedPtr, maxTokens, isEndOfGeneration } from "../tokenizer/tokenizer";
import { KIND_LLAMA2C } from "../tokenizer/vocab";
import { Sampler, sample, penalizeRepeats, reseed } from "../text/sampler";
import { forward, forwardBatch } from "../model/forward";
import { fitsContext } from "../text/generate";
import { firstTurn, userTurn, afterAnswer, endOfTurn, templateWritesBos } from "../text/chat-template";
import { arenaAlloc } from "../runtime/memory";
import { objectHeapMark, objectHeapRelease, objectHeapUsed } from "../runtime/object-heap";
import { fail } from "../runtime/status";
import { writeString } from "../text/text";
import { HTTP_COMPLETE, HTTP_INCOMPLETE, parseRequest, reasonPhrase, HttpRequest } from "./http";
import { JsonValue, JSON_ARRAY, JSON_BOOL, JSON_NULL, JSON_NUMBER, JSON_OBJECT, JSON_STRING, jsonString, jsonNumber, parseJson } from "./json";

const MAX_HEADER: i32 = 16 << 10;
const MAX_BODY: i32 = 256 << 10; // its strings take a few times this on the 8 MiB object heap
/** Received bytes a connection can hold: a whole request at its limits, chunk framing included. */
const BUFFER: i32 = MAX_HEADER + 2 * MAX_BODY;
const MAX_CONNECTIONS: i32 = 8;
/** A request must arrive whole within this; an idle keep-alive connection is closed after IDLE_US. */
const REQUEST_US: i64 = 10_000_000;
const IDLE_US: i64 = 60_000_000;
const MAX_STOPS: i32 = 4;

class Connection {
  handle: i32 = -1;
  buf: usize = 0;
  used: i32 = 0;
  /** When the first byte of the pending request came, or when the connection went idle. */
  since: i64 = 0;
  continued: bool = false;
  /** A write failed: the peer is gone; the generation writing to it stops. */
  dead: bool = false;
}

export class Server {
  model: Model;
  state: RunState;
  tokenizer: Tokenizer;
  sampler: Sampler;
  family: i32;
  modelId: string;
  /** Defaults for what a request leaves out (the CLI's flags). */
  temperature: f32;
  topP: f32;
  steps: i32;
  repeatLastN: i32;
  seed: u64;
  connections: StaticArray<Connection> = new StaticArray<Connection>(MAX_CONNECTIONS);
  body: usize = 0;
  tokens: usize = 0;
  text: usize = 0;
  textCap: i32 = 0;
  requests: i32 = 0;
  /** The tokens whose keys and values the KV cache holds, at positions [0, cachedCount). */
  cached: usize = 0;
  cachedCount: i32 = 0;

  constructor(model: Model, state: RunState, tokenizer: Tokenizer, sampler: Sampler, family: i32, modelId: string) {
    this.model = model;
    this.state = state;
    this.tokenizer = tokenizer;
    this.sampler = sampler;
    this.family = family;
    this.modelId = modelId;
    this.temperature = sampler.temperature;
    this.topP = sampler.topP;
    this.steps = 256;
    this.repeatLastN = 64;
    this.seed = 0;
    for (let i = 0; i < MAX_CONNECTIONS; i++) this.connections[i] = new Connection();
  }
}

/** Listen on host:port and serve until the host ends the program; false (reason recorded) if it cannot start. */
export function serve(s: Server, host: string, port: i32): bool {
  const seqLen = s.model.config.seqLen;
  for (let i = 0; i < MAX_CONNECTIONS; i++) {
    s.connections[i].buf = arenaAlloc(<u64>BUFFER, "a connection's buffer");
    if (s.connections[i].buf == 0) return false;
  }
  s.body = arenaAlloc(<u64>MAX_BODY, "the request body");
  s.tokens = arenaAlloc(<u64>max(maxTokens(MAX_BODY), seqLen + 1) * 4, "the token buffer");
  s.textCap = seqLen * max(s.tokenizer.longest, 4) + 64;
  s.text = arenaAlloc(<u64>s.textCap, "the answer's text");
  s.cached = arenaAlloc(<u64>(seqLen + 1) * 4, "the cached tokens");
  if (s.body == 0 || s.tokens == 0 || s.text == 0 || s.cached == 0) return false;
  const hostBytes = String.UTF8.encode(host);
  const listener = net_listen(changetype<usize>(hostBytes), hostBytes.byteLength, port);
  if (listener < 0) return fail("cannot listen on " + host + ":" + port.toString() + " (no network, or the port is taken)");
  // 0.0.0.0 is no address a client can use: the host says which ones are (the firmware
  // prints the one DHCP gave).
  const where = host == "0.0.0.0" ? "port " + port.toString() + " of every address of this machine, under /v1" : "http://" + host + ":" + port.toString() + "/v1";
  writeString(STDERR, "serving " + s.modelId + " on " + where + " (context " + seqLen.toString() + " tokens)\n");
  // Nothing a request makes outlives it: the heap goes back here after each one.
  const mark = objectHeapMark();
  while (true) {
    let busy = false;
    let open = 0;
    for (let i = 0; i < MAX_CONNECTIONS; i++) if (s.connections[i].handle >= 0) open++;
    if (open < MAX_CONNECTIONS) {
      const h = net_accept(listener, 0);
      if (h >= 0) {
        adopt(s, h);
        busy = true;
      }
    }
    for (let i = 0; i < MAX_CONNECTIONS; i++) {
      const c = s.connections[i];
      if (c.handle < 0) continue;
      if (poll(s, c)) busy = true;
      objectHeapRelease(mark);
    }
    // Nothing happened: wait for a connection a little instead of spinning.
    if (!busy) {
      const h = net_accept(listener, open == 0 ? 200 : 10);
      if (h >= 0) adopt(s, h);
    }
  }
  return true;
}

/** Takes a new connection into a free slot; with none free (the idle wait may accept one
 * more than there are slots) it is closed rather than left open unanswered. */
function adopt(s: Server, handle: i32): void {
  for (let i = 0; i < MAX_CONNECTIONS; i++) {
    const c = s.connections[i];
    if (c.handle < 0) {
      c.handle = handle; c.used = 0; c.since = clock_us(); c.continued = false; c.dead = false;
      return;
    }
  }
  net_close(handle);
}

function closeConnection(c: Connection): void {
  net_close(c.handle);
  c.handle = -1;
  c.used = 0;
}

/** Read what the connection has, answer a request if one is complete; true if anything happened. */
function poll(s: Server, c: Connection): bool {
  let happened = false;
  let ended = false; // the client ended its side (it may still read the answer)
  if (c.used < BUFFER) {
    const n = net_read(c.handle, c.buf + <usize>c.used, <usize>(BUFFER - c.used), 0);
    if (n == -2) { closeConnection(c); return true; }
    if (n == 0) { ended = true; happened = true; }
    if (n > 0) {
      if (c.used == 0) c.since = clock_us();
      c.used += n;
      happened = true;
    }
  }
  if (c.used == 0) {
    if (ended || clock_us() - c.since > IDLE_US) closeConnection(c);
    return happened;
  }
  const r = parseRequest(c.buf, c.used, s.body, MAX_HEADER, MAX_BODY);
  if (r.status == HTTP_INCOMPLETE) {
    if (ended) {
      sendError(c, 400, "the connection ended in the middle of a request", "invalid_request_error", false);
      closeConnection(c);
      return true;
    }
    if (r.expectContinue && !c.continued) {
      c.continued = true;
      sendText(c, "HTTP/1.1 100 Continue\r\n\r\n");
    }
    if (clock_us() - c.since > REQUEST_US) {
      sendError(c, 408, "the request did not arrive within " + (REQUEST_US / 1_000_000).toString() + " seconds", "invalid_request_error", false);
      closeConnection(c);
    }
    return happened;
  }
  if (r.status != HTTP_COMPLETE) {
    sendError(c, r.status, r.error, "invalid_request_error", false);
    closeConnection(c);
    return true;
  }
  s.requests++;
  handle(s, c, r);
  const rest = c.used - r.consumed;
  if (rest > 0) memory.copy(c.buf, c.buf + <usize>r.consumed, <usize>rest);
  c.used = rest;
  c.since = clock_us();
  c.continued = false;
  if (!r.keepAlive || c.dead || (ended && rest == 0)) closeConnection(c);
  return true;
}

// ----------------------------------------------------------------------------
// Writing answers

function sendText(c: Connection, text: string): void {
  if (c.dead) return;
  const bytes = String.UTF8.encode(text);
  if (net_write(c.handle, changetype<usize>(bytes), bytes.byteLength) < 0) c.dead = true;
}

function sendResponse(c: Connection, status: i32, contentType: string, body: string, keepAlive: bool): void {
  const bytes = String.UTF8.encode(body);
  sendText(c, "HTTP/1.1 " + status.toString() + " " + reasonPhrase(status) + "\r\nContent-Type: " + contentType +
    "\r\nContent-Length: " + bytes.byteLength.toString() + (keepAlive ? "" : "\r\nConnection: close") + "\r\n\r\n");
  if (!c.dead && net_write(c.handle, changetype<usize>(bytes), bytes.byteLength) < 0) c.dead = true;
}

/** An OpenAI-style error: {"error": {"message", "type", "param", "code"}}. */
function sendError(c: Connection, status: i32, message: string, type: string, keepAlive: bool, param: string = "", code: string = ""): void {
  sendResponse(c, status, "application/json", "{\"error\":{\"message\":" + jsonString(message) + ",\"type\":" + jsonString(type) +
    ",\"param\":" + (param.length > 0 ? jsonString(param) : "null") + ",\"code\":" + (code.length > 0 ? jsonString(code) : "null") + "}}", keepAlive);
}

/** One piece of a chunked body (the event stream). */
function sendChunk(c: Connection, text: string): void {
  const bytes = String.UTF8.encode(text);
  if (bytes.byteLength == 0) return;
  sendText(c, bytes.byteLength.toString(16) + "\r\n");
  if (!c.dead && net_write(c.handle, changetype<usize>(bytes), bytes.byteLength) < 0) c.dead = true;
  sendText(c, "\r\n");
}

// ----------------------------------------------------------------------------
// Routing

function handle(s: Server, c: Connection, r: HttpRequest): void {
  let path = r.target;
  const q = path.indexOf("?");
  if (q >= 0) path = path.substring(0, q);
  if (path == "/health" || path == "/v1/health") {
    if (r.method != "GET") { sendError(c, 405, "use GET for " + path, "invalid_request_error", r.keepAlive); return; }
    // The memory figures let a client (and the tests) see that requests give back what they take.
    sendResponse(c, 200, "application/json", "{\"status\":\"ok\",\"requests\":" + s.requests.toString() + ",\"object_heap_bytes\":" +
      objectHeapUsed().toString() + ",\"memory_bytes\":" + (<u64>memory.size() << 16).toString() + "}", r.keepAlive);
    return;
  }
  if (path == "/v1/models" || path == "/models") {
    if (r.method != "GET") { sendError(c, 405, "use GET for " + path, "invalid_request_error", r.keepAlive); return; }
    sendResponse(c, 200, "application/json", "{\"object\":\"list\",\"data\":[{\"id\":" + jsonString(s.modelId) +
      ",\"object\":\"model\",\"created\":0,\"owned_by\":\"uefi-llm\",\"context_length\":" + s.model.config.seqLen.toString() + "}]}", r.keepAlive);
    return;
  }
  const isChat = path == "/v1/chat/completions" || path == "/chat/completions";
  const isCompletion = path == "/v1/completions" || path == "/completions";
  if (!isChat && !isCompletion) { sendError(c, 404, "no such endpoint: " + r.method + " " + path, "invalid_request_error", r.keepAlive, "", "not_found"); return; }
  if (r.method != "POST") { sendError(c, 405, "use POST for " + path, "invalid_request_error", r.keepAlive); return; }
  const parsed = parseJson(r.bodyPtr, r.bodyLen);
  if (parsed.value == null) { sendError(c, 400, "invalid JSON body: " + parsed.error + " at byte " + parsed.at.toString(), "invalid_request_error", r.keepAlive); return; }
  const body = parsed.value!;
  if (body.kind != JSON_OBJECT) { sendError(c, 400, "the body must be a JSON object", "invalid_request_error", r.keepAlive); return; }
  const req = new Params();
  if (!readParams(s, body, req, isChat)) { sendError(c, 400, req.error, "invalid_request_error", r.keepAlive, req.errorParam); return; }
  complete(s, c, req, isChat, r.keepAlive);
}

// ----------------------------------------------------------------------------
// Request fields

class Params {
  prompt: string = "";
  addBos: bool = true;
  maxTokens: i32 = 0;
  temperature: f32 = 1;
  topP: f32 = 1;
  seed: u64 = 0;
  stream: bool = false;
  stops: Array<ArrayBuffer> = [];
  error: string = "";
  errorParam: string = "";
}

function bad(p: Params, param: string, message: string): bool {
  p.error = message;
  p.errorParam = param;
  return false;
}

/** A number field in [lo, hi], or the default when absent or null; false (the reason in p) when wrong. */
function numberField(body: JsonValue, p: Params, key: string, lo: f64, hi: f64, whole: bool, fallback: f64, out: Float64Array): bool {
  const v = body.get(key);
  if (v == null || v.kind == JSON_NULL) { out[0] = fallback; return true; }
  if (v.kind != JSON_NUMBER) return bad(p, key, "'" + key + "' must be a number");
  if (!(v.number >= lo && v.number <= hi)) return bad(p, key, "'" + key + "' must be between " + jsonNumber(lo) + " and " + jsonNumber(hi));
  if (whole && v.number != Math.floor(v.number)) return bad(p, key, "'" + key + "' must be a whole number");
  out[0] = v.number;
  return true;
}

function readParams(s: Server, body: JsonValue, p: Params, isChat: bool): bool {
  if (isChat) {
    const messages = body.get("messages");
    if (messages == null || messages.kind != JSON_ARRAY || messages.items.length == 0) return bad(p, "messages", "'messages' must be a non-empty array");
    if (!renderMessages(s, messages, p)) return false;
  } else {
    const prompt = body.get("prompt");
    if (prompt == null) return bad(p, "prompt", "'prompt' is required");
    if (prompt.kind == JSON_ARRAY && prompt.items.length == 1 && prompt.items[0].kind == JSON_STRING) p.prompt = prompt.items[0].text;
    else if (prompt.kind == JSON_STRING) p.prompt = prompt.text;
    else return bad(p, "prompt", "'prompt' must be a string (or an array of one string)");
    p.addBos = true;
  }
  const n = new Float64Array(1);
  const seqLen = s.model.config.seqLen;
  const steps = s.steps < 0 ? seqLen : s.steps;
  const maxKey = isChat && body.get("max_completion_tokens") != null ? "max_completion_tokens" : "max_tokens";
  if (!numberField(body, p, maxKey, 0, 2147483647, true, <f64>steps, n)) return false;
  p.maxTokens = <i32>n[0];
  if (!numberField(body, p, "temperature", 0, 1e6, false, <f64>s.temperature, n)) return false;
  p.temperature = <f32>n[0];
  if (!numberField(body, p, "top_p", 0, 1, false, <f64>s.topP, n)) return false;
  p.topP = <f32>n[0];
  if (!numberField(body, p, "seed", -9007199254740991, 9007199254740991, true, 0, n)) return false;
  p.seed = n[0] > 0 ? <u64>n[0] : (s.seed != 0 ? s.seed : <u64>clock_us() | 1);
  if (n[0] < 0) p.seed = <u64>clock_us() | 1;
  const stream = body.get("stream");
  if (stream != null && stream.kind != JSON_NULL) {
    if (stream.kind != JSON_BOOL) return bad(p, "stream", "'stream' must be true or false");
    p.stream = stream.flag;
  }
  const n1 = body.get("n");
  if (n1 != null && n1.kind != JSON_NULL && !(n1.kind == JSON_NUMBER && n1.number == 1)) return bad(p, "n", "only n = 1 is supported");
  const stop = body.get("stop");
  if (stop != null && stop.kind != JSON_NULL) {
    if (stop.kind == JSON_STRING) {
      if (stop.text.length > 0) p.stops.push(String.UTF8.encode(stop.text));
    } else if (stop.kind == JSON_ARRAY && stop.items.length <= MAX_STOPS) {
      for (let i = 0; i < stop.items.length; i++) {
        if (stop.items[i].kind != JSON_STRING) return bad(p, "stop", "'stop' must be a string or an array of up to 4 strings");
        if (stop.items[i].text.length > 0) p.stops.push(String.UTF8.encode(stop.items[i].text));
      }
    } else return bad(p, "stop", "'stop' must be a string or an array of up to 4 strings");
  }
  return true;
}

/** The conversation as the model's template writes it, up to where the assistant's answer begins. */
function renderMessages(s: Server, messages: JsonValue, p: Params): bool {
  const t = s.tokenizer;
  const bos = t.bos >= 0 ? pieceText(t, t.bos) : "";
  const eos = t.eos >= 0 ? pieceText(t, t.eos) : "";
  let system = "";
  const text = new Array<string>(); // joined once: appending would copy the conversation for every message
  let turns = 0;
  let last = "";
  for (let i = 0; i < messages.items.length; i++) {
    const m = messages.items[i];
    if (m.kind != JSON_OBJECT) return bad(p, "messages", "each message must be an object");
    const role = m.get("role");
    const content = m.get("content");
    if (role == null || role.kind != JSON_STRING) return bad(p, "messages", "each message needs a 'role' string");
    let value = "";
    if (content != null && content.kind == JSON_STRING) value = content.text;
    else if (content != null && content.kind == JSON_ARRAY) {
      // [{"type": "text", "text": ...}]: the text parts, joined.
      for (let k = 0; k < content.items.length; k++) {
        const part = content.items[k];
        const pt = part.kind == JSON_OBJECT ? part.get("text") : null;
        if (pt == null || pt.kind != JSON_STRING) return bad(p, "messages", "only text content parts are supported");
        value += pt.text;
      }
    } else if (content == null || content.kind != JSON_NULL) return bad(p, "messages", "a message's 'content' must be a string");
    const r = role.text;
    if (r == "system" || r == "developer") {
      if (turns > 0) return bad(p, "messages", "a system message must come before the conversation");
      system += (system.length > 0 ? "\n" : "") + value;
    } else if (r == "user") {
      if (last == "user") return bad(p, "messages", "two user messages in a row");
      text.push(turns == 0 ? firstTurn(s.family, system, value, bos) : userTurn(s.family, value));
      turns++;
    } else if (r == "assistant") {
      if (last != "user") return bad(p, "messages", "an assistant message must follow a user message");
      text.push(value + endOfTurn(s.family, eos) + afterAnswer(s.family, bos));
    } else return bad(p, "messages", "unknown role '" + r + "'");
    if (r != "system" && r != "developer") last = r;
  }
  if (last != "user") return bad(p, "messages", "the last message must be the user's");
  p.prompt = text.join("");
  p.addBos = !templateWritesBos(s.family);
  return true;
}

function pieceText(t: Tokenizer, id: i32): string {
  const n = decode(t, -1, id);
  return n > 0 ? String.UTF8.decodeUnsafe(decodedPtr, <usize>n) : "";
}

// ----------------------------------------------------------------------------
// Generation

function endsText(t: Tokenizer, token: i32): bool {
  return t.kind == KIND_LLAMA2C ? token == t.bos : isEndOfGeneration(t, token);
}

/** Bytes of [0, end) of the text that end on a whole UTF-8 character. */
function wholeCharacters(text: usize, end: i32): i32 {
  for (let back = 1; back <= 3 && back <= end; back++) {
    const b = load<u8>(text + <usize>(end - back));
    if ((b & 0xc0) == 0x80) continue; // a continuation byte: look further back
    const need = b >= 0xf0 ? 4 : b >= 0xe0 ? 3 : b >= 0xc0 ? 2 : 1;
    return need > back ? end - back : end;
  }
  return end;
}

/** The first match of one of the stop strings in text [from, end), or -1. */
function findStop(text: usize, from: i32, end: i32, stops: Array<ArrayBuffer>): i32 {
  let found = -1;
  for (let k = 0; k < stops.length; k++) {
    const stop = changetype<usize>(stops[k]);
    const n = stops[k].byteLength;
    for (let i = from; i + n <= end; i++) {
      if (found >= 0 && i >= found) break;
      if (memory.compare(text + <usize>i, stop, <usize>n) == 0) { found = i; break; }
    }
  }
  return found;
}

function completeSsePrefix(s: Server, isChat: bool, id: string): string {
  return "data: {\"id\":" + jsonString(id) + ",\"object\":\"" + (isChat ? "chat.completion.chunk" : "text_completion") +
    "\",\"created\":0,\"model\":" + jsonString(s.modelId) + ",\"choices\":[{\"index\":0,";
}

function streamPiece(s: Server, c: Connection, isChat: bool, id: string, text: string, first: bool): void {
  const content = isChat ? "\"delta\":{" + (first ? "\"role\":\"assistant\"," : "") + "\"content\":" + jsonString(text) + "}" : "\"text\":" + jsonString(text) + ",\"logprobs\":null";
  sendChunk(c, completeSsePrefix(s, isChat, id) + content + ",\"finish_reason\":null}]}\n\n");
}

function usage(promptTokens: i32, completionTokens: i32, cachedTokens: i32): string {
  return "{\"prompt_tokens\":" + promptTokens.toString() + ",\"completion_tokens\":" + completionTokens.toString() +
    ",\"total_tokens\":" + (promptTokens + completionTokens).toString() + ",\"prompt_tokens_details\":{\"cached_tokens\":" + cachedTokens.toString() + "}}";
}

/**
 * Prefix caching, as llama.cpp's server does: the prompt's first tokens that equal the
 * tokens already in the KV cache are not computed again. At least the last prompt token
 * is, for its logits. Returns the first position to compute.
 */
function reusablePrefix(s: Server, promptTokens: i32): i32 {
  let same = 0;
  const n = min(promptTokens - 1, s.cachedCount);
  while (same < n && load<i32>(s.tokens + (<usize>same << 2)) == load<i32>(s.cached + (<usize>same << 2))) same++;
  return same;
}

function complete(s: Server, c: Connection, p: Params, isChat: bool, keepAlive: bool): void {
  const t = s.tokenizer;
  const seqLen = s.model.config.seqLen;
  const promptBytes = String.UTF8.encode(p.prompt);
  const promptLen = promptBytes.byteLength;
  if (!fitsContext(t, promptLen, seqLen)) {
    sendError(c, 400, "the prompt is " + promptLen.toString() + " bytes long, more than the model's context of " + seqLen.toString() + " tokens can hold",
      "invalid_request_error", keepAlive, isChat ? "messages" : "prompt", "context_length_exceeded");
    return;
  }
  const promptTokens = encode(t, changetype<usize>(promptBytes), promptLen, p.addBos, false, s.tokens, true);
  if (promptTokens < 0) { sendError(c, 400, "the prompt cannot be tokenized", "invalid_request_error", keepAlive, "prompt"); return; }
  if (promptTokens == 0) { sendError(c, 400, "the prompt is empty and this vocabulary adds no BOS token", "invalid_request_error", keepAlive, "prompt"); return; }
  if (promptTokens > seqLen) {
    sendError(c, 400, "the prompt is " + promptTokens.toString() + " tokens long, more than the model's context of " + seqLen.toString() + " tokens",
      "invalid_request_error", keepAlive, isChat ? "messages" : "prompt", "context_length_exceeded");
    return;
  }
  const sampler = s.sampler;
  reseed(sampler, p.seed);
  sampler.temperature = p.temperature;
  sampler.topP = p.topP;
  const id = (isChat ? "chatcmpl-" : "cmpl-") + s.requests.toString();

  let maxStop = 0;
  for (let k = 0; k < p.stops.length; k++) maxStop = max(maxStop, p.stops[k].byteLength);
  if (p.stream) {
    sendText(c, "HTTP/1.1 200 OK\r\nContent-Type: text/event-stream\r\nCache-Control: no-cache\r\nTransfer-Encoding: chunked" +
      (keepAlive ? "" : "\r\nConnection: close") + "\r\n\r\n");
  }

  let generated = 0;
  let end = 0; // bytes of text
  let sent = 0; // bytes of text already streamed
  let finish = "length";
  let reused = 0;
  if (p.maxTokens > 0) {
    reused = reusablePrefix(s, promptTokens);
    // Positions past `reused` are overwritten from here on: until the end they no longer hold the cached tokens.
    s.cachedCount = reused;
    let logits = forwardBatch(s.model, s.state, s.tokens + (<usize>reused << 2), promptTokens - reused, reused);
    let pos = promptTokens - 1;
    let token = load<i32>(s.tokens + (<usize>pos << 2));
    // As generate.ts: penalize, sample, stop at the end token; no context shift (a request ends with the context).
    while (true) {
      const window = min(s.repeatLastN, pos + 1);
      penalizeRepeats(sampler, logits, s.tokens + (<usize>(pos + 1 - window) << 2), window);
      const next = sample(sampler, logits);
      store<i32>(s.tokens + (<usize>(pos + 1) << 2), next);
      if (endsText(t, next)) { finish = "stop"; break; }
      generated++;
      const n = decode(t, token, next);
      if (n > 0 && end + n <= s.textCap) {
        memory.copy(s.text + <usize>end, decodedPtr, <usize>n);
        const before = end;
        end += n;
        if (p.stops.length > 0) {
          const at = findStop(s.text, max(0, before - maxStop + 1), end, p.stops);
          if (at >= 0) { end = at; finish = "stop"; break; }
        }
      }
      token = next;
      if (p.stream) {
        // Hold back what could still become a stop string, and a character cut in half.
        const ready = wholeCharacters(s.text, max(sent, end - (maxStop > 0 ? maxStop - 1 : 0)));
        if (ready > sent) {
          const mark = objectHeapMark();
          streamPiece(s, c, isChat, id, String.UTF8.decodeUnsafe(s.text + <usize>sent, <usize>(ready - sent)), sent == 0);
          objectHeapRelease(mark);
          sent = ready;
        }
        if (c.dead) { finish = "cancelled"; break; } // the client went away: stop generating for it
      }
      if (generated >= p.maxTokens) break;
      if (pos + 1 >= seqLen) break; // the context is full
      logits = forward(s.model, s.state, token, ++pos);
    }
    // The cache now holds the keys and values of tokens [0, pos].
    memory.copy(s.cached, s.tokens, <usize>(pos + 1) << 2);
    s.cachedCount = pos + 1;
  }
  const textValue = String.UTF8.decodeUnsafe(s.text, <usize>end);
  if (p.stream) {
    if (c.dead) return;
    if (end > sent) streamPiece(s, c, isChat, id, String.UTF8.decodeUnsafe(s.text + <usize>sent, <usize>(end - sent)), sent == 0);
    const last = isChat ? "\"delta\":{}" : "\"text\":\"\",\"logprobs\":null";
    sendChunk(c, completeSsePrefix(s, isChat, id) + last + ",\"finish_reason\":\"" + finish + "\"}],\"usage\":" + usage(promptTokens, generated, reused) + "}\n\n");
    sendChunk(c, "data: [DONE]\n\n");
    sendText(c, "0\r\n\r\n");
    return;
  }
  const choice = isChat ? "\"message\":{\"role\":\"assistant\",\"content\":" + jsonString(textValue) + "}" : "\"text\":" + jsonString(textValue) + ",\"logprobs\":null";
  sendResponse(c, 200, "application/json", "{\"id\":" + jsonString(id) + ",\"object\":\"" + (isChat ? "chat.completion" : "text_completion") +
    "\",\"created\":0,\"model\":" + jsonString(s.modelId) + ",\"choices\":[{\"index\":0," + choice + ",\"finish_reason\":\"" + finish + "\"}],\"usage\":" +
    usage(promptTokens, generated, reused) + "}", keepAlive);
}
