import { entityId, type WorkloadKind } from "@causeway/protocol";
import { type IpIndex } from "../graph/ip-index.js";
import { type TopologyGraph } from "../graph/topology-graph.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";
import {
  parseQuantity,
  unixMs,
  type SlimEndpointSlice,
  type SlimEvent,
  type SlimHpa,
  type SlimNode,
  type SlimObject,
  type SlimPod,
  type SlimService,
  type SlimWorkload,
} from "./slim.js";

/** Source name of everything derived from the Kubernetes API. */
export const KUBERNETES_SOURCE = "kubernetes";

export interface ClusterSymptomWindows {
  /** A pod pending at least this long is `pod_pending`. */
  readonly podPendingAfterMs: number;
  /** `oom_killed_last_state` stays on this long after the OOM kill. */
  readonly oomKilledWindowMs: number;
  /** `recent_rollout` stays on this long after a new ReplicaSet appears. */
  readonly rolloutWindowMs: number;
  /** A deployment short of available replicas at least this long is `deployment_unavailable_replicas`. */
  readonly unavailableReplicasAfterMs: number;
}

export const DEFAULT_CLUSTER_SYMPTOM_WINDOWS: ClusterSymptomWindows = {
  podPendingAfterMs: 60_000,
  oomKilledWindowMs: 10 * 60_000,
  rolloutWindowMs: 15 * 60_000,
  unavailableReplicasAfterMs: 60_000,
};

/** A recent Warning event, attached to the entity it is about. */
export interface WarningEvent {
  readonly entityId: string;
  readonly reason: string;
  readonly message: string;
  readonly count: number;
  readonly lastUnixMs: number;
}

export type ResourceKind =
  | "node"
  | "pod"
  | "service"
  | "endpointslice"
  | "deployment"
  | "replicaset"
  | "statefulset"
  | "daemonset"
  | "job"
  | "cronjob"
  | "hpa"
  | "event";

interface WantedSymptom {
  readonly summary: string;
  readonly evidence: Record<string, number>;
  readonly sinceUnixMs?: number;
}

const WORKLOAD_OWNER_KINDS: Readonly<Record<string, WorkloadKind>> = {
  ReplicaSet: "replicaset",
  StatefulSet: "statefulset",
  DaemonSet: "daemonset",
  Job: "job",
  Deployment: "deployment",
  CronJob: "cronjob",
};

/** Entity kinds each informer produces, for the sweep after a relist. */
const KINDS_OF: Readonly<Record<ResourceKind, readonly string[]>> = {
  node: ["node"],
  pod: ["pod", "container"],
  service: ["service"],
  endpointslice: [],
  deployment: ["deployment"],
  replicaset: ["replicaset"],
  statefulset: ["statefulset"],
  daemonset: ["daemonset"],
  job: ["job"],
  cronjob: ["cronjob"],
  hpa: ["hpa"],
  event: [],
};

function ns(o: SlimObject): string {
  return o.metadata.namespace ?? "";
}

function baseAttributes(o: SlimObject): Record<string, string> {
  const created = unixMs(o.metadata.creationTimestamp);
  return { uid: o.metadata.uid, ...(created !== undefined ? { created_unix_ms: String(created) } : {}) };
}

function setIf(target: Record<string, string>, key: string, value: number | string | undefined): void {
  if (value !== undefined && value !== "") target[key] = String(value);
}

/**
 * Turns Kubernetes objects, as informers report them, into the topology graph (entities, with
 * the attributes the causal engine reads, and their relations) and into the cluster symptoms.
 * Time-bound symptoms (pending for a while, a recent OOM kill or rollout) are re-evaluated by `tick`.
 */
