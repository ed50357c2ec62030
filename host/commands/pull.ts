// uefi-llm pull: a GGUF from Hugging Face into the local cache (or found there).
import { Command } from "commander";
import { environment, parseSource, pull } from "../hf/pull.js";
import { formatBytes } from "../gguf/progress.js";

export const pullCommand = new Command("pull")
  .description("download a GGUF from Hugging Face (org/repo[:QUANT]) into the cache, resuming and checking its sha256")
  .argument("<model>", "org/repo or org/repo:QUANT, e.g. Qwen/Qwen3-0.6B-GGUF:Q8_0")
  .addHelpText(
    "after",
    "\nEnvironment: HF_ENDPOINT (default https://huggingface.co), HF_TOKEN for gated repos,\n" +
      "UEFI_LLM_CACHE (default ~/.cache/uefi-llm). The path of the file is printed on stdout.",
  )
  .action(async (model: string) => {
    const source = parseSource(model);
    const result = await pull(source, environment(process.env, true));
    process.stderr.write(`${result.downloaded ? "downloaded" : "cached"}: ${result.file.path} (${formatBytes(result.file.size)})\n`);
    process.stdout.write(`${result.path}\n`);
  });
