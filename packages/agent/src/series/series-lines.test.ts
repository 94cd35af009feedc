import { describe, expect, it } from "vitest";
import { type CgroupStats } from "../cgroup/cgroup-stats.js";
import { containerSeries } from "./series-lines.js";

describe("containerSeries", () => {
  it("writes Prometheus lines with escaped labels, skipping unknown values", () => {
    const stats = { cpuUsageNs: 2e9, memoryLimitBytes: null, pids: [1, 2] } as unknown as CgroupStats;
    const lines = containerSeries(
      [
        ["node", "n"],
        ["namespace", "ns"],
        ["pod", 'p"1'],
        ["container", "c"],
      ],
      stats,
      {
        kind: "cgroup-counters",
        cgroupId: 1n,
        runqDelaySumNs: 5e8,
        runqDelayCount: 3,
        runqDelayHistogram: [],
        tcpRetransmits: 0,
        tcpConnectsOk: 4,
        tcpConnectsFailed: 1,
        tcpActive: 2,
        tcpListening: 1,
      },
      { restartCount: 3 },
      1_700_000_000_000,
    );
    const labels = 'node="n",namespace="ns",pod="p\\"1",container="c"';
    expect(lines).toContain(`causeway_container_cpu_usage_seconds_total{${labels}} 2 1700000000000`);
    expect(lines).toContain(`causeway_container_processes{${labels}} 2 1700000000000`);
    expect(lines).toContain(`causeway_container_restarts_total{${labels}} 3 1700000000000`);
    expect(lines).toContain(
      `causeway_container_tcp_connects_total{${labels},result="failed"} 1 1700000000000`,
    );
    expect(lines.some((l) => l.startsWith("causeway_container_memory_limit_bytes"))).toBe(false);
  });
});
