import { type CausalModel, type PathStep } from "./model-types.js";

// Paths shared by several root-cause types, named for what they reach.
const POD_OF_CONTAINER: PathStep[] = ["out:part-of"];
const SERVICES_OF_CONTAINER: PathStep[] = ["out:part-of", "in:selects"];
const CALLERS_OF_CONTAINER: PathStep[] = ["out:part-of", "in:selects", "callers*3"];
/** A pod's ReplicaSet, StatefulSet or DaemonSet (hop 1) and a ReplicaSet's Deployment (hop 2). */
const WORKLOADS_OF_POD: PathStep[] = ["out:member-of*2"];
const CALLERS_OF_POD: PathStep[] = ["in:selects", "callers*3"];
const PODS_ON_NODE: PathStep[] = ["in:runs-on"];
const CONTAINERS_ON_NODE: PathStep[] = ["in:runs-on", "in:part-of"];
const SERVICES_ON_NODE: PathStep[] = ["in:runs-on", "in:selects"];
const CO_LOCATED_CONTAINERS: PathStep[] = ["out:part-of", "out:runs-on", "in:runs-on", "in:part-of"];
const CO_LOCATED_SERVICES: PathStep[] = ["out:part-of", "out:runs-on", "in:runs-on", "in:selects"];
const SERVICES_OF_WORKLOAD: PathStep[] = ["pods", "in:selects"];
const CALLERS_OF_WORKLOAD: PathStep[] = ["pods", "in:selects", "callers*3"];

/**
 * The default causal model. Probabilities are P(symptom | fault) per reached entity; priors are
 * per entity. Fan-out effects (a node's pods, a service's callers) carry small probabilities: a
 * fault shows on some of them, and every expected-but-absent symptom counts against the fault.
 */
