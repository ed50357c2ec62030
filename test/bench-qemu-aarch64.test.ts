// Slow: `uefi-llm bench --backend qemu --arch aarch64` boots BOOTAA64.EFI under AAVMF
// and reports the guest's own timing line, with the armv8-a build and both vCPUs.
import { describe, expect, it } from "vitest";
import { cli } from "./helpers/cli.js";

describe("uefi-llm bench --backend qemu --arch aarch64", () => {
  it("--json reports the guest's numbers on the processors PSCI started", async () => {
    const result = await cli(["bench", "--backend", "qemu", "--arch", "aarch64", "--smp", "2", "-n", "32", "-p", "Once upon a time", "--json"], { timeoutMs: 600_000 });
    expect(result.exitCode, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout.trimEnd().split("\n").at(-1)!);
    expect(report.backend).toBe("qemu");
    expect(report.threads).toBe(2);
    expect(report.prompt_tokens).toBe(5);
    expect(report.generated_tokens).toBe(32);
    expect(report.decode_tok_per_s).toBeGreaterThan(0);
    expect(report.cpu).toBe("armv8-a on QEMU cortex-a72, 2 vCPUs, TCG");
  }, 600_000);

  it("--arch is refused for the other backends, before any work", async () => {
    const result = await cli(["bench", "--backend", "node", "--arch", "aarch64"]);
    expect(result.exitCode).toBe(1);
    expect(result.stderr).toBe("uefi-llm: --arch chooses the QEMU machine: use it with --backend qemu\n");
  });
});
