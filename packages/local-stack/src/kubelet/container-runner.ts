import { spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { createWriteStream, mkdirSync } from "node:fs";
import { constants } from "node:os";
import { join } from "node:path";
import { type Logger } from "@causeway/runtime";
import {
  applyCgroupLimits,
  cgroupProcsFiles,
  createCgroup,
  readOomKills,
  removeCgroupTree,
  type CgroupHierarchies,
  type CgroupLimits,
} from "../host/cgroups.js";
import { type KubeObject } from "../kube/kube-client.js";
import { containerEnvironment } from "./container-env.js";
import { type ImageStore } from "./image-store.js";
import { cpuMillicores, parseQuantity } from "./quantity.js";
import { restartDelayMs, type RestartBackoffOptions } from "./restart-backoff.js";

/** A terminated container as the pod status reports it. */
export interface TerminatedState {
  readonly exitCode: number;
  readonly signal?: number;
  readonly reason: "OOMKilled" | "Error" | "Completed";
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly containerID: string;
}

/** Where and how a pod's containers run on this host. */
export interface ContainerSandbox {
  /** Undefined in degraded mode: processes run in the stack's own cgroup. */
  readonly hierarchies: CgroupHierarchies | undefined;
  /** The pod's cgroup (relative to each hierarchy root). */
  readonly podCgroup: string;
  /** Undefined in degraded mode: the pod shares the host's network. */
  readonly netnsPath: string | undefined;
  readonly podIp: string;
  readonly logDir: string;
}

/** Something a container did that the kubelet reports as a Kubernetes Event. */
export interface ContainerEvent {
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
}

export interface ContainerRunnerOptions {
  readonly pod: KubeObject;
  readonly spec: KubeObject;
  readonly sandbox: ContainerSandbox;
  readonly images: ImageStore;
  readonly backoff: RestartBackoffOptions;
  /** How long an exited container's cgroup is kept, so the agent can still read its OOM counters. */
  readonly deadCgroupRetentionMs: number;
  readonly log: Logger;
  readonly onChange: () => void;
  readonly onEvent: (event: ContainerEvent) => void;
  readonly clock?: () => number;
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * One container of a pod: a real process in its own cgroup (the kubelet's layout, limits from the
 * spec) and the pod's network namespace; restarted with back-off when it exits (restartPolicy),
 * with OOM kills told apart by the cgroup's OOM counter; readiness from its HTTP probe.
 */
export class ContainerRunner {
  readonly name: string;
  readonly #o: ContainerRunnerOptions;
  readonly #clock: () => number;
  #pod: KubeObject;
  #child: ChildProcess | undefined;
  #containerId = "";
  #startedAtMs = 0;
  #restartCount = 0;
  #consecutiveRestarts = 0;
  #ready = false;
  #waiting: { reason: string; message: string } | undefined = { reason: "ContainerCreating", message: "" };
  #terminated: TerminatedState | undefined;
  #lastTerminated: TerminatedState | undefined;
  #restartTimer: NodeJS.Timeout | undefined;
  #probeTimer: NodeJS.Timeout | undefined;
  #probeFailures = 0;
  #stopping = false;
  readonly #deadCgroups = new Set<string>();
  readonly #cleanupTimers = new Set<NodeJS.Timeout>();

  constructor(options: ContainerRunnerOptions) {
    this.#o = options;
    this.name = String(options.spec.name);
    this.#pod = options.pod;
    this.#clock = options.clock ?? Date.now;
  }

  /** Pid of the running process (tests, clean-up). */
  get pid(): number | undefined {
    return this.#child?.exitCode === null && this.#child.signalCode === null ? this.#child.pid : undefined;
  }

  /** The current container id (64 hex), empty before the first start. */
  get containerId(): string {
    return this.#containerId;
  }

  /** The cgroup of the current incarnation, relative to the hierarchy roots. */
  get cgroup(): string {
    return `${this.#o.sandbox.podCgroup}/${this.#containerId}`;
  }

  updatePod(pod: KubeObject): void {
    this.#pod = pod;
  }

  /** Limits from the container's resources. */
  limits(): CgroupLimits {
    const r = (this.#o.spec.resources ?? {}) as KubeObject;
    const memory = parseQuantity(r.limits?.memory);
    const cpuLimit = cpuMillicores(r.limits?.cpu);
    const cpuRequest = cpuMillicores(r.requests?.cpu ?? r.limits?.cpu);
    return {
      ...(memory !== undefined ? { memoryLimitBytes: Math.round(memory) } : {}),
      ...(cpuLimit !== undefined ? { cpuLimitMillicores: cpuLimit } : {}),
      ...(cpuRequest !== undefined ? { cpuRequestMillicores: cpuRequest } : {}),
    };
  }

  start(): void {
    if (this.#stopping) return;
    const spec = this.#o.spec;
    const image = this.#o.images.resolve(String(spec.image));
    if (!image) {
      const pulled = this.#waiting?.reason === "ErrImagePull";
      this.#waiting = {
        reason: pulled ? "ImagePullBackOff" : "ErrImagePull",
        message: `image "${String(spec.image)}" is not known on this machine`,
      };
      this.#o.onEvent({
        type: "Warning",
        reason: "Failed",
        message: `Failed to pull image "${String(spec.image)}"`,
      });
      this.#o.onChange();
      this.#restartTimer = setTimeout(() => this.start(), this.#o.backoff.initialMs);
      return;
    }
    const sandbox = this.#o.sandbox;
    this.#containerId = randomBytes(32).toString("hex");
    const h = sandbox.hierarchies;
    if (h) {
      createCgroup(h, this.cgroup);
      applyCgroupLimits(h, this.cgroup, this.limits());
    }
    const env = containerEnvironment(this.#pod, spec, image.env, sandbox.podIp);
    const command = [
      ...image.command,
      ...((spec.command ?? []) as string[]).slice(1),
      ...((spec.args ?? []) as string[]),
    ];
    // The process joins its cgroups before exec, then enters the pod's network namespace: pid,
    // cgroups and namespace stay those of the program that finally runs.
    const procs = h ? cgroupProcsFiles(h, this.cgroup) : [];
    const netns = sandbox.netnsPath ? ["nsenter", `--net=${sandbox.netnsPath}`, "--"] : [];
    const script = 'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1"; shift; n=$((n-1)); done; exec "$@"';
    const logDir = join(sandbox.logDir, this.name);
    mkdirSync(logDir, { recursive: true });
    const logFile = createWriteStream(join(logDir, `${this.#restartCount}.log`), { flags: "a" });
    const child = spawn("sh", ["-c", script, "sh", String(procs.length), ...procs, ...netns, ...command], {
      env: { PATH: process.env.PATH ?? "/usr/bin:/bin", HOME: "/tmp", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    child.stdout?.pipe(logFile, { end: false });
    child.stderr?.pipe(logFile, { end: false });
    this.#child = child;
    this.#startedAtMs = this.#clock();
    this.#waiting = undefined;
    this.#terminated = undefined;
    this.#ready = false;
    this.#probeFailures = 0;
    const id = this.#containerId;
    const cgroup = this.cgroup;
    child.on("error", (error) =>
      this.#o.log.error({ container: this.name, err: error.message }, "cannot start"),
    );
    child.once("exit", (code, signal) => {
      logFile.end();
      this.#exited(id, cgroup, code, signal);
    });
    this.#o.onEvent({ type: "Normal", reason: "Started", message: `Started container ${this.name}` });
    this.#o.log.info(
      { container: this.name, containerId: id.slice(0, 12), pid: child.pid },
      "container started",
    );
    this.#startProbe();
    this.#o.onChange();
  }

  #exited(id: string, cgroup: string, code: number | null, signal: NodeJS.Signals | null): void {
    this.#stopProbe();
    const h = this.#o.sandbox.hierarchies;
    const oom = h !== undefined && readOomKills(h, cgroup) > 0;
    const signo = signal ? constants.signals[signal] : undefined;
    const exitCode = signo !== undefined ? 128 + signo : (code ?? 0);
    const now = this.#clock();
    const terminated: TerminatedState = {
      exitCode,
      ...(signo !== undefined ? { signal: signo } : {}),
      reason: oom ? "OOMKilled" : exitCode === 0 ? "Completed" : "Error",
      startedAt: iso(this.#startedAtMs),
      finishedAt: iso(now),
      containerID: `containerd://${id}`,
    };
    this.#child = undefined;
    this.#ready = false;
    this.#retire(cgroup);
    if (this.#stopping) {
      this.#terminated = terminated;
      this.#o.onChange();
      return;
    }
    this.#o.log.info({ container: this.name, exitCode, reason: terminated.reason }, "container exited");
    if (oom)
      this.#o.onEvent({
        type: "Warning",
        reason: "OOMKilling",
        message: `Container ${this.name} was OOM-killed (exit code 137)`,
      });
    const policy = String(this.#pod.spec?.restartPolicy ?? "Always");
    if (policy === "Never" || (policy === "OnFailure" && exitCode === 0)) {
      this.#terminated = terminated;
      this.#o.onChange();
      return;
    }
    this.#lastTerminated = terminated;
    const ranMs = now - this.#startedAtMs;
    if (ranMs >= this.#o.backoff.resetAfterMs) this.#consecutiveRestarts = 0;
    const delay = restartDelayMs(this.#o.backoff, this.#consecutiveRestarts, ranMs);
    this.#consecutiveRestarts++;
    this.#restartCount++;
    if (delay > 0) {
      const message = `back-off ${Math.round(delay / 1000)}s restarting failed container=${this.name} pod=${String(this.#pod.metadata?.name)}_${String(this.#pod.metadata?.namespace)}(${String(this.#pod.metadata?.uid)})`;
      this.#waiting = { reason: "CrashLoopBackOff", message };
      this.#o.onEvent({
        type: "Warning",
        reason: "BackOff",
        message: `Back-off restarting failed container ${this.name}`,
      });
    } else {
      this.#waiting = { reason: "ContainerCreating", message: "" };
    }
    this.#o.onChange();
    this.#restartTimer = setTimeout(() => this.start(), delay);
  }

  /** Removes an exited container's cgroup after a while (the agent reads its last counters). */
  #retire(cgroup: string): void {
    const h = this.#o.sandbox.hierarchies;
    if (!h) return;
    this.#deadCgroups.add(cgroup);
    const timer = setTimeout(() => {
      this.#cleanupTimers.delete(timer);
      if (removeCgroupTree(h, cgroup).length === 0) this.#deadCgroups.delete(cgroup);
    }, this.#o.deadCgroupRetentionMs);
    this.#cleanupTimers.add(timer);
  }

  #startProbe(): void {
    const probe = this.#o.spec.readinessProbe as KubeObject | undefined;
    if (!probe?.httpGet) {
      this.#ready = true;
      return;
    }
    const periodMs = Number(probe.periodSeconds ?? 10) * 1000;
    const failureThreshold = Number(probe.failureThreshold ?? 3);
    const url = `http://${this.#o.sandbox.podIp}:${String(probe.httpGet.port)}${String(probe.httpGet.path ?? "/")}`;
    const check = async (): Promise<void> => {
      let ok = false;
      try {
        const res = await fetch(url, {
          signal: AbortSignal.timeout(Number(probe.timeoutSeconds ?? 1) * 1000),
        });
        ok = res.status >= 200 && res.status < 400;
        await res.body?.cancel();
      } catch {
        ok = false;
      }
      if (!this.#child) return;
      const was = this.#ready;
      if (ok) {
        this.#probeFailures = 0;
        this.#ready = true;
      } else if (++this.#probeFailures >= failureThreshold) this.#ready = false;
      if (was !== this.#ready) this.#o.onChange();
    };
    // Probe quickly until first ready, then every period.
    const tick = (): void => {
      void check().finally(() => {
        if (!this.#child) return;
        this.#probeTimer = setTimeout(tick, this.#ready ? periodMs : Math.min(periodMs, 250));
      });
    };
    this.#probeTimer = setTimeout(tick, 100);
  }

  #stopProbe(): void {
    clearTimeout(this.#probeTimer);
    this.#probeTimer = undefined;
  }

  /** The container's entry in `status.containerStatuses`. */
  status(): KubeObject {
    const spec = this.#o.spec;
    const state = this.#child
      ? { running: { startedAt: iso(this.#startedAtMs) } }
      : this.#terminated
        ? { terminated: this.#terminated }
        : { waiting: this.#waiting ?? { reason: "ContainerCreating" } };
    return {
      name: this.name,
      image: spec.image,
      imageID: `${String(spec.image)}@sha256:${"0".repeat(64)}`,
      ...(this.#containerId ? { containerID: `containerd://${this.#containerId}` } : {}),
      ready: this.#child !== undefined && this.#ready,
      started: this.#child !== undefined,
      restartCount: this.#restartCount,
      state,
      lastState: this.#lastTerminated ? { terminated: this.#lastTerminated } : {},
    };
  }

  /** True while the process runs. */
  get running(): boolean {
    return this.#child !== undefined;
  }

  /** Stops the container: SIGTERM, SIGKILL after `graceMs`; removes every cgroup it made. */
  async stop(graceMs: number): Promise<void> {
    this.#stopping = true;
    clearTimeout(this.#restartTimer);
    this.#stopProbe();
    const child = this.#child;
    if (child) {
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        child.kill("SIGKILL");
        const h = this.#o.sandbox.hierarchies;
        if (h) removeCgroupTree(h, this.cgroup);
      }, graceMs);
      await exited;
      clearTimeout(timer);
    }
    for (const t of this.#cleanupTimers) clearTimeout(t);
    this.#cleanupTimers.clear();
    const h = this.#o.sandbox.hierarchies;
    if (h) for (const cgroup of [...this.#deadCgroups, this.cgroup]) removeCgroupTree(h, cgroup);
  }
}
