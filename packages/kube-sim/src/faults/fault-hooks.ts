/** Node conditions a fault can raise. */
export type PressureCondition = "MemoryPressure" | "DiskPressure" | "PIDPressure" | "NetworkUnavailable";

/** A fault on one container, applied by the simulated kubelet. */
export type ContainerFault =
  | {
      readonly kind: "CrashLoopBackOff";
      readonly exitCode: number;
      nextRestartMs: number;
      pendingRestarts: number;
    }
  | { readonly kind: "ImagePullBackOff" }
  | { readonly kind: "OOMKilled"; applied: boolean };

/** Faults on one node. */
export interface NodeFault {
  /** Ready condition status while the fault lasts: False (kubelet not ready) or Unknown (unreachable). */
  notReady?: "False" | "Unknown";
  readonly pressure: Set<PressureCondition>;
}

/** A fault as listed by {@link FaultHooks.list} and the admin API. */
export interface FaultDescription {
  readonly kind: string;
  readonly namespace?: string;
  readonly pod?: string;
  readonly container?: string;
  readonly node?: string;
}

/** The pod to act on and, optionally, which container (default: the first). */
export interface PodTarget {
  readonly namespace: string;
  readonly pod: string;
  readonly container?: string;
}

/**
 * Fault hooks: what the simulated kubelet makes containers and nodes do. Each call records the
 * fault and asks the kubelet to apply it at once; clearing returns the pod or node to health.
 */
export class FaultHooks {
  readonly podFaults = new Map<string, Map<string, ContainerFault>>();
  readonly nodeFaults = new Map<string, NodeFault>();
  readonly #now: () => number;
  readonly #crashLoopRestartMs: number;
  /** Set by the controller manager: re-evaluates a pod or node after a change here. */
  onChange: (target: { namespace: string; pod: string } | { node: string }) => string | undefined = () =>
    undefined;

  constructor(now: () => number, crashLoopRestartMs: number) {
    this.#now = now;
    this.#crashLoopRestartMs = crashLoopRestartMs;
  }

  #container(t: PodTarget): string {
    const resolved = this.onChange({ namespace: t.namespace, pod: t.pod });
    const name = t.container ?? resolved;
    if (!name) throw new Error(`pod ${t.namespace}/${t.pod} not found or has no containers`);
    return name;
  }

  #setPod(t: PodTarget, fault: ContainerFault): void {
    const container = this.#container(t);
    const key = `${t.namespace}/${t.pod}`;
    const m = this.podFaults.get(key) ?? new Map<string, ContainerFault>();
    m.set(container, fault);
    this.podFaults.set(key, m);
    this.onChange({ namespace: t.namespace, pod: t.pod });
  }

  /**
   * The container keeps crashing: waiting in CrashLoopBackOff, last state terminated with
   * `exitCode` (default 1), restartCount growing every restart interval, the pod not ready.
   */
  crashLoop(t: PodTarget & { exitCode?: number }): void {
    this.#setPod(t, {
      kind: "CrashLoopBackOff",
      exitCode: t.exitCode ?? 1,
      nextRestartMs: this.#now() + this.#crashLoopRestartMs,
      pendingRestarts: 1,
    });
  }

  /** The container was OOM-killed once: restartCount + 1, last state terminated OOMKilled (137), running again. */
  oomKill(t: PodTarget): void {
    this.#setPod(t, { kind: "OOMKilled", applied: false });
  }

  /** The container's image cannot be pulled: waiting in ImagePullBackOff, the pod Pending. */
  imagePullFailure(t: PodTarget): void {
    this.#setPod(t, { kind: "ImagePullBackOff" });
  }

  /** The node stops being Ready: condition Ready False (or Unknown), not-ready taint, its pods not ready. */
  nodeNotReady(node: string, status: "False" | "Unknown" = "False"): void {
    const f = this.nodeFaults.get(node) ?? { pressure: new Set<PressureCondition>() };
    f.notReady = status;
    this.nodeFaults.set(node, f);
    this.onChange({ node });
  }

  /** The node reports a pressure condition (True) with its NoSchedule taint. */
  nodePressure(node: string, condition: PressureCondition): void {
    const f = this.nodeFaults.get(node) ?? { pressure: new Set<PressureCondition>() };
    f.pressure.add(condition);
    this.nodeFaults.set(node, f);
    this.onChange({ node });
  }

  /** Clears a pod's faults (one container's, or all). */
  clearPod(namespace: string, pod: string, container?: string): void {
    const key = `${namespace}/${pod}`;
    if (container) this.podFaults.get(key)?.delete(container);
    else this.podFaults.delete(key);
    if (this.podFaults.get(key)?.size === 0) this.podFaults.delete(key);
    this.onChange({ namespace, pod });
  }

  /** Clears a node's faults (one condition, or all). */
  clearNode(node: string, condition?: PressureCondition | "Ready"): void {
    const f = this.nodeFaults.get(node);
    if (f && condition === "Ready") delete f.notReady;
    else if (f && condition) f.pressure.delete(condition as PressureCondition);
    else this.nodeFaults.delete(node);
    if (f && f.notReady === undefined && f.pressure.size === 0) this.nodeFaults.delete(node);
    this.onChange({ node });
  }

  /** Clears every fault. */
  clearAll(): void {
    const pods = [...this.podFaults.keys()];
    const nodes = [...this.nodeFaults.keys()];
    this.podFaults.clear();
    this.nodeFaults.clear();
    for (const k of pods) {
      const [namespace, pod] = k.split("/") as [string, string];
      this.onChange({ namespace, pod });
    }
    for (const node of nodes) this.onChange({ node });
  }

  list(): FaultDescription[] {
    const out: FaultDescription[] = [];
    for (const [key, m] of this.podFaults) {
      const [namespace, pod] = key.split("/") as [string, string];
      for (const [container, f] of m) out.push({ kind: f.kind, namespace, pod, container });
    }
    for (const [node, f] of this.nodeFaults) {
      if (f.notReady) out.push({ kind: "NodeNotReady", node });
      for (const p of f.pressure) out.push({ kind: p, node });
    }
    return out;
  }

  /** Advances crash loops; returns the pods that restarted. */
  tick(): { namespace: string; pod: string }[] {
    const now = this.#now();
    const out: { namespace: string; pod: string }[] = [];
    for (const [key, m] of this.podFaults) {
      for (const f of m.values()) {
        if (f.kind !== "CrashLoopBackOff" || f.nextRestartMs > now) continue;
        f.pendingRestarts++;
        f.nextRestartMs = now + this.#crashLoopRestartMs;
        const [namespace, pod] = key.split("/") as [string, string];
        out.push({ namespace, pod });
      }
    }
    return out;
  }
}
