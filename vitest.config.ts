import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["./test/support/kernels.ts"],
    reporters: ["default", "./test/summary-reporter.ts"],
    // The end-to-end tests start several workerd processes; keep files from competing for the 2 cores.
    fileParallelism: false,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
