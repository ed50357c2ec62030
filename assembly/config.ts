// The run configuration: "key = value" lines, from CLI flags in Node or from
// uefi-llm.cfg on the EFI system partition. One parser, so both hosts accept and
// reject exactly the same files.
import { fail } from "./runtime/status";
import { plain } from "./text/text";
import { templateByName, templateNames } from "./text/chat-template";

export class RunConfig {
  model: string = "";
  tokenizer: string = "";
  prompt: string = "";
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

/** Parse configuration text; null with the reason recorded on error. */
export function parseConfig(ptr: usize, len: usize): RunConfig | null {
  const config = new RunConfig();
  const text = String.UTF8.decodeUnsafe(ptr, len);
  const lines = text.split("\n");
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i].trim();
    if (line.length == 0 || line.charAt(0) == "#") continue;
    const where = "config line " + (i + 1).toString() + ": ";
    const eq = line.indexOf("=");
    if (eq < 0) {
      fail(where + "expected 'key = value', got '" + line + "'");
      return null;
    }
    const key = line.substring(0, eq).trim();
    const value = line.substring(eq + 1).trim();
    if (!setKey(config, key, value, where)) return null;
  }
  if (config.model.length == 0) {
    fail("no model given (config key 'model')");
    return null;
  }
  return config;
}

function setKey(c: RunConfig, key: string, value: string, where: string): bool {
  let v: f64 = 0;
  if (key == "model") c.model = value;
  else if (key == "tokenizer") c.tokenizer = value;
  else if (key == "prompt") c.prompt = unescape(value);
  else if (key == "system") c.system = unescape(value);
  else if (key == "mode") {
    if (value != "generate" && value != "chat") return fail(where + "mode must be generate or chat, got '" + value + "'");
    c.mode = value;
  } else if (key == "chat_template") {
    if (templateByName(value) < 0) return fail(where + "chat_template must be one of " + templateNames() + ", got '" + value + "'");
    c.chatTemplate = value;
  }
  else if (key == "context") { if (isNaN(v = whole(value, 0, 16777216, where + "context"))) return false; c.context = <i32>v; }
  else if (key == "steps") { if (isNaN(v = whole(value, -1, I32.MAX_VALUE, where + "steps"))) return false; c.steps = <i32>v; }
  else if (key == "temperature") { if (isNaN(v = real(value, 0, 1e6, where + "temperature"))) return false; c.temperature = <f32>v; }
  else if (key == "top_p") { if (isNaN(v = real(value, 0, 1, where + "top_p"))) return false; c.topP = <f32>v; }
  else if (key == "top_k") { if (isNaN(v = whole(value, 0, I32.MAX_VALUE, where + "top_k"))) return false; c.topK = <i32>v; }
  else if (key == "min_p") { if (isNaN(v = real(value, 0, 1, where + "min_p"))) return false; c.minP = <f32>v; }
  else if (key == "repeat_penalty") { if (isNaN(v = real(value, 0.01, 100, where + "repeat_penalty"))) return false; c.repeatPenalty = <f32>v; }
  else if (key == "repeat_last_n") { if (isNaN(v = whole(value, 0, I32.MAX_VALUE, where + "repeat_last_n"))) return false; c.repeatLastN = <i32>v; }
  else if (key == "seed") return parseSeed(c, value, where);
  else if (key == "print_ids") { if (!flag(value, where + "print_ids")) return false; c.printIds = value == "true"; }
  else if (key == "ignore_eos") { if (!flag(value, where + "ignore_eos")) return false; c.ignoreEos = value == "true"; }
  else if (key == "end") {
    if (value != "shutdown" && value != "return" && value != "wait") return fail(where + "end must be shutdown, return or wait, got '" + value + "'");
    c.end = value;
  } else if (key == "debug") {
    if (value != "trap-oob") return fail(where + "debug must be trap-oob, got '" + value + "'");
    c.debug = value;
  } else return fail(where + "unknown key '" + key + "'");
  return true;
}

function flag(value: string, what: string): bool {
  return value == "true" || value == "false" || fail(what + " must be true or false, got '" + value + "'");
}

/** A whole number in [min, max], or NaN with the reason recorded. */
function whole(value: string, min: f64, max: f64, what: string): f64 {
  if (!isInteger(value)) { fail(what + " must be a whole number, got '" + value + "'"); return NaN; }
  const v = F64.parseFloat(value);
  if (!(v >= min && v <= max)) { fail(what + " must be between " + plain(min) + " and " + plain(max) + ", got '" + value + "'"); return NaN; }
  return v;
}

/** A decimal number in [min, max], or NaN with the reason recorded. */
function real(value: string, min: f64, max: f64, what: string): f64 {
  if (!isDecimal(value)) { fail(what + " must be a number, got '" + value + "'"); return NaN; }
  const v = F64.parseFloat(value);
  if (!(v >= min && v <= max)) { fail(what + " must be between " + plain(min) + " and " + plain(max) + ", got '" + value + "'"); return NaN; }
  return v;
}

function parseSeed(c: RunConfig, value: string, where: string): bool {
  if (!isInteger(value) || value.charAt(0) == "-" || value.length > 20) return fail(where + "seed must be a whole number from 1 to 2^64-1, got '" + value + "'");
  let seed: u64 = 0;
  for (let i = 0; i < value.length; i++) {
    const digit = <u64>(value.charCodeAt(i) - 48);
    const next = seed * 10 + digit;
    if ((next - digit) / 10 != seed) return fail(where + "seed must be below 2^64, got '" + value + "'");
    seed = next;
  }
  if (seed == 0) return fail(where + "seed must be at least 1 (leave it out for a random seed)");
  c.seed = seed;
  return true;
}

function isInteger(s: string): bool {
  let i = s.length > 0 && (s.charAt(0) == "-" || s.charAt(0) == "+") ? 1 : 0;
  if (i == s.length) return false;
  for (; i < s.length; i++) if (!isDigit(s.charCodeAt(i))) return false;
  return true;
}

/** Plain decimal notation only: sign, digits, an optional fraction and exponent. */
function isDecimal(s: string): bool {
  let i = 0;
  const n = s.length;
  if (i < n && (s.charAt(i) == "-" || s.charAt(i) == "+")) i++;
  let digits = 0;
  while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
  if (i < n && s.charAt(i) == ".") {
    i++;
    while (i < n && isDigit(s.charCodeAt(i))) { i++; digits++; }
  }
  if (digits == 0) return false;
  if (i < n && (s.charAt(i) == "e" || s.charAt(i) == "E")) {
    i++;
    if (i < n && (s.charAt(i) == "-" || s.charAt(i) == "+")) i++;
    let expDigits = 0;
    while (i < n && isDigit(s.charCodeAt(i))) { i++; expDigits++; }
    if (expDigits == 0) return false;
  }
  return i == n;
}

function isDigit(c: i32): bool {
  return c >= 48 && c <= 57;
}

/** Values are single lines; \n, \t, \r and \\ stand for themselves. */
function unescape(s: string): string {
  if (s.indexOf("\\") < 0) return s;
  let out = "";
  for (let i = 0; i < s.length; i++) {
    const ch = s.charAt(i);
    if (ch != "\\" || i + 1 == s.length) { out += ch; continue; }
    const next = s.charAt(++i);
    if (next == "n") out += "\n";
    else if (next == "t") out += "\t";
    else if (next == "r") out += "\r";
    else out += next;
  }
  return out;
}