export const DEFAULT_MODEL: CausalModel = {
  version: "2025.1",
  defaultSymptomBaseRate: 0.002,
  symptomBaseRates: {
    // Busy containers, memory close to a limit and fresh rollouts are common on healthy clusters.
    recent_rollout: 0.03,
    cpu_usage_high: 0.01,
    memory_near_limit: 0.005,
    high_latency: 0.004,
    container_restarting: 0.004,
    // Conditions Kubernetes or the kernel state outright are rarely raised for nothing.
    node_memory_pressure: 0.0005,
    node_disk_pressure: 0.0005,
    node_cpu_pressure: 0.001,
    node_not_ready: 0.0005,
    oom_killed: 0.001,
    image_pull_backoff: 0.0005,
    hpa_at_max: 0.001,
  },
  rootCauses: [
    {
      type: "container_memory_limit_too_low",
      title: "Container memory limit too low",
      on: [{ kind: "container" }],
      prior: 0.001,
      remediation: "raise-memory-limit",
      summary:
        "Container {entity} of {workload} is killed for running out of memory: its memory limit is too low for its working set.",
      effects: [
        { symptom: "oom_killed", path: [], probability: 0.85, anchor: true },
        { symptom: "memory_near_limit", path: [], probability: 0.8, anchor: true },
        { symptom: "container_restarting", path: [], probability: 0.7 },
        { symptom: "container_crashed", path: [], probability: 0.3 },
        { symptom: "memory_growing", path: [], probability: 0.02 },
        { symptom: "oom_killed_last_state", path: POD_OF_CONTAINER, probability: 0.8, anchor: true },
        { symptom: "crash_loop_backoff", path: POD_OF_CONTAINER, probability: 0.25 },
        { symptom: "high_error_rate", path: SERVICES_OF_CONTAINER, probability: 0.35 },
        { symptom: "high_latency", path: SERVICES_OF_CONTAINER, probability: 0.2 },
        { symptom: "high_error_rate", path: CALLERS_OF_CONTAINER, probability: 0.2 },
        { symptom: "high_latency", path: CALLERS_OF_CONTAINER, probability: 0.1 },
      ],
    },
    {
      type: "container_memory_leak",
      title: "Container memory leak",
      on: [{ kind: "container" }],
      prior: 0.0007,
      remediation: "rollout-restart",
      summary:
        "Container {entity} of {workload} is leaking memory: its working set keeps growing towards its limit.",
      effects: [
        { symptom: "memory_growing", path: [], probability: 0.9, anchor: true },
        { symptom: "memory_near_limit", path: [], probability: 0.75, anchor: true },
        { symptom: "oom_killed", path: [], probability: 0.55, anchor: true },
        { symptom: "container_restarting", path: [], probability: 0.45 },
        { symptom: "oom_killed_last_state", path: POD_OF_CONTAINER, probability: 0.45 },
        { symptom: "crash_loop_backoff", path: POD_OF_CONTAINER, probability: 0.15 },
        { symptom: "high_latency", path: SERVICES_OF_CONTAINER, probability: 0.3 },
        { symptom: "high_error_rate", path: SERVICES_OF_CONTAINER, probability: 0.25 },
        { symptom: "high_error_rate", path: CALLERS_OF_CONTAINER, probability: 0.15 },
        { symptom: "high_latency", path: CALLERS_OF_CONTAINER, probability: 0.1 },
      ],
    },
    {
      type: "container_cpu_limit_too_low",
      title: "Container CPU limit too low",
      on: [{ kind: "container" }],
      prior: 0.001,
      remediation: "raise-cpu-limit",
      summary:
        "Container {entity} of {workload} is CPU-throttled: its CPU limit is below what it needs, which slows its requests.",
      effects: [
        { symptom: "cpu_throttled", path: [], probability: 0.9, anchor: true },
        { symptom: "high_latency", path: SERVICES_OF_CONTAINER, probability: 0.5 },
        { symptom: "high_error_rate", path: SERVICES_OF_CONTAINER, probability: 0.1 },
        { symptom: "high_latency", path: CALLERS_OF_CONTAINER, probability: 0.2 },
      ],
    },
    {
      type: "noisy_neighbour",
      title: "Noisy neighbour",
      on: [{ kind: "container" }],
      prior: 0.0005,
      remediation: "limit-cpu",
      summary:
        "Container {entity} of {workload} uses far more CPU than it requested and starves the other containers on node {node} (CPU run-queue delay).",
      effects: [
        { symptom: "cpu_usage_high", path: [], probability: 0.9, anchor: true },
        {
          symptom: "cpu_congested",
          path: CO_LOCATED_CONTAINERS,
          probability: 0.4,
          excludeSelf: true,
          silenceWeight: 5,
        },
        { symptom: "node_cpu_pressure", path: ["out:part-of", "out:runs-on"], probability: 0.25 },
        { symptom: "high_latency", path: CO_LOCATED_SERVICES, probability: 0.1 },
      ],
    },
    {
      type: "pod_crash_looping",
      title: "Pod crash looping",
      on: [{ kind: "pod" }],
      prior: 0.001,
      remediation: "delete-pod",
      summary:
        "Pod {entity} of {workload} is crash looping: its containers exit and are restarted with back-off.",
      effects: [
        { symptom: "crash_loop_backoff", path: [], probability: 0.9, anchor: true },
        { symptom: "container_crashed", path: ["in:part-of"], probability: 0.75, anchor: true },
        { symptom: "container_restarting", path: ["in:part-of"], probability: 0.8, anchor: true },
        { symptom: "oom_killed", path: ["in:part-of"], probability: 0.02 },
        { symptom: "deployment_unavailable_replicas", path: WORKLOADS_OF_POD, probability: 0.3, hopDecay: 1 },
        { symptom: "high_error_rate", path: ["in:selects"], probability: 0.3 },
        { symptom: "high_error_rate", path: CALLERS_OF_POD, probability: 0.15 },
      ],
    },
    {
      type: "image_pull_failure",
      title: "Image pull failure",
      on: [{ kind: "pod" }],
      prior: 0.001,
      remediation: "rollout-undo-if-recent",
      summary: "Pod {entity} of {workload} cannot start: its container image cannot be pulled.",
      effects: [
        { symptom: "image_pull_backoff", path: [], probability: 0.95, anchor: true },
        { symptom: "pod_pending", path: [], probability: 0.7, anchor: true },
        {
          symptom: "deployment_unavailable_replicas",
          path: WORKLOADS_OF_POD,
          probability: 0.45,
          hopDecay: 1,
        },
        { symptom: "recent_rollout", path: WORKLOADS_OF_POD, probability: 0.4, hopDecay: 1 },
      ],
    },
    {
      type: "node_memory_pressure",
      title: "Node memory pressure",
      on: [{ kind: "node" }],
      prior: 0.002,
      remediation: "cordon",
      summary:
        "Node {entity} is short of memory: the kubelet reports memory pressure, evicts pods and the kernel OOM-kills containers.",
      effects: [
        { symptom: "node_memory_pressure", path: [], probability: 0.9, anchor: true },
        { symptom: "pod_evicted", path: PODS_ON_NODE, probability: 0.12, anchor: true },
        { symptom: "oom_killed", path: CONTAINERS_ON_NODE, probability: 0.08, anchor: true },
        { symptom: "container_restarting", path: CONTAINERS_ON_NODE, probability: 0.08 },
      ],
    },
    {
      type: "node_cpu_pressure",
      title: "Node CPU pressure",
      on: [{ kind: "node" }],
      prior: 0.002,
      remediation: "cordon",
      summary: "Node {entity} is short of CPU: runnable tasks across its containers wait for a CPU.",
      effects: [
        { symptom: "node_cpu_pressure", path: [], probability: 0.9, anchor: true },
        { symptom: "cpu_congested", path: CONTAINERS_ON_NODE, probability: 0.3, anchor: true },
        { symptom: "high_latency", path: SERVICES_ON_NODE, probability: 0.1 },
      ],
    },
    {
      type: "node_disk_pressure",
      title: "Node disk pressure",
      on: [{ kind: "node" }],
      prior: 0.002,
      remediation: "cordon",
      summary: "Node {entity} is short of disk space: the kubelet reports disk pressure and evicts pods.",
      effects: [
        { symptom: "node_disk_pressure", path: [], probability: 0.95, anchor: true },
        { symptom: "pod_evicted", path: PODS_ON_NODE, probability: 0.2, anchor: true },
        { symptom: "container_restarting", path: CONTAINERS_ON_NODE, probability: 0.03 },
      ],
    },
    {
      type: "node_not_ready",
      title: "Node not ready",
      on: [{ kind: "node" }],
      prior: 0.002,
      remediation: "cordon",
      summary: "Node {entity} is NotReady: its kubelet stopped reporting, so its pods are unreachable.",
      effects: [
        { symptom: "node_not_ready", path: [], probability: 0.95, anchor: true },
        {
          symptom: "deployment_unavailable_replicas",
          path: ["in:runs-on", ...WORKLOADS_OF_POD],
          probability: 0.5,
          anchor: true,
          minSupport: 3,
          hopDecay: 1,
        },
        { symptom: "high_error_rate", path: SERVICES_ON_NODE, probability: 0.4 },
        { symptom: "high_latency", path: SERVICES_ON_NODE, probability: 0.15 },
        { symptom: "high_error_rate", path: [...SERVICES_ON_NODE, "callers*2"], probability: 0.2 },
        { symptom: "connection_failures", path: ["in:runs-on", "in:calls"], probability: 0.3 },
      ],
    },
    {
      type: "network_loss_node",
      title: "Network loss on a node",
      on: [{ kind: "node" }],
      prior: 0.0005,
      summary:
        "The network of node {entity} is losing packets: TCP retransmits and failed connections across the pods it runs.",
      effects: [
        {
          symptom: "tcp_retransmits_high",
          path: PODS_ON_NODE,
          probability: 0.6,
          anchor: true,
          silenceWeight: 10,
        },
        { symptom: "connection_failures", path: PODS_ON_NODE, probability: 0.3, anchor: true },
        { symptom: "high_latency", path: SERVICES_ON_NODE, probability: 0.2 },
      ],
    },
    {
      type: "network_loss_pod",
      title: "Network loss to a pod",
      on: [{ kind: "pod" }],
      prior: 0.001,
      summary:
        "Packets to and from pod {entity} of {workload} are being lost: TCP retransmits, failed connections and slower calls.",
      effects: [
        { symptom: "tcp_retransmits_high", path: [], probability: 0.85, anchor: true },
        { symptom: "connection_failures", path: [], probability: 0.55, anchor: true },
        { symptom: "connection_failures", path: ["in:calls"], probability: 0.3 },
        {
          symptom: "tcp_retransmits_high",
          path: ["in:selects", "callers", "out:selects"],
          probability: 0.25,
          anchor: true,
          minSupport: 2,
        },
        { symptom: "high_latency", path: ["in:selects"], probability: 0.3 },
        { symptom: "high_latency", path: CALLERS_OF_POD, probability: 0.15 },
      ],
    },
    {
      type: "bad_rollout",
      title: "Bad rollout",
      on: [{ kind: "deployment" }],
      prior: 0.0005,
      remediation: "rollout-undo",
      summary:
        "Deployment {entity} started failing with its latest rollout: errors or latency began with the new ReplicaSet.",
      effects: [
        { symptom: "recent_rollout", path: [], probability: 0.95, anchor: true },
        { symptom: "deployment_unavailable_replicas", path: [], probability: 0.5, anchor: true },
        { symptom: "high_error_rate", path: SERVICES_OF_WORKLOAD, probability: 0.7, anchor: true },
        { symptom: "log_error_spike", path: SERVICES_OF_WORKLOAD, probability: 0.5 },
        { symptom: "high_latency", path: SERVICES_OF_WORKLOAD, probability: 0.35 },
        { symptom: "crash_loop_backoff", path: ["pods"], probability: 0.05 },
        { symptom: "high_error_rate", path: CALLERS_OF_WORKLOAD, probability: 0.3 },
        { symptom: "high_latency", path: CALLERS_OF_WORKLOAD, probability: 0.15 },
      ],
    },
    {
      type: "under_provisioned",
      title: "Under-provisioned workload",
      on: [{ kind: "deployment" }, { kind: "statefulset" }],
      prior: 0.0005,
      remediation: "scale-out",
      summary:
        "Workload {entity} has too few replicas for its load: it is saturated and its autoscaler is at its maximum.",
      effects: [
        { symptom: "hpa_at_max", path: ["in:scales"], probability: 0.9, anchor: true },
        { symptom: "high_latency", path: SERVICES_OF_WORKLOAD, probability: 0.7, anchor: true },
        { symptom: "high_error_rate", path: SERVICES_OF_WORKLOAD, probability: 0.25 },
        {
          symptom: "cpu_usage_high",
          path: ["pods", "in:part-of"],
          probability: 0.45,
          anchor: true,
          silenceWeight: 8,
        },
        { symptom: "cpu_throttled", path: ["pods", "in:part-of"], probability: 0.2 },
        { symptom: "high_latency", path: CALLERS_OF_WORKLOAD, probability: 0.25 },
      ],
    },
    {
      type: "service_malfunction",
      title: "Service malfunction",
      on: [{ kind: "service", notAttributes: { external: "true" } }],
      prior: 0.0003,
      remediation: "rollout-restart",
      summary:
        "Service {entity} is failing on its own: it returns errors with no infrastructure fault beneath it.",
      effects: [
        { symptom: "high_error_rate", path: [], probability: 0.85, anchor: true },
        { symptom: "log_error_spike", path: [], probability: 0.55, anchor: true },
        { symptom: "high_latency", path: [], probability: 0.3, anchor: true },
        { symptom: "high_error_rate", path: ["callers"], probability: 0.4, anchor: true },
        { symptom: "high_error_rate", path: ["callers*2-3"], probability: 0.4 },
        { symptom: "high_latency", path: ["callers*3"], probability: 0.15 },
      ],
    },
    {
      type: "external_dependency_failure",
      title: "External dependency failing",
      on: [{ kind: "external" }, { kind: "service", attributes: { external: "true" } }],
      prior: 0.001,
      summary:
        "External dependency {entity} is failing: the services that call it see errors and slow calls.",
      effects: [
        { symptom: "high_error_rate", path: [], probability: 0.5, anchor: true },
        { symptom: "high_latency", path: [], probability: 0.3, anchor: true },
        { symptom: "high_error_rate", path: ["callers"], probability: 0.75, anchor: true },
        { symptom: "high_error_rate", path: ["callers*2-3"], probability: 0.75 },
        { symptom: "high_latency", path: ["callers*3"], probability: 0.3 },
        { symptom: "connection_failures", path: ["in:calls"], probability: 0.3 },
      ],
    },
  ],
};

/** The root-cause types of the default model. */
export const ROOT_CAUSE_TYPES = DEFAULT_MODEL.rootCauses.map((r) => r.type);
