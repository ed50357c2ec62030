// uefi-llm serve: the OpenAI-compatible HTTP API (assembly/serve/) in host mode, the same core
// and the same bytes a stick serves over the firmware's TCP/IP.
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { Core } from "../runner/core.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { type GenerationFlags, generationConfig, generationOptions, modelOption, tokenizerOption } from "../options.js";
import { CHAT_TEMPLATES } from "./chat.js";

interface ServeFlags extends GenerationFlags {
  model?: string;
  tokenizer?: string;
  host: string;
  port: string;
  chatTemplate?: string;
}

export const serveCommand = new Command("serve")
  .description("serve the model over an OpenAI-compatible HTTP API: GET /health, GET /v1/models, POST /v1/completions and /v1/chat/completions (streaming too)")
  .addOption(modelOption())
  .addOption(tokenizerOption())
  .addOption(new Option("--host <address>", "address to listen on").default("127.0.0.1"))
  .addOption(new Option("--port <n>", "TCP port to listen on").default("8080"))
  .addOption(new Option("--chat-template <name>", "template family for /v1/chat/completions, instead of the one the model's template implies").choices(CHAT_TEMPLATES));
// The sampling flags are the defaults a request's fields override; -n is the default max_tokens.
for (const option of generationOptions()) if (!["--prompt", "--escape", "--ignore-eos", "--keep"].includes(option.long ?? "")) serveCommand.addOption(option);

serveCommand.action(async (flags: ServeFlags) => {
  const port = Number(flags.port);
  if (!/^\d+$/.test(flags.port) || port < 1 || port > 65535) throw new UserError(`--port must be a whole number from 1 to 65535, not '${flags.port}'`);
  const model = flags.model ?? bundledModel;
  const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
  const config = configText({ model, tokenizer, chatTemplate: flags.chatTemplate, ...generationConfig({ ...flags, prompt: "" }) });
  checkInputFile(model, "model");
  if (tokenizer !== undefined) checkInputFile(tokenizer, "tokenizer");
  // Runs until the process is stopped (Ctrl-C, SIGTERM): the core waits for connections inside this call.
  new Core().serve(config, flags.host, port);
});