export class ClusterModel {
  readonly #graph: TopologyGraph;
  readonly #symptoms: SymptomStore;
  readonly #ips: IpIndex;
  readonly #windows: ClusterSymptomWindows;
  readonly #clock: () => number;
  /** Pods whose symptoms depend on time (pending, recent OOM kill): re-evaluated on tick. */
  readonly #timedPods = new Map<string, SlimPod>();
  readonly #timedDeployments = new Map<string, SlimWorkload>();
  /** Per deployment, its newest ReplicaSet revision and when that ReplicaSet was created. */
  readonly #rollouts = new Map<string, { revision: number; createdUnixMs: number }>();
  /** EndpointSlice → (service, pods), and service → its slices. */
  readonly #slices = new Map<string, { serviceId: string; podIds: string[] }>();
  readonly #slicesOfService = new Map<string, Set<string>>();
  readonly #events: WarningEvent[] = [];
  readonly #maxEvents: number;
  /** Entity ids touched since a relist began, per resource kind. */
  readonly #resync = new Map<ResourceKind, Set<string>>();
  readonly #onNodeDeleted: ((nodeName: string) => void) | undefined;

  constructor(options: {
    readonly graph: TopologyGraph;
    readonly symptoms: SymptomStore;
    readonly ips: IpIndex;
    readonly windows?: Partial<ClusterSymptomWindows>;
    readonly clock?: () => number;
    readonly maxWarningEvents?: number;
    /** Called when a node leaves the cluster (its agents' reports can go too). */
    readonly onNodeDeleted?: (nodeName: string) => void;
  }) {
    this.#onNodeDeleted = options.onNodeDeleted;
    this.#graph = options.graph;
    this.#symptoms = options.symptoms;
    this.#ips = options.ips;
    this.#windows = { ...DEFAULT_CLUSTER_SYMPTOM_WINDOWS, ...options.windows };
    this.#clock = options.clock ?? Date.now;
    this.#maxEvents = options.maxWarningEvents ?? 1000;
  }

  /**
   * Starts tracking which entities a relist of `kind` reports; `endResync` then removes the
   * Kubernetes-sourced entities of that kind it did not report (they were deleted while the
   * mediator was not watching, e.g. before a restart from a snapshot).
   */
  beginResync(kind: ResourceKind): void {
    this.#resync.set(kind, new Set());
  }

  endResync(kind: ResourceKind): number {
    const seen = this.#resync.get(kind);
    if (!seen) return 0;
    this.#resync.delete(kind);
    let removed = 0;
    for (const entityKind of KINDS_OF[kind]) {
      for (const id of [...this.#graph.idsOfKind(entityKind)]) {
        const e = this.#graph.getEntity(id);
        if (!e || seen.has(id) || !e.sources.includes(KUBERNETES_SOURCE)) continue;
        this.#graph.deleteEntity(KUBERNETES_SOURCE, id);
        this.#clearSymptoms(id);
        this.#ips.release(id, this.#clock());
        removed++;
      }
    }
    return removed;
  }

  #touch(kind: ResourceKind, id: string): void {
    this.#resync.get(kind)?.add(id);
  }

  apply(kind: ResourceKind, type: "upsert" | "delete", object: SlimObject): void {
    switch (kind) {
      case "node":
        if (type === "upsert") return this.#upsertNode(object as SlimNode);
        this.#deleteSimple(kind, entityId.node(object.metadata.name));
        this.#onNodeDeleted?.(object.metadata.name);
        return;
      case "pod":
        return type === "upsert" ? this.#upsertPod(object as SlimPod) : this.#deletePod(object as SlimPod);
      case "service":
        return type === "upsert"
          ? this.#upsertService(object as SlimService)
          : this.#deleteService(object as SlimService);
      case "endpointslice":
        return this.#endpointSlice(object as SlimEndpointSlice, type === "delete");
      case "deployment":
      case "replicaset":
      case "statefulset":
      case "daemonset":
      case "job":
      case "cronjob":
        return type === "upsert"
          ? this.#upsertWorkload(kind, object as SlimWorkload)
          : this.#deleteWorkload(kind, object as SlimWorkload);
      case "hpa":
        return type === "upsert"
          ? this.#upsertHpa(object as SlimHpa)
          : this.#deleteSimple(kind, this.#hpaId(object));
      case "event":
        if (type === "upsert") this.#event(object as SlimEvent);
        return;
    }
  }

