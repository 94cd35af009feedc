import { type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { labelSelectorMatcher } from "../selectors.js";
import { type KubeObject, type StoredEntry } from "../store.js";
import { timestamp } from "./pod-template.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/** Annotation on a pod that another program schedules and runs: the simulator leaves it alone. */
export const EXTERNAL_ANNOTATION = "kube-sim.causeway.dev/external";

function tolerates(pod: Any, taint: Any): boolean {
  return ((pod.spec?.tolerations ?? []) as Any[]).some(
    (t) =>
      (t.operator === "Exists"
        ? !t.key || t.key === taint.key
        : t.key === taint.key && (t.value ?? "") === (taint.value ?? "")) &&
      (!t.effect || t.effect === taint.effect),
  );
}

/**
 * The default scheduler, simplified: binds a pending pod to the next Ready, schedulable node
 * (round robin) that matches its nodeSelector and whose NoSchedule taints it tolerates.
 */
export class Scheduler {
  #cursor = 0;
  readonly #server: KubeApiServer;

  constructor(server: KubeApiServer) {
    this.#server = server;
  }

  schedule(namespace: string, name: string): void {
    const server = this.#server;
    const pod = server.store.get(TYPES.pods, namespace, name) as (KubeObject & Any) | undefined;
    if (!pod || pod.spec?.nodeName || pod.metadata.deletionTimestamp) return;
    if ((pod.spec?.schedulerName ?? "default-scheduler") !== "default-scheduler") return;
    if (pod.metadata.annotations?.[EXTERNAL_ANNOTATION] === "true") return;
    const selector = labelSelectorMatcher({ matchLabels: pod.spec?.nodeSelector ?? {} });
    const nodes: StoredEntry[] = [...server.store.entries(TYPES.nodes)];
    let chosen: KubeObject | undefined;
    for (let i = 0; i < nodes.length && !chosen; i++) {
      const e = nodes[(this.#cursor + i) % nodes.length] as StoredEntry;
      if (!selector(e.labels)) continue;
      const node = JSON.parse(e.raw.toString("utf8")) as KubeObject & Any;
      if (node.spec?.unschedulable) continue;
      const ready = ((node.status?.conditions ?? []) as Any[]).find((c) => c.type === "Ready");
      if (ready?.status !== "True") continue;
      if (
        ((node.spec?.taints ?? []) as Any[]).some(
          (t) => (t.effect === "NoSchedule" || t.effect === "NoExecute") && !tolerates(pod, t),
        )
      )
        continue;
      chosen = node;
      this.#cursor = (this.#cursor + i + 1) % nodes.length;
    }
    const conditions = ((pod.status?.conditions ?? []) as Any[]).filter((c) => c.type !== "PodScheduled");
    if (!chosen) {
      const message = `0/${nodes.length} nodes are available: ${nodes.length === 0 ? "no nodes available to schedule pods" : `${nodes.length} node(s) didn't match Pod's node affinity/selector, or were not ready, unschedulable or tainted`}. preemption: 0/${nodes.length} nodes are available.`;
      const previous = ((pod.status?.conditions ?? []) as Any[]).find((c) => c.type === "PodScheduled");
      if (previous?.message === message) return;
      pod.status = {
        ...(pod.status ?? {}),
        phase: "Pending",
        conditions: [
          ...conditions,
          {
            type: "PodScheduled",
            status: "False",
            lastProbeTime: null,
            lastTransitionTime: timestamp(server.clock()),
            reason: "Unschedulable",
            message,
          },
        ],
      };
      server.write(TYPES.pods, pod);
      server.events.record({
        involved: pod,
        type: "Warning",
        reason: "FailedScheduling",
        message,
        component: "default-scheduler",
      });
      return;
    }
    pod.spec = { ...pod.spec, nodeName: chosen.metadata.name };
    pod.status = {
      ...(pod.status ?? {}),
      conditions: [
        ...conditions,
        {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: timestamp(server.clock()),
        },
      ],
    };
    server.write(TYPES.pods, pod);
    server.events.record({
      involved: pod,
      type: "Normal",
      reason: "Scheduled",
      message: `Successfully assigned ${namespace}/${name} to ${chosen.metadata.name}`,
      component: "default-scheduler",
    });
  }
}
