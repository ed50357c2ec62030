// uefi-llm generate: run the core in Node and stream the text, as the firmware would at boot.
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { checkInputFile } from "../input-file.js";
import { Core } from "../runner/core.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { type GenerationFlags, generationConfig, generationOptions } from "../options.js";

interface GenerateFlags extends GenerationFlags {
  model?: string;
  tokenizer?: string;
  printIds?: boolean;
}

export const generateCommand = new Command("generate")
  .description("generate text with the model in Node (host mode), streaming it to stdout")
  .addOption(new Option("-m, --model <file>", "llama2.c checkpoint (.bin); default: the bundled stories260K"))
  .addOption(new Option("-t, --tokenizer <file>", "llama2.c tokenizer (.bin); default: the bundled tok512 with the bundled model"))
  .addOption(new Option("--print-ids", "after the text, print the generated token ids (prompt excluded) as a JSON array on the last line"));
for (const option of generationOptions()) generateCommand.addOption(option);

generateCommand.action((flags: GenerateFlags) => {
  const model = flags.model ?? bundledModel;
  const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
  checkInputFile(model, "model");
  if (tokenizer !== undefined) checkInputFile(tokenizer, "tokenizer");
  new Core().run(configText({ model, tokenizer, printIds: flags.printIds, ...generationConfig(flags) }));
});
