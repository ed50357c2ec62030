// The UEFI firmware QEMU boots: OVMF for x86-64, AAVMF for AArch64. Its code is
// mapped read-only, and each run gets a fresh copy of its variable store, so boot
// entries and settings never carry over from one run to the next.
import { access, constants, copyFile, mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import type { Arch } from "../toolchain/arch.js";

export interface Firmware {
  code: string;
  vars: string;
  debianPackage: string;
}

/** Debian's builds: 4 MiB OVMF images, and AAVMF as the two 64 MiB pflash images QEMU's virt machine takes. */
export const FIRMWARE: Readonly<Record<Arch, Firmware>> = {
  x86_64: { code: "/usr/share/OVMF/OVMF_CODE_4M.fd", vars: "/usr/share/OVMF/OVMF_VARS_4M.fd", debianPackage: "ovmf" },
  aarch64: { code: "/usr/share/AAVMF/AAVMF_CODE.fd", vars: "/usr/share/AAVMF/AAVMF_VARS.fd", debianPackage: "qemu-efi-aarch64" },
};

export const OVMF_CODE = FIRMWARE.x86_64.code;

/** Throws a UserError naming the Debian package when the firmware files are missing. */
export async function checkOvmf(arch: Arch = "x86_64"): Promise<void> {
  const firmware = FIRMWARE[arch];
  for (const path of [firmware.code, firmware.vars]) {
    await access(path, constants.R_OK).catch(() => {
      throw new UserError(`${path} not found: install the Debian package '${firmware.debianPackage}' (or run scripts/setup.sh)`);
    });
  }
}

/** A private copy of the variable store; call `remove()` when QEMU has exited. */
export async function freshVars(arch: Arch = "x86_64"): Promise<{ path: string; remove: () => Promise<void> }> {
  await checkOvmf(arch);
  const dir = await mkdtemp(join(tmpdir(), "uefi-llm-vars-"));
  const path = join(dir, "VARS.fd");
  await copyFile(FIRMWARE[arch].vars, path);
  return { path, remove: () => rm(dir, { recursive: true, force: true }) };
}
