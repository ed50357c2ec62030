// Option parsers shared by the commands: numbers are checked when commander reads
// them, so a bad flag fails before any work with a one-line message.
import { readFileSync } from "node:fs";
import { availableParallelism } from "node:os";
import { InvalidArgumentError, Option } from "commander";
import type { RunConfig } from "./config.js";
import { UserError } from "./errors.js";
import { fileError } from "./output-file.js";

interface Range {
  min?: number;
  max?: number;
  integer?: boolean;
}

export function numberParser({ min = -Infinity, max = Infinity, integer = false }: Range) {
  return (text: string): number => {
    const value = Number(text);
    if (text.trim() === "" || !Number.isFinite(value)) throw new InvalidArgumentError("not a number.");
    if (integer && !Number.isInteger(value)) throw new InvalidArgumentError("not a whole number.");
    if (value < min || value > max) throw new InvalidArgumentError(`must be between ${min} and ${max}.`);
    return value;
  };
}

/** The most threads the core takes (assembly/runtime/parallel.ts). */
export const MAX_THREADS = 256;

/** This machine's processors: the default thread count, as in llama.cpp. */
export function defaultThreads(): number {
  return Math.max(1, Math.min(availableParallelism(), MAX_THREADS));
}

/** `-t, --threads N`, llama.cpp's flag: how many threads share the matrix products and attention heads. */
export function threadsOption(): Option {
  const description = "threads for the matrix products and attention heads; above 1 the native build of the core runs them (built on first use with clang); " +
    "default: all processors when the native build exists, else 1 (Node)";
  return new Option("-t, --threads <n>", description).argParser(numberParser({ min: 1, max: MAX_THREADS, integer: true }));
}

/** `--tokenizer` and, as llama2.c's run.c has it, `-z`: the tokenizer of a llama2.c checkpoint. */
export function tokenizerOption(description = "llama2.c tokenizer (.bin), for a llama2.c checkpoint (a GGUF carries its own); with the bundled model: the bundled tok512"): Option {
  return new Option("-z, --tokenizer <file>", description);
}

export function modelOption(): Option {
  return new Option("-m, --model <file>", "GGUF model, or llama2.c checkpoint (.bin) with --tokenizer; default: the bundled stories260K");
}

/**
 * The sampling and length flags, with llama.cpp's names and meanings. Their text goes
 * to the core unchanged, which checks it against the same table of ranges as
 * uefi-llm.cfg and chat's /set (assembly/settings.ts).
 */
export function generationOptions(): Option[] {
  return [
    new Option("-p, --prompt <text>", "text to start from (echoed, then continued)").default(""),
    new Option("-e, --escape", "resolve \\n, \\r, \\t, \\', \\\", \\\\ and \\xNN in the prompt and system prompt, as llama.cpp's -e"),
    new Option("-c, --ctx-size <n>", "context length in tokens; 0 = the model's own (GGUF: at most 4096); more than the model's: a warning, then the model's").default(0),
    new Option("-n, --n-predict <n>", "tokens to generate after the prompt; -1 = until the context is full; more than fit: the context shifts (keeps the prompt, drops the oldest half of the rest)").default(256),
    new Option("--ignore-eos", "go on past the end-of-text token"),
    new Option("--temp <t>", "temperature, 0 … 1e6; 0 = greedy (always the most likely token)").default(1.0),
    new Option("--top-p <p>", "nucleus sampling: keep the smallest set of tokens whose probability exceeds p; 1 = off; 0.9 as in llama2.c, whose published stories the tests reproduce").default(0.9),
    new Option("--top-k <k>", "keep only the k most likely tokens; 0 = off").default(0),
    new Option("--min-p <p>", "drop tokens less likely than p times the most likely one; 0 = off").default(0),
    new Option("--repeat-penalty <r>", "penalize tokens seen in the last --repeat-last-n tokens, 0.01 … 100; 1 = off").default(1.0),
    new Option("--repeat-last-n <n>", "how many recent tokens the repeat penalty looks at").default(64),
    new Option("--keep <n>", "tokens of the prompt (chat: of the first turn, system prompt included) that a context shift keeps, its BOS token besides; -1 = all of it (llama.cpp's default is 0: a story goes on better from its start)").default(-1),
    new Option("-s, --seed <n>", "random seed, 1 … 2^64-1; -1 or none: a random one"),
  ];
}

/** A flag's text, or its default. */
type Numeric = number | string;

export interface GenerationFlags {
  prompt: string;
  file?: string;
  escape?: boolean;
  ctxSize: Numeric;
  nPredict: Numeric;
  ignoreEos?: boolean;
  temp: Numeric;
  topP: Numeric;
  topK: Numeric;
  minP: Numeric;
  repeatPenalty: Numeric;
  repeatLastN: Numeric;
  keep: Numeric;
  seed?: Numeric;
}

/** `-f, --file`: the prompt from a file, as llama.cpp's (for generate; image keeps -f for --force). */
export function promptFileOption(): Option {
  return new Option("-f, --file <file>", "read the prompt from a file instead of -p");
}

/** The part of the run configuration that the generation flags set. */
export function generationConfig(flags: GenerationFlags): Omit<RunConfig, "model"> {
  let prompt = flags.prompt;
  if (flags.file !== undefined) {
    if (prompt !== "") throw new UserError("give the prompt with -p or with -f, not both");
    try {
      prompt = readFileSync(flags.file, "utf8");
    } catch (error) {
      throw fileError(`cannot read the prompt file '${flags.file}'`, error as NodeJS.ErrnoException);
    }
  }
  return {
    prompt: flags.escape && prompt !== undefined ? unescapeText(prompt) : prompt,
    context: flags.ctxSize,
    steps: flags.nPredict,
    temperature: flags.temp,
    topP: flags.topP,
    topK: flags.topK,
    minP: flags.minP,
    repeatPenalty: flags.repeatPenalty,
    repeatLastN: flags.repeatLastN,
    keep: flags.keep,
    seed: seedValue(flags.seed),
    ignoreEos: flags.ignoreEos,
  };
}

/** `-s -1` is llama.cpp's "random": no seed, so the core takes one from the clock (on a stick: at every boot). */
export function seedValue(seed: Numeric | undefined): Numeric | undefined {
  return seed !== undefined && String(seed).trim() === "-1" ? undefined : seed;
}

/** llama.cpp's -e: \n \r \t \' \" \\ \xNN (and \0) resolved; anything else after a backslash is kept as written. */
export function unescapeText(text: string): string {
  return text.replace(/\\(x[0-9a-fA-F]{2}|[nrt'"\\0])/g, (whole, what: string) => {
    switch (what[0]) {
      case "n": return "\n";
      case "r": return "\r";
      case "t": return "\t";
      case "0": return "\0";
      case "x": return String.fromCharCode(parseInt(what.slice(1), 16));
      default: return what;
    }
  });
}

/** Thread count from -t, or all processors. */
export function threadCount(threads: number | undefined): number {
  return threads ?? defaultThreads();
}

/** llama.cpp's two-letter flags in commander's long form: -hf and -hfr become --hf (commander reads -hf as -h -f). */
export function withLongLlamaCppFlags(argv: string[]): string[] {
  const end = argv.indexOf("--");
  return argv.map((arg, i) => ((end < 0 || i < end) && (arg === "-hf" || arg === "-hfr") ? "--hf" : arg));
}
