// `image` loads the model in the core before writing anything: each model that would
// only print an error at boot is refused with the very line `generate` prints.
import { existsSync, readFileSync, readdirSync, truncateSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { openGGUF } from "../host/gguf/reader.js";
import { encodeGGUF } from "../host/gguf/writer.js";
import { bundledModel } from "../host/paths.js";
import { cli } from "./helpers/cli.js";
import { useTempDirs } from "./helpers/temp-dirs.js";

const tempDir = useTempDirs("uefi-llm-image-check-");
const dir = tempDir();
const gguf = join(import.meta.dirname, "fixtures", "gguf", "stories260K.gguf");
const efi = join(dir, "app.efi");

/** The stories260K GGUF with its architecture string ("llama") replaced by another of the same length. */
function withArchitecture(arch: string): Buffer {
  const bytes = Buffer.from(readFileSync(gguf));
  const key = Buffer.from("general.architecture");
  const at = bytes.indexOf(key) + key.length + 4 + 8; // key, value type (u32), string length (u64)
  expect(bytes.subarray(at, at + 5).toString()).toBe("llama");
  bytes.write(arch, at, "latin1");
  return bytes;
}

const cases: Record<string, string[]> = {};

beforeAll(async () => {
  writeFileSync(efi, "not really an EFI app: the image is never written");
  const put = (name: string, bytes: Uint8Array) => {
    writeFileSync(join(dir, name), bytes);
    return join(dir, name);
  };
  const vocab = await openGGUF(gguf);
  cases["a text file"] = ["-m", join(import.meta.dirname, "..", "README.md")];
  cases["a truncated GGUF"] = ["-m", put("truncated.gguf", readFileSync(gguf).subarray(0, 100_000))];
  cases["an unsupported architecture"] = ["-m", put("bloom.gguf", withArchitecture("bloom"))];
  cases["a vocab-only GGUF"] = ["-m", put("vocab-only.gguf", encodeGGUF(vocab.metadata, []))];
  await vocab.close();
  cases["a llama2.c checkpoint without tokenizer"] = ["-m", bundledModel];
  const huge = put("huge.gguf", Buffer.from("GGUF"));
  truncateSync(huge, 5 * 2 ** 30); // sparse
  cases["a model over the 4 GiB limit"] = ["-m", huge];
});

describe("image refuses, with generate's own message and nothing written", () => {
  for (const name of ["a text file", "a truncated GGUF", "an unsupported architecture", "a vocab-only GGUF", "a llama2.c checkpoint without tokenizer", "a model over the 4 GiB limit"]) {
    it(name, async () => {
      const args = cases[name];
      const generated = await cli(["generate", ...args, "-n", "1"]);
      expect(generated.exitCode).not.toBe(0);
      const output = join(dir, "out.img");
      const imaged = await cli(["image", ...args, "--efi", efi, "-o", output]);
      expect(imaged.exitCode).not.toBe(0);
      expect(imaged.stdout).toBe("");
      expect(imaged.stderr.trimEnd().split("\n")).toHaveLength(1);
      expect(imaged.stderr).toMatch(/^uefi-llm: /);
      expect(imaged.stderr).toBe(generated.stderr);
      expect(existsSync(output)).toBe(false);
      expect(readdirSync(dir).filter((f) => f.includes(".img"))).toEqual([]);
    }, 60_000);
  }

  it("a device path, pointing to flash", async () => {
    const result = await cli(["image", "-m", gguf, "--efi", efi, "-o", "/dev/uefi-llm-no-such-disk"]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toBe("uefi-llm: /dev/uefi-llm-no-such-disk is in /dev, where entries are devices: 'image' writes an image file; put that on a stick with 'uefi-llm flash IMAGE /dev/uefi-llm-no-such-disk'\n");
    expect(existsSync("/dev/uefi-llm-no-such-disk")).toBe(false);
  });
});
