import { readFileSync } from "node:fs";
import { join } from "node:path";
import { type CgroupLayout } from "./cgroup-layout.js";

/** One line of a pressure stall information file (`some` or `full`). */
export interface Pressure {
  /** Percentage of the last 10 s with stalled tasks. */
  readonly avg10: number;
  readonly avg60: number;
  /** Total stall time, microseconds (cumulative). */
  readonly totalUs: number;
}

/** Counters and gauges of one cgroup; a field is undefined where the kernel does not expose it. */
export interface CgroupStats {
  /** Cumulative CPU time, nanoseconds. */
  readonly cpuUsageNs: number | undefined;
  /** Cumulative CFS enforcement periods and how many of them throttled the cgroup. */
  readonly cpuPeriods: number | undefined;
  readonly cpuThrottledPeriods: number | undefined;
  /** Cumulative time throttled, nanoseconds. */
  readonly cpuThrottledNs: number | undefined;
  /** CPU limit from the CFS quota, millicores; null when unlimited. */
  readonly cpuLimitMillicores: number | null | undefined;
  readonly memoryUsageBytes: number | undefined;
  /** Usage minus inactive file cache: what the kubelet and the OOM killer care about. */
  readonly memoryWorkingSetBytes: number | undefined;
  readonly memoryRssBytes: number | undefined;
  /** null when unlimited. */
  readonly memoryLimitBytes: number | null | undefined;
  /** Cumulative OOM kills inside the cgroup. */
  readonly oomKills: number | undefined;
  readonly cpuPressure: Pressure | undefined;
  readonly memoryPressure: Pressure | undefined;
  /** Processes in the cgroup. */
  readonly pids: readonly number[];
}

/** Limits at or above this are "no limit" (v1 reports PAGE_COUNTER_MAX pages). */
const UNLIMITED_BYTES = 2 ** 60;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

function readNumber(path: string): number | undefined {
  const text = read(path);
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  return Number.isFinite(n) ? n : undefined;
}

/** Parses `key value` lines (cpu.stat, memory.stat, memory.events, memory.oom_control). */
export function parseKeyValues(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  if (text === undefined) return out;
  for (const line of text.split("\n")) {
    const space = line.indexOf(" ");
    if (space <= 0) continue;
    const value = Number(line.slice(space + 1));
    if (Number.isFinite(value)) out.set(line.slice(0, space), value);
  }
  return out;
}

/** Parses a PSI file into its `some` and `full` lines. */
export function parsePressure(text: string | undefined): { some?: Pressure; full?: Pressure } {
  const out: { some?: Pressure; full?: Pressure } = {};
  if (text === undefined) return out;
  for (const line of text.split("\n")) {
    const [kind, ...fields] = line.trim().split(/\s+/);
    if (kind !== "some" && kind !== "full") continue;
    const values = new Map(fields.map((f) => f.split("=") as [string, string]));
    out[kind] = {
      avg10: Number(values.get("avg10") ?? 0),
      avg60: Number(values.get("avg60") ?? 0),
      totalUs: Number(values.get("total") ?? 0),
    };
  }
  return out;
}

function parsePids(text: string | undefined): number[] {
  if (!text) return [];
  const pids: number[] = [];
  for (const line of text.split("\n")) if (line !== "") pids.push(Number(line));
  return pids;
}

function limitBytes(value: string | undefined): number | null | undefined {
  if (value === undefined) return undefined;
  const t = value.trim();
  if (t === "max") return null;
  const n = Number(t);
  if (!Number.isFinite(n)) return undefined;
  return n >= UNLIMITED_BYTES ? null : n;
}

/** v2 `cpu.max` ("max 100000" or "50000 100000") in millicores. */
export function parseCpuMax(text: string | undefined): number | null | undefined {
  if (text === undefined) return undefined;
  const [quota, period] = text.trim().split(/\s+/);
  if (quota === "max") return null;
  const q = Number(quota);
  const p = Number(period ?? 100_000);
  return Number.isFinite(q) && p > 0 ? Math.round((q / p) * 1000) : undefined;
}

/**
 * Reads one cgroup (`relPath` relative to each hierarchy's root). Limits change rarely: with
 * `reuseLimitsFrom` they are copied from an earlier read instead of read again. Values come from whichever
 * hierarchies hold it: on pure v2 everything comes from the unified hierarchy; on hybrid and v1 hosts CPU and
 * memory come from the v1 controllers and pressure from the unified hierarchy.
 */
