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

/**
 * The sampling and length flags, with llama.cpp's names and meanings. Their text goes
 * to the core unchanged, which checks it against the same table of ranges as
 * uefi-llm.cfg and chat's /set (assembly/settings.ts).
 */
export function generationOptions(): Option[] {
  return [
    new Option("-p, --prompt <text>", "text to start from (echoed, then continued)").default(""),
    new Option("-c, --ctx-size <n>", "context length in tokens; 0 = the model's own (GGUF: at most 4096)").default(0),
    new Option("-n, --n-predict <n>", "tokens to generate after the prompt; -1 = until the context is full").default(256),
    new Option("--temp <t>", "temperature, 0 … 1e6; 0 = greedy (always the most likely token)").default(1.0),
    new Option("--top-p <p>", "nucleus sampling: keep the smallest set of tokens whose probability exceeds p; 1 = off").default(0.9),
    new Option("--top-k <k>", "keep only the k most likely tokens; 0 = off").default(0),
    new Option("--min-p <p>", "drop tokens less likely than p times the most likely one; 0 = off").default(0),
    new Option("--repeat-penalty <r>", "penalize tokens seen in the last --repeat-last-n tokens, 0.01 … 100; 1 = off").default(1.0),
    new Option("--repeat-last-n <n>", "how many recent tokens the repeat penalty looks at").default(64),
    new Option("-s, --seed <n>", "random seed, 1 … 2^64-1; default: from the clock"),
  ];
}

/** A flag's text, or its default. */
type Numeric = number | string;

export interface GenerationFlags {
  prompt: string;
  ctxSize: Numeric;
  nPredict: Numeric;
  temp: Numeric;
  topP: Numeric;
  topK: Numeric;
  minP: Numeric;
  repeatPenalty: Numeric;
  repeatLastN: Numeric;
  seed?: Numeric;
}

/** The part of the run configuration that the generation flags set. */
export function generationConfig(flags: GenerationFlags): Omit<RunConfig, "model"> {
  return {
    prompt: flags.prompt,
    context: flags.ctxSize,
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
