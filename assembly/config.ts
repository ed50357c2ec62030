// The run configuration: "key = value" lines, from CLI flags in Node or from
// uefi-llm.cfg on the EFI system partition. One parser, so both hosts accept and
// reject exactly the same files. It reads the bytes in place, line by line: a
// megabyte prompt costs a megabyte, once, never a string per character.
import { fail } from "./runtime/status";
import { quoteBytes } from "./text/text";
import { templateByName, templateNames } from "./text/chat-template";
import { parseSetting, settingKey, settingNumber, settingSeed } from "./settings";
import { objectHeapMark, objectHeapRelease } from "./runtime/object-heap";

/** Longest value of a key that is not text to generate from (a path, a name, a number). */
const MAX_VALUE_BYTES = 4096;
/** Longest system prompt: it lives on the object heap as a string, twice its bytes. */
const MAX_SYSTEM_BYTES = 1 << 20;

export class RunConfig {
  model: string = "";
  tokenizer: string = "";
  /** The prompt's bytes, escapes resolved: inside the configuration text, which the host put in the arena for good. */
  promptPtr: usize = 0;
  promptLen: i32 = 0;
  /** Context length (KV cache positions); 0 = the model's own, capped for GGUF models. */
  context: i32 = 0;
  /** Tokens to generate after the prompt; -1 = until the context is full. */
  steps: i32 = 256;
  temperature: f32 = 1.0;
  topP: f32 = 0.9;
  topK: i32 = 0;
  minP: f32 = 0.0;
  repeatPenalty: f32 = 1.0;
  repeatLastN: i32 = 64;
  /** Prompt tokens (the BOS token besides) a context shift keeps, as llama.cpp's n_keep; -1 = the whole prompt. */
  keep: i32 = -1;
  /** 0 = not given: the host clock picks one. */
  seed: u64 = 0;
  /** Read by the firmware; validated here so both hosts reject the same files. */
  end: string = "wait";
  debug: string = "";
  /** After the text, print the generated token ids as a JSON array on one line. */
  printIds: bool = false;
  /** Keep generating past the end-of-text token (for timing). */
  ignoreEos: bool = false;
  /** "generate": continue the prompt once; "chat": a conversation read line by line; "serve": the HTTP API (serve/). */
  mode: string = "generate";
  /** Serve: the TCP port, on every address of the machine (a stick has one, from DHCP). */
  port: i32 = 80;
  /** Chat: the system prompt. */
  system: string = "";
  /** Chat: a template family by name, instead of the one the model's template implies. */
  chatTemplate: string = "";
}

/** Keys whose values are kept as strings: recorded as byte ranges while parsing, decoded once at the end. */
const STRING_KEYS = ["model", "tokenizer", "system", "mode", "chat_template", "end", "screen", "debug"];
const OTHER_KEYS = ["prompt", "print_ids", "ignore_eos"];

/**
 * Parse configuration text; null with the reason recorded on error. Escapes are resolved
 * in place, so the text at ptr is changed. Each line's strings are given back when it is
 * done (object-heap.ts), so the number of lines costs no memory.
 */
export function parseConfig(ptr: usize, len: usize): RunConfig | null {
  const config = new RunConfig();
  const valueStarts = new StaticArray<usize>(STRING_KEYS.length);
  const valueLengths = new StaticArray<i32>(STRING_KEYS.length).fill(-1);
  const end = ptr + len;
  let lineNumber = 0;
  for (let line = ptr; line < end; ) {
    let eol = line;
    while (eol < end && load<u8>(eol) != 0x0a) eol++;
    lineNumber++;
    const mark = objectHeapMark();
    const ok = parseLine(config, skipBlanks(line, eol), trimEnd(line, eol), lineNumber, valueStarts, valueLengths);
    objectHeapRelease(mark);
    if (!ok) return null;
    line = eol + 1;
  }
  for (let i = 0; i < STRING_KEYS.length; i++) {
    if (valueLengths[i] < 0) continue;
    const value = String.UTF8.decodeUnsafe(valueStarts[i], valueLengths[i]);
    const key = STRING_KEYS[i];
    if (key == "model") config.model = value;
    else if (key == "tokenizer") config.tokenizer = value;
    else if (key == "system") config.system = value;
    else if (key == "mode") config.mode = value;
    else if (key == "chat_template") config.chatTemplate = value;
    else if (key == "end") config.end = value;
    else if (key == "debug") config.debug = value;
  }
  if (config.model.length == 0) {
    fail("no model given (config key 'model')");
    return null;
  }
  return config;
}

