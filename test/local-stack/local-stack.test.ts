import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localStackConfigSchema, startLocalStack } from "@causeway/local-stack";
import { silentLogger } from "@causeway/runtime";
import { findFreePort } from "@causeway/testkit";
import { describe, expect, it } from "vitest";

describe("local stack", () => {
  it("starts VictoriaMetrics, serves it, and stops it cleanly", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "causeway-stack-"));
    const port = await findFreePort();
    const config = localStackConfigSchema.parse({
      dataDir,
      victoriaMetrics: { listenAddress: `127.0.0.1:${port}` },
    });
    const stack = await startLocalStack(config, silentLogger());
    try {
      const res = await fetch(`${stack.victoriaMetricsUrl}/health`);
      expect(await res.text()).toBe("OK");
    } finally {
      await stack.stop();
      await rm(dataDir, { recursive: true, force: true });
    }
    await expect(fetch(`${stack.victoriaMetricsUrl}/health`)).rejects.toThrow();
  });

  it("rejects an invalid configuration listing every problem", () => {
    const result = localStackConfigSchema.safeParse({ logLevel: "loud", victoriaMetrics: { bogus: 1 } });
    expect(result.success).toBe(false);
    expect(result.error?.issues.map((i) => i.path.join("."))).toEqual(
      expect.arrayContaining(["logLevel", "victoriaMetrics"]),
    );
  });
});
