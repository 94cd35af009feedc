import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, rmdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { podInfoFromKube, type PodInfo } from "@causeway/agent";
import { waitFor } from "@causeway/testkit";

/** The hierarchies a kubelet creates container cgroups in, on this host. */
interface Hierarchies {
  readonly v2: string | undefined;
  readonly cpu: string | undefined;
  readonly cpuacct: string | undefined;
  readonly memory: string | undefined;
  readonly pureV2: boolean;
}

function hierarchies(root = "/sys/fs/cgroup"): Hierarchies {
  if (existsSync(join(root, "cgroup.controllers"))) {
    return { v2: root, cpu: undefined, cpuacct: undefined, memory: undefined, pureV2: true };
  }
  const v1 = (name: string): string | undefined =>
    existsSync(join(root, name, "cgroup.procs")) ? join(root, name) : undefined;
  return {
    v2: existsSync(join(root, "unified", "cgroup.controllers")) ? join(root, "unified") : undefined,
    cpu: v1("cpu") ?? v1("cpu,cpuacct"),
    cpuacct: v1("cpuacct") ?? v1("cpu,cpuacct"),
    memory: v1("memory"),
    pureV2: false,
  };
}

export interface SimContainerSpec {
  readonly namespace?: string;
  readonly pod: string;
  readonly container?: string;
  /** CFS quota in millicores (period 100 ms). */
  readonly cpuLimitMillicores?: number;
  readonly memoryLimitBytes?: number;
  readonly cpuRequestMillicores?: number;
  /** Shell command run inside the container cgroup (exec'd); `$CGROUP_MEMORY` names its memory dir. */
  readonly command: string;
}

export interface SimContainer {
  readonly spec: SimContainerSpec;
  readonly podUid: string;
  readonly containerId: string;
  readonly relPath: string;
  readonly process: ChildProcess;
  /** The pod object a kubelet would report for this container. */
  readonly pod: PodInfo;
  readonly exited: Promise<NodeJS.Signals | number | null>;
  /** Directory of the cgroup that holds the memory limit. */
  readonly memoryDir: string;
}

/**
 * Simulated containers on the real kernel: real cgroup directories in the kubelet's cgroupfs
 * layout (`<prefix>/kubepods/burstable/pod<uid>/<container id>`) in every hierarchy the host has,
 * real limits, and a real process in each. `cleanup()` kills the processes and removes every
 * directory it made.
 */
export class SimNode {
  readonly prefix = `cw-agent-test-${process.pid}-${randomBytes(3).toString("hex")}`;
  readonly containers: SimContainer[] = [];
  readonly #h = hierarchies();
  readonly #dirs: string[] = [];

  get roots(): string[] {
    return [this.#h.v2, this.#h.cpu, this.#h.cpuacct, this.#h.memory].filter(
      (r): r is string => r !== undefined,
    );
  }

