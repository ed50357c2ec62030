// One fuzz input through the core, in a fresh instance of the compiled module, with
// files and chat lines served from memory; the result sorted into the outcomes the
// fuzzer counts. A trap, a hang or a message of more than one line is a bug.
import { Core, CoreTrap } from "../../host/runner/core.js";
import { UserError } from "../../host/errors.js";
import { CHAT_LINES, configOf, filesOf, type FuzzCase } from "./cases.js";
import { type SeedName } from "./seeds.js";

export type OutcomeKind = "ok" | "error" | "trap" | "hang" | "multiline" | "exception";

/** The outcomes that are bugs: kept in the corpus, and fail the regression test. */
export const FAILURES: readonly OutcomeKind[] = ["trap", "hang", "multiline", "exception"];

export interface Outcome {
  kind: OutcomeKind;
  /** The error's text (for a trap, with the core's own "core abort" line when it wrote one). */
  message: string;
}

/** Text that exercises the tokenizers beyond the seeds' prompts: specials, several scripts, invalid UTF-8. */
const PROBE_TEXT = new Uint8Array([
  ...new TextEncoder().encode(" <s>Hi</s> <|im_start|>user\n\u00e9t\u00e9 \u4e16\u754c \u{1F600}  12345 don't\t\r\n"),
  0xff, 0xc0, 0x80, 0xe2, 0x96,
]);

/**
 * After this long, the core is told the user pressed Esc (its interrupted() import), as a
 * user would end a generation they asked to be endless (steps = 2^31 - 1 with a context
 * that shifts). A real hang never asks and still runs into the budget.
 */
const USER_STOP_MS = 500;

/**
 * Run the case: load and generate (chat-mode configurations read CHAT_LINES), then, if
 * that worked, encode PROBE_TEXT and decode every token after its predecessor.
 */
export function runCase(c: FuzzCase, seeds: Record<SeedName, Uint8Array>): Outcome {
  const diagnostics: string[] = [];
  const decoder = new TextDecoder();
  const output = { stdout: () => {}, stderr: (bytes: Uint8Array) => void diagnostics.push(decoder.decode(bytes)) };
  try {
    const core = new Core(output, { files: filesOf(c, seeds), lines: CHAT_LINES.slice(), stopAfterMs: USER_STOP_MS });
    core.run(configOf(c));
    core.encode(PROBE_TEXT, { bos: true, eos: true, parseSpecial: true });
    for (let token = 0; token < core.vocabSize; token++) {
      core.decode(token - 1, token);
      core.isEndOfGeneration(token);
    }
    return { kind: "ok", message: "" };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (error instanceof CoreTrap) return { kind: "trap", message: [message, ...diagnostics.filter((d) => d.startsWith("core abort"))].join(" / ").trim() };
    if (!(error instanceof UserError)) return { kind: "exception", message: `${(error as Error)?.constructor?.name}: ${message}` };
    if (message.length === 0 || /[\r\n]/.test(message)) return { kind: "multiline", message: JSON.stringify(message) };
    return { kind: "error", message };
  }
}
