// The run configuration: "key = value" lines, from CLI flags in Node or from
// uefi-llm.cfg on the EFI system partition. One parser, so both hosts accept and
// reject exactly the same files. It reads the bytes in place, line by line: a
// megabyte prompt costs a megabyte, once, never a string per character.
import { fail } from "./runtime/status";
import { arenaAlloc } from "./runtime/memory";
import { quoteBytes } from "./text/text";
import { templateByName, templateNames } from "./text/chat-template";
import { parseSetting, settingKey, settingNumber, settingSeed } from "./settings";

/** Longest value of a key that is not text to generate from (a path, a name, a number). */
const MAX_VALUE_BYTES = 4096;
/** Longest system prompt: it lives on the object heap as a string, twice its bytes. */
export const MAX_SYSTEM_BYTES = 1 << 20;

export class RunConfig {
  model: string = "";
  tokenizer: string = "";
  /** The prompt's bytes, escapes resolved (in the arena; 0 when empty). */
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
  /** 0 = not given: the host clock picks one. */
  seed: u64 = 0;
  /** Read by the firmware; validated here so both hosts reject the same files. */
  end: string = "wait";
  debug: string = "";
  /** After the text, print the generated token ids as a JSON array on one line. */
  printIds: bool = false;
  /** Keep generating past the end-of-text token (for timing). */
  ignoreEos: bool = false;
  /** "generate": continue the prompt once; "chat": a conversation read line by line. */
  mode: string = "generate";
  /** Chat: the system prompt. */
  system: string = "";
  /** Chat: a template family by name, instead of the one the model's template implies. */
  chatTemplate: string = "";
}

/**
 * Parse configuration text; null with the reason recorded on error. Escapes are resolved
 * in place, so the text at ptr is changed.
 */
export function parseConfig(ptr: usize, len: usize): RunConfig | null {
  const config = new RunConfig();
  const end = ptr + len;
  let lineNumber = 0;
  for (let line = ptr; line < end; ) {
    let eol = line;
    while (eol < end && load<u8>(eol) != 0x0a) eol++;
    lineNumber++;
    const where = "config line " + lineNumber.toString() + ": ";
    let s = skipBlanks(line, eol);
    const e = trimEnd(s, eol);
    line = eol + 1;
    if (s == e || load<u8>(s) == 0x23) continue; // empty, or a # comment
    let eq = s;
    while (eq < e && load<u8>(eq) != 0x3d) eq++;
    if (eq == e) {
      fail(where + "expected 'key = value', got '" + quoteBytes(s, <i32>(e - s)) + "'");
      return null;
    }
    const keyEnd = trimEnd(s, eq);
    const key = keyEnd - s <= 32 ? String.UTF8.decodeUnsafe(s, keyEnd - s) : "";
    if (key.length == 0 || !knownKey(key)) {
      fail(where + "unknown key '" + quoteBytes(s, <i32>(keyEnd - s), 32) + "'");
      return null;
    }
    if (!setKey(config, key, skipBlanks(eq + 1, e), e, where)) return null;
  }
  if (config.model.length == 0) {
    fail("no model given (config key 'model')");
    return null;
  }
  return config;
}

const KEYS = ["model", "tokenizer", "prompt", "system", "mode", "chat_template", "print_ids", "ignore_eos", "end", "debug"];

function knownKey(key: string): bool {
  return KEYS.includes(key) || settingKey(key, false) == key;
}

/** Set `key` from the value's bytes [s, e): quoted values and text (prompt, system) have their escapes resolved. */
function setKey(c: RunConfig, key: string, s: usize, e: usize, where: string): bool {
  const isText = key == "prompt" || key == "system";
  let n = <i32>(e - s);
  if (n > 0 && load<u8>(s) == 0x22) {
    if (n < 2 || load<u8>(e - 1) != 0x22) return fail(where + key + ": the closing quote is missing");
    n = unescapeInPlace(s + 1, n - 2);
    s++;
  } else if (isText) {
    n = unescapeInPlace(s, n);
  }
  if (key == "prompt") {
    if (n > 0 && (c.promptPtr = arenaAlloc(<u64>n, "the prompt")) == 0) return false;
    memory.copy(c.promptPtr, s, n);
    c.promptLen = n;
    return true;
  }
  if (key == "system") {
    if (n > MAX_SYSTEM_BYTES) return fail(where + "the system prompt is " + n.toString() + " bytes, more than the " + MAX_SYSTEM_BYTES.toString() + " it may have");
    c.system = String.UTF8.decodeUnsafe(s, n);
    return true;
  }
  if (n > MAX_VALUE_BYTES) return fail(where + "the value of '" + key + "' is " + n.toString() + " bytes, more than the " + MAX_VALUE_BYTES.toString() + " it may have");
  const value = String.UTF8.decodeUnsafe(s, n);
  const shown = quoteBytes(s, n);
  if (key == "model") c.model = value;
  else if (key == "tokenizer") c.tokenizer = value;
  else if (key == "mode") {
    if (value != "generate" && value != "chat") return fail(where + "mode must be generate or chat, got '" + shown + "'");
    c.mode = value;
  } else if (key == "chat_template") {
    if (templateByName(value) < 0) return fail(where + "chat_template must be one of " + templateNames() + ", got '" + shown + "'");
    c.chatTemplate = value;
  } else if (key == "print_ids" || key == "ignore_eos") {
    if (value != "true" && value != "false") return fail(where + key + " must be true or false, got '" + shown + "'");
    if (key == "print_ids") c.printIds = value == "true";
    else c.ignoreEos = value == "true";
  } else if (key == "end") {
    if (value != "shutdown" && value != "return" && value != "wait") return fail(where + "end must be shutdown, return or wait, got '" + shown + "'");
    c.end = value;
  } else if (key == "debug") {
    if (value != "trap-oob") return fail(where + "debug must be trap-oob, got '" + shown + "'");
    c.debug = value;
  } else {
    if (value != shown) return fail(where + key + " must be a number, got '" + shown + "'");
    if (!parseSetting(key, value, where)) return false;
    applySetting(c, key);
  }
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
  else if (key == "seed") c.seed = settingSeed;
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
