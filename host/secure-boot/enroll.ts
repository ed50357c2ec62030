// Our keys into a firmware's Secure Boot variables: the enrollment app
// (enroll-keys.c, with a keys folder's .auth files compiled in), and, for QEMU, an
// OVMF variable store with those keys enrolled, made by booting that app once
// under OVMF's Secure Boot build on a fresh, empty store (Setup Mode).
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { UserError } from "../errors.js";
import { checkInputFile } from "../input-file.js";
import { writeDiskImage } from "../image/disk-image.js";
import { packageRoot } from "../paths.js";
import { checkOvmf, freshVars, SECURE_BOOT_FIRMWARE } from "../qemu/ovmf.js";
import { runQemu } from "../qemu/qemu.js";
import { runTool } from "../tools/exec.js";

const SOURCE = join(packageRoot, "host", "secure-boot", "enroll-keys.c");
const AUTH_FILES = { PK_AUTH: "PK.auth", KEK_AUTH: "KEK.auth", DB_AUTH: "db.auth" };
const ENROLL_SECONDS = 180;

/**
 * Builds the enrollment app for the keys in `keysDir` (from `uefi-llm keys`) at
 * `output`. With `shutdown` it powers the machine off when done (for QEMU), else it
 * waits for a key and returns to the boot menu (for a real machine).
 */
export async function buildEnrollApp(keysDir: string, output: string, { shutdown = false } = {}): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), "uefi-llm-enroll-"));
  try {
    const arrays: string[] = [];
    for (const [symbol, file] of Object.entries(AUTH_FILES)) {
      const path = join(keysDir, file);
      checkInputFile(path, "key file");
      const bytes = await readFile(path);
      arrays.push(`static const unsigned char ${symbol}[] = {${Array.from(bytes).join(",")}};`);
    }
    await writeFile(join(work, "enroll-keys.h"), arrays.join("\n") + "\n");
    const object = join(work, "enroll-keys.obj");
    await runTool("clang", [
      "--target=x86_64-unknown-windows", "-ffreestanding", "-nostdlibinc", "-fno-stack-protector", "-mno-red-zone", "-mno-stack-arg-probe",
      "-fshort-wchar", "-O2", "-Wall", "-Wextra", "-Werror", ...(shutdown ? ["-DENROLL_SHUTDOWN"] : []), "-I", work, "-c", SOURCE, "-o", object,
    ], { timeoutMs: 120_000 });
    await runTool("lld-link", ["/subsystem:efi_application", "/entry:efi_main", "/nodefaultlib", `/out:${output}`, object], { timeoutMs: 120_000 });
  } finally {
    await rm(work, { recursive: true, force: true });
  }
}

/**
 * An OVMF variable store with the keys of `keysDir` enrolled (Secure Boot on), in a
 * new temporary folder; `remove()` it when done.
 */
export async function enrolledVars(keysDir: string): Promise<{ path: string; remove: () => Promise<void> }> {
  await checkOvmf(SECURE_BOOT_FIRMWARE);
  const work = await mkdtemp(join(tmpdir(), "uefi-llm-enrolled-"));
  const remove = () => rm(work, { recursive: true, force: true });
  try {
    const app = join(work, "ENROLL.EFI");
    await buildEnrollApp(keysDir, app, { shutdown: true });
    const disk = join(work, "enroll.img");
    await writeDiskImage(disk, [{ path: "EFI/BOOT/BOOTX64.EFI", source: app }]);
    // The empty store: no PK, so the firmware is in Setup Mode and takes any keys.
    const empty = await freshVars("x86_64");
    const vars = join(work, "OVMF_VARS.fd");
    await writeFile(vars, await readFile(empty.path));
    await empty.remove();
    const result = await runQemu(disk, { timeoutSeconds: ENROLL_SECONDS, memoryMb: 256, firmware: { ...SECURE_BOOT_FIRMWARE, vars }, varsInPlace: true });
    const serial = result.output.replace(/\r/g, "");
    if (!/enroll-keys: done; SetupMode is now 0/.test(serial)) {
      const said = serial.split("\n").filter((l) => l.startsWith("enroll-keys:")).slice(-1)[0];
      throw new UserError(`could not enroll the keys of ${keysDir} in OVMF's variables: ${said ?? (result.timedOut ? "timed out" : "the enrollment app did not run")}`);
    }
    return { path: vars, remove };
  } catch (error) {
    await remove();
    throw error;
  }
}
