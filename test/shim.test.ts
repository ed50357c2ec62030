// Slow: the shim + Machine Owner Key route to Secure Boot on a machine that trusts only
// Microsoft's keys (README, "Secure Boot"), under OVMF's Secure Boot build with the
// Microsoft and Debian keys (OVMF_VARS_4M.ms.fd). Debian's Microsoft-signed shim starts
// EFI/BOOT/grubx64.efi: our app, signed with a `uefi-llm keys` db key. Shim refuses it
// until MokManager has enrolled keys/db.cer (driven here over the serial console), and
// then starts it, Secure Boot still on. Skipped, saying so, without Debian's shim-signed
// (SHIM_DIR: where shimx64.efi.signed and mmx64.efi.signed are; by default the copy
// scripts/setup.sh unpacks into build/shim, else the installed package's /usr/lib/shim).
import { existsSync, mkdirSync, readFileSync, rmSync } from "node:fs";
import { copyFile } from "node:fs/promises";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { CONFIG_FILE_NAME, configText } from "../host/config.js";
import { STICK_NAMES } from "../host/commands/image.js";
import { writeDiskImage } from "../host/image/disk-image.js";
import { buildDir, bundledModel, bundledTokenizer } from "../host/paths.js";
import { SECURE_BOOT_FIRMWARE } from "../host/qemu/ovmf.js";
import { runQemu } from "../host/qemu/qemu.js";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { runTool } from "../host/tools/exec.js";
import { cli } from "./helpers/cli.js";

const unpackedShim = join(buildDir, "shim", "usr", "lib", "shim");
const shimDir = process.env.SHIM_DIR ?? (existsSync(unpackedShim) ? unpackedShim : "/usr/lib/shim");
const shim = join(shimDir, "shimx64.efi.signed"), mokManager = join(shimDir, "mmx64.efi.signed");
const haveShim = existsSync(shim) && existsSync(mokManager);
if (!haveShim) console.warn(`shim.test.ts: no ${shim} (Debian package shim-signed): the shim + MOK test is skipped`);

const workDir = join(buildDir, "test", "shim");
const expected = readFileSync(join(import.meta.dirname, "fixtures", "stories260K", "greedy-n256.txt"), "utf8");
const DOWN = "\x1b[B";
let image: string;

beforeAll(async () => {
  if (!haveShim) return;
  mkdirSync(workDir, { recursive: true });
  const keys = join(workDir, "keys");
  rmSync(keys, { recursive: true, force: true });
  const made = await cli(["keys", "-o", keys]);
  expect(made.exitCode, made.stderr).toBe(0);
  const app = join(workDir, "grubx64.efi");
  await runTool("sbsign", ["--key", join(keys, "db.key"), "--cert", join(keys, "db.crt"), "--output", app, await buildEfi()], { timeoutMs: 60_000 });
  image = join(workDir, "shim.img");
  // The root's entries in this order, which the MokManager steps below count on.
  await writeDiskImage(image, [
    { path: "EFI/BOOT/BOOTX64.EFI", source: shim },
    { path: "EFI/BOOT/grubx64.efi", source: app },
    { path: "EFI/BOOT/mmx64.efi", source: mokManager },
    { path: "keys/db.cer", source: join(keys, "db.cer") },
    { path: STICK_NAMES.llama2cModel, source: bundledModel },
    { path: STICK_NAMES.tokenizer, source: bundledTokenizer },
    { path: CONFIG_FILE_NAME, source: Buffer.from(configText({ model: STICK_NAMES.llama2cModel, tokenizer: STICK_NAMES.tokenizer, temperature: 0, steps: 64, end: "shutdown" })) },
  ], { force: true });
}, 600_000);

describe.skipIf(!haveShim)("shim and a Machine Owner Key, Secure Boot on with Microsoft's keys", () => {
  it("shim refuses the app, MokManager enrolls keys/db.cer, and then the app tells the story", async () => {
    const vars = join(workDir, "VARS.fd");
    await copyFile(SECURE_BOOT_FIRMWARE.vars, vars);
    const firmware = { ...SECURE_BOOT_FIRMWARE, vars };
    // MokManager's menus, as a user at the serial console goes through them.
    const enroll = await runQemu(image, {
      timeoutSeconds: 300, firmware, varsInPlace: true,
      input: [
        { after: "Verification failed", text: "\r" }, // shim: our app is not trusted yet; OK starts MokManager
        { after: "Press any key", text: " " },
        { after: "Enroll hash from disk", text: `${DOWN}\r` }, // the menu's second entry: Enroll key from disk
        { after: "UEFI-LLM", text: "\r" }, // the stick's volume
        { after: CONFIG_FILE_NAME, text: `${DOWN}\r` }, // EFI/, keys/, ...: keys/
        { after: "db.cer", text: `${DOWN}\r` }, // ../, db.cer
        { after: "Continue", text: `${DOWN}\r` }, // View key 0, Continue
        { after: "Yes", text: `${DOWN}\r` }, // Enroll the key(s)? No, Yes
        { after: "Reboot", text: "\r" },
      ],
    });
    expect(enroll.timedOut, `MokManager did not get through:\n${enroll.output.slice(-3000)}`).toBe(false);
    expect(enroll.output).toContain("Verification failed: (0x1A) Security Violation");
    expect(enroll.output).not.toContain("uefi-llm 0.");

    const booted = await runQemu(image, { timeoutSeconds: 240, firmware, varsInPlace: true });
    const serial = booted.output.replace(/\r\n/g, "\n");
    expect(serial, "shim no longer refuses it").not.toContain("Verification failed");
    const banner = /^uefi-llm \d+\.\d+\.\d+[^\n]*\n/m.exec(serial);
    expect(banner, `no banner in:\n${serial.slice(-3000)}`).not.toBeNull();
    const after = serial.slice(banner!.index + banner![0].length);
    const story = after.slice(0, after.search(/^generated 64 tokens/m));
    expect(story.length).toBeGreaterThan(100);
    expect(expected.startsWith(story.trimEnd())).toBe(true); // greedy: the first 64 tokens of the 256-token story
    expect(booted.exitCode).toBe(0);
  }, 700_000);
});
