import { type SymptomInput } from "../root-cause.js";
import { type Rng } from "./rng.js";
import { type TopologyView } from "./topology-view.js";

/** A root cause injected into a topology. */
export interface InjectedFault {
  readonly type: string;
  readonly entityId: string;
}

const MIB = 1024 * 1024;
/** How much of a service's error or latency impact reaches each caller, per hop. */
const CALLER_ERROR_CARRY = 0.5;
const CALLER_LATENCY_CARRY = 0.55;
const MAX_CALLER_HOPS = 3;

/** Collects the symptoms a fault produces, keeping the earliest occurrence of each. */
class SymptomSink {
  readonly #symptoms = new Map<string, SymptomInput>();

  constructor(
    readonly rng: Rng,
    readonly startUnixMs: number,
  ) {}

  /** With probability p, `type` turns active on `entityId` about `delayMs` after the fault began. */
  maybe(
    p: number,
    entityId: string,
    type: string,
    delayMs: number,
    evidence?: Record<string, number>,
  ): boolean {
    if (!this.rng.chance(Math.min(1, Math.max(0, p)))) return false;
    const key = `${entityId}\u0000${type}`;
    const sinceUnixMs = this.startUnixMs + Math.round(delayMs * (0.5 + this.rng.next()));
    const prior = this.#symptoms.get(key);
    if (!prior || prior.sinceUnixMs > sinceUnixMs)
      this.#symptoms.set(key, {
        entityId,
        type,
        active: true,
        sinceUnixMs,
        ...(evidence ? { evidence } : {}),
      });
    return true;
  }

  list(): SymptomInput[] {
    return [...this.#symptoms.values()].sort(
      (a, b) => a.sinceUnixMs - b.sinceUnixMs || (a.entityId + a.type < b.entityId + b.type ? -1 : 1),
    );
  }
}

/**
 * Simulates how a fault shows up: the symptoms detectors would raise, with their own randomness
 * (a fault does not raise every symptom), timing (the fault's own symptoms first) and impact that
 * depends on the topology (one bad pod of thirty rarely moves its service's error rate; errors
 * and latency travel up to three hops of callers, fading). Written independently of the causal
 * model: it encodes how faults behave, not what the engine expects.
 */
