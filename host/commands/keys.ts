// uefi-llm keys: a new set of Secure Boot keys (PK, KEK, db) in a folder, with the
// files firmware setup screens and `image --enroll` need; sign images with db's.
import { Command } from "commander";
import { createKeys } from "../secure-boot/keys.js";

export const keysCommand = new Command("keys")
  .description("create Secure Boot keys of your own (PK, KEK, db) for signing images and enrolling in firmware")
  .requiredOption("-o, --output <dir>", "new (or empty) folder for the keys")
  .option("--name <text>", "common name in the certificates", "uefi-llm")
  .action(async (flags: { output: string; name: string }) => {
    const files = await createKeys(flags.output, flags.name);
    process.stdout.write(
      `wrote ${files.join(", ")} to ${flags.output}\n` +
        `sign a stick with: uefi-llm image ... --sign-key ${flags.output}/db.key --sign-cert ${flags.output}/db.crt\n` +
        `check it in QEMU:  uefi-llm run --secure-boot --keys ${flags.output} IMAGE\n` +
        `keep the .key files private: whoever has them can sign code your machine will run\n`,
    );
  });
