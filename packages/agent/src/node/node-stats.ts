import { readFileSync, statfsSync } from "node:fs";
import { join } from "node:path";
import { parsePressure, type Pressure } from "../cgroup/cgroup-stats.js";

/** /proc/stat counts in USER_HZ, which is 100 on every Linux architecture's /proc interface. */
const USER_HZ = 100;

/** Kernel TCP counters (`Tcp:` in /proc/net/snmp), cumulative. */
export interface TcpCounters {
  readonly activeOpens: number;
  readonly passiveOpens: number;
  readonly attemptFails: number;
  readonly estabResets: number;
  readonly currEstab: number;
  readonly inSegs: number;
  readonly outSegs: number;
  readonly retransSegs: number;
}

export interface FilesystemUsage {
  readonly path: string;
  readonly sizeBytes: number;
  readonly availableBytes: number;
}

/** Node-wide counters and gauges from the host's /proc. */
export interface NodeStats {
  /** Cumulative CPU seconds by mode, all CPUs together. */
  readonly cpuSecondsByMode: Readonly<Record<string, number>>;
  readonly cpuCores: number;
  readonly memoryTotalBytes: number;
  readonly memoryAvailableBytes: number;
  readonly load1: number;
  readonly cpuPressure: Pressure | undefined;
  readonly memoryPressureSome: Pressure | undefined;
  readonly memoryPressureFull: Pressure | undefined;
  readonly ioPressureSome: Pressure | undefined;
  readonly ioPressureFull: Pressure | undefined;
  readonly tcp: TcpCounters | undefined;
  readonly filesystems: readonly FilesystemUsage[];
}

const CPU_MODES = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"] as const;

function read(path: string): string | undefined {
  try {
    return readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
}

/** Parses the `Tcp:` header and value lines of /proc/net/snmp (also per network namespace). */
export function parseSnmpTcp(text: string | undefined): TcpCounters | undefined {
  if (!text) return undefined;
  const lines = text.split("\n").filter((l) => l.startsWith("Tcp:"));
  if (lines.length < 2) return undefined;
  const keys = (lines[0] as string).split(/\s+/).slice(1);
  const values = (lines[1] as string).split(/\s+/).slice(1).map(Number);
  const get = (k: string): number => values[keys.indexOf(k)] ?? 0;
  return {
    activeOpens: get("ActiveOpens"),
    passiveOpens: get("PassiveOpens"),
    attemptFails: get("AttemptFails"),
    estabResets: get("EstabResets"),
    currEstab: get("CurrEstab"),
    inSegs: get("InSegs"),
    outSegs: get("OutSegs"),
    retransSegs: get("RetransSegs"),
  };
}

/** Parses the aggregate `cpu` line of /proc/stat into seconds per mode, and counts the CPUs. */
export function parseProcStat(text: string): { secondsByMode: Record<string, number>; cores: number } {
  const secondsByMode: Record<string, number> = {};
  let cores = 0;
  for (const line of text.split("\n")) {
    if (line.startsWith("cpu ")) {
      const fields = line.split(/\s+/).slice(1).map(Number);
      CPU_MODES.forEach((mode, i) => (secondsByMode[mode] = (fields[i] ?? 0) / USER_HZ));
    } else if (/^cpu\d+ /.test(line)) {
      cores++;
    }
  }
  return { secondsByMode, cores };
}

function meminfo(text: string | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of (text ?? "").split("\n")) {
    const m = /^(\w+):\s+(\d+)(?: kB)?$/.exec(line.trim());
    if (m) out.set(m[1] as string, Number(m[2]) * (line.includes("kB") ? 1024 : 1));
  }
  return out;
}

/** Reads node stats from `hostProc` (the host's /proc), and filesystem usage of `diskPaths`. */
export function readNodeStats(hostProc: string, diskPaths: readonly string[]): NodeStats {
  const stat = parseProcStat(read(join(hostProc, "stat")) ?? "");
  const mem = meminfo(read(join(hostProc, "meminfo")));
  const cpuPsi = parsePressure(read(join(hostProc, "pressure/cpu")));
  const memPsi = parsePressure(read(join(hostProc, "pressure/memory")));
  const ioPsi = parsePressure(read(join(hostProc, "pressure/io")));
  const filesystems: FilesystemUsage[] = [];
  for (const path of diskPaths) {
    try {
      const fs = statfsSync(path);
      filesystems.push({ path, sizeBytes: fs.blocks * fs.bsize, availableBytes: fs.bavail * fs.bsize });
    } catch {
      // not mounted here, or no permission to follow /proc/1/root: the disk check is skipped
    }
  }
  return {
    cpuSecondsByMode: stat.secondsByMode,
    cpuCores: stat.cores,
    memoryTotalBytes: mem.get("MemTotal") ?? 0,
    memoryAvailableBytes: mem.get("MemAvailable") ?? mem.get("MemFree") ?? 0,
    load1: Number((read(join(hostProc, "loadavg")) ?? "0").split(" ")[0]),
    cpuPressure: cpuPsi.some,
    memoryPressureSome: memPsi.some,
    memoryPressureFull: memPsi.full,
    ioPressureSome: ioPsi.some,
    ioPressureFull: ioPsi.full,
    tcp: parseSnmpTcp(read(join(hostProc, "net/snmp"))),
    filesystems,
  };
}

/** The host's kernel release (`uname -r`). */
export function readKernelRelease(hostProc: string): string {
  return (read(join(hostProc, "sys/kernel/osrelease")) ?? "").trim();
}
