// The one wrapper for external tools: argument arrays, explicit timeouts, the
// command logged under --verbose, and a one-line error naming the Debian package
// when a tool is missing.
import { execa, type Options } from "execa";
import { ToolError, UserError, verbose } from "../errors.js";

/** The Debian package that provides each external tool we call. */
export const debianPackageOf: Record<string, string> = {
  clang: "clang",
  "lld-link": "lld",
  "qemu-system-x86_64": "qemu-system-x86",
  "fsck.fat": "dosfstools",
  mcopy: "mtools",
  sgdisk: "gdisk",
  lsblk: "util-linux",
  blockdev: "util-linux",
  openssl: "openssl",
  sbsign: "sbsigntool",
  sbverify: "sbsigntool",
  "cert-to-efi-sig-list": "efitools",
  "sign-efi-sig-list": "efitools",
};

export interface RunOptions {
  timeoutMs: number;
  cwd?: string;
  input?: string | Buffer;
}

export async function runTool(tool: string, args: string[], options: RunOptions): Promise<{ stdout: string; stderr: string }> {
  const printable = [tool, ...args].join(" ");
  if (verbose) process.stderr.write(`$ ${printable}\n`);
  const execaOptions: Options = { timeout: options.timeoutMs, cwd: options.cwd, input: options.input, reject: false, encoding: "utf8" };
  const result = await execa(tool, args, execaOptions);
  if (result.failed && (result as { code?: string }).code === "ENOENT") throw missingTool(tool);
  if (result.timedOut) throw new ToolError(`${tool} did not finish within ${Math.round(options.timeoutMs / 1000)} s`, printable, tail(String(result.stderr)));
  if (result.exitCode !== 0) throw new ToolError(`${tool} failed (exit code ${result.exitCode})`, printable, tail(String(result.stderr)));
  return { stdout: String(result.stdout), stderr: String(result.stderr) };
}

export function missingTool(tool: string): UserError {
  const pkg = debianPackageOf[tool];
  return new UserError(`${tool} not found${pkg ? `: install the Debian package '${pkg}' (or run scripts/setup.sh)` : ""}`);
}

function tail(text: string, lines = 15): string {
  return text.trimEnd().split("\n").slice(-lines).join("\n");
}
