// uefi-llm chat: the same chat loop the boot stick runs, in this terminal.
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { checkInputFile } from "../input-file.js";
import { Core } from "../runner/core.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { type GenerationFlags, generationConfig, generationOptions } from "../options.js";

interface ChatFlags extends GenerationFlags {
  model?: string;
  tokenizer?: string;
  system?: string;
  chatTemplate?: string;
}

export const CHAT_TEMPLATES = ["plain", "chatml", "llama3", "llama2", "zephyr", "gemma"];

export function chatOptions(): Option[] {
  return [
    new Option("--system <text>", "system prompt"),
    new Option("--chat-template <name>", "template family, instead of the one the model's template implies").choices(CHAT_TEMPLATES),
  ];
}

export const chatCommand = new Command("chat")
  .description("chat with the model in this terminal (host mode); /help lists the commands")
  .addOption(new Option("-m, --model <file>", "GGUF model, or llama2.c checkpoint; default: the bundled stories260K"))
  .addOption(new Option("-t, --tokenizer <file>", "llama2.c tokenizer (.bin), for a llama2.c checkpoint"));
for (const option of [...chatOptions(), ...generationOptions().filter((o) => o.long !== "--prompt")]) chatCommand.addOption(option);

chatCommand.action((flags: ChatFlags) => {
  const model = flags.model ?? bundledModel;
  const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
  checkInputFile(model, "model");
  if (tokenizer !== undefined) checkInputFile(tokenizer, "tokenizer");
  new Core().run(configText({ model, tokenizer, mode: "chat", system: flags.system, chatTemplate: flags.chatTemplate, ...generationConfig(flags) }));
});
