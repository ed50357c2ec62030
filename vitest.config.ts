import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 60_000,
    // QEMU boots are slow under TCG and the machine has two cores: one boot at a time.
    fileParallelism: false,
  },
});
