// Running the built CLI as a user would, for end-to-end tests.
import { execa } from "execa";
import { join } from "node:path";
import { packageRoot } from "../../host/paths.js";

export const cliPath = join(packageRoot, "bin", "uefi-llm.js");

export async function cli(args: string[], options: { timeoutMs?: number } = {}) {
  return execa("node", [cliPath, ...args], { reject: false, timeout: options.timeoutMs ?? 60_000, stripFinalNewline: false });
}
