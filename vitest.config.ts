import { defineConfig } from "vitest/config";

// Workspace packages export a "source" condition pointing at their TypeScript,
// so tests run against the code under edit without a prior build.
const conditions = ["source", "node", "import", "default"];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions, externalConditions: ["source"] } },
  test: {
    reporters: process.env.CI ? ["default"] : ["default"],
    projects: [
      {
        extends: true,
        test: {
          name: "unit",
          include: ["packages/*/src/**/*.test.ts"],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: "integration",
          include: ["test/**/*.test.ts"],
          testTimeout: 180_000,
          hookTimeout: 180_000,
          // Integration tests share the kernel, cgroups and ports: run files one at a time.
          fileParallelism: false,
        },
      },
    ],
  },
});
