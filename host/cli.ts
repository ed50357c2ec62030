// The uefi-llm command line: this file only wires the commands together.
import { Command } from "commander";
import { handleError, setVerbose } from "./errors.js";
import { endQuietlyWhenOutputCloses } from "./standard-streams.js";
import { generateCommand } from "./commands/generate.js";
import { benchCommand } from "./commands/bench.js";
import { imageCommand } from "./commands/image.js";
import { runCommand } from "./commands/run.js";
import { flashCommand } from "./commands/flash.js";
import { keysCommand } from "./commands/keys.js";
import { buildCommand } from "./commands/build.js";
import { tokenizeCommand } from "./commands/tokenize.js";
import { demoCommand } from "./commands/demo.js";
import { chatCommand } from "./commands/chat.js";
import { convertCommand } from "./commands/convert.js";
import { inspectCommand } from "./commands/inspect.js";
import { synthCommand } from "./commands/synth.js";
import { pullCommand } from "./commands/pull.js";
import { withLongLlamaCppFlags } from "./options.js";
import { serveCommand } from "./commands/serve.js";

const program = new Command("uefi-llm")
  .description("Turn a small language model into a bootable UEFI USB stick, or run it right here.")
  .version("0.1.0")
  .option("--verbose", "show external commands and stack traces")
  .configureOutput({ outputError: (text, write) => write(text.replace(/^error: /, "uefi-llm: ")) })
  .hook("preAction", (command) => setVerbose(Boolean(command.opts().verbose)));

for (const command of [demoCommand, generateCommand, chatCommand, serveCommand, tokenizeCommand, inspectCommand, pullCommand, convertCommand, buildCommand, imageCommand, flashCommand, keysCommand, runCommand, benchCommand, synthCommand]) program.addCommand(command.copyInheritedSettings(program));

endQuietlyWhenOutputCloses();
program.parseAsync(withLongLlamaCppFlags(process.argv)).catch(handleError);
