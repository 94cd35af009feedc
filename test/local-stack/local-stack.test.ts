import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { localStackConfigSchema, startLocalStack } from "@causeway/local-stack";
import { silentLogger } from "@causeway/runtime";
import { findFreePort, waitFor } from "@causeway/testkit";
import { describe, expect, it } from "vitest";

describe("local stack", () => {
  it("starts VictoriaMetrics and the OTLP receiver, turns a span into RED series, and stops cleanly", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "causeway-stack-"));
    const port = await findFreePort();
    const config = localStackConfigSchema.parse({
      dataDir,
      victoriaMetrics: { listenAddress: `127.0.0.1:${port}` },
      otlp: { grpcListenAddress: "127.0.0.1:0", httpListenAddress: "127.0.0.1:0", tickIntervalMs: 100 },
    });
    const stack = await startLocalStack(config, silentLogger());
    try {
      const res = await fetch(`${stack.victoriaMetricsUrl}/health`);
      expect(await res.text()).toBe("OK");
      const nowNs = BigInt(Date.now()) * 1_000_000n;
      const span = {
        traceId: "5b8efff798038103d269b633813fc60c",
        spanId: "eee19b7ec3c1b174",
        name: "GET /",
        kind: 2,
        startTimeUnixNano: String(nowNs - 20_000_000n),
        endTimeUnixNano: String(nowNs),
      };
      const otlp = await fetch(`${stack.otlpHttpUrl}/v1/traces`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({
          resourceSpans: [
            {
              resource: { attributes: [{ key: "service.name", value: { stringValue: "web" } }] },
              scopeSpans: [{ spans: [span] }],
            },
          ],
        }),
      });
      expect(otlp.status).toBe(200);
      await waitFor(
        async () => {
          await fetch(`${stack.victoriaMetricsUrl}/internal/force_flush`);
          const q = await fetch(
            `${stack.victoriaMetricsUrl}/api/v1/query?query=${encodeURIComponent('causeway_service_requests_total{service="web"}')}&time=${(Date.now() / 1000).toFixed(3)}`,
          );
          const body = (await q.json()) as { data: { result: { value: [number, string] }[] } };
          return body.data.result[0]?.value[1] === "1";
        },
        { what: "the RED series of service web in VictoriaMetrics", timeoutMs: 15_000 },
      );
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