  #mkdirs(relPath: string): void {
    for (const root of new Set(this.roots)) {
      const parts = relPath.split("/").filter((p) => p !== "");
      let path = root;
      for (const part of parts) {
        path = join(path, part);
        if (!existsSync(path)) {
          mkdirSync(path);
          this.#dirs.push(path);
        }
      }
    }
  }

  add(spec: SimContainerSpec): SimContainer {
    const podUid = randomUUID();
    const containerId = randomBytes(32).toString("hex");
    const relPath = `/${this.prefix}/kubepods/burstable/pod${podUid}/${containerId}`;
    this.#mkdirs(relPath);
    const h = this.#h;
    const limits: [string | undefined, string, string][] = [];
    if (spec.cpuLimitMillicores !== undefined) {
      const quota = String(spec.cpuLimitMillicores * 100);
      if (h.pureV2) limits.push([h.v2, "cpu.max", `${quota} 100000`]);
      else limits.push([h.cpu, "cpu.cfs_period_us", "100000"], [h.cpu, "cpu.cfs_quota_us", quota]);
    }
    if (spec.memoryLimitBytes !== undefined) {
      const bytes = String(spec.memoryLimitBytes);
      if (h.pureV2) limits.push([h.v2, "memory.max", bytes], [h.v2, "memory.swap.max", "0"]);
      else
        limits.push(
          [h.memory, "memory.limit_in_bytes", bytes],
          [h.memory, "memory.memsw.limit_in_bytes", bytes],
        );
    }
    for (const [root, file, value] of limits) {
      if (!root) continue;
      const path = join(root, relPath, file);
      if (existsSync(path)) writeFileSync(path, value);
    }
    const memoryDir = join(h.pureV2 ? (h.v2 as string) : (h.memory as string), relPath);
    const joinScript = [...new Set(this.roots)]
      .map((r) => `echo $$ > ${join(r, relPath)}/cgroup.procs`)
      .join(" && ");
    const child = spawn("sh", ["-c", `${joinScript} && exec ${spec.command}`], {
      stdio: "ignore",
      env: {
        ...process.env,
        CGROUP_MEMORY: memoryDir,
        CGROUP_MEMORY_USAGE: h.pureV2 ? "memory.current" : "memory.usage_in_bytes",
      },
    });
    const exited = new Promise<NodeJS.Signals | number | null>((resolve) =>
      child.once("exit", (code, signal) => resolve(signal ?? code)),
    );
    const namespace = spec.namespace ?? "default";
    const name = spec.container ?? "app";
    const resources: { requests: Record<string, string>; limits: Record<string, string> } = {
      requests: {},
      limits: {},
    };
    if (spec.cpuLimitMillicores !== undefined) resources.limits.cpu = `${spec.cpuLimitMillicores}m`;
    if (spec.cpuRequestMillicores !== undefined) resources.requests.cpu = `${spec.cpuRequestMillicores}m`;
    if (spec.memoryLimitBytes !== undefined) resources.limits.memory = String(spec.memoryLimitBytes);
    const pod = podInfoFromKube({
      metadata: { uid: podUid, name: spec.pod, namespace },
      spec: { nodeName: "sim-node", containers: [{ name, resources }] },
      status: {
        phase: "Running",
        podIP: `10.244.0.${this.containers.length + 10}`,
        containerStatuses: [
          { name, containerID: `containerd://${containerId}`, restartCount: 0, state: { running: {} } },
        ],
      },
    });
    if (!pod) throw new Error("bad pod fixture");
    const container: SimContainer = {
      spec,
      podUid,
      containerId,
      relPath,
      process: child,
      pod,
      exited,
      memoryDir,
    };
    this.containers.push(container);
    return container;
  }

  /** Waits until the container's process has joined its cgroup. */
  async joined(container: SimContainer): Promise<void> {
    await waitFor(
      () =>
        readFileSync(join(container.memoryDir, "cgroup.procs"), "utf8").includes(
          String(container.process.pid),
        ),
      { what: `${container.spec.pod} to join its cgroup` },
    );
  }

  pods(): PodInfo[] {
    return this.containers.map((c) => c.pod);
  }

  /** Every process in the container's cgroup (the main one and whatever it started). */
  #pids(container: SimContainer): number[] {
    try {
      return readFileSync(join(container.memoryDir, "cgroup.procs"), "utf8")
        .split("\n")
        .filter((l) => l !== "")
        .map(Number);
    } catch {
      return [];
    }
  }

  async remove(container: SimContainer): Promise<void> {
    container.process.kill("SIGKILL");
    await container.exited;
    await waitFor(
      () => {
        const left = this.#pids(container);
        for (const pid of left) {
          try {
            process.kill(pid, "SIGKILL");
          } catch {
            // gone already
          }
        }
        return left.length === 0;
      },
      { what: `${container.spec.pod}'s processes to exit` },
    );
    const i = this.containers.indexOf(container);
    if (i >= 0) this.containers.splice(i, 1);
    for (const root of new Set(this.roots)) {
      const leaf = join(root, container.relPath);
      await waitFor(
        () => {
          if (existsSync(leaf)) rmdirSync(leaf);
          return true;
        },
        { what: `removal of ${leaf}` },
      );
    }
  }

  async cleanup(): Promise<void> {
    for (const c of [...this.containers]) await this.remove(c).catch(() => undefined);
    for (const dir of this.#dirs.reverse()) {
      await waitFor(
        () => {
          if (existsSync(dir)) rmdirSync(dir);
          return true;
        },
        { what: `removal of ${dir}`, timeoutMs: 10_000 },
      ).catch(() => undefined);
    }
  }
}
