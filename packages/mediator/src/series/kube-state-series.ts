import { parseQuantity } from "../kube/slim.js";
import {
  type SlimHpa,
  type SlimNode,
  type SlimObject,
  type SlimPod,
  type SlimService,
  type SlimWorkload,
} from "../kube/slim.js";
import { type ResourceKind } from "../kube/cluster-model.js";

type Labels = readonly (readonly [string, string])[];

function escape(value: string): string {
  return value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}

function line(name: string, labels: Labels, value: number, atMs: number): string {
  const body = labels.map(([k, v]) => `${k}="${escape(v)}"`).join(",");
  return `${name}{${body}} ${Number.isFinite(value) ? value : 0} ${atMs}`;
}

const POD_PHASES = ["Pending", "Running", "Succeeded", "Failed", "Unknown"];
const NODE_CONDITIONS = ["Ready", "MemoryPressure", "DiskPressure", "PIDPressure", "NetworkUnavailable"];

/**
 * Cluster-level series in the style (names and labels) of kube-state-metrics, from the reduced
 * objects the informers hold: one sample per series at `atMs`. Pod phases are written sparsely
 * (the current phase only). `emit` receives lines in chunks, and the event loop gets a turn
 * between chunks, so 150,000 pods never become one giant array or one long pause.
 */
