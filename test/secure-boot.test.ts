// Secure Boot end to end: keys from `uefi-llm keys`, an image signed with them that
// boots under OVMF's Secure Boot build with those keys enrolled and tells the story,
// the unsigned image refused by the same firmware, and sbverify's word on the files.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ENROLL_PATH } from "../host/commands/image.js";
import { bundledModel, bundledTokenizer } from "../host/paths.js";
import { SECURE_BOOT_FIRMWARE } from "../host/qemu/ovmf.js";
import { runQemu } from "../host/qemu/qemu.js";
import { enrolledVars } from "../host/secure-boot/enroll.js";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-secure-boot-");
const dir = tempDir();
const keys = join(dir, "keys");
const expected = readFileSync(join(import.meta.dirname, "fixtures", "stories260K", "greedy-n256.txt"), "utf8");
let efi: string;
let vars: { path: string; remove: () => Promise<void> };
const stick = ["-m", bundledModel, "--tokenizer", bundledTokenizer, "--temp", "0", "-n", "256", "--end", "shutdown"];

/** The partition's files, as mtools reads them. */
async function fileFromImage(image: string, path: string, to: string): Promise<Buffer> {
  await execa("mcopy", ["-n", "-i", `${image}@@1048576`, `::/${path}`, to]);
  return readFileSync(to);
}

beforeAll(async () => {
  efi = await buildEfi();
  const made = await cli(["keys", "-o", keys]);
  expect(made.exitCode, made.stderr).toBe(0);
  vars = await enrolledVars(keys);
}, 600_000);

afterAll(async () => {
  await vars?.remove();
});

describe("uefi-llm keys", () => {
  it("makes PK, KEK and db with certificates, .cer, .esl and .auth files, private keys for the owner only", () => {
    for (const name of ["PK", "KEK", "db"]) {
      for (const ext of ["key", "crt", "cer", "esl", "auth"]) expect(readFileSync(join(keys, `${name}.${ext}`)).length, `${name}.${ext}`).toBeGreaterThan(0);
    }
    expect(readFileSync(join(keys, "GUID.txt"), "utf8")).toMatch(/^[0-9a-f-]{36}\n$/);
  });

  it("never overwrites a folder that holds anything", async () => {
    const again = await cli(["keys", "-o", keys]);
    expect(again.exitCode).not.toBe(0);
    expect(again.stderr).toBe(`uefi-llm: ${keys} is not empty; keys are never overwritten: choose a new folder\n`);
  });
});

describe("a signed stick under Secure Boot", () => {
  it("is signed in every EFI file (sbverify --cert accepts them) and carries the certificate", async () => {
    const image = join(dir, "signed.img");
    const made = await cli(["image", ...stick, "--efi", efi, "--sign-key", join(keys, "db.key"), "--sign-cert", join(keys, "db.crt"), "--enroll", keys, "-o", image]);
    expect(made.exitCode, made.stderr).toBe(0);
    for (const path of ["EFI/BOOT/BOOTX64.EFI", ENROLL_PATH]) {
      const copy = join(dir, "check.efi");
      await fileFromImage(image, path, copy);
      const verified = await execa("sbverify", ["--cert", join(keys, "db.crt"), copy], { reject: false });
      expect(verified.exitCode, `${path}: ${verified.stdout}${verified.stderr}`).toBe(0);
      const wrong = await execa("sbverify", ["--cert", join(keys, "KEK.crt"), copy], { reject: false });
      expect(wrong.exitCode, `${path} is not signed with KEK`).not.toBe(0);
    }
    expect((await fileFromImage(image, "keys/db.cer", join(dir, "db.cer"))).equals(readFileSync(join(keys, "db.cer")))).toBe(true);
    expect((await fileFromImage(image, "keys/db.aut", join(dir, "db.aut"))).equals(readFileSync(join(keys, "db.auth")))).toBe(true);
  }, 120_000);

  it("boots with the keys enrolled and prints the story", async () => {
    const image = join(dir, "boot.img");
    const made = await cli(["image", ...stick, "--efi", efi, "--sign-key", join(keys, "db.key"), "--sign-cert", join(keys, "db.crt"), "-o", image]);
    expect(made.exitCode, made.stderr).toBe(0);
    const result = await runQemu(image, { timeoutSeconds: 240, firmware: { ...SECURE_BOOT_FIRMWARE, vars: vars.path } });
    expect(result.timedOut).toBe(false);
    expect(result.output.replace(/\r\n/g, "\n")).toContain(expected);
  }, 300_000);

  it("refuses the unsigned image (Access Denied)", async () => {
    const image = join(dir, "unsigned.img");
    const made = await cli(["image", ...stick, "--efi", efi, "-o", image]);
    expect(made.exitCode, made.stderr).toBe(0);
    const result = await runQemu(image, { timeoutSeconds: 90, stopOn: /Access Denied/, firmware: { ...SECURE_BOOT_FIRMWARE, vars: vars.path } });
    expect(result.output).toMatch(/failed to load Boot0001 .*: Access Denied/);
    expect(result.output).not.toMatch(/uefi-llm \d+\.\d+\.\d+/);
    // The command says so in one line instead of waiting at the firmware's menu.
    const run = await cli(["run", "--secure-boot", "--keys", keys, "--timeout", "240", image], { timeoutMs: 300_000 });
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toBe(`uefi-llm: Secure Boot refused to start ${image} (Access Denied): its EFI files are not signed with a key this firmware trusts (here: the db key of ${keys})\n`);
  }, 400_000);

  it("run --secure-boot --keys DIR does the enrollment itself", async () => {
    const image = join(dir, "boot.img");
    const result = await cli(["run", "--secure-boot", "--keys", keys, "--timeout", "240", image], { timeoutMs: 400_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout.replace(/\r\n/g, "\n")).toContain(expected);
  }, 400_000);
});

describe("bad signing keys", () => {
  it("a key that does not match the certificate, before anything is built", async () => {
    const result = await cli(["image", ...stick, "--efi", efi, "--sign-key", join(keys, "KEK.key"), "--sign-cert", join(keys, "db.crt"), "-o", join(dir, "x.img")]);
    expect(result.stderr).toBe(`uefi-llm: signing key '${join(keys, "KEK.key")}' does not belong to the certificate '${join(keys, "db.crt")}'\n`);
  });

  it("a file that is no key: openssl's reason, in one line", async () => {
    const result = await cli(["image", ...stick, "--efi", efi, "--sign-key", bundledTokenizer, "--sign-cert", join(keys, "db.crt"), "-o", join(dir, "x.img")]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/^uefi-llm: signing key '.*tok512\.bin': .+\n$/);
    expect(result.stderr.split("\n")).toHaveLength(2);
  });

  it("--sign-key without --sign-cert", async () => {
    const result = await cli(["image", ...stick, "--efi", efi, "--sign-key", join(keys, "db.key"), "-o", join(dir, "x.img")]);
    expect(result.stderr).toBe("uefi-llm: --sign-key and --sign-cert go together\n");
  });
});
