import { join } from "node:path";
import { type Logger } from "@causeway/runtime";
import { createCgroup, removeCgroupTree, type CgroupHierarchies } from "../host/cgroups.js";
import { type PodNetwork, type PodNetworkHandle } from "../host/pod-network.js";
import { type KubeObject } from "../kube/kube-client.js";
import { ContainerRunner, type ContainerEvent } from "./container-runner.js";
import { type ImageStore } from "./image-store.js";
import { type RestartBackoffOptions } from "./restart-backoff.js";

/** What every pod worker of one kubelet shares. */
export interface PodWorkerContext {
  readonly nodeName: string;
  readonly hostIp: string;
  readonly hierarchies: CgroupHierarchies | undefined;
  /** Undefined in degraded mode (pods share the host network on their own loopback address). */
  readonly network: PodNetwork | undefined;
  /** Allocates a loopback address per pod in degraded mode. */
  readonly allocateLoopbackIp: () => string;
  readonly releaseLoopbackIp: (ip: string) => void;
  /** Top of the cgroup tree the kubelet owns, e.g. `causeway-local`. */
  readonly cgroupRoot: string;
  readonly logDir: string;
  readonly images: ImageStore;
  readonly backoff: RestartBackoffOptions;
  readonly deadCgroupRetentionMs: number;
  readonly maxGracePeriodMs: number;
  readonly log: Logger;
  /** Writes the pod's status (the kubelet serializes and coalesces writes). */
  readonly writeStatus: (worker: PodWorker) => void;
  readonly recordEvent: (pod: KubeObject, event: ContainerEvent) => void;
}

/** The pod's QoS class, from its containers' requests and limits. */
export function qosClass(pod: KubeObject): "Guaranteed" | "Burstable" | "BestEffort" {
  const containers = (pod.spec?.containers ?? []) as KubeObject[];
  let any = false;
  let guaranteed = containers.length > 0;
  for (const c of containers) {
    const req = (c.resources?.requests ?? {}) as KubeObject;
    const lim = (c.resources?.limits ?? {}) as KubeObject;
    if (Object.keys(req).length > 0 || Object.keys(lim).length > 0) any = true;
    for (const r of ["cpu", "memory"]) {
      if (lim[r] === undefined || (req[r] !== undefined && String(req[r]) !== String(lim[r])))
        guaranteed = false;
    }
  }
  return guaranteed ? "Guaranteed" : any ? "Burstable" : "BestEffort";
}

const iso = (ms: number): string => new Date(ms).toISOString().replace(/\.\d{3}Z$/, "Z");

/**
 * One pod on this node: its sandbox (a cgroup in the kubelet's layout, a network namespace with an
 * address) and a runner per container; turns their state into the pod's status.
 */
export class PodWorker {
  readonly uid: string;
  readonly #ctx: PodWorkerContext;
  #pod: KubeObject;
  #network: PodNetworkHandle | undefined;
  #podIp = "";
  #runners: ContainerRunner[] = [];
  #startedAtMs = 0;
  #terminating: Promise<void> | undefined;

  constructor(ctx: PodWorkerContext, pod: KubeObject) {
    this.#ctx = ctx;
    this.#pod = pod;
    this.uid = String(pod.metadata.uid);
  }

  get pod(): KubeObject {
    return this.#pod;
  }

  get podIp(): string {
    return this.#podIp;
  }

  get runners(): readonly ContainerRunner[] {
    return this.#runners;
  }

  get terminating(): boolean {
    return this.#terminating !== undefined;
  }