export function simulateFault(
  view: TopologyView,
  fault: InjectedFault,
  rng: Rng,
  startUnixMs = 1_700_000_000_000,
): SymptomInput[] {
  const sink = new SymptomSink(rng, startUnixMs);
  const e = fault.entityId;
  switch (fault.type) {
    case "container_memory_limit_too_low": {
      const limit = Number(view.attr(e, "memory_limit_bytes") ?? 256 * MIB);
      const pod = view.podOf(e) ?? "";
      sink.maybe(0.9, e, "memory_near_limit", 0, {
        working_set_bytes: Math.round(limit * 0.97),
        limit_bytes: limit,
      });
      sink.maybe(0.97, e, "oom_killed", 30_000, { limit_bytes: limit, peak_bytes: limit });
      sink.maybe(0.75, e, "container_restarting", 45_000);
      sink.maybe(0.3, e, "container_crashed", 40_000);
      sink.maybe(0.8, pod, "oom_killed_last_state", 50_000);
      sink.maybe(0.3, pod, "crash_loop_backoff", 120_000);
      podImpact(view, sink, pod, 0.7, 0.4, 60_000);
      break;
    }
    case "container_memory_leak": {
      const limit = Number(view.attr(e, "memory_limit_bytes") ?? 256 * MIB);
      const pod = view.podOf(e) ?? "";
      sink.maybe(0.98, e, "memory_growing", 0, { growth_bytes_per_second: 40_000 });
      sink.maybe(0.8, e, "memory_near_limit", 600_000, {
        working_set_bytes: Math.round(limit * 0.95),
        limit_bytes: limit,
      });
      sink.maybe(0.6, e, "oom_killed", 900_000, { limit_bytes: limit, peak_bytes: limit });
      sink.maybe(0.5, e, "container_restarting", 910_000);
      sink.maybe(0.5, pod, "oom_killed_last_state", 920_000);
      podImpact(view, sink, pod, 0.4, 0.5, 700_000);
      break;
    }
    case "container_cpu_limit_too_low": {
      const limit = Number(view.attr(e, "cpu_limit_millicores") ?? 500);
      sink.maybe(0.99, e, "cpu_throttled", 0, { limit_millicores: limit, throttled_ratio: 0.4 });
      podImpact(view, sink, view.podOf(e) ?? "", 0.1, 0.85, 20_000);
      break;
    }
    case "noisy_neighbour": {
      const pod = view.podOf(e) ?? "";
      const node = view.nodeOf(pod) ?? "";
      sink.maybe(0.98, e, "cpu_usage_high", 0, { usage_millicores: 3500 });
      sink.maybe(0.25, node, "node_cpu_pressure", 30_000);
      for (const other of view.podsOnNode(node)) {
        let congested = false;
        for (const c of view.containersOf(other))
          if (c !== e) congested = sink.maybe(0.45, c, "cpu_congested", 20_000) || congested;
        if (congested && other !== pod) podImpact(view, sink, other, 0, 0.2, 40_000);
      }
      break;
    }
    case "node_cpu_pressure": {
      sink.maybe(0.98, e, "node_cpu_pressure", 0);
      for (const pod of view.podsOnNode(e)) {
        let congested = false;
        for (const c of view.containersOf(pod))
          congested = sink.maybe(0.35, c, "cpu_congested", 15_000) || congested;
        if (congested) podImpact(view, sink, pod, 0, 0.25, 30_000);
      }
      break;
    }
    case "node_memory_pressure": {
      sink.maybe(0.98, e, "node_memory_pressure", 0);
      for (const pod of view.podsOnNode(e)) {
        sink.maybe(0.15, pod, "pod_evicted", 60_000);
        for (const c of view.containersOf(pod)) {
          sink.maybe(0.08, c, "oom_killed", 30_000);
          sink.maybe(0.1, c, "container_restarting", 40_000);
        }
      }
      break;
    }
    case "node_disk_pressure": {
      sink.maybe(0.98, e, "node_disk_pressure", 0);
      for (const pod of view.podsOnNode(e)) sink.maybe(0.25, pod, "pod_evicted", 90_000);
      break;
    }
    case "node_not_ready": {
      sink.maybe(0.98, e, "node_not_ready", 0);
      const owners = new Set<string>();
      for (const pod of view.podsOnNode(e)) {
        const owner = view.ownerOfPod(pod);
        if (owner && view.kind(owner) === "deployment" && !owners.has(owner)) {
          owners.add(owner);
          sink.maybe(0.6, owner, "deployment_unavailable_replicas", 60_000);
        }
        podImpact(view, sink, pod, 0.8, 0.3, 20_000);
        for (const caller of view.callerPods(pod)) sink.maybe(0.3, caller, "connection_failures", 20_000);
      }
      break;
    }
    case "pod_crash_looping": {
      const containers = view.containersOf(e);
      const main = containers.find((c) => c.endsWith("/app")) ?? containers[0];
      sink.maybe(0.97, e, "crash_loop_backoff", 60_000);
      if (main) {
        sink.maybe(0.8, main, "container_crashed", 0);
        sink.maybe(0.9, main, "container_restarting", 10_000);
      }
      for (const c of containers) if (c !== main) sink.maybe(0.1, c, "container_restarting", 10_000);
      const owner = view.ownerOfPod(e);
      if (owner && view.kind(owner) === "deployment")
        sink.maybe(0.35, owner, "deployment_unavailable_replicas", 90_000);
      podImpact(view, sink, e, 0.8, 0.2, 30_000);
      break;
    }
    case "image_pull_failure": {
      sink.maybe(0.99, e, "image_pull_backoff", 0);
      sink.maybe(0.8, e, "pod_pending", 5_000);
      const owner = view.ownerOfPod(e);
      if (owner && view.kind(owner) === "deployment") {
        sink.maybe(0.5, owner, "deployment_unavailable_replicas", 60_000);
        sink.maybe(0.5, owner, "recent_rollout", -30_000);
      }
      break;
    }
    case "bad_rollout": {
      sink.maybe(0.99, e, "recent_rollout", 0);
      sink.maybe(0.6, e, "deployment_unavailable_replicas", 120_000);
      const pods = view.podsOfWorkload(e);
      for (const pod of pods) sink.maybe(0.05, pod, "crash_loop_backoff", 60_000);
      const services = new Set(pods.flatMap((p) => view.servicesOfPod(p)));
      for (const s of services) {
        sink.maybe(0.6, s, "log_error_spike", 30_000);
        serviceImpact(view, sink, s, 0.85, 0.35, 30_000, 0);
      }
      break;
    }
    case "under_provisioned": {
      for (const hpa of view.in(e, "scales")) sink.maybe(0.97, hpa, "hpa_at_max", 0);
      const pods = view.podsOfWorkload(e);
      for (const pod of pods)
        for (const c of view.containersOf(pod)) {
          // Every replica runs hot: the app well above its request, throttled where it has a limit.
          const app = c.endsWith("/app");
          sink.maybe(app ? 0.6 : 0.15, c, "cpu_usage_high", 10_000);
          if (view.attr(c, "cpu_limit_millicores")) sink.maybe(app ? 0.3 : 0.05, c, "cpu_throttled", 10_000);
        }
      const services = new Set(pods.flatMap((p) => view.servicesOfPod(p)));
      for (const s of services) serviceImpact(view, sink, s, 0.3, 0.85, 20_000, 0);
      break;
    }
    case "network_loss_node": {
      for (const pod of view.podsOnNode(e)) {
        const lossy = sink.maybe(0.65, pod, "tcp_retransmits_high", 0, { retransmit_ratio: 0.05 });
        sink.maybe(0.3, pod, "connection_failures", 10_000);
        if (lossy) podImpact(view, sink, pod, 0.1, 0.3, 20_000);
      }
      break;
    }
    case "network_loss_pod": {
      sink.maybe(0.95, e, "tcp_retransmits_high", 0, { retransmit_ratio: 0.08 });
      sink.maybe(0.6, e, "connection_failures", 5_000);
      for (const caller of view.callerPods(e)) sink.maybe(0.3, caller, "connection_failures", 10_000);
      // Clients retransmit too: the pods of the services calling this pod's services.
      for (const s of view.servicesOfPod(e))
        for (const caller of view.callerServices(s))
          for (const pod of view.podsOfService(caller)) sink.maybe(0.3, pod, "tcp_retransmits_high", 5_000);
      podImpact(view, sink, e, 0.2, 0.6, 15_000);
      break;
    }
    case "service_malfunction": {
      sink.maybe(0.65, e, "log_error_spike", 0);
      serviceImpact(view, sink, e, 0.97, 0.35, 0, 0);
      break;
    }
    case "external_dependency_failure": {
      sink.maybe(0.6, e, "high_error_rate", 0);
      sink.maybe(0.35, e, "high_latency", 0);
      for (const pod of view.callerPods(e)) sink.maybe(0.2, pod, "connection_failures", 5_000);
      for (const caller of view.callerServices(e)) serviceImpact(view, sink, caller, 0.85, 0.35, 10_000, 1);
      break;
    }
    default:
      throw new Error(`no simulation for root-cause type "${fault.type}"`);
  }
  return sink.list();
}

