/**
 * The shared vocabulary of Causeway's topology and symptoms. Wire messages carry these as
 * strings so that an older mediator tolerates a newer agent; these lists are the values every
 * component agrees on. Add to them; never rename.
 */

/** Kinds of topology entity. Workload kinds use the Kubernetes kind in lower case. */
export const ENTITY_KINDS = [
  "cluster",
  "node",
  "namespace",
  "pod",
  "container",
  "process",
  "service",
  "deployment",
  "replicaset",
  "statefulset",
  "daemonset",
  "job",
  "cronjob",
  "hpa",
  /** A remote address (ip:port) not resolved to anything in the cluster. */
  "external",
] as const;
export type EntityKind = (typeof ENTITY_KINDS)[number];

/** Workload kinds: what a pod can be a member of. */
export const WORKLOAD_KINDS = [
  "deployment",
  "replicaset",
  "statefulset",
  "daemonset",
  "job",
  "cronjob",
] as const;
export type WorkloadKind = (typeof WORKLOAD_KINDS)[number];

/**
 * Directed relation types, read as `from <type> to`:
 * container part-of pod; pod runs-on node; process runs-on container (or node in host mode);
 * pod member-of replicaset, replicaset member-of deployment; service selects pod;
 * pod/service calls service/pod/external; hpa scales workload; namespaced objects in-namespace namespace.
 */
export const RELATION_TYPES = [
  "part-of",
  "runs-on",
  "member-of",
  "selects",
  "calls",
  "scales",
  "in-namespace",
] as const;
export type RelationType = (typeof RELATION_TYPES)[number];

/** Symptom types, with the entity kind each is observed on and who detects it. */
export const SYMPTOM_TYPES = {
  // Detected by the agent from cgroups, /proc and eBPF.
  cpu_throttled: { on: "container", source: "agent" },
  cpu_congested: { on: "container", source: "agent" },
  memory_near_limit: { on: "container", source: "agent" },
  oom_killed: { on: "container", source: "agent" },
  /** Memory working set rising steadily over its window (a leak rather than a spike). */
  memory_growing: { on: "container", source: "agent" },
  /** Using far more CPU than its request: the candidate noisy neighbour on a congested node. */
  cpu_usage_high: { on: "container", source: "agent" },
  container_crashed: { on: "container", source: "agent" },
  container_restarting: { on: "container", source: "agent" },
  tcp_retransmits_high: { on: "pod", source: "agent" },
  connection_failures: { on: "pod", source: "agent" },
  node_cpu_pressure: { on: "node", source: "agent" },
  node_memory_pressure: { on: "node", source: "agent" },
  node_disk_pressure: { on: "node", source: "agent" },
  // Detected by the mediator from Kubernetes state.
  pod_pending: { on: "pod", source: "kubernetes" },
  pod_unschedulable: { on: "pod", source: "kubernetes" },
  crash_loop_backoff: { on: "pod", source: "kubernetes" },
  image_pull_backoff: { on: "pod", source: "kubernetes" },
  oom_killed_last_state: { on: "pod", source: "kubernetes" },
  /** The kubelet evicted the pod (status reason "Evicted"), e.g. under node memory or disk pressure. */
  pod_evicted: { on: "pod", source: "kubernetes" },
  node_not_ready: { on: "node", source: "kubernetes" },
  deployment_unavailable_replicas: { on: "deployment", source: "kubernetes" },
  hpa_at_max: { on: "hpa", source: "kubernetes" },
  /** A new ReplicaSet of the deployment started within the rollout window (context for bad rollouts). */
  recent_rollout: { on: "deployment", source: "kubernetes" },
  // Detected by the mediator from OTLP traces and logs, per service (or external dependency).
  high_error_rate: { on: "service", source: "otlp" },
  high_latency: { on: "service", source: "otlp" },
  log_error_spike: { on: "service", source: "otlp" },
} as const satisfies Record<string, { on: EntityKind; source: "agent" | "kubernetes" | "otlp" }>;
export type SymptomType = keyof typeof SYMPTOM_TYPES;

/**
 * Stable entity ids, derived from names so that an agent and the mediator compute the same id
 * independently; the Kubernetes UID travels as the entity's `uid` attribute (docs/adr/0002).
 */
export const entityId = {
  node: (nodeName: string): string => `node/${nodeName}`,
  pod: (namespace: string, name: string): string => `pod/${namespace}/${name}`,
  container: (namespace: string, pod: string, container: string): string =>
    `container/${namespace}/${pod}/${container}`,
  service: (namespace: string, name: string): string => `service/${namespace}/${name}`,
  workload: (kind: WorkloadKind, namespace: string, name: string): string => `${kind}/${namespace}/${name}`,
  process: (nodeName: string, pid: number, startTimeTicks: number): string =>
    `process/${nodeName}/${pid}/${startTimeTicks}`,
  external: (address: string, port: number): string => `external/${address}:${port}`,
} as const;
