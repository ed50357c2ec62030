// OVMF, the UEFI firmware QEMU boots: its code mapped read-only, and a fresh copy
// of its variable store per run, so boot entries and settings never carry over
// from one run to the next.
import { access, constants, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";

/** Throws a UserError naming the Debian package when the firmware files are missing. */
export async function checkOvmf(): Promise<void> {
  for (const path of [OVMF_CODE, OVMF_VARS]) {
    await access(path, constants.R_OK).catch(() => {
      throw new UserError(`${path} not found: install the Debian package 'ovmf' (or run scripts/setup.sh)`);
    });
  }
}

/** A private copy of the variable store; call `remove()` when QEMU has exited. */
export async function freshVars(): Promise<{ path: string; remove: () => Promise<void> }> {
  await checkOvmf();
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-ovmf-"));
  const path = join(dir, "OVMF_VARS.fd");
  await copyFile(OVMF_VARS, path);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