/** A pod misbehaving: its services see errors and latency in proportion to its share of their pods. */
function podImpact(
  view: TopologyView,
  sink: SymptomSink,
  pod: string,
  error: number,
  latency: number,
  delayMs: number,
): void {
  for (const s of view.servicesOfPod(pod)) {
    const share = Math.min(1, 0.3 + 1 / Math.max(1, view.podsOfService(s).length));
    serviceImpact(view, sink, s, error * share, latency * share, delayMs, 0);
  }
}

/** A service impaired with some probability of visible errors and latency, carried to its callers. */
function serviceImpact(
  view: TopologyView,
  sink: SymptomSink,
  service: string,
  error: number,
  latency: number,
  delayMs: number,
  hop: number,
): void {
  sink.maybe(error, service, "high_error_rate", delayMs);
  sink.maybe(latency, service, "high_latency", delayMs);
  if (hop >= MAX_CALLER_HOPS) return;
  const nextError = error * CALLER_ERROR_CARRY;
  const nextLatency = latency * CALLER_LATENCY_CARRY;
  if (nextError < 0.05 && nextLatency < 0.05) return;
  for (const caller of view.callerServices(service))
    if (caller !== service)
      serviceImpact(view, sink, caller, nextError, nextLatency, delayMs + 15_000, hop + 1);
}

