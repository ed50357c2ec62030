// Slow: `uefi-llm bench --backend qemu` boots BOOTX64.EFI and reads the guest's own
// timing line from the serial port into the same JSON as the other backends, with
// the build of the core the firmware chose as the cpu.
import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

const keys = ["backend", "model", "threads", "prompt_tokens", "generated_tokens", "prefill_tok_per_s", "decode_tok_per_s", "ms_per_token", "load_ms", "model_bytes", "gb_per_s", "cpu"];

describe("uefi-llm bench --backend qemu", () => {
  it("--json prints the documented keys, the guest's numbers, and the build the firmware chose", async () => {
    const result = await cli(["bench", "--backend", "qemu", "--cpu", "Nehalem", "--smp", "2", "-n", "32", "-p", "Once upon a time", "--json"], { timeoutMs: 600_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trimEnd().split("\n").at(-1)!);
    expect(Object.keys(report)).toEqual(keys);
    expect(report.backend).toBe("qemu");
    expect(report.threads).toBe(2); // the firmware's banner: it runs on both vCPUs (EFI MP Services)
    expect(report.prompt_tokens).toBe(5);
    expect(report.generated_tokens).toBe(32);
    expect(report.decode_tok_per_s).toBeGreaterThan(0);
    expect(report.gb_per_s).toBeGreaterThan(0);
    // Nehalem has SSE4.2 but no AVX: the v2 build.
    expect(report.cpu).toMatch(/^x86-64-v2 on QEMU Nehalem, 2 vCPUs, (KVM|TCG)$/);
  }, 600_000);

  it("--smp and --cpu are refused for the other backends, before any work", async () => {
    const result = await cli(["bench", "--backend", "node", "--smp", "2"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe("uefi-llm: --smp and --cpu set up the QEMU VM: use them with --backend qemu\n");
  });
});
