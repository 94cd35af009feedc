import { existsSync, readFileSync, readdirSync, rmdirSync, writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";

/** Where the cgroup hierarchies of this host are mounted. */
export interface CgroupHierarchies {
  /** Pure cgroup v2: every controller in the unified hierarchy. */
  readonly pureV2: boolean;
  /** The unified (v2) hierarchy, if mounted (hybrid hosts too: eBPF names cgroups by their v2 id). */
  readonly v2: string | undefined;
  readonly cpu: string | undefined;
  readonly cpuacct: string | undefined;
  readonly memory: string | undefined;
  readonly pids: string | undefined;
}

/** Finds the hierarchies below `root` (normally /sys/fs/cgroup): pure v2, hybrid or v1. */
export function detectCgroupHierarchies(root = "/sys/fs/cgroup"): CgroupHierarchies {
  if (existsSync(join(root, "cgroup.controllers"))) {
    return { pureV2: true, v2: root, cpu: undefined, cpuacct: undefined, memory: undefined, pids: undefined };
  }
  const v1 = (...names: string[]): string | undefined => {
    for (const name of names) if (existsSync(join(root, name, "cgroup.procs"))) return join(root, name);
    return undefined;
  };
  return {
    pureV2: false,
    v2: existsSync(join(root, "unified", "cgroup.controllers")) ? join(root, "unified") : undefined,
    cpu: v1("cpu", "cpu,cpuacct"),
    cpuacct: v1("cpuacct", "cpu,cpuacct"),
    memory: v1("memory"),
    pids: v1("pids"),
  };
}

/** Every distinct mount point a container cgroup is created in. */
export function hierarchyRoots(h: CgroupHierarchies): string[] {
  return [...new Set([h.v2, h.cpu, h.cpuacct, h.memory, h.pids].filter((r): r is string => r !== undefined))];
}

/** Resource limits of one container, as the kubelet derives them from the pod spec. */
export interface CgroupLimits {
  readonly memoryLimitBytes?: number;
  readonly cpuLimitMillicores?: number;
  readonly cpuRequestMillicores?: number;
}

const CFS_PERIOD_US = 100_000;

function writeIfPresent(dir: string, file: string, value: string): void {
  const path = join(dir, file);
  if (existsSync(path)) writeFileSync(path, value);
}

/** Enables the memory, cpu and pids controllers for children along `relPath` (pure v2 only). */
function enableV2Controllers(root: string, relPath: string): void {
  const parts = relPath.split("/").filter((p) => p !== "");
  let dir = root;
  for (const part of parts.slice(0, -1)) {
    const available = readFileSync(join(dir, "cgroup.controllers"), "utf8").trim().split(/\s+/);
    const wanted = ["cpu", "memory", "pids"].filter((c) => available.includes(c));
    if (wanted.length > 0)
      writeFileSync(join(dir, "cgroup.subtree_control"), wanted.map((c) => `+${c}`).join(" "));
    dir = join(dir, part);
  }
}

/** Creates `relPath` in every hierarchy (missing parents too). */
export function createCgroup(h: CgroupHierarchies, relPath: string): void {
  for (const root of hierarchyRoots(h)) mkdirSync(join(root, relPath), { recursive: true });
  if (h.pureV2 && h.v2) enableV2Controllers(h.v2, relPath);
}

/**
 * Applies a container's limits: memory (no swap beyond it), the CFS quota for the CPU limit and a
 * CPU weight from the request, in v1 files on v1/hybrid hosts and v2 files on pure v2 hosts.
 */
export function applyCgroupLimits(h: CgroupHierarchies, relPath: string, limits: CgroupLimits): void {
  if (h.pureV2 && h.v2) {
    const dir = join(h.v2, relPath);
    if (limits.memoryLimitBytes !== undefined) {
      writeIfPresent(dir, "memory.max", String(limits.memoryLimitBytes));
      writeIfPresent(dir, "memory.swap.max", "0");
    }
    if (limits.cpuLimitMillicores !== undefined)
      writeIfPresent(dir, "cpu.max", `${Math.max(1000, limits.cpuLimitMillicores * 100)} ${CFS_PERIOD_US}`);
    if (limits.cpuRequestMillicores !== undefined)
      // The kubelet's shares → weight conversion: 1 + ((shares - 2) * 9999) / 262142.
      writeIfPresent(
        dir,
        "cpu.weight",
        String(Math.max(1, Math.round(1 + ((sharesOf(limits.cpuRequestMillicores) - 2) * 9999) / 262142))),
      );
    return;
  }
  if (h.memory && limits.memoryLimitBytes !== undefined) {
    const dir = join(h.memory, relPath);
    writeIfPresent(dir, "memory.limit_in_bytes", String(limits.memoryLimitBytes));
    writeIfPresent(dir, "memory.memsw.limit_in_bytes", String(limits.memoryLimitBytes));
  }
  if (h.cpu) {
    const dir = join(h.cpu, relPath);
    if (limits.cpuLimitMillicores !== undefined) {
      writeIfPresent(dir, "cpu.cfs_period_us", String(CFS_PERIOD_US));
      writeIfPresent(dir, "cpu.cfs_quota_us", String(Math.max(1000, limits.cpuLimitMillicores * 100)));
    }
    if (limits.cpuRequestMillicores !== undefined)
      writeIfPresent(dir, "cpu.shares", String(sharesOf(limits.cpuRequestMillicores)));
  }
}

function sharesOf(millicores: number): number {
  return Math.max(2, Math.round((millicores * 1024) / 1000));
}

/** The `cgroup.procs` files a process writes its pid to, to join the container's cgroups. */
export function cgroupProcsFiles(h: CgroupHierarchies, relPath: string): string[] {
  return hierarchyRoots(h).map((root) => join(root, relPath, "cgroup.procs"));
}

/** The directory whose files hold the memory limit and OOM counters. */
export function memoryDir(h: CgroupHierarchies, relPath: string): string | undefined {
  const root = h.pureV2 ? h.v2 : h.memory;
  return root ? join(root, relPath) : undefined;
}

/** OOM kills the kernel counted in this cgroup (memory.events on v2, memory.oom_control on v1). */
export function readOomKills(h: CgroupHierarchies, relPath: string): number {
  const dir = memoryDir(h, relPath);
  if (!dir) return 0;
  for (const file of ["memory.events", "memory.oom_control"]) {
    try {
      const m = /^oom_kill (\d+)$/m.exec(readFileSync(join(dir, file), "utf8"));
      if (m) return Number(m[1]);
    } catch {
      // not this layout
    }
  }
  return 0;
}

/** Pids in a cgroup (any hierarchy that has it). */
export function cgroupPids(h: CgroupHierarchies, relPath: string): number[] {
  const pids = new Set<number>();
  for (const root of hierarchyRoots(h)) {
    try {
      for (const line of readFileSync(join(root, relPath, "cgroup.procs"), "utf8").split("\n"))
        if (line.trim() !== "") pids.add(Number(line));
    } catch {
      // gone
    }
  }
  return [...pids];
}

/**
 * Kills every process in the tree below `relPath` (SIGKILL) and removes its directories, deepest
 * first, in every hierarchy. Returns what could not be removed yet (processes still exiting).
 */
export function removeCgroupTree(h: CgroupHierarchies, relPath: string): string[] {
  const left: string[] = [];
  for (const root of hierarchyRoots(h)) {
    const top = join(root, relPath);
    if (!existsSync(top)) continue;
    const dirs: string[] = [];
    const walk = (dir: string): void => {
      dirs.push(dir);
      for (const entry of readdirSync(dir, { withFileTypes: true }))
        if (entry.isDirectory()) walk(join(dir, entry.name));
    };
    walk(top);
    for (const dir of dirs.reverse()) {
      try {
        for (const line of readFileSync(join(dir, "cgroup.procs"), "utf8").split("\n")) {
          if (line.trim() === "") continue;
          try {
            process.kill(Number(line), "SIGKILL");
          } catch {
            // already gone
          }
        }
        rmdirSync(dir);
      } catch {
        left.push(dir);
      }
    }
  }
  return left;
}
