// uefi-llm chat: the same chat loop the boot stick runs, in this terminal.
import { appendFileSync } from "node:fs";
import { Command, Option } from "commander";
import { configText } from "../config.js";
import { checkInputFile } from "../input-file.js";
import { Core } from "../runner/core.js";
import { configFile, nativeRunner } from "../runner/backend.js";
import { type ChatBackend, chatInTerminal } from "../runner/terminal.js";
import { bundledModel, bundledTokenizer } from "../paths.js";
import { hfOption, modelFromHub } from "../hf/pull.js";
import { type GenerationFlags, generationConfig, generationOptions, modelOption, threadCount, threadsOption, tokenizerOption, unescapeText } from "../options.js";

interface ChatFlags extends GenerationFlags {
  model?: string;
  hfRepo?: string;
  tokenizer?: string;
  system?: string;
  chatTemplate?: string;
  threads?: number;
}

export const CHAT_TEMPLATES = ["plain", "chatml", "llama3", "llama2", "zephyr", "gemma"];

export function chatOptions(): Option[] {
  return [
    new Option("--system <text>", "system prompt (kept through context shifts)"),
    new Option("--chat-template <name>", "template family, instead of the one the model's template implies").choices(CHAT_TEMPLATES),
  ];
}

/** Set in the child that runs the core under chatInTerminal. */
const CHILD_ENV = "UEFI_LLM_CHAT_CHILD";

export const chatCommand = new Command("chat")
  .description("chat with the model in this terminal (host mode); /help lists the commands. In a terminal: Up/Down recall lines, " +
    "Ctrl-C or Esc stops an answer, Ctrl-C on an empty line or Ctrl-D ends")
  .addOption(modelOption())
  .addOption(hfOption())
  .addOption(tokenizerOption())
  .addOption(threadsOption());
for (const option of [...chatOptions(), ...generationOptions().filter((o) => o.long !== "--prompt")]) chatCommand.addOption(option);

chatCommand.action(async (flags: ChatFlags) => {
  if (flags.hfRepo !== undefined) flags.model = await modelFromHub(flags.hfRepo);
  const model = flags.model ?? bundledModel;
  const tokenizer = flags.tokenizer ?? (flags.model === undefined ? bundledTokenizer : undefined);
  const system = flags.escape && flags.system !== undefined ? unescapeText(flags.system) : flags.system;
  // First the configuration, which refuses a line break in a path, then the files it names.
  const config = configText({ model, tokenizer, mode: "chat", system, chatTemplate: flags.chatTemplate, ...generationConfig(flags) });
  checkInputFile(model, "model");
  if (tokenizer !== undefined) checkInputFile(tokenizer, "tokenizer");
  // Piped input (scripts, tests) and the terminal's own child: the core right here, lines from stdin.
  if (process.env[CHILD_ENV] === "1" || !process.stdin.isTTY || !process.stdout.isTTY) {
    new Core().run(config);
    return;
  }
  const threads = threadCount(flags.threads);
  const native = await nativeRunner(config, threads, flags.threads !== undefined);
  let backend: ChatBackend;
  let remove = () => {};
  if (native !== undefined) {
    const cfg = configFile(config);
    remove = cfg.remove;
    backend = { command: native, args: ["--threads", String(threads), cfg.file], interrupt: (child) => child.kill("SIGINT") };
  } else {
    // This CLI again, running the core in Node; a byte appended to a file stops an answer
    // (runner/imports.ts: the core computes synchronously, so the child sees no signal, but it can poll a file).
    const stops = configFile("");
    remove = stops.remove;
    backend = {
      command: process.execPath,
      args: [...process.execArgv, ...process.argv.slice(1)],
      env: { ...process.env, [CHILD_ENV]: "1", UEFI_LLM_INTERRUPT_FILE: stops.file },
      interrupt: () => appendFileSync(stops.file, "\x03"),
    };
  }
  try {
    process.exitCode = await chatInTerminal(backend);
  } finally {
    remove();
  }
});