export async function kubeStateSeries(
  cached: (kind: ResourceKind) => readonly SlimObject[],
  atMs: number,
  emit: (lines: string[]) => void,
  chunkLines = 10_000,
): Promise<number> {
  let out: string[] = [];
  let total = 0;
  let due = false;
  const push = (name: string, labels: Labels, value: number): void => {
    out.push(line(name, labels, value, atMs));
    if (out.length >= chunkLines) {
      total += out.length;
      emit(out);
      out = [];
      due = true;
    }
  };
  const yieldIfDue = async (): Promise<void> => {
    if (!due) return;
    due = false;
    await new Promise<void>((r) => setImmediate(r));
  };
  for (const o of cached("node") as readonly SlimNode[]) {
    await yieldIfDue();
    const node = o.metadata.name;
    push(
      "kube_node_info",
      [
        ["node", node],
        ["internal_ip", o.internalIP ?? ""],
        ["kubelet_version", o.kubeletVersion ?? ""],
      ],
      1,
    );
    push("kube_node_spec_unschedulable", [["node", node]], o.unschedulable ? 1 : 0);
    for (const type of NODE_CONDITIONS) {
      const c = o.conditions.find((x) => x.type === type);
      if (!c) continue;
      for (const status of ["true", "false", "unknown"]) {
        push(
          "kube_node_status_condition",
          [
            ["node", node],
            ["condition", type],
            ["status", status],
          ],
          c.status.toLowerCase() === status ? 1 : 0,
        );
      }
    }
    const cpu = o.capacity.cpu ? parseQuantity(o.capacity.cpu) : undefined;
    const memory = o.capacity.memory ? parseQuantity(o.capacity.memory) : undefined;
    if (cpu !== undefined)
      push(
        "kube_node_status_capacity",
        [
          ["node", node],
          ["resource", "cpu"],
          ["unit", "core"],
        ],
        cpu,
      );
    if (memory !== undefined)
      push(
        "kube_node_status_capacity",
        [
          ["node", node],
          ["resource", "memory"],
          ["unit", "byte"],
        ],
        memory,
      );
  }
  for (const o of cached("pod") as readonly SlimPod[]) {
    await yieldIfDue();
    const ns = o.metadata.namespace ?? "";
    const pod = o.metadata.name;
    const base: Labels = [
      ["namespace", ns],
      ["pod", pod],
    ];
    const owner = o.metadata.ownerReferences?.[0];
    push(
      "kube_pod_info",
      [
        ...base,
        ["uid", o.metadata.uid],
        ["node", o.nodeName ?? ""],
        ["pod_ip", o.podIP ?? ""],
        ["created_by_kind", owner?.kind ?? ""],
        ["created_by_name", owner?.name ?? ""],
      ],
      1,
    );
    for (const phase of POD_PHASES)
      push("kube_pod_status_phase", [...base, ["phase", phase]], o.phase === phase ? 1 : 0);
    const scheduled = o.conditions.find((c) => c.type === "PodScheduled");
    if (scheduled?.status === "False" && scheduled.reason === "Unschedulable")
      push("kube_pod_status_unschedulable", base, 1);
    for (const c of o.containers) {
      const cl: Labels = [...base, ["container", c.name]];
      for (const [resource, q] of Object.entries(c.limits ?? {})) {
        const v = parseQuantity(q);
        if (v !== undefined)
          push(
            "kube_pod_container_resource_limits",
            [...cl, ["resource", resource], ["unit", resource === "cpu" ? "core" : "byte"]],
            v,
          );
      }
      for (const [resource, q] of Object.entries(c.requests ?? {})) {
        const v = parseQuantity(q);
        if (v !== undefined)
          push(
            "kube_pod_container_resource_requests",
            [...cl, ["resource", resource], ["unit", resource === "cpu" ? "core" : "byte"]],
            v,
          );
      }
    }
    for (const s of o.containerStatuses) {
      const cl: Labels = [...base, ["container", s.name]];
      push("kube_pod_container_status_restarts_total", cl, s.restartCount);
      push("kube_pod_container_status_ready", cl, s.ready ? 1 : 0);
      if (s.waitingReason)
        push("kube_pod_container_status_waiting_reason", [...cl, ["reason", s.waitingReason]], 1);
      if (s.lastTerminatedReason)
        push(
          "kube_pod_container_status_last_terminated_reason",
          [...cl, ["reason", s.lastTerminatedReason]],
          1,
        );
    }
  }
  for (const o of cached("service") as readonly SlimService[]) {
    push(
      "kube_service_info",
      [
        ["namespace", o.metadata.namespace ?? ""],
        ["service", o.metadata.name],
        ["cluster_ip", o.clusterIPs[0] ?? ""],
        ["type", o.type ?? ""],
      ],
      1,
    );
  }
  const workloads: [ResourceKind, string, string][] = [
    ["deployment", "kube_deployment", "deployment"],
    ["replicaset", "kube_replicaset", "replicaset"],
    ["statefulset", "kube_statefulset", "statefulset"],
    ["daemonset", "kube_daemonset", "daemonset"],
  ];
  for (const [kind, prefix, label] of workloads) {
    for (const o of cached(kind) as readonly SlimWorkload[]) {
      await yieldIfDue();
      const l: Labels = [
        ["namespace", o.metadata.namespace ?? ""],
        [label, o.metadata.name],
      ];
      if (kind === "daemonset") {
        push(`${prefix}_status_desired_number_scheduled`, l, o.replicas ?? 0);
        push(`${prefix}_status_number_ready`, l, o.readyReplicas ?? 0);
        push(`${prefix}_status_number_unavailable`, l, o.unavailableReplicas ?? 0);
        continue;
      }
      push(`${prefix}_spec_replicas`, l, o.replicas ?? 0);
      push(
        kind === "statefulset" ? `${prefix}_status_replicas_ready` : `${prefix}_status_ready_replicas`,
        l,
        o.readyReplicas ?? 0,
      );
      if (kind === "deployment") {
        push(`${prefix}_status_replicas_available`, l, o.availableReplicas ?? 0);
        push(`${prefix}_status_replicas_unavailable`, l, o.unavailableReplicas ?? 0);
        push(`${prefix}_status_replicas_updated`, l, o.updatedReplicas ?? 0);
      }
    }
  }
  for (const o of cached("job") as readonly SlimWorkload[]) {
    const l: Labels = [
      ["namespace", o.metadata.namespace ?? ""],
      ["job_name", o.metadata.name],
    ];
    push("kube_job_status_active", l, o.active ?? 0);
    push("kube_job_status_succeeded", l, o.succeeded ?? 0);
    push("kube_job_status_failed", l, o.failed ?? 0);
  }
  for (const o of cached("cronjob") as readonly SlimWorkload[]) {
    push(
      "kube_cronjob_spec_suspend",
      [
        ["namespace", o.metadata.namespace ?? ""],
        ["cronjob", o.metadata.name],
      ],
      o.suspend ? 1 : 0,
    );
  }
  for (const o of cached("hpa") as readonly SlimHpa[]) {
    const l: Labels = [
      ["namespace", o.metadata.namespace ?? ""],
      ["horizontalpodautoscaler", o.metadata.name],
    ];
    push("kube_horizontalpodautoscaler_spec_min_replicas", l, o.minReplicas);
    push("kube_horizontalpodautoscaler_spec_max_replicas", l, o.maxReplicas);
    push("kube_horizontalpodautoscaler_status_current_replicas", l, o.currentReplicas);
    push("kube_horizontalpodautoscaler_status_desired_replicas", l, o.desiredReplicas);
  }
  if (out.length > 0) {
    total += out.length;
    emit(out);
  }
  return total;
}
