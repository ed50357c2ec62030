// The run configuration as text: the same "key = value" lines that the core parses
// (assembly/config.ts) whether they come from CLI flags in Node or from
// uefi-llm.cfg on the EFI system partition.

export interface RunConfig {
  model: string;
  tokenizer?: string;
  prompt?: string;
  /** Context length in tokens; 0 or absent = the model's own (capped at 4096 for GGUF). */
  context?: number;
  steps?: number;
  temperature?: number;
  topP?: number;
  topK?: number;
  minP?: number;
  repeatPenalty?: number;
  repeatLastN?: number;
  seed?: number;
  /** What the firmware does when generation ends: shutdown, return to the firmware, or wait for a key. */
  end?: "shutdown" | "return" | "wait";
  /** Print the generated token ids as a JSON array after the text. */
  printIds?: boolean;
  /** Generate past the end-of-text token (timing runs). */
  ignoreEos?: boolean;
  /** "chat": a conversation read line by line instead of one continuation. */
  mode?: "generate" | "chat";
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
    if (value !== undefined) lines.push(`${key} = ${value}`);
  };
  put("model", config.model);
  put("tokenizer", config.tokenizer);
  if (config.prompt !== undefined) put("prompt", escapeValue(config.prompt));
  put("context", config.context);
  put("steps", config.steps);
  put("temperature", config.temperature);
  put("top_p", config.topP);
  put("top_k", config.topK);
  put("min_p", config.minP);
  put("repeat_penalty", config.repeatPenalty);
  put("repeat_last_n", config.repeatLastN);
  put("seed", config.seed);
  put("end", config.end);
  put("print_ids", config.printIds);
  put("ignore_eos", config.ignoreEos);
  put("mode", config.mode);
  if (config.system !== undefined) put("system", escapeValue(config.system));
  put("chat_template", config.chatTemplate);
  put("debug", config.debug);
  return lines.join("\n") + "\n";
}

/** Values are single lines: newline, tab and backslash are written as \n, \t and \\. */
export function escapeValue(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(/\r/g, "\\r");
}
