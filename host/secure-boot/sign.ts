// Signing EFI applications for Secure Boot with sbsign (Debian's sbsigntool): a key
// and certificate checked to belong together before anything is built, then each
// EFI file signed into a temporary folder the caller removes.
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { basename, join } from "node:path";
import { ToolError, UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { runTool } from "../tools/exec.js";
import { openssl } from "./keys.js";

export interface SigningKey {
  key: string; // PEM private key, unencrypted (sbsign cannot ask for a passphrase here)
  cert: string; // PEM certificate of that key
}

/** Throws openssl's reason in one line unless `key` is a readable private key whose public half is `cert`'s. */
export async function checkSigningKey({ key, cert }: SigningKey): Promise<void> {
  checkInputFile(key, "signing key");
  checkInputFile(cert, "signing certificate");
  const fromCert = await openssl(["x509", "-in", cert, "-noout", "-pubkey"], `signing certificate '${cert}'`);
  // -passin: an encrypted key fails at once instead of waiting for a passphrase on the terminal.
  const fromKey = await openssl(["pkey", "-in", key, "-pubout", "-passin", "pass:"], `signing key '${key}'`);
  if (fromCert.trim() !== fromKey.trim()) throw new UserError(`signing key '${key}' does not belong to the certificate '${cert}'`);
}

/** The certificate in DER form, as firmware "enroll from file" menus take it (.cer). */
export async function certificateDer(cert: string): Promise<Buffer> {
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-cert-"));
  try {
    await openssl(["x509", "-in", cert, "-outform", "DER", "-out", join(dir, "db.cer")], `signing certificate '${cert}'`);
    return await readFile(join(dir, "db.cer"));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Signed copies of `files` in a new temporary folder; `remove()` it when done. */
export async function signEfiFiles(files: string[], signing: SigningKey): Promise<{ signed: string[]; remove: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-signed-"));
  const remove = () => rm(dir, { recursive: true, force: true });
  try {
    const signed: string[] = [];
    for (const [i, file] of files.entries()) {
      const output = join(dir, `${i}-${basename(file)}`);
      await runTool("sbsign", ["--key", signing.key, "--cert", signing.cert, "--output", output, file], { timeoutMs: 60_000 }).catch((error: unknown) => {
        if (error instanceof ToolError) throw new UserError(`sbsign could not sign ${file}: ${error.stderrTail.trim().split("\n")[0] || error.message}`);
        throw error;
      });
      signed.push(output);
    }
    return { signed, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
