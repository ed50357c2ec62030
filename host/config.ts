// The run configuration as text: the same "key = value" lines that the core parses
// (assembly/config.ts) whether they come from CLI flags in Node or from
// uefi-llm.cfg on the EFI system partition. Numbers may be given as the text of a flag:
// the core checks every value against one table of ranges (assembly/settings.ts), so a
// flag, a line of uefi-llm.cfg and chat's /set accept the same values.
import { UserError } from "./errors.js";
import { refuseLineBreak } from "./input-file.js";

/** A number, or a flag's text for the core to check. */
type Numeric = number | string;

export interface RunConfig {
  model: string;
  tokenizer?: string;
  prompt?: string;
  /** Context length in tokens; 0 or absent = the model's own (capped at 4096 for GGUF). */
  context?: Numeric;
  steps?: Numeric;
  temperature?: Numeric;
  topP?: Numeric;
  topK?: Numeric;
  minP?: Numeric;
  repeatPenalty?: Numeric;
  repeatLastN?: Numeric;
  keep?: Numeric;
  seed?: Numeric;
  /** What the firmware does when generation ends: shutdown, return to the firmware, or wait for a key. */
  end?: "shutdown" | "return" | "wait";
  /** Text mode on a graphics screen: the smallest of at least 80x25 (fast to scroll), or the firmware's own. */
  screen?: "small" | "full";
  /** Print the generated token ids as a JSON array after the text. */
  printIds?: boolean;
  /** Generate past the end-of-text token (timing runs). */
  ignoreEos?: boolean;
  /** "chat": a conversation read line by line instead of one continuation; "serve": the HTTP API (a stick on a LAN). */
  mode?: "generate" | "chat" | "serve";
  /** Serve: the TCP port to listen on. */
  port?: Numeric;
  /** Chat: the system prompt. */
  system?: string;
  /** Chat: the template family, instead of the one the model implies. */
  chatTemplate?: string;
  /** Test-only fault injection, e.g. "trap-oob". */
  debug?: string;
}

/** Name of the configuration file at the root of the EFI system partition. */
export const CONFIG_FILE_NAME = "uefi-llm.cfg";

export function configText(config: RunConfig): string {
  const lines: string[] = [];
  const put = (key: string, value: string | number | boolean | undefined) => {
    if (value === undefined) return;
    if (/[\r\n]/.test(String(value))) throw new UserError(`the value of ${key} contains a line break: ${JSON.stringify(String(value))}`);
    lines.push(`${key} = ${value}`);
  };
  /** Text and paths are quoted, so that leading and trailing spaces are theirs. */
  const putText = (key: string, value: string | undefined) => {
    if (value !== undefined) lines.push(`${key} = "${escapeValue(value)}"`);
  };
  const putPath = (key: string, path: string | undefined) => {
    if (path !== undefined) refuseLineBreak(path, key);
    putText(key, path);
  };
  putPath("model", config.model);
  putPath("tokenizer", config.tokenizer);
  putText("prompt", config.prompt);
  put("context", config.context);
  put("steps", config.steps);
  put("temperature", config.temperature);
  put("top_p", config.topP);
  put("top_k", config.topK);
  put("min_p", config.minP);
  put("repeat_penalty", config.repeatPenalty);
  put("repeat_last_n", config.repeatLastN);
  put("keep", config.keep);
  put("seed", config.seed);
  put("end", config.end);
  put("screen", config.screen);
  put("print_ids", config.printIds);
  put("ignore_eos", config.ignoreEos);
  put("mode", config.mode);
  put("port", config.port);
  putText("system", config.system);
  put("chat_template", config.chatTemplate);
  put("debug", config.debug);
  return lines.join("\n") + "\n";
}

/** Inside quotes, backslash, quote, newline, tab and carriage return are written as \\, \", \n, \t and \r. */
export function escapeValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
}