  /** The pod cgroup, e.g. `causeway-local/kubepods/burstable/pod<uid>`. */
  get podCgroup(): string {
    const qos = qosClass(this.#pod);
    const tier = qos === "Guaranteed" ? "" : `/${qos.toLowerCase()}`;
    return `${this.#ctx.cgroupRoot}/kubepods${tier}/pod${this.uid}`;
  }

  /** Sets up the sandbox and starts every container. */
  async start(): Promise<void> {
    const ctx = this.#ctx;
    this.#startedAtMs = Date.now();
    if (ctx.network) {
      this.#network = await ctx.network.addPod(this.uid.replace(/-/g, "").slice(0, 8));
      this.#podIp = this.#network.ip;
    } else {
      this.#podIp = ctx.allocateLoopbackIp();
    }
    if (ctx.hierarchies) createCgroup(ctx.hierarchies, this.podCgroup);
    const name = `${String(this.#pod.metadata.namespace)}_${String(this.#pod.metadata.name)}_${this.uid}`;
    for (const spec of (this.#pod.spec?.containers ?? []) as KubeObject[]) {
      const runner = new ContainerRunner({
        pod: this.#pod,
        spec,
        sandbox: {
          hierarchies: ctx.hierarchies,
          podCgroup: this.podCgroup,
          netnsPath: this.#network?.netnsPath,
          podIp: this.#podIp,
          logDir: join(ctx.logDir, name),
        },
        images: ctx.images,
        backoff: ctx.backoff,
        deadCgroupRetentionMs: ctx.deadCgroupRetentionMs,
        log: ctx.log.child({
          pod: `${String(this.#pod.metadata.namespace)}/${String(this.#pod.metadata.name)}`,
        }),
        onChange: () => ctx.writeStatus(this),
        onEvent: (event) => ctx.recordEvent(this.#pod, event),
      });
      this.#runners.push(runner);
    }
    ctx.writeStatus(this);
    for (const r of this.#runners) r.start();
  }

  update(pod: KubeObject): void {
    this.#pod = pod;
    for (const r of this.#runners) r.updatePod(pod);
  }

  /** Stops the containers (SIGTERM, then SIGKILL after the grace period) and removes the sandbox. */
  terminate(graceMs?: number): Promise<void> {
    this.#terminating ??= (async () => {
      const ctx = this.#ctx;
      const grace = Math.min(
        ctx.maxGracePeriodMs,
        graceMs ?? Number(this.#pod.spec?.terminationGracePeriodSeconds ?? 30) * 1000,
      );
      await Promise.all(this.#runners.map((r) => r.stop(grace)));
      if (ctx.hierarchies) removeCgroupTree(ctx.hierarchies, this.podCgroup);
      if (this.#network) await ctx.network?.removePod(this.#network);
      else if (this.#podIp) ctx.releaseLoopbackIp(this.#podIp);
    })();
    return this.#terminating;
  }

  /** The pod's status as a kubelet writes it. */
  status(): KubeObject {
    const statuses = this.#runners.map((r) => r.status());
    const ready = statuses.length > 0 && statuses.every((s) => s.ready === true);
    const running = statuses.some((s) => s.state.running);
    const restarting = statuses.some((s) => s.restartCount > 0 || s.lastState?.terminated);
    const allTerminated = statuses.length > 0 && statuses.every((s) => s.state.terminated);
    const allSucceeded = allTerminated && statuses.every((s) => s.state.terminated.exitCode === 0);
    const phase = allTerminated
      ? allSucceeded
        ? "Succeeded"
        : "Failed"
      : running || restarting
        ? "Running"
        : "Pending";
    const previous = ((this.#pod.status?.conditions ?? []) as KubeObject[]).filter(
      (c) => c.type !== "PodScheduled",
    );
    const now = iso(Date.now());
    const cond = (type: string, value: boolean, reason?: string): KubeObject => {
      const v = value ? "True" : "False";
      const old = previous.find((c) => c.type === type);
      return {
        type,
        status: v,
        lastProbeTime: null,
        lastTransitionTime: old?.status === v ? old.lastTransitionTime : now,
        ...(reason && !value ? { reason } : {}),
      };
    };
    return {
      phase,
      conditions: [
        cond("PodReadyToStartContainers", this.#podIp !== ""),
        cond("Initialized", true),
        cond("ContainersReady", ready, "ContainersNotReady"),
        cond("Ready", ready && !this.terminating, "ContainersNotReady"),
        {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: iso(this.#startedAtMs),
        },
      ],
      hostIP: this.#ctx.hostIp,
      hostIPs: [{ ip: this.#ctx.hostIp }],
      ...(this.#podIp ? { podIP: this.#podIp, podIPs: [{ ip: this.#podIp }] } : {}),
      startTime: iso(this.#startedAtMs),
      qosClass: qosClass(this.#pod),
      containerStatuses: statuses,
    };
  }
}
