// Chat templates: the model's Jinja template (tokenizer.chat_template) is recognised
// as one of a few families and rendered by hand, turn by turn, the way the published
// templates render them. Special tokens appear as their text; the tokenizer turns
// them into special ids (parse special).

export const TEMPLATE_PLAIN: i32 = 0; // base models: the conversation is plain text to continue
export const TEMPLATE_CHATML: i32 = 1; // Qwen2 / Qwen2.5, SmolLM2, many fine-tunes
export const TEMPLATE_LLAMA3: i32 = 2;
export const TEMPLATE_LLAMA2: i32 = 3; // [INST] ... [/INST]
export const TEMPLATE_ZEPHYR: i32 = 4; // TinyLlama chat
export const TEMPLATE_GEMMA: i32 = 5;

const NAMES = ["plain", "chatml", "llama3", "llama2", "zephyr", "gemma"];

export function templateName(family: i32): string {
  return NAMES[family];
}

export function templateNames(): string {
  return NAMES.join(", ");
}

/** The family named `name` (as in --chat-template), or -1. */
export function templateByName(name: string): i32 {
  return NAMES.indexOf(name);
}

/** The family whose markers the Jinja source uses, or -1 when it is none we know. */
export function detectTemplate(jinja: string): i32 {
  if (jinja.includes("<|im_start|>")) return TEMPLATE_CHATML;
  if (jinja.includes("<|start_header_id|>")) return TEMPLATE_LLAMA3;
  if (jinja.includes("<start_of_turn>")) return TEMPLATE_GEMMA;
  if (jinja.includes("[INST]")) return TEMPLATE_LLAMA2;
  if (jinja.includes("<|user|>") && jinja.includes("<|assistant|>")) return TEMPLATE_ZEPHYR;
  return -1;
}

/**
 * The text that opens a conversation: the system prompt (if any) and the first
 * user message, up to where the assistant's answer begins. `bos` is the tokenizer's
 * BOS piece for templates that write it out.
 */
export function firstTurn(family: i32, system: string, user: string, bos: string): string {
  switch (family) {
    case TEMPLATE_CHATML:
      return (system.length > 0 ? "<|im_start|>system\n" + system + "<|im_end|>\n" : "") + userTurn(family, user);
    case TEMPLATE_LLAMA3:
      return bos + (system.length > 0 ? "<|start_header_id|>system<|end_header_id|>\n\n" + system.trim() + "<|eot_id|>" : "") + userTurn(family, user);
    case TEMPLATE_LLAMA2:
      return bos + "[INST] " + (system.length > 0 ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" : "") + user.trim() + " [/INST]";
    case TEMPLATE_ZEPHYR:
      return (system.length > 0 ? "<|system|>\n" + system + "</s>\n" : "") + userTurn(family, user);
    case TEMPLATE_GEMMA:
      // Gemma has no system role: Gemma 3's template puts the system prompt, untrimmed, and a
      // blank line in front of the first user message, which alone is trimmed.
      return bos + "<start_of_turn>user\n" + (system.length > 0 ? system + "\n\n" : "") + user.trim() +
        "<end_of_turn>\n<start_of_turn>model\n";
    default:
      return (system.length > 0 ? system + "\n\n" : "") + user;
  }
}

/** A later user message, up to where the assistant's answer begins. */
export function userTurn(family: i32, user: string): string {
  switch (family) {
    case TEMPLATE_CHATML: return "<|im_start|>user\n" + user + "<|im_end|>\n<|im_start|>assistant\n";
    case TEMPLATE_LLAMA3: return "<|start_header_id|>user<|end_header_id|>\n\n" + user.trim() + "<|eot_id|><|start_header_id|>assistant<|end_header_id|>\n\n";
    case TEMPLATE_LLAMA2: return "[INST] " + user.trim() + " [/INST]";
    case TEMPLATE_ZEPHYR: return "<|user|>\n" + user + "</s>\n<|assistant|>\n";
    case TEMPLATE_GEMMA: return "<start_of_turn>user\n" + user.trim() + "<end_of_turn>\n<start_of_turn>model\n";
    default: return "\n\n" + user;
  }
}

/** Whether firstTurn() writes the BOS piece itself (so the tokenizer must not add another). */
export function templateWritesBos(family: i32): bool {
  return family == TEMPLATE_LLAMA3 || family == TEMPLATE_LLAMA2 || family == TEMPLATE_GEMMA;
}

/**
 * What follows the token that ended an answer, before the next user turn: the
 * template writes these characters after the end-of-turn token, the model never does.
 */
export function afterAnswer(family: i32, bos: string): string {
  switch (family) {
    case TEMPLATE_CHATML: case TEMPLATE_ZEPHYR: case TEMPLATE_GEMMA: return "\n";
    case TEMPLATE_LLAMA2: return bos;
    default: return "";
  }
}

/** The end-of-turn marker, as text, that the family's answers end with. */
export function endOfTurn(family: i32, eos: string): string {
  switch (family) {
    case TEMPLATE_CHATML: return "<|im_end|>";
    case TEMPLATE_LLAMA3: return "<|eot_id|>";
    case TEMPLATE_GEMMA: return "<end_of_turn>";
    case TEMPLATE_LLAMA2: case TEMPLATE_ZEPHYR: return eos;
    default: return "";
  }
}
