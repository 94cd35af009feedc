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

function walk(
  root: string,
  rel: string,
  depth: number,
  maxDepth: number,
  out: Map<string, ContainerCgroup | undefined>,
): void {
  let entries;
  try {
    entries = readdirSync(join(root, rel), { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    const child = `${rel}/${entry.name}`;
    const container = parseContainerCgroup(child);
    out.set(child, container);
    // containers do not nest cgroups the agent needs: skip their subtrees
    if (!container && depth < maxDepth) walk(root, child, depth + 1, maxDepth, out);
  }
}

/**
 * Finds container cgroups (and, in host mode, service cgroups). One hierarchy is walked: the
 * unified one on pure v2 hosts, the v1 memory controller on hybrid and v1 hosts (the kubelet
 * creates every container there, whatever the driver); the ids in the other hierarchies are
 * looked up by path. Inode lookups are cached per path across scans (`cache`).
 */
export function scanCgroups(
  layout: CgroupLayout,
  options: ScanOptions,
  cache: Map<string, TrackedCgroup> = new Map(),
): Map<string, TrackedCgroup> {
  const maxDepth = options.maxDepth ?? 10;
  const root = layout.mode === "v2" ? layout.v2 : (layout.v1.memory ?? layout.v1.cpu ?? layout.v2);
  const paths = new Map<string, ContainerCgroup | undefined>();
  if (root !== undefined) walk(root, "", 1, maxDepth, paths);
  const out = new Map<string, TrackedCgroup>();
  for (const [relPath, container] of paths) {
    const leaf = relPath.slice(relPath.lastIndexOf("/") + 1);
    const serviceUnit = !container && options.includeServices && leaf.endsWith(".service") ? leaf : undefined;
    if (!container && !serviceUnit) continue;
    const cached = cache.get(relPath);
    if (cached) {
      out.set(relPath, cached);
      continue;
    }
    const v2Id = layout.v2 !== undefined ? inode(join(layout.v2, relPath)) : undefined;
    const tracked: TrackedCgroup = {
      relPath,
      container,
      serviceUnit,
      v2Id,
      memcgId:
        layout.mode === "v2"
          ? v2Id
          : layout.v1.memory !== undefined
            ? inode(join(layout.v1.memory, relPath))
            : undefined,
    };
    // a unified directory may appear a moment after the v1 one: keep looking until it is there
    if (layout.v2 === undefined || v2Id !== undefined) cache.set(relPath, tracked);
    out.set(relPath, tracked);
  }
  for (const relPath of cache.keys()) if (!out.has(relPath)) cache.delete(relPath);
  return out;
}