export function readCgroupStats(
  layout: CgroupLayout,
  relPath: string,
  reuseLimitsFrom?: CgroupStats,
): CgroupStats {
  const reuse = reuseLimitsFrom;
  const v2 = layout.v2 !== undefined ? join(layout.v2, relPath) : undefined;
  if (layout.mode === "v2" && v2 !== undefined) {
    const cpu = parseKeyValues(read(join(v2, "cpu.stat")));
    const mem = parseKeyValues(read(join(v2, "memory.stat")));
    const events = parseKeyValues(read(join(v2, "memory.events")));
    const usage = readNumber(join(v2, "memory.current"));
    const inactiveFile = mem.get("inactive_file");
    const usageUs = cpu.get("usage_usec");
    const throttledUs = cpu.get("throttled_usec");
    return {
      cpuUsageNs: usageUs !== undefined ? usageUs * 1000 : undefined,
      cpuPeriods: cpu.get("nr_periods"),
      cpuThrottledPeriods: cpu.get("nr_throttled"),
      cpuThrottledNs: throttledUs !== undefined ? throttledUs * 1000 : undefined,
      cpuLimitMillicores: reuse ? reuse.cpuLimitMillicores : parseCpuMax(read(join(v2, "cpu.max"))),
      memoryUsageBytes: usage,
      memoryWorkingSetBytes: usage !== undefined ? Math.max(0, usage - (inactiveFile ?? 0)) : undefined,
      memoryRssBytes: mem.get("anon"),
      memoryLimitBytes: reuse ? reuse.memoryLimitBytes : limitBytes(read(join(v2, "memory.max"))),
      oomKills: events.get("oom_kill"),
      cpuPressure: parsePressure(read(join(v2, "cpu.pressure"))).some,
      memoryPressure: parsePressure(read(join(v2, "memory.pressure"))).some,
      pids: parsePids(read(join(v2, "cgroup.procs"))),
    };
  }
  const cpuDir = layout.v1.cpu !== undefined ? join(layout.v1.cpu, relPath) : undefined;
  const acctDir = layout.v1.cpuacct !== undefined ? join(layout.v1.cpuacct, relPath) : undefined;
  const memDir = layout.v1.memory !== undefined ? join(layout.v1.memory, relPath) : undefined;
  const cpu = parseKeyValues(cpuDir ? read(join(cpuDir, "cpu.stat")) : undefined);
  const mem = parseKeyValues(memDir ? read(join(memDir, "memory.stat")) : undefined);
  const oom = parseKeyValues(memDir ? read(join(memDir, "memory.oom_control")) : undefined);
  const usage = memDir ? readNumber(join(memDir, "memory.usage_in_bytes")) : undefined;
  const inactiveFile = mem.get("total_inactive_file") ?? mem.get("inactive_file");
  const quotaUs = cpuDir && !reuse ? readNumber(join(cpuDir, "cpu.cfs_quota_us")) : undefined;
  const periodUs = cpuDir && !reuse ? readNumber(join(cpuDir, "cpu.cfs_period_us")) : undefined;
  const throttledNs = cpu.get("throttled_time");
  const pidsText =
    (memDir ? read(join(memDir, "cgroup.procs")) : undefined) ??
    (cpuDir ? read(join(cpuDir, "cgroup.procs")) : undefined) ??
    (v2 ? read(join(v2, "cgroup.procs")) : undefined);
  return {
    cpuUsageNs: acctDir ? readNumber(join(acctDir, "cpuacct.usage")) : undefined,
    cpuPeriods: cpu.get("nr_periods"),
    cpuThrottledPeriods: cpu.get("nr_throttled"),
    cpuThrottledNs: throttledNs,
    cpuLimitMillicores: reuse
      ? reuse.cpuLimitMillicores
      : quotaUs === undefined
        ? undefined
        : quotaUs < 0 || !periodUs
          ? null
          : Math.round((quotaUs / periodUs) * 1000),
    memoryUsageBytes: usage,
    memoryWorkingSetBytes: usage !== undefined ? Math.max(0, usage - (inactiveFile ?? 0)) : undefined,
    memoryRssBytes: mem.get("total_rss") ?? mem.get("rss"),
    memoryLimitBytes: reuse
      ? reuse.memoryLimitBytes
      : memDir
        ? limitBytes(read(join(memDir, "memory.limit_in_bytes")))
        : undefined,
    oomKills: oom.get("oom_kill"),
    cpuPressure: v2 ? parsePressure(read(join(v2, "cpu.pressure"))).some : undefined,
    memoryPressure: v2 ? parsePressure(read(join(v2, "memory.pressure"))).some : undefined,
    pids: parsePids(pidsText),
  };
}
