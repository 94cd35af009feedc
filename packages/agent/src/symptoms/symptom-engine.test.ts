import { describe, expect, it } from "vitest";
import { parseAgentConfig } from "../config.js";
import { SymptomEngine, type Observations } from "./symptom-engine.js";

const thresholds = parseAgentConfig({
  symptoms: {
    cpuThrottled: { forMs: 20_000, clearForMs: 20_000 },
    memoryGrowing: { windowMs: 60_000, minSamples: 5 },
    restarting: { minRestarts: 2, windowMs: 60_000 },
    oomHoldMs: 30_000,
  },
}).symptoms;

const obs = (o: Partial<Observations>): Observations => ({ containers: [], pods: [], node: undefined, ...o });
const C = "container/shop/api/app";

describe("SymptomEngine", () => {
  it("turns cpu_throttled on after its window and off with hysteresis, with the evidence", () => {
    const e = new SymptomEngine(thresholds);
    const at = (t: number, ratio: number) =>
      e.evaluate(t, obs({ containers: [{ entityId: C, throttledRatio: ratio, cpuLimitMillicores: 200 }] }));
    expect(at(0, 0.6)).toEqual([]);
    expect(at(10_000, 0.6)).toEqual([]);
    const [on] = at(20_000, 0.6);
    expect(on).toMatchObject({ entityId: C, type: "cpu_throttled", active: true, sinceUnixMs: 20_000 });
    expect(on?.evidence).toMatchObject({ throttled_ratio: 0.6, cpu_limit_millicores: 200 });
    expect(at(30_000, 0.2)).toEqual([]); // between the thresholds: still active
    expect(at(40_000, 0.05)).toEqual([]);
    expect(at(60_000, 0.05)[0]).toMatchObject({ active: false, sinceUnixMs: 60_000 });
    expect(e.active()).toEqual([]);
  });

  it("holds an OOM kill, then clears it; forgets vanished entities", () => {
    const e = new SymptomEngine(thresholds);
    expect(e.oomKilled(C, 1000, { limit_bytes: 1 }, "oom")[0]).toMatchObject({
      type: "oom_killed",
      active: true,
    });
    expect(e.oomKilled(C, 2000, { limit_bytes: 1 }, "oom")).toEqual([]);
    expect(e.evaluate(20_000, obs({}))).toEqual([]);
    expect(e.evaluate(32_000, obs({}))[0]).toMatchObject({ type: "oom_killed", active: false });
    e.crashed(C, 40_000, { exit_code: 1 }, "crash");
    expect(e.forget(new Set([C]), 41_000)).toMatchObject([{ type: "container_crashed", active: false }]);
  });

  it("sees steady memory growth and restarts within a window", () => {
    const e = new SymptomEngine(thresholds);
    const changes = [];
    for (let i = 0; i < 6; i++) {
      changes.push(
        ...e.evaluate(
          i * 10_000,
          obs({ containers: [{ entityId: C, workingSetBytes: 100e6 + i * 5e6, memoryLimitBytes: 500e6 }] }),
        ),
      );
    }
    expect(changes).toMatchObject([
      { type: "memory_growing", active: true, evidence: { growth_bytes_per_s: 500_000 } },
    ]);
    expect(changes[0]?.evidence.seconds_to_limit).toBeGreaterThan(0);
    expect(e.restartCount(C, 0, 0)).toEqual([]);
    expect(e.restartCount(C, 1, 10_000)).toEqual([]);
    expect(e.restartCount(C, 2, 20_000)[0]).toMatchObject({ type: "container_restarting", active: true });
    expect(e.restartCount(C, 2, 80_000)[0]).toMatchObject({ type: "container_restarting", active: false });
  });

  it("flags a container using far more CPU than it requested, and a pod retransmitting", () => {
    const e = new SymptomEngine(
      parseAgentConfig({ symptoms: { cpuUsageHigh: { forMs: 0 }, tcpRetransmitsHigh: { forMs: 0 } } })
        .symptoms,
    );
    const step = (t: number, usage: number, retrans: number) =>
      e.evaluate(
        t,
        obs({
          containers: [{ entityId: C, usageMillicores: usage, cpuRequestMillicores: 250 }],
          pods: [{ entityId: "pod/shop/api", retransmitsPerS: retrans }],
        }),
      );
    // 400m is 1.6x the request: below 2x
    expect(step(0, 400, 0)).toEqual([]);
    const on = step(1000, 900, 12);
    expect(on.find((c) => c.type === "cpu_usage_high")).toMatchObject({
      entityId: C,
      active: true,
      evidence: { usage_millicores: 900, request_millicores: 250, usage_over_request: 3.6 },
    });
    expect(on.find((c) => c.type === "tcp_retransmits_high")?.evidence.retransmits_per_s).toBe(12);
  });

  it("watches node memory and disk as lower-is-worse, and pod network rates", () => {
    const e = new SymptomEngine(
      parseAgentConfig({ symptoms: { nodeMemoryPressure: { forMs: 0 }, nodeDiskPressure: { forMs: 0 } } })
        .symptoms,
    );
    const changes = e.evaluate(
      0,
      obs({
        node: {
          entityId: "node/n",
          memoryAvailableBytes: 5,
          memoryTotalBytes: 100,
          filesystems: [
            { path: "/", sizeBytes: 100, availableBytes: 50 },
            { path: "/var", sizeBytes: 100, availableBytes: 3 },
          ],
        },
        pods: [{ entityId: "pod/a/b", retransmitsPerS: 0, connectFailuresPerS: 2 }],
      }),
    );
    expect(changes.map((c) => c.type).sort()).toEqual([
      "connection_failures",
      "node_disk_pressure",
      "node_memory_pressure",
    ]);
    expect(changes.find((c) => c.type === "node_disk_pressure")?.evidence.available_ratio).toBe(0.03);
  });
});