/**
 * Picks random entities a fault type can sit on where it is observable: an app container of a
 * served pod, a node running pods, a Deployment with an HPA for under-provisioning, an external
 * dependency someone calls. Eligible entities are listed once per type.
 */
export class FaultTargetPicker {
  readonly #eligible = new Map<string, readonly string[]>();

  constructor(readonly view: TopologyView) {}

  /** A random eligible entity for the fault type; undefined if the topology has none. */
  pick(type: string, rng: Rng): string | undefined {
    let ids = this.#eligible.get(type);
    if (!ids) this.#eligible.set(type, (ids = this.#list(type)));
    return ids.length > 0 ? rng.pick(ids) : undefined;
  }

  #list(type: string): string[] {
    const view = this.view;
    const servedPods = (): string[] => view.ofKind("pod").filter((p) => view.servicesOfPod(p).length > 0);
    const busyNodes = (min: number): string[] =>
      view.ofKind("node").filter((n) => view.podsOnNode(n).length >= min);
    const appOf = (pod: string): string | undefined => {
      const containers = view.containersOf(pod);
      return containers.find((c) => c.endsWith("/app")) ?? containers[0];
    };
    switch (type) {
      case "container_memory_limit_too_low":
      case "container_memory_leak":
        return servedPods().flatMap((p) => appOf(p) ?? []);
      case "container_cpu_limit_too_low":
        return servedPods()
          .flatMap((p) => appOf(p) ?? [])
          .filter((c) => view.attr(c, "cpu_limit_millicores"));
      case "noisy_neighbour":
        return busyNodes(4).flatMap((n) => view.podsOnNode(n).flatMap((p) => view.containersOf(p)));
      case "node_cpu_pressure":
      case "node_memory_pressure":
      case "node_disk_pressure":
      case "node_not_ready":
      case "network_loss_node":
        return busyNodes(3);
      case "pod_crash_looping":
      case "image_pull_failure":
      case "network_loss_pod":
        return servedPods();
      case "bad_rollout":
        return view
          .ofKind("deployment")
          .filter((d) => view.podsOfWorkload(d).some((p) => view.servicesOfPod(p).length > 0));
      case "under_provisioned":
        return view.ofKind("deployment").filter((d) => view.in(d, "scales").length > 0);
      case "service_malfunction":
        return view
          .ofKind("service")
          .filter((s) => view.attr(s, "external") !== "true" && view.podsOfService(s).length > 0);
      case "external_dependency_failure":
        return [
          ...view.ofKind("external"),
          ...view.ofKind("service").filter((s) => view.attr(s, "external") === "true"),
        ].filter((x) => view.callerServices(x).length > 0);
      default:
        return [];
    }
  }
}
