// Secure Boot keys of one's own, made with openssl and efitools: the platform key
// (PK), the key exchange key (KEK) and the signature database key (db), each as a
// private key, a PEM certificate, a DER .cer, an EFI signature list (.esl) and a
// time-based authenticated .auth (PK and KEK signed by PK, db by KEK) that firmware
// setup screens and our enrollment app accept.
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, rename, rm, rmdir, stat, writeFile } from "node:fs/promises";
import { basename, dirname, join, resolve } from "node:path";
import { ToolError, UserError } from "../errors.js";
import { checkOutputPath } from "../output-file.js";
import { runTool } from "../tools/exec.js";

export const KEY_NAMES = ["PK", "KEK", "db"] as const;
/** Who signs each key's .auth: PK signs itself and KEK, KEK signs db (UEFI spec 2.10, 32.3). */
const SIGNER: Record<(typeof KEY_NAMES)[number], (typeof KEY_NAMES)[number]> = { PK: "PK", KEK: "PK", db: "KEK" };
const TOOL_TIMEOUT_MS = 60_000;

/**
 * Makes a new folder `dir` (or fills an empty one) with PK/KEK/db keys and their
 * certificates, .cer, .esl and .auth files, and GUID.txt, the owner GUID in the
 * signature lists. Private keys are not encrypted and readable by the owner only.
 */
export async function createKeys(dir: string, commonName = "uefi-llm"): Promise<string[]> {
  const existing = await stat(dir).catch(() => undefined);
  if (existing !== undefined && !existing.isDirectory()) throw new UserError(`${dir} exists and is not a folder`);
  if (existing !== undefined && (await readdir(dir)).length > 0) throw new UserError(`${dir} is not empty; keys are never overwritten: choose a new folder`);
  await checkOutputPath(existing ? join(dir, "PK.key") : dir); // not in /dev, /proc or /sys, and in a real folder

  const work = await mkdtemp(join(dirname(resolve(dir)), `.${basename(dir)}.partial-`));
  try {
    const guid = randomUUID();
    await writeFile(join(work, "GUID.txt"), guid + "\n");
    for (const name of KEY_NAMES) {
      const at = (ext: string) => join(work, `${name}.${ext}`);
      // -noenc's older spelling -nodes works on every OpenSSL Debian ships.
      await openssl(["req", "-new", "-x509", "-newkey", "rsa:2048", "-sha256", "-nodes", "-days", "3650", "-subj", `/CN=${commonName} ${name}/`, "-keyout", at("key"), "-out", at("crt")]);
      await openssl(["x509", "-in", at("crt"), "-outform", "DER", "-out", at("cer")]);
      await runTool("cert-to-efi-sig-list", ["-g", guid, at("crt"), at("esl")], { timeoutMs: TOOL_TIMEOUT_MS });
    }
    for (const name of KEY_NAMES) {
      const signer = SIGNER[name];
      await runTool("sign-efi-sig-list", ["-g", guid, "-k", join(work, `${signer}.key`), "-c", join(work, `${signer}.crt`), name, join(work, `${name}.esl`), join(work, `${name}.auth`)], { timeoutMs: TOOL_TIMEOUT_MS });
    }
    if (existing !== undefined) await rmdir(dir);
    await rename(work, dir);
  } catch (error) {
    await rm(work, { recursive: true, force: true });
    throw error;
  }
  return (await readdir(dir)).sort();
}

/** openssl, with a failure given as its own reason in one line. */
export async function openssl(args: string[], what = "openssl"): Promise<string> {
  try {
    return (await runTool("openssl", args, { timeoutMs: TOOL_TIMEOUT_MS })).stdout;
  } catch (error) {
    if (error instanceof ToolError) throw new UserError(`${what}: ${opensslReason(error.stderrTail)}`);
    throw error;
  }
}

/** The informative line of openssl's complaint, e.g. "Could not read private key from k.pem" or "...:bad decrypt". */
function opensslReason(stderr: string): string {
  const lines = stderr.split("\n").map((l) => l.trim()).filter((l) => l !== "");
  const detail = lines.find((l) => /error:[0-9A-F]+:/.test(l));
  const first = lines[0] ?? "failed";
  if (detail === undefined || detail === first) return first;
  const reason = detail.split(":").slice(-1)[0] || detail;
  return `${first} (${reason.trim()})`;
}
