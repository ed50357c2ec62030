// uefi-llm tokenize: the token ids of a text as one JSON array, as the core encodes prompts.
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { checkInputFile } from "../input-file.js";
import { Core } from "../runner/core.js";
import { isGgufFile } from "../model-files.js";

interface TokenizeFlags {
  model: string;
  tokenizer?: string;
  bos: boolean;
  parseSpecial: boolean;
}

export const tokenizeCommand = new Command("tokenize")
  .description("print the token ids of TEXT as a JSON array on one line")
  .argument("<text>", "the text to tokenize")
  .requiredOption("-m, --model <file>", "a GGUF file (a vocabulary-only one will do) or a llama2.c checkpoint")
  .addOption(new Option("-t, --tokenizer <file>", "llama2.c tokenizer.bin, for a llama2.c checkpoint"))
  .addOption(new Option("--no-bos", "do not add the BOS token the vocabulary asks for"))
  .addOption(new Option("--no-parse-special", "treat special-token text like <|im_start|> as plain text"))
  .action((text: string, flags: TokenizeFlags) => {
    checkInputFile(flags.model, "model");
    if (flags.tokenizer !== undefined) checkInputFile(flags.tokenizer, "tokenizer");
    const core = new Core();
    // A GGUF needs no weights loaded to tokenize; a llama2.c tokenizer takes its size from the checkpoint.
    if (flags.tokenizer === undefined && isGgufFile(flags.model)) core.loadTokenizer(configText({ model: flags.model }));
    else core.load(configText({ model: flags.model, tokenizer: flags.tokenizer }));
    const ids = core.encode(text, { bos: flags.bos, parseSpecial: flags.parseSpecial });
    process.stdout.write(JSON.stringify(ids) + "\n");
  });
