import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { detectCgroupLayout } from "./cgroup-layout.js";
import { scanCgroups } from "./cgroup-scanner.js";
import { parseCpuMax, parsePressure, readCgroupStats } from "./cgroup-stats.js";

const ID = "a".repeat(64);
const UID = "8d3f2a1b-4c5d-6e7f-8a9b-0c1d2e3f4a5b";
const PSI =
  "some avg10=12.50 avg60=3.00 avg300=1.00 total=123456\nfull avg10=1.00 avg60=0.50 avg300=0.10 total=999\n";

function files(dir: string, entries: Record<string, string>): void {
  mkdirSync(dir, { recursive: true });
  for (const [name, content] of Object.entries(entries)) writeFileSync(join(dir, name), content);
}

describe("cgroup fixtures", () => {
  const roots: string[] = [];
  const newRoot = (): string => {
    const r = mkdtempSync(join(tmpdir(), "cw-cgroup-"));
    roots.push(r);
    return r;
  };
  afterEach(() => {
    for (const r of roots.splice(0)) rmSync(r, { recursive: true, force: true });
  });

  it("reads a pure cgroup v2 container (systemd driver)", () => {
    const root = newRoot();
    files(root, { "cgroup.controllers": "cpu memory io", "cgroup.procs": "1\n" });
    const rel = `/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-pod${UID.replace(/-/g, "_")}.slice/cri-containerd-${ID}.scope`;
    files(join(root, rel), {
      "cgroup.procs": "100\n101\n",
      "cpu.stat":
        "usage_usec 2500000\nuser_usec 2000000\nsystem_usec 500000\nnr_periods 40\nnr_throttled 10\nthrottled_usec 750000\n",
      "cpu.max": "50000 100000\n",
      "memory.current": "104857600\n",
      "memory.max": "209715200\n",
      "memory.stat": "anon 83886080\nfile 20971520\ninactive_file 10485760\n",
      "memory.events": "low 0\nhigh 0\nmax 3\noom 2\noom_kill 1\n",
      "cpu.pressure": PSI,
      "memory.pressure": PSI,
      "io.pressure": PSI,
    });
    files(join(root, "system.slice/nginx.service"), { "cgroup.procs": "200\n" });
    const layout = detectCgroupLayout(root);
    expect(layout.mode).toBe("v2");
    const tracked = scanCgroups(layout, { includeServices: true });
    expect([...tracked.keys()].sort()).toEqual(["/system.slice/nginx.service", rel].sort());
    const container = tracked.get(rel);
    expect(container?.container).toMatchObject({ containerId: ID, podUid: UID, runtime: "containerd" });
    expect(container?.v2Id).toBeTypeOf("bigint");
    expect(tracked.get("/system.slice/nginx.service")?.serviceUnit).toBe("nginx.service");
    expect(scanCgroups(layout, { includeServices: false }).size).toBe(1);

    expect(readCgroupStats(layout, rel)).toEqual({
      cpuUsageNs: 2_500_000_000,
      cpuPeriods: 40,
      cpuThrottledPeriods: 10,
      cpuThrottledNs: 750_000_000,
      cpuLimitMillicores: 500,
      memoryUsageBytes: 104_857_600,
      memoryWorkingSetBytes: 104_857_600 - 10_485_760,
      memoryRssBytes: 83_886_080,
      memoryLimitBytes: 209_715_200,
      oomKills: 1,
      cpuPressure: { avg10: 12.5, avg60: 3, totalUs: 123456 },
      memoryPressure: { avg10: 12.5, avg60: 3, totalUs: 123456 },
      pids: [100, 101],
    });
  });

  it("reads a hybrid host: v1 cpu, cpuacct and memory, pressure from the unified hierarchy (cgroupfs driver)", () => {
    const root = newRoot();
    const rel = `/kubepods/burstable/pod${UID}/${ID}`;
    files(join(root, "cpu,cpuacct"), { "cgroup.procs": "" });
    files(join(root, "memory"), { "cgroup.procs": "" });
    files(join(root, "unified"), { "cgroup.controllers": "", "cgroup.procs": "" });
    files(join(root, "cpu,cpuacct", rel), {
      "cgroup.procs": "300\n",
      "cpu.stat": "nr_periods 100\nnr_throttled 60\nthrottled_time 4000000000\n",
      "cpu.cfs_quota_us": "20000\n",
      "cpu.cfs_period_us": "100000\n",
      "cpuacct.usage": "9000000000\n",
    });
    files(join(root, "memory", rel), {
      "cgroup.procs": "300\n",
      "memory.usage_in_bytes": "67108864\n",
      "memory.limit_in_bytes": "9223372036854771712\n",
      "memory.stat": "cache 1048576\nrss 60000000\ntotal_rss 60000000\ntotal_inactive_file 1048576\n",
      "memory.oom_control": "oom_kill_disable 0\nunder_oom 0\noom_kill 4\n",
    });
    files(join(root, "unified", rel), { "cgroup.procs": "300\n", "cpu.pressure": PSI });
    const layout = detectCgroupLayout(root);
    expect(layout).toMatchObject({ mode: "hybrid", v2: join(root, "unified") });
    expect(layout.v1.cpu).toBe(join(root, "cpu,cpuacct"));
    const tracked = scanCgroups(layout, { includeServices: false });
    expect([...tracked.keys()]).toEqual([rel]);
    expect(tracked.get(rel)?.memcgId).not.toBe(tracked.get(rel)?.v2Id);
    const stats = readCgroupStats(layout, rel);
    expect(stats).toMatchObject({
      cpuUsageNs: 9_000_000_000,
      cpuPeriods: 100,
      cpuThrottledPeriods: 60,
      cpuThrottledNs: 4_000_000_000,
      cpuLimitMillicores: 200,
      memoryUsageBytes: 67_108_864,
      memoryWorkingSetBytes: 67_108_864 - 1_048_576,
      memoryLimitBytes: null,
      oomKills: 4,
      cpuPressure: { avg10: 12.5 },
      memoryPressure: undefined,
      pids: [300],
    });
  });

  it("reads a v1-only host", () => {
    const root = newRoot();
    files(join(root, "cpu"), { "cgroup.procs": "" });
    files(join(root, "cpuacct"), { "cgroup.procs": "" });
    files(join(root, "memory"), { "cgroup.procs": "" });
    const rel = `/docker/${ID}`;
    files(join(root, "memory", rel), { "memory.usage_in_bytes": "10\n", "memory.limit_in_bytes": "100\n" });
    files(join(root, "cpu", rel), { "cpu.cfs_quota_us": "-1\n", "cpu.cfs_period_us": "100000\n" });
    const layout = detectCgroupLayout(root);
    expect(layout.mode).toBe("v1");
    expect(scanCgroups(layout, { includeServices: false }).get(rel)?.container?.runtime).toBe("docker");
    const v1Stats = readCgroupStats(layout, rel);
    // limits can be carried over from an earlier read instead of read again
    expect(readCgroupStats(layout, rel, { ...v1Stats, memoryLimitBytes: 42 }).memoryLimitBytes).toBe(42);
    expect(v1Stats).toMatchObject({
      memoryLimitBytes: 100,
      cpuLimitMillicores: null,
      cpuUsageNs: undefined,
    });
  });

  it("parses cpu.max and PSI edge cases", () => {
    expect(parseCpuMax("max 100000")).toBeNull();
    expect(parseCpuMax("150000 100000")).toBe(1500);
    expect(parsePressure(undefined)).toEqual({});
    expect(parsePressure(PSI).full).toEqual({ avg10: 1, avg60: 0.5, totalUs: 999 });
    expect(() => detectCgroupLayout(newRoot())).toThrow(/no cgroup hierarchy/);
  });
});
