import { execFileSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, rmdirSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { waitFor } from "@causeway/testkit";

/**
 * The cgroup v2 hierarchy. On this hybrid host it is /sys/fs/cgroup/unified (v1 controllers sit
 * beside it); on a pure v2 host it is /sys/fs/cgroup itself.
 */
export function cgroupV2Root(): string {
  if (existsSync("/sys/fs/cgroup/unified/cgroup.procs")) return "/sys/fs/cgroup/unified";
  return "/sys/fs/cgroup";
}

export interface TestCgroup {
  readonly path: string;
  /** The kernfs id the helper reports: the directory's inode number. */
  readonly id: bigint;
  /** Kills every process left inside and removes the directory. */
  remove(): Promise<void>;
}

function procsOf(path: string): number[] {
  try {
    return readFileSync(join(path, "cgroup.procs"), "utf8")
      .split("\n")
      .filter((l) => l !== "")
      .map(Number);
  } catch {
    return [];
  }
}

/** Creates a fresh cgroup directory under `root` (a v2 hierarchy or a v1 controller's). */
export function createCgroup(root: string, name: string, settings: Record<string, string> = {}): TestCgroup {
  const path = join(root, `${name}-${process.pid}-${Date.now().toString(36)}`);
  mkdirSync(path);
  for (const [file, value] of Object.entries(settings)) writeFileSync(join(path, file), value);
  return {
    path,
    id: statSync(path, { bigint: true }).ino,
    async remove() {
      for (const pid of procsOf(path)) {
        try {
          process.kill(pid, "SIGKILL");
        } catch {
          // already gone
        }
      }
      await waitFor(() => procsOf(path).length === 0, { what: `${path} to empty`, timeoutMs: 10_000 });
      await waitFor(
        () => {
          rmdirSync(path);
          return true;
        },
        { what: `removal of ${path}`, timeoutMs: 10_000 },
      );
    },
  };
}

/** Shell prefix that moves the shell itself into every cgroup given, before it execs the workload. */
export function joinCgroupsScript(cgroups: readonly TestCgroup[]): string {
  return cgroups.map((c) => `echo $$ > ${c.path}/cgroup.procs`).join(" && ");
}

/** Whether a v1 controller hierarchy is mounted (e.g. "memory" at /sys/fs/cgroup/memory). */
export function v1ControllerRoot(controller: string): string | undefined {
  const root = `/sys/fs/cgroup/${controller}`;
  try {
    const type = execFileSync("stat", ["-f", "-c", "%T", root], { encoding: "utf8" }).trim();
    return type === "cgroupfs" ? root : undefined;
  } catch {
    return undefined;
  }
}
