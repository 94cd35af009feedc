import { existsSync } from "node:fs";
import { join } from "node:path";

/**
 * Where the cgroup hierarchies are mounted below the (host) cgroup root:
 * - `v2`: pure cgroup v2, the unified hierarchy at the root itself;
 * - `hybrid`: v1 controllers at `<root>/<controller>` and the unified hierarchy at `<root>/unified`
 *   (systemd's hybrid mode; this is how the development machine is set up);
 * - `v1`: only v1 controllers.
 */
export interface CgroupLayout {
  readonly mode: "v2" | "hybrid" | "v1";
  readonly root: string;
  /** Mount point of the unified (v2) hierarchy, if any. */
  readonly v2: string | undefined;
  /** Mount points of the v1 controllers the agent reads. */
  readonly v1: {
    readonly cpu: string | undefined;
    readonly cpuacct: string | undefined;
    readonly memory: string | undefined;
  };
}

function v1Controller(root: string, names: readonly string[]): string | undefined {
  for (const name of names) {
    const path = join(root, name);
    if (existsSync(join(path, "cgroup.procs")) && !existsSync(join(path, "cgroup.controllers"))) return path;
  }
  return undefined;
}

/** Detects the layout below `root` (normally /sys/fs/cgroup, or its read-only host mount). */
export function detectCgroupLayout(root: string): CgroupLayout {
  if (existsSync(join(root, "cgroup.controllers"))) {
    return { mode: "v2", root, v2: root, v1: { cpu: undefined, cpuacct: undefined, memory: undefined } };
  }
  const unified = join(root, "unified");
  const v2 = existsSync(join(unified, "cgroup.controllers")) ? unified : undefined;
  const v1 = {
    cpu: v1Controller(root, ["cpu", "cpu,cpuacct", "cpuacct,cpu"]),
    cpuacct: v1Controller(root, ["cpuacct", "cpu,cpuacct", "cpuacct,cpu"]),
    memory: v1Controller(root, ["memory"]),
  };
  if (!v2 && !v1.cpu && !v1.memory) throw new Error(`no cgroup hierarchy found below ${root}`);
  return { mode: v2 ? "hybrid" : "v1", root, v2, v1 };
}
