// Option parsers shared by the commands: numbers are checked when commander reads
// them, so a bad flag fails before any work with a one-line message.
import { InvalidArgumentError, Option } from "commander";
import type { RunConfig } from "./config.js";

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

/** The sampling and length flags, with llama.cpp's names and meanings. */
export function generationOptions(): Option[] {
  return [
    new Option("-p, --prompt <text>", "text to start from (echoed, then continued)").default(""),
    new Option("-c, --ctx-size <n>", "context length in tokens; 0 = the model's own (GGUF: at most 4096)")
      .argParser(numberParser({ min: 0, max: 2 ** 24, integer: true }))
      .default(0),
    new Option("-n, --n-predict <n>", "tokens to generate after the prompt; -1 = until the context is full")
      .argParser(numberParser({ min: -1, max: 2 ** 31 - 1, integer: true }))
      .default(256),
    new Option("--temp <t>", "temperature; 0 = greedy (always the most likely token)").argParser(numberParser({ min: 0, max: 1e6 })).default(1.0),
    new Option("--top-p <p>", "nucleus sampling: keep the smallest set of tokens whose probability exceeds p; 1 = off")
      .argParser(numberParser({ min: 0, max: 1 }))
      .default(0.9),
    new Option("--top-k <k>", "keep only the k most likely tokens; 0 = off").argParser(numberParser({ min: 0, max: 2 ** 31 - 1, integer: true })).default(0),
    new Option("--min-p <p>", "drop tokens less likely than p times the most likely one; 0 = off").argParser(numberParser({ min: 0, max: 1 })).default(0),
    new Option("--repeat-penalty <r>", "penalize tokens seen in the last --repeat-last-n tokens; 1 = off")
      .argParser(numberParser({ min: 0.01, max: 100 }))
      .default(1.0),
    new Option("--repeat-last-n <n>", "how many recent tokens the repeat penalty looks at").argParser(numberParser({ min: 0, max: 2 ** 31 - 1, integer: true })).default(64),
    new Option("-s, --seed <n>", "random seed (1 .. 2^53); default: from the clock").argParser(numberParser({ min: 1, max: Number.MAX_SAFE_INTEGER, integer: true })),
  ];
}

export interface GenerationFlags {
  prompt: string;
  ctxSize: number;
  nPredict: number;
  temp: number;
  topP: number;
  topK: number;
  minP: number;
  repeatPenalty: number;
  repeatLastN: number;
  seed?: number;
}

/** The part of the run configuration that the generation flags set. */
export function generationConfig(flags: GenerationFlags): Omit<RunConfig, "model"> {
  return {
    prompt: flags.prompt,
    context: flags.ctxSize || undefined,
    steps: flags.nPredict,
    temperature: flags.temp,
    topP: flags.topP,
    topK: flags.topK,
    minP: flags.minP,
    repeatPenalty: flags.repeatPenalty,
    repeatLastN: flags.repeatLastN,
    seed: flags.seed,
  };
}
