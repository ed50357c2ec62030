// Slow: the firmware shim booted in QEMU/OVMF (TCG) with a stand-in core
// (test/fixtures/firmware/mini-core.wat) on a FAT disk made with mtools. Checks the
// serial console byte for byte: every line once, UTF-8 intact, v128 arithmetic (SIMDe
// compiled freestanding) right, file reads and the matvec right, and the error paths (run() failing, a wasm trap from a guard page,
// stack exhaustion) ending in one "uefi-llm: error:" line and a clean shutdown.
import { mkdir, mkdtemp, rm, truncate, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { execa } from "execa";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildEfi } from "../host/toolchain/pipeline.js";
import { buildDir } from "../host/paths.js";
import { freshVars, OVMF_CODE } from "../host/qemu/ovmf.js";
import { stripProgress } from "../host/qemu/serial-filter.js";
import { runTool } from "../host/tools/exec.js";
import { buildMiniCoreWasm } from "./helpers/mini-core.js";

const BOOT_TIMEOUT_MS = 120_000;
const workDir = join(buildDir, "test", "firmware");
let efi: string;
let weights: string;

// W (rows, 1024) f32 with W[i][j] = (i + j) % 7: 24 MiB, so the firmware reads it in
// more than one 16 MiB chunk and shows a progress bar on screen.
const COLUMNS = 1024;
const ROWS = 6144;

/** What the fixture prints for "matvec:": the sum over rows of W @ x with x[j] = j % 3, exact in f32. */
function expectedMatvecSum(): number {
  let sum = 0;
  for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLUMNS; j++) sum += ((i + j) % 7) * (j % 3);
  return sum;
}

beforeAll(async () => {
  await mkdir(workDir, { recursive: true });
  // The same fixture build as test/build.test.ts.
  efi = await buildEfi({ wasm: await buildMiniCoreWasm(), outDir: join(buildDir, "test", "mini-core") });

  const w = new Float32Array(ROWS * COLUMNS);
  for (let i = 0; i < ROWS; i++) for (let j = 0; j < COLUMNS; j++) w[i * COLUMNS + j] = (i + j) % 7;
  weights = join(workDir, "weights.bin");
  await writeFile(weights, new Uint8Array(w.buffer));
}, 300_000);

const tempDirs: string[] = [];
afterAll(async () => {
  for (const dir of tempDirs) await rm(dir, { recursive: true, force: true });
});

/**
 * Boots the fixture with `config` as uefi-llm.cfg and `files` at the root of a FAT32
 * disk; resolves with the serial output from our banner on, CRLF as LF. `disk`
 * chooses how the disk is attached: the q35 default (AHCI, with a VGA screen, so
 * the firmware also writes a graphics console), or virtio-blk with nothing else, as
 * host/qemu/qemu.ts boots images.
 */
async function boot(config: string, files: string[], disk: "ahci" | "virtio" = "ahci"): Promise<string> {
  const dir = await mkdtemp(join(workDir, "boot-"));
  tempDirs.push(dir);
  const image = join(dir, "fat.img");
  await writeFile(image, "");
  await truncate(image, 64 * 1024 * 1024);
  await runTool("mformat", ["-i", image, "-F", "::"], { timeoutMs: 30_000 });
  await runTool("mmd", ["-i", image, "::/EFI", "::/EFI/BOOT"], { timeoutMs: 30_000 });
  await runTool("mcopy", ["-i", image, efi, "::/EFI/BOOT/BOOTX64.EFI"], { timeoutMs: 30_000 });
  const cfg = join(dir, "uefi-llm.cfg");
  await writeFile(cfg, config);
  for (const file of [cfg, ...files]) await runTool("mcopy", ["-i", image, file, "::/"], { timeoutMs: 30_000 });

  const vars = await freshVars();
  try {
    const drive =
      disk === "ahci"
        ? ["-nic", "none", "-drive", `format=raw,file=${image}`]
        : ["-nodefaults", "-drive", `if=none,id=disk,format=raw,file=${image}`, "-device", "virtio-blk-pci,drive=disk,bootindex=0"];
    // execa itself rather than runTool(): the serial bytes exactly, final newline included.
    const qemu = await execa(
      "qemu-system-x86_64",
      [
        "-machine", "q35", "-accel", "tcg", "-cpu", "max", "-m", "512",
        "-drive", `if=pflash,format=raw,readonly=on,file=${OVMF_CODE}`,
        "-drive", `if=pflash,format=raw,file=${vars.path}`,
        ...drive,
        "-serial", "stdio", "-display", "none", "-monitor", "none", "-no-reboot",
      ],
      { timeout: BOOT_TIMEOUT_MS - 10_000, reject: false, stripFinalNewline: false },
    );
    expect(qemu.exitCode, `QEMU (guest shut down by the end action):\n${qemu.stderr}`).toBe(0);
    // Less the load progress of the 24 MiB file, one line redrawn with CRs (boot-progress.test.ts checks it).
    const output = stripProgress(qemu.stdout).replace(/\r\n/g, "\n");
    const start = output.indexOf("uefi-llm ");
    expect(start, `our banner in the serial output:\n${output}`).toBeGreaterThanOrEqual(0);
    return output.slice(start);
  } finally {
    await vars.remove();
  }
}

// The build of the core the firmware chose for this CPU: test/boot-cpu.test.ts checks which one.
const BANNER = /^uefi-llm \d+\.\d+\.\d+\S* \| cpu: [a-z0-9. ]*\(core: x86-64-v\d\) \| memory: \d+ MiB free \| processors: \d+\n/;

describe("the firmware in QEMU (slow)", () => {
  it(
    "prints every line once with UTF-8 intact, computes with v128, reads a 24 MiB file and computes the matvec",
    async () => {
      const output = await boot("model = weights.bin\nend = shutdown\n", [weights]);
      expect(output).toMatch(BANNER);
      const afterBanner = output.replace(BANNER, "");
      expect(afterBanner).toMatch(
        new RegExp(`^héllo → ✓\nsplit: ✓\nsimd: 7600 189\nsize: ${ROWS * COLUMNS * 4}\nmatvec: ${expectedMatvecSum()}\nelapsed: \\d+ us\n$`),
      );
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    "reads through virtio-blk, whose driver DMAs from the caller's stack",
    async () => {
      const output = await boot("model = weights.bin\nend = shutdown\n", [weights], "virtio");
      expect(output).toContain(`\nmatvec: ${expectedMatvecSum()}\n`);
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    "reports run()'s error message for a missing file, then shuts down",
    async () => {
      const output = await boot("model = missing.bin\nend = shutdown\n", []);
      expect(output.replace(BANNER, "")).toBe("héllo → ✓\nsplit: ✓\nsimd: 7600 189\nuefi-llm: error: cannot open model file: missing.bin\n");
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    "turns a load past the end of linear memory into a wasm trap (guard page)",
    async () => {
      const output = await boot("model = weights.bin\ndebug = trap-oob\nend = shutdown\n", [weights]);
      expect(output.replace(BANNER, "")).toBe("uefi-llm: error: wasm trap: out of bounds memory access\n");
    },
    BOOT_TIMEOUT_MS,
  );

  it(
    "turns unbounded recursion into a wasm trap",
    async () => {
      const output = await boot("model = weights.bin\ndebug = trap-stack\nend = shutdown\n", [weights]);
      expect(output.replace(BANNER, "")).toBe("uefi-llm: error: wasm trap: call stack exhausted\n");
    },
    BOOT_TIMEOUT_MS,
  );
});