/** One line's bytes [s, e), blanks trimmed: a comment, nothing, or a key and its value. */
function parseLine(c: RunConfig, s: usize, e: usize, lineNumber: i32, valueStarts: StaticArray<usize>, valueLengths: StaticArray<i32>): bool {
  if (s >= e || load<u8>(s) == 0x23) return true; // empty, or a # comment
  const where = "config line " + lineNumber.toString() + ": ";
  let eq = s;
  while (eq < e && load<u8>(eq) != 0x3d) eq++;
  if (eq == e) return fail(where + "expected 'key = value', got '" + quoteBytes(s, <i32>(e - s)) + "'");
  const keyEnd = trimEnd(s, eq);
  const key = keyEnd - s <= 32 ? String.UTF8.decodeUnsafe(s, keyEnd - s) : "";
  const stringKey = STRING_KEYS.indexOf(key);
  if (key.length == 0 || (stringKey < 0 && !OTHER_KEYS.includes(key) && settingKey(key, false) != key)) {
    return fail(where + "unknown key '" + quoteBytes(s, <i32>(keyEnd - s), 32) + "'");
  }
  let v = skipBlanks(eq + 1, e);
  let n = <i32>(e - v);
  if (n > 0 && load<u8>(v) == 0x22) {
    if (n < 2 || load<u8>(e - 1) != 0x22) return fail(where + key + ": the closing quote is missing");
    n = unescapeInPlace(v + 1, n - 2);
    v++;
  } else if (key == "prompt" || key == "system") {
    n = unescapeInPlace(v, n);
  }
  if (key == "prompt") {
    c.promptPtr = v;
    c.promptLen = n;
    return true;
  }
  if (key == "system") {
    if (n > MAX_SYSTEM_BYTES) return fail(where + "the system prompt is " + n.toString() + " bytes, more than the " + MAX_SYSTEM_BYTES.toString() + " it may have");
  } else if (n > MAX_VALUE_BYTES) {
    return fail(where + "the value of '" + key + "' is " + n.toString() + " bytes, more than the " + MAX_VALUE_BYTES.toString() + " it may have");
  }
  if (stringKey >= 0) {
    if (key != "system" && !checkName(key, v, n, where)) return false;
    unchecked(valueStarts[stringKey] = v);
    unchecked(valueLengths[stringKey] = n);
    return true;
  }
  const value = String.UTF8.decodeUnsafe(v, n);
  const shown = quoteBytes(v, n);
  if (key == "print_ids" || key == "ignore_eos") {
    if (value != "true" && value != "false") return fail(where + key + " must be true or false, got '" + shown + "'");
    if (key == "print_ids") c.printIds = value == "true";
    else c.ignoreEos = value == "true";
    return true;
  }
  if (value != shown) return fail(where + key + " must be a number, got '" + shown + "'");
  if (!parseSetting(key, value, where)) return false;
  applySetting(c, key);
  return true;
}

/** The keys with a fixed set of values take only those; paths take anything. */
function checkName(key: string, v: usize, n: i32, where: string): bool {
  const value = String.UTF8.decodeUnsafe(v, n);
  const shown = quoteBytes(v, n);
  if (key == "mode" && value != "generate" && value != "chat" && value != "serve") return fail(where + "mode must be generate, chat or serve, got '" + shown + "'");
  if (key == "chat_template" && templateByName(value) < 0) return fail(where + "chat_template must be one of " + templateNames() + ", got '" + shown + "'");
  if (key == "end" && value != "shutdown" && value != "return" && value != "wait") return fail(where + "end must be shutdown, return or wait, got '" + shown + "'");
  // Read by the firmware (firmware/screen.c): "small" (the default) or "full".
  if (key == "screen" && value != "small" && value != "full") return fail(where + "screen must be small or full, got '" + shown + "'");
  if (key == "debug" && value != "trap-oob") return fail(where + "debug must be trap-oob, got '" + shown + "'");
  return true;
}

/** Store the value parseSetting() just accepted for `key`. */
function applySetting(c: RunConfig, key: string): void {
  const v = settingNumber;
  if (key == "context") c.context = <i32>v;
  else if (key == "steps") c.steps = <i32>v;
  else if (key == "temperature") c.temperature = <f32>v;
  else if (key == "top_p") c.topP = <f32>v;
  else if (key == "top_k") c.topK = <i32>v;
  else if (key == "min_p") c.minP = <f32>v;
  else if (key == "repeat_penalty") c.repeatPenalty = <f32>v;
  else if (key == "repeat_last_n") c.repeatLastN = <i32>v;
  else if (key == "keep") c.keep = <i32>v;
  else if (key == "seed") c.seed = settingSeed;
  else if (key == "port") c.port = <i32>v;
}

/**
 * Resolve \n, \t, \r and \\ (any other escaped character stands for itself, so \" is a
 * quote) in the n bytes at p, in place: the result is never longer. Returns its length.
 */
function unescapeInPlace(p: usize, n: i32): i32 {
  let out = p;
  const end = p + <usize>n;
  for (let q = p; q < end; q++) {
    let b = load<u8>(q);
    if (b == 0x5c && q + 1 < end) {
      b = load<u8>(++q);
      if (b == 0x6e) b = 0x0a;
      else if (b == 0x74) b = 0x09;
      else if (b == 0x72) b = 0x0d;
    }
    store<u8>(out++, b);
  }
  return <i32>(out - p);
}

function skipBlanks(p: usize, end: usize): usize {
  while (p < end && isBlank(load<u8>(p))) p++;
  return p;
}

function trimEnd(start: usize, end: usize): usize {
  while (end > start && isBlank(load<u8>(end - 1))) end--;
  return end;
}

/** Spaces, tabs and the \r of a CRLF line end surround keys and values; inside quotes they are kept. */
@inline function isBlank(b: u8): bool {
  return b == 0x20 || b == 0x09 || b == 0x0d;
}
