// uefi-llm generate: run the core in host mode and stream the text, as the firmware would at boot.
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { checkInputFile } from "../input-file.js";
import { runGeneration } from "../runner/backend.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { hfOption, modelFromHub } from "../hf/pull.js";
import { type GenerationFlags, generationConfig, generationOptions, modelOption, promptFileOption, threadCount, threadsOption, tokenizerOption } from "../options.js";

interface GenerateFlags extends GenerationFlags {
  model?: string;
  hfRepo?: string;
  tokenizer?: string;
  printIds?: boolean;
  threads?: number;
}

export const generateCommand = new Command("generate")
  .description("continue a prompt with the model right here (host mode), streaming the text to stdout and one timing line to stderr")
  .addOption(modelOption())
  .addOption(hfOption())
  .addOption(tokenizerOption())
  .addOption(threadsOption())
  .addOption(promptFileOption())
  .addOption(new Option("--print-ids", "after the text, print the generated token ids (prompt excluded) as a JSON array on the last line"));
for (const option of generationOptions()) generateCommand.addOption(option);

generateCommand.action(async (flags: GenerateFlags) => {
  if (flags.hfRepo !== undefined) flags.model = await modelFromHub(flags.hfRepo);
  const model = flags.model ?? bundledModel;
  const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
  if (flags.file !== undefined) checkInputFile(flags.file, "prompt file");
  // First the configuration, which refuses a line break in a path, then the files it names.
  const config = configText({ model, tokenizer, printIds: flags.printIds, ...generationConfig(flags) });
  checkInputFile(model, "model");
  if (tokenizer !== undefined) checkInputFile(tokenizer, "tokenizer");
  await runGeneration(config, threadCount(flags.threads), flags.threads !== undefined);
});