  /** Re-evaluates time-bound symptoms. */
  tick(): void {
    for (const pod of [...this.#timedPods.values()]) this.#podSymptoms(pod);
    for (const d of [...this.#timedDeployments.values()]) this.#deploymentSymptoms(d);
    const now = this.#clock();
    for (const [deploymentId, r] of this.#rollouts) {
      if (now - r.createdUnixMs >= this.#windows.rolloutWindowMs) {
        this.#want(deploymentId, "recent_rollout", undefined);
      }
    }
    this.#ips.prune(now);
  }

  /** Recent Warning events, newest first, optionally for one entity. */
  warningEvents(entityId?: string): WarningEvent[] {
    const list = entityId ? this.#events.filter((e) => e.entityId === entityId) : [...this.#events];
    return list.reverse();
  }

  // Nodes

  #upsertNode(node: SlimNode): void {
    const id = entityId.node(node.metadata.name);
    this.#touch("node", id);
    const attrs = baseAttributes(node);
    setIf(attrs, "internal_ip", node.internalIP);
    const cpu = node.capacity.cpu ? parseQuantity(node.capacity.cpu) : undefined;
    const memory = node.capacity.memory ? parseQuantity(node.capacity.memory) : undefined;
    setIf(attrs, "cpu_capacity_millicores", cpu !== undefined ? Math.round(cpu * 1000) : undefined);
    setIf(attrs, "memory_capacity_bytes", memory !== undefined ? Math.round(memory) : undefined);
    setIf(attrs, "kubelet_version", node.kubeletVersion);
    if (node.unschedulable) attrs.unschedulable = "true";
    const ready = node.conditions.find((c) => c.type === "Ready");
    setIf(attrs, "ready", ready?.status);
    this.#graph.upsertEntity(
      KUBERNETES_SOURCE,
      { id, kind: "node", name: node.metadata.name, attributes: attrs },
      { replaceAttributes: true },
    );
    this.#want(
      id,
      "node_not_ready",
      ready?.status === "True"
        ? undefined
        : {
            summary: `node Ready is ${ready?.status ?? "unknown"}${ready?.reason ? ` (${ready.reason})` : ""}`,
            evidence: {},
          },
    );
    const pressure = (type: string) => node.conditions.find((c) => c.type === type)?.status === "True";
    this.#want(
      id,
      "node_memory_pressure",
      pressure("MemoryPressure") ? { summary: "node condition MemoryPressure", evidence: {} } : undefined,
    );
    this.#want(
      id,
      "node_disk_pressure",
      pressure("DiskPressure") ? { summary: "node condition DiskPressure", evidence: {} } : undefined,
    );
  }

  // Pods and their containers

  #upsertPod(pod: SlimPod): void {
    const namespace = ns(pod);
    const name = pod.metadata.name;
    const id = entityId.pod(namespace, name);
    this.#touch("pod", id);
    const previous = this.#graph.getEntity(id);
    if (previous && previous.attributes.uid && previous.attributes.uid !== pod.metadata.uid) {
      // A new pod with the name of an old one (a StatefulSet replica): a new incarnation.
      this.#clearSymptoms(id);
    }
    const attrs = baseAttributes(pod);
    setIf(attrs, "pod_ip", pod.podIP);
    setIf(attrs, "node_name", pod.nodeName);
    setIf(attrs, "phase", pod.phase);
    setIf(attrs, "qos_class", pod.qosClass);
    const restarts = pod.containerStatuses.reduce((n, c) => n + c.restartCount, 0);
    attrs.restart_count = String(restarts);
    this.#graph.upsertEntity(
      KUBERNETES_SOURCE,
      { id, kind: "pod", name, namespace, attributes: attrs },
      { replaceAttributes: true },
    );

    const containerIds: string[] = [];
    for (const c of pod.containers) {
      const cid = entityId.container(namespace, name, c.name);
      containerIds.push(cid);
      this.#touch("pod", cid);
      const cattrs: Record<string, string> = { image: c.image };
      const quantity = (q: string | undefined, factor: number) => {
        const v = q !== undefined ? parseQuantity(q) : undefined;
        return v !== undefined ? Math.round(v * factor) : undefined;
      };
      setIf(cattrs, "memory_limit_bytes", quantity(c.limits?.memory, 1));
      setIf(cattrs, "memory_request_bytes", quantity(c.requests?.memory, 1));
      setIf(cattrs, "cpu_limit_millicores", quantity(c.limits?.cpu, 1000));
      setIf(cattrs, "cpu_request_millicores", quantity(c.requests?.cpu, 1000));
      const status = pod.containerStatuses.find((s) => s.name === c.name);
      if (status) {
        cattrs.restart_count = String(status.restartCount);
        cattrs.ready = String(status.ready);
        setIf(cattrs, "waiting_reason", status.waitingReason);
        setIf(cattrs, "last_terminated_reason", status.lastTerminatedReason);
      }
      this.#graph.upsertEntity(
        KUBERNETES_SOURCE,
        { id: cid, kind: "container", name: c.name, namespace, attributes: cattrs },
        { replaceAttributes: true },
      );
      this.#graph.setRelations(KUBERNETES_SOURCE, cid, "part-of", [id]);
    }
    // Containers removed from the spec (rare: a new incarnation with other containers).
    for (const cid of this.#graph.sourcesOf(id, "part-of")) {
      const e = this.#graph.getEntity(cid);
      if (e?.kind === "container" && !containerIds.includes(cid))
        this.#graph.deleteEntity(KUBERNETES_SOURCE, cid);
    }
    this.#graph.setRelations(
      KUBERNETES_SOURCE,
      id,
      "runs-on",
      pod.nodeName ? [entityId.node(pod.nodeName)] : [],
    );
    this.#graph.setRelations(KUBERNETES_SOURCE, id, "member-of", this.#owners(pod));
    const now = this.#clock();
    const terminal = pod.phase === "Succeeded" || pod.phase === "Failed";
    if (pod.podIP && !terminal) this.#ips.assign(id, pod.podIP, now);
    else this.#ips.release(id, now);
    this.#podSymptoms(pod);
  }

  #deletePod(pod: SlimPod): void {
    const id = entityId.pod(ns(pod), pod.metadata.name);
    const current = this.#graph.getEntity(id);
    // A delete for an older incarnation must not remove the new one.
    if (current?.attributes.uid && pod.metadata.uid && current.attributes.uid !== pod.metadata.uid) return;
    for (const cid of this.#graph.sourcesOf(id, "part-of")) {
      if (this.#graph.getEntity(cid)?.kind === "container") this.#graph.deleteEntity(KUBERNETES_SOURCE, cid);
    }
    this.#graph.deleteEntity(KUBERNETES_SOURCE, id);
    this.#ips.release(id, this.#clock());
    this.#timedPods.delete(id);
    this.#clearSymptoms(id);
  }

  #owners(o: SlimObject): string[] {
    const out: string[] = [];
    for (const owner of o.metadata.ownerReferences ?? []) {
      const kind = WORKLOAD_OWNER_KINDS[owner.kind];
      if (kind) out.push(entityId.workload(kind, ns(o), owner.name));
    }
    return out;
  }

  #podSymptoms(pod: SlimPod): void {
    const id = entityId.pod(ns(pod), pod.metadata.name);
    const now = this.#clock();
    let timed = false;
    const created = unixMs(pod.metadata.creationTimestamp) ?? now;
    const scheduled = pod.conditions.find((c) => c.type === "PodScheduled");
    const unschedulable = scheduled?.status === "False" && scheduled.reason === "Unschedulable";
    this.#want(
      id,
      "pod_unschedulable",
      unschedulable
        ? { summary: "the scheduler cannot place the pod (Unschedulable)", evidence: {} }
        : undefined,
    );
    let pending: WantedSymptom | undefined;
    if (pod.phase === "Pending") {
      timed = true;
      const forMs = now - created;
      if (forMs >= this.#windows.podPendingAfterMs) {
        pending = {
          summary: `pending for ${Math.round(forMs / 1000)} s`,
          evidence: { pending_seconds: Math.round(forMs / 1000) },
          sinceUnixMs: created + this.#windows.podPendingAfterMs,
        };
      }
    }
    this.#want(id, "pod_pending", pending);
    const waiting = (reasons: readonly string[]) =>
      pod.containerStatuses.filter((c) => c.waitingReason && reasons.includes(c.waitingReason));
    const crash = waiting(["CrashLoopBackOff"]);
    this.#want(
      id,
      "crash_loop_backoff",
      crash.length > 0
        ? {
            summary: `container ${crash.map((c) => c.name).join(", ")} in CrashLoopBackOff`,
            evidence: { restarts: crash.reduce((n, c) => n + c.restartCount, 0) },
          }
        : undefined,
    );
    const pull = waiting(["ImagePullBackOff", "ErrImagePull"]);
    this.#want(
      id,
      "image_pull_backoff",
      pull.length > 0
        ? {
            summary: `container ${pull.map((c) => c.name).join(", ")} cannot pull its image (${pull[0]?.waitingReason ?? ""})`,
            evidence: {},
          }
        : undefined,
    );
    let oom: WantedSymptom | undefined;
    for (const c of pod.containerStatuses) {
      const killed = c.lastTerminatedReason === "OOMKilled" || c.terminatedReason === "OOMKilled";
      if (!killed) continue;
      const at = unixMs(c.lastTerminatedAt) ?? now;
      if (now - at < this.#windows.oomKilledWindowMs) {
        timed = true;
        oom = {
          summary: `container ${c.name} was OOMKilled`,
          evidence: { restarts: c.restartCount },
          sinceUnixMs: at,
        };
      }
    }
    this.#want(id, "oom_killed_last_state", oom);
    if (timed) this.#timedPods.set(id, pod);
    else this.#timedPods.delete(id);
  }

  // Services and endpoint slices

  #upsertService(svc: SlimService): void {
    const id = entityId.service(ns(svc), svc.metadata.name);
    this.#touch("service", id);
    const attrs = baseAttributes(svc);
    setIf(attrs, "cluster_ip", svc.clusterIPs[0]);
    setIf(attrs, "type", svc.type);
    this.#graph.upsertEntity(
      KUBERNETES_SOURCE,
      { id, kind: "service", name: svc.metadata.name, namespace: ns(svc), attributes: attrs },
      { replaceAttributes: true },
    );
    const ip = svc.clusterIPs[0];
    if (ip) this.#ips.assign(id, ip, this.#clock());
    else this.#ips.release(id, this.#clock());
  }

  #deleteService(svc: SlimService): void {
    const id = entityId.service(ns(svc), svc.metadata.name);
    this.#graph.deleteEntity(KUBERNETES_SOURCE, id);
    this.#ips.release(id, this.#clock());
  }

  #endpointSlice(slice: SlimEndpointSlice, deleted: boolean): void {
    const key = `${ns(slice)}/${slice.metadata.name}`;
    const before = this.#slices.get(key);
    if (deleted || !slice.serviceName) {
      this.#slices.delete(key);
      if (before) {
        this.#slicesOfService.get(before.serviceId)?.delete(key);
        this.#syncSelects(before.serviceId);
      }
      return;
    }
    const serviceId = entityId.service(ns(slice), slice.serviceName);
    const podIds: string[] = [];
    for (const e of slice.endpoints) {
      if (e.targetRef?.kind === "Pod")
        podIds.push(entityId.pod(e.targetRef.namespace ?? ns(slice), e.targetRef.name));
    }
    this.#slices.set(key, { serviceId, podIds });
    let set = this.#slicesOfService.get(serviceId);
    if (!set) this.#slicesOfService.set(serviceId, (set = new Set()));
    set.add(key);
    if (before && before.serviceId !== serviceId) {
      this.#slicesOfService.get(before.serviceId)?.delete(key);
      this.#syncSelects(before.serviceId);
    }
    this.#syncSelects(serviceId);
  }

  #syncSelects(serviceId: string): void {
    const pods = new Set<string>();
    for (const key of this.#slicesOfService.get(serviceId) ?? []) {
      for (const p of this.#slices.get(key)?.podIds ?? []) pods.add(p);
    }
    if (pods.size === 0) this.#slicesOfService.delete(serviceId);
    this.#graph.setRelations(KUBERNETES_SOURCE, serviceId, "selects", [...pods]);
  }

  // Workloads

  #upsertWorkload(kind: WorkloadKind, w: SlimWorkload): void {
    const id = entityId.workload(kind, ns(w), w.metadata.name);
    this.#touch(kind, id);
    const attrs = baseAttributes(w);
    setIf(attrs, "replicas", w.replicas);
    setIf(attrs, "ready_replicas", w.readyReplicas);
    setIf(attrs, "available_replicas", w.availableReplicas);
    setIf(attrs, "unavailable_replicas", w.unavailableReplicas);
    setIf(attrs, "updated_replicas", w.updatedReplicas);
    setIf(attrs, "active", w.active);
    setIf(attrs, "succeeded", w.succeeded);
    setIf(attrs, "failed", w.failed);
    setIf(attrs, "schedule", w.schedule);
    if (w.suspend !== undefined) attrs.suspend = String(w.suspend);
    const revision = w.metadata.annotations?.["deployment.kubernetes.io/revision"];
    if (kind === "replicaset" || kind === "deployment") setIf(attrs, "revision", revision);
    this.#graph.upsertEntity(
      KUBERNETES_SOURCE,
      { id, kind, name: w.metadata.name, namespace: ns(w), attributes: attrs },
      { replaceAttributes: true },
    );
    this.#graph.setRelations(KUBERNETES_SOURCE, id, "member-of", this.#owners(w));
    if (kind === "deployment") this.#deploymentSymptoms(w);
    if (kind === "replicaset") this.#noteReplicaSet(w, revision);
  }

  #deleteWorkload(kind: WorkloadKind, w: SlimWorkload): void {
    const id = entityId.workload(kind, ns(w), w.metadata.name);
    this.#graph.deleteEntity(KUBERNETES_SOURCE, id);
    this.#timedDeployments.delete(id);
    if (kind === "deployment") this.#rollouts.delete(id);
    this.#clearSymptoms(id);
  }

  #deploymentSymptoms(d: SlimWorkload): void {
    const id = entityId.workload("deployment", ns(d), d.metadata.name);
    const unavailable = d.unavailableReplicas ?? 0;
    if (unavailable <= 0) {
      this.#timedDeployments.delete(id);
      this.#want(id, "deployment_unavailable_replicas", undefined);
      return;
    }
    const now = this.#clock();
    const current = this.#symptoms.get(id, "deployment_unavailable_replicas", KUBERNETES_SOURCE);
    let timed = this.#timedDeployments.get(id) as (SlimWorkload & { firstSeenUnixMs?: number }) | undefined;
    const firstSeen = timed?.firstSeenUnixMs ?? now;
    timed = { ...d, firstSeenUnixMs: firstSeen };
    this.#timedDeployments.set(id, timed);
    if (current?.active || now - firstSeen >= this.#windows.unavailableReplicasAfterMs) {
      this.#want(id, "deployment_unavailable_replicas", {
        summary: `${unavailable} of ${d.replicas ?? "?"} replicas unavailable`,
        evidence: { unavailable_replicas: unavailable, replicas: d.replicas ?? 0 },
      });
    }
  }

  #noteReplicaSet(rs: SlimWorkload, revisionText: string | undefined): void {
    const owner = rs.metadata.ownerReferences?.find((o) => o.kind === "Deployment");
    const created = unixMs(rs.metadata.creationTimestamp);
    const revision = Number(revisionText ?? "0");
    if (!owner || created === undefined) return;
    const deploymentId = entityId.workload("deployment", ns(rs), owner.name);
    const known = this.#rollouts.get(deploymentId);
    if (known && known.revision >= revision) return;
    this.#rollouts.set(deploymentId, { revision, createdUnixMs: created });
    const now = this.#clock();
    if (now - created < this.#windows.rolloutWindowMs) {
      this.#want(deploymentId, "recent_rollout", {
        summary: `new ReplicaSet ${rs.metadata.name} (revision ${revision})`,
        evidence: { revision },
        sinceUnixMs: created,
      });
    } else {
      this.#want(deploymentId, "recent_rollout", undefined);
    }
  }

  // HPAs

  #hpaId(o: SlimObject): string {
    return `hpa/${ns(o)}/${o.metadata.name}`;
  }

  #upsertHpa(hpa: SlimHpa): void {
    const id = this.#hpaId(hpa);
    this.#touch("hpa", id);
    const attrs = baseAttributes(hpa);
    attrs.min_replicas = String(hpa.minReplicas);
    attrs.max_replicas = String(hpa.maxReplicas);
    attrs.current_replicas = String(hpa.currentReplicas);
    attrs.desired_replicas = String(hpa.desiredReplicas);
    this.#graph.upsertEntity(
      KUBERNETES_SOURCE,
      { id, kind: "hpa", name: hpa.metadata.name, namespace: ns(hpa), attributes: attrs },
      { replaceAttributes: true },
    );
    const targetKind = WORKLOAD_OWNER_KINDS[hpa.targetKind];
    this.#graph.setRelations(
      KUBERNETES_SOURCE,
      id,
      "scales",
      targetKind ? [entityId.workload(targetKind, ns(hpa), hpa.targetName)] : [],
    );
    const atMax = hpa.maxReplicas > 0 && hpa.currentReplicas >= hpa.maxReplicas;
    this.#want(
      id,
      "hpa_at_max",
      atMax
        ? {
            summary: `at its maximum of ${hpa.maxReplicas} replicas`,
            evidence: { current_replicas: hpa.currentReplicas, max_replicas: hpa.maxReplicas },
          }
        : undefined,
    );
  }

  #deleteSimple(kind: ResourceKind, id: string): void {
    this.#graph.deleteEntity(KUBERNETES_SOURCE, id);
    this.#clearSymptoms(id);
    if (kind === "node") this.#ips.release(id, this.#clock());
  }

  // Warning events

  #event(e: SlimEvent): void {
    if (e.type !== "Warning") return;
    const namespace = e.involvedNamespace ?? ns(e);
    const kind = e.involvedKind;
    let id: string | undefined;
    if (kind === "Pod") id = entityId.pod(namespace, e.involvedName);
    else if (kind === "Node") id = entityId.node(e.involvedName);
    else if (kind === "Service") id = entityId.service(namespace, e.involvedName);
    else if (kind === "HorizontalPodAutoscaler") id = `hpa/${namespace}/${e.involvedName}`;
    else if (WORKLOAD_OWNER_KINDS[kind])
      id = entityId.workload(WORKLOAD_OWNER_KINDS[kind], namespace, e.involvedName);
    if (!id) return;
    const event: WarningEvent = {
      entityId: id,
      reason: e.reason,
      message: e.message,
      count: e.count,
      lastUnixMs: e.lastUnixMs || this.#clock(),
    };
    const existing = this.#events.findIndex((x) => x.entityId === id && x.reason === e.reason);
    if (existing >= 0) this.#events.splice(existing, 1);
    this.#events.push(event);
    if (this.#events.length > this.#maxEvents) this.#events.splice(0, this.#events.length - this.#maxEvents);
  }

  // Symptoms

  #want(entity: string, type: string, wanted: WantedSymptom | undefined): void {
    const current = this.#symptoms.get(entity, type, KUBERNETES_SOURCE);
    if (!wanted) {
      if (current?.active) this.#symptoms.set(KUBERNETES_SOURCE, { entityId: entity, type, active: false });
      return;
    }
    if (current?.active && current.evidenceSummary === wanted.summary) return;
    this.#symptoms.set(KUBERNETES_SOURCE, {
      entityId: entity,
      type,
      active: true,
      evidenceSummary: wanted.summary,
      evidence: wanted.evidence,
      ...(wanted.sinceUnixMs !== undefined ? { sinceUnixMs: wanted.sinceUnixMs } : {}),
    });
  }

  #clearSymptoms(id: string): void {
    this.#symptoms.clearEntity(KUBERNETES_SOURCE, id);
  }
}
