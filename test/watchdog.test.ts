// Slow: a boot manager arms the UEFI watchdog before it starts an application (EDK2:
// 5 minutes); a long story must not be cut off by it. A test-only loader
// (fixtures/watchdog/loader.c) arms it for 10 s and starts our app, whose story then
// takes more than three times that under TCG. Its CONTROL build shows the same watchdog really
// resets this machine when nobody disarms it.
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CONFIG_FILE_NAME, configText } from "../host/config.js";
import { EFI_BOOT_PATH, STICK_NAMES } from "../host/commands/image.js";
import { writeDiskImage } from "../host/image/disk-image.js";
import { buildDir, bundledModel, bundledTokenizer, packageRoot } from "../host/paths.js";
import { runQemu } from "../host/qemu/qemu.js";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { runTool } from "../host/tools/exec.js";

const WATCHDOG_SECONDS = 10; // as loader.c arms it
const workDir = join(buildDir, "test", "watchdog");
let efi: string;

/** The loader as an EFI application, the way host/secure-boot/enroll.ts builds its app. */
async function buildLoader(name: string, defines: string[]): Promise<string> {
  const object = join(workDir, `${name}.obj`), output = join(workDir, `${name}.efi`);
  await runTool("clang", [
    "--target=x86_64-unknown-windows", "-ffreestanding", "-nostdlibinc", "-fno-stack-protector", "-mno-red-zone", "-mno-stack-arg-probe",
    "-fshort-wchar", "-O2", "-Wall", "-Wextra", "-Werror", ...defines, "-I", join(packageRoot, "firmware"),
    "-c", join(import.meta.dirname, "fixtures", "watchdog", "loader.c"), "-o", object,
  ], { timeoutMs: 120_000 });
  await runTool("lld-link", ["/subsystem:efi_application", "/entry:efi_main", "/nodefaultlib", `/out:${output}`, object], { timeoutMs: 120_000 });
  return output;
}

beforeAll(async () => {
  mkdirSync(workDir, { recursive: true });
  efi = await buildEfi();
}, 600_000);

describe("the UEFI watchdog", () => {
  it("armed by the loader resets the machine when nobody disarms it (control)", async () => {
    const image = join(workDir, "control.img");
    await writeDiskImage(image, [{ path: EFI_BOOT_PATH, source: await buildLoader("control", ["-DCONTROL"]) }], { force: true });
    const result = await runQemu(image, { timeoutSeconds: 180, memoryMb: 256 });
    const serial = result.output.replace(/\r/g, "");
    expect(serial).toContain(`loader: watchdog armed for ${WATCHDOG_SECONDS} s`);
    expect(serial, "the loader waited three times the watchdog's time").not.toContain("loader: not reset");
    const waited = [...serial.matchAll(/^loader: waited (\d+) s$/gm)].map((m) => Number(m[1]));
    // Reset after about ten seconds (QEMU, with -no-reboot, exits then); by the guest's
    // Stall() clock it may be later, the timer interrupts lagging when TCG is slow.
    expect(Math.max(...waited)).toBeGreaterThanOrEqual(WATCHDOG_SECONDS - 2);
    expect(Math.max(...waited)).toBeLessThan(3 * WATCHDOG_SECONDS);
    expect(result.timedOut).toBe(false);
  }, 240_000);

  it("does not cut off a story longer than its time: the app disarms it", async () => {
    const image = join(workDir, "story.img");
    const steps = 3000;
    const config = configText({ model: STICK_NAMES.llama2cModel, tokenizer: STICK_NAMES.tokenizer, temperature: 0, steps, ignoreEos: true, end: "shutdown" });
    await writeDiskImage(image, [
      { path: EFI_BOOT_PATH, source: await buildLoader("loader", []) },
      { path: "UEFILLM.EFI", source: efi },
      { path: STICK_NAMES.llama2cModel, source: bundledModel },
      { path: STICK_NAMES.tokenizer, source: bundledTokenizer },
      { path: CONFIG_FILE_NAME, source: Buffer.from(config) },
    ], { force: true });
    const result = await runQemu(image, { timeoutSeconds: 600 });
    const serial = result.output.replace(/\r/g, "");
    expect(serial).toContain(`loader: watchdog armed for ${WATCHDOG_SECONDS} s`);
    expect(serial).toContain("loader: starting \\UEFILLM.EFI");
    const timing = /^generated (\d+) tokens at ([\d.]+) tok\/s/m.exec(serial);
    expect(timing, `the story did not finish:\n${serial.slice(-2000)}`).not.toBeNull();
    expect(Number(timing![1])).toBe(steps);
    // By the guest's own clock, the story alone outlasted the longest wait of the control.
    expect(steps / Number(timing![2])).toBeGreaterThan(3 * WATCHDOG_SECONDS);
    expect(result.exitCode).toBe(0);
  }, 700_000);
});
