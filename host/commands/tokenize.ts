// uefi-llm tokenize: the token ids of a text as one JSON array, as the core encodes prompts;
// with --pieces, one "id -> 'piece'" line per token, as llama-tokenize prints them.
import { readFileSync, readSync } from "node:fs";
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { fileError } from "../output-file.js";
import { Core } from "../runner/core.js";
import { isGgufFile } from "../model-files.js";
import { tokenizerOption } from "../options.js";

interface TokenizeFlags {
  model: string;
  tokenizer?: string;
  file?: string;
  stdin?: boolean;
  pieces?: boolean;
  bos: boolean;
  parseSpecial: boolean;
}

export const tokenizeCommand = new Command("tokenize")
  .description("print the token ids of TEXT (or of -f FILE, or of standard input) as a JSON array on one line")
  .argument("[text]", "the text to tokenize; without it (or with --stdin) standard input is read")
  .requiredOption("-m, --model <file>", "a GGUF file (a vocabulary-only one will do) or a llama2.c checkpoint")
  .addOption(tokenizerOption("llama2.c tokenizer.bin, for a llama2.c checkpoint"))
  .addOption(new Option("-f, --file <file>", "tokenize the bytes of this file"))
  .addOption(new Option("--stdin", "tokenize standard input (as with no TEXT)"))
  .addOption(new Option("--pieces", "one line per token, \"id -> 'piece'\", as llama-tokenize prints them"))
  .addOption(new Option("--no-bos", "do not add the BOS token the vocabulary asks for"))
  .addOption(new Option("--no-parse-special", "treat special-token text like <|im_start|> as plain text"))
  .action((text: string | undefined, flags: TokenizeFlags) => {
    if ([text !== undefined, flags.file !== undefined, flags.stdin === true].filter(Boolean).length > 1) {
      throw new UserError("give the text one way: as an argument, with -f FILE, or with --stdin");
    }
    checkInputFile(flags.model, "model");
    if (flags.tokenizer !== undefined) checkInputFile(flags.tokenizer, "tokenizer");
    if (flags.file !== undefined) checkInputFile(flags.file, "text file");
    const input: string | Uint8Array = text ?? readBytes(flags.file);
    const core = new Core();
    // A GGUF needs no weights loaded to tokenize; a llama2.c tokenizer takes its size from the checkpoint.
    if (flags.tokenizer === undefined && isGgufFile(flags.model)) core.loadTokenizer(configText({ model: flags.model }));
    else core.load(configText({ model: flags.model, tokenizer: flags.tokenizer }));
    const ids = core.encode(input, { bos: flags.bos, parseSpecial: flags.parseSpecial });
    if (!flags.pieces) {
      process.stdout.write(JSON.stringify(ids) + "\n");
      return;
    }
    const utf8 = new TextDecoder();
    const lines = ids.map((id, i) => `${String(id).padStart(6)} -> '${utf8.decode(core.decode(i > 0 ? ids[i - 1] : -1, id))}'`);
    process.stdout.write(lines.join("\n") + (lines.length ? "\n" : ""));
  });

/** A file's bytes, or standard input's (read to its end). */
function readBytes(file: string | undefined): Uint8Array {
  try {
    return new Uint8Array(file === undefined ? readStdin() : readFileSync(file));
  } catch (error) {
    throw fileError(`cannot read ${file === undefined ? "standard input" : `'${file}'`}`, error as NodeJS.ErrnoException);
  }
}

/** All of standard input, waiting out EAGAIN (a pipe may have been made non-blocking by whoever shares it). */
function readStdin(): Buffer {
  const chunks: Buffer[] = [];
  const chunk = Buffer.alloc(65536);
  for (;;) {
    let n: number;
    try {
      n = readSync(0, chunk, 0, chunk.length, null);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === "EOF") break;
      if (code !== "EAGAIN") throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 10);
      continue;
    }
    if (n === 0) break;
    chunks.push(Buffer.from(chunk.subarray(0, n)));
  }
  return Buffer.concat(chunks);
}
