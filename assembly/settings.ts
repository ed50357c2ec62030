// The numeric settings and their ranges: one table for uefi-llm.cfg, the CLI flags
// (which pass their text through to the configuration unchanged) and chat's /set, so
// all three accept exactly the same values.
import { fail } from "./runtime/status";
import { plain } from "./text/text";

const WHOLE = 0; // digits with an optional sign
const DECIMAL = 1; // plain decimal notation: sign, digits, fraction, exponent; no hex, no Infinity
const SEED = 2; // 1 … 2^64−1, parsed exactly (an f64 cannot hold every u64)

class Setting {
  constructor(public key: string, public kind: i32, public min: f64, public max: f64, public inChat: bool) {}
}

const TABLE: Setting[] = [
  new Setting("context", WHOLE, 0, 16777216, false),
  new Setting("steps", WHOLE, -1, I32.MAX_VALUE, false),
  new Setting("temperature", DECIMAL, 0, 1e6, true),
  new Setting("top_p", DECIMAL, 0, 1, true),
  new Setting("top_k", WHOLE, 0, I32.MAX_VALUE, true),
  new Setting("min_p", DECIMAL, 0, 1, true),
  new Setting("repeat_penalty", DECIMAL, 0.01, 100, true),
  new Setting("repeat_last_n", WHOLE, 0, I32.MAX_VALUE, true),
  new Setting("keep", WHOLE, -1, I32.MAX_VALUE, false),
  new Setting("seed", SEED, 1, 0, true),
  new Setting("port", WHOLE, 1, 65535, false),
];

/** The value parseSetting() accepted last: as a number, and exactly for seeds. */
export let settingNumber: f64 = 0;
export let settingSeed: u64 = 0;

/** The key if it names a numeric setting ("temp" is temperature, as the flag and /set spell it), else "". */
export function settingKey(name: string, chat: bool): string {
  const key = name == "temp" ? "temperature" : name;
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i].key == key && (!chat || TABLE[i].inChat)) return key;
  return "";
}

/** Names the chat's /set accepts, for its help. */
export function chatSettingNames(): string {
  let names = "";
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i].inChat) names += (names.length > 0 ? "|" : "") + TABLE[i].key;
  return names;
}

/** Check `value` for setting `key` (from settingKey); false with the reason recorded, prefixed by `where`. */
export function parseSetting(key: string, value: string, where: string): bool {
  let setting: Setting | null = null;
  for (let i = 0; i < TABLE.length; i++) if (TABLE[i].key == key) setting = TABLE[i];
  const s = setting!;
  if (s.kind == SEED) return parseSeed(value, where);
  if (s.kind == WHOLE ? !isInteger(value) : !isDecimal(value)) {
    return fail(where + key + (s.kind == WHOLE ? " must be a whole number" : " must be a number") + ", got '" + value + "'");
  }
  const v = F64.parseFloat(value);
  if (!(v >= s.min && v <= s.max)) return fail(where + key + " must be between " + plain(s.min) + " and " + plain(s.max) + ", got '" + value + "'");
  settingNumber = v;
  return true;
}

function parseSeed(value: string, where: string): bool {
  if (!isInteger(value) || value.charAt(0) == "-" || value.length > 21) return fail(where + "seed must be a whole number from 1 to 2^64-1, got '" + value + "'");
  let seed: u64 = 0;
  for (let i = value.charAt(0) == "+" ? 1 : 0; i < value.length; i++) {
    const digit = <u64>(value.charCodeAt(i) - 48);
    const next = seed * 10 + digit;
    if (seed > 1844674407370955161 || next < seed * 10) return fail(where + "seed must be below 2^64, got '" + value + "'");
    seed = next;
  }
  if (seed == 0) return fail(where + "seed must be at least 1 (leave it out for a random seed)");
  settingSeed = seed;
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
