// OVMF, the UEFI firmware QEMU boots: its code mapped read-only, and a fresh copy
// of its variable store per run, so boot entries and settings never carry over
// from one run to the next.
import { access, constants, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";

export const OVMF_CODE = "/usr/share/OVMF/OVMF_CODE_4M.fd";
export const OVMF_VARS = "/usr/share/OVMF/OVMF_VARS_4M.fd";
/** The Secure Boot build (SMM, needs q35 with smm=on and the secure pflash). */
export const OVMF_CODE_SECBOOT = "/usr/share/OVMF/OVMF_CODE_4M.secboot.fd";
/** Variables with Microsoft's and Debian's keys enrolled: Secure Boot on, as on a PC from a shop. */
export const OVMF_VARS_MS = "/usr/share/OVMF/OVMF_VARS_4M.ms.fd";

export interface Firmware {
  code: string; // OVMF_CODE file, mapped read-only
  vars?: string; // variable store copied fresh for each run; default OVMF_VARS (empty)
  secureBoot?: boolean; // the code is the SMM Secure Boot build
  varsInPlace?: boolean; // let the guest change `vars` itself instead of a copy (preparing a variable store)
}

/** Throws a UserError naming the Debian package when the firmware files are missing. */
export async function checkOvmf(paths: string[] = [OVMF_CODE, OVMF_VARS]): Promise<void> {
  for (const path of paths) {
    await access(path, constants.R_OK).catch(() => {
      throw new UserError(`${path} not found: install the Debian package 'ovmf' (or run scripts/setup.sh)`);
    });
  }
}

/** A private copy of a variable store (default: the empty one); call `remove()` when QEMU has exited. */
export async function freshVars(template = OVMF_VARS): Promise<{ path: string; remove: () => Promise<void> }> {
  await checkOvmf([template]);
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-ovmf-"));
  const path = join(dir, "OVMF_VARS.fd");
  await copyFile(template, path);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
