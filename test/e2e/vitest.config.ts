// Own vitest config for the kind e2e: the root config's integration project matches only
// test/**/*.test.ts, so kind.e2e.ts never runs in the ordinary test suite.
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/e2e/**/*.e2e.ts"],
    testTimeout: 900_000,
    hookTimeout: 900_000,
    fileParallelism: false,
  },
});
