import { readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { type CgroupLayout } from "./cgroup-layout.js";
import { parseContainerCgroup, type ContainerCgroup } from "./container-id.js";

/** A cgroup the agent tracks: a container, or (host mode) a systemd service. */
export interface TrackedCgroup {
  /** Path relative to each hierarchy's root, starting with "/". */
  readonly relPath: string;
  readonly container: ContainerCgroup | undefined;
  /** systemd unit name for service cgroups (`nginx.service`). */
  readonly serviceUnit: string | undefined;
  /** Inode of the unified-hierarchy directory: the id the eBPF helper reports. */
  readonly v2Id: bigint | undefined;
  /** Inode of the v1 memory-controller directory (OOM events on v1 memory limits). */
  readonly memcgId: bigint | undefined;
}

export interface ScanOptions {
  /** Also track systemd `*.service` cgroups (host mode). */
  readonly includeServices: boolean;
  readonly maxDepth?: number;
}

function inode(path: string): bigint | undefined {
  try {
    return statSync(path, { bigint: true }).ino;
  } catch {
    return undefined;
  }
}

function walk(root: string, rel: string, depth: number, maxDepth: number, out: Set<string>): void {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const child = `${rel}/${entry.name}`;
    out.add(child);
    if (depth < maxDepth) walk(root, child, depth + 1, maxDepth, out);
  }
}

/**
 * Finds container cgroups (and, in host mode, service cgroups) in every hierarchy the agent
 * reads. Hybrid hosts are walked in both the unified hierarchy and the v1 memory controller,
 * because the cgroupfs driver does not always create unified directories.
 */
export function scanCgroups(layout: CgroupLayout, options: ScanOptions): Map<string, TrackedCgroup> {
  const maxDepth = options.maxDepth ?? 10;
  const roots = [layout.v2, layout.v1.memory ?? layout.v1.cpu].filter((r): r is string => r !== undefined);
  const paths = new Set<string>();
  for (const root of new Set(roots)) walk(root, "", 1, maxDepth, paths);
  const out = new Map<string, TrackedCgroup>();
  for (const relPath of paths) {
    const container = parseContainerCgroup(relPath);
    const leaf = relPath.slice(relPath.lastIndexOf("/") + 1);
    const serviceUnit = !container && options.includeServices && leaf.endsWith(".service") ? leaf : undefined;
    if (!container && !serviceUnit) continue;
    out.set(relPath, {
      relPath,
      container,
      serviceUnit,
      v2Id: layout.v2 !== undefined ? inode(join(layout.v2, relPath)) : undefined,
      memcgId:
        layout.mode === "v2"
          ? layout.v2 !== undefined
            ? inode(join(layout.v2, relPath))
            : undefined
          : layout.v1.memory !== undefined
            ? inode(join(layout.v1.memory, relPath))
            : undefined,
    });
  }
  return out;
}
