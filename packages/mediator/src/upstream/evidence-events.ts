import { type EvidenceEvent } from "@causeway/upstream";
import { type TopologyGraph } from "../graph/topology-graph.js";

/** Services searched for log-derived errors around one root cause, at most. */
const MAX_SERVICES = 20;

/**
 * The services whose log-derived errors belong to a root cause's evidence: the entity itself when
 * it is a service, else the services that select its pods (a container's pod, a workload's pods
 * through its replica sets). OTLP keys error events by service; a root cause often sits on a pod
 * or a workload.
 */
export function servicesAround(graph: TopologyGraph, entityId: string): string[] {
  const entity = graph.getEntity(entityId);
  const kind = entity?.kind ?? entityId.split("/")[0];
  if (kind === "service") return [entityId];
  let pods: string[] = [];
  if (kind === "pod") pods = [entityId];
  else if (kind === "container")
    pods = graph
      .outgoing(entityId)
      .filter((r) => r.type === "part-of")
      .map((r) => r.toId);
  else {
    // Workloads: pods are members directly (stateful sets, jobs) or through a replica set.
    const members = (id: string) =>
      graph
        .incoming(id)
        .filter((r) => r.type === "member-of")
        .map((r) => r.fromId);
    for (const m of members(entityId).slice(0, 200)) {
      if (m.startsWith("pod/")) pods.push(m);
      else
        pods.push(
          ...members(m)
            .filter((p) => p.startsWith("pod/"))
            .slice(0, 200),
        );
    }
  }
  const services = new Set<string>();
  for (const pod of pods) {
    for (const r of graph.incoming(pod))
      if (r.type === "selects" && r.fromId.startsWith("service/")) services.add(r.fromId);
    if (services.size >= MAX_SERVICES) break;
  }
  return [...services].slice(0, MAX_SERVICES);
}

/**
 * The error events of `services` within the window, oldest first, with only the fields evidence
 * carries (no trace ids).
 */
export function errorEventsOf(
  recentErrors: (entityId: string) => readonly EvidenceEvent[],
  services: readonly string[],
  startUnixMs: number,
  endUnixMs: number,
): EvidenceEvent[] {
  return services
    .flatMap((s) => recentErrors(s))
    .filter((e) => e.timeUnixMs >= startUnixMs && e.timeUnixMs <= endUnixMs)
    .sort((a, b) => a.timeUnixMs - b.timeUnixMs)
    .map((e) => ({
      entityId: e.entityId,
      timeUnixMs: e.timeUnixMs,
      severity: e.severity,
      message: e.message,
    }));
}

const quote = (v: string): string => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/**
 * Series selectors for a root cause's evidence: the package's defaults for its entity, plus the RED
 * series of the services around it (a workload's or pod's root cause explains its services'
 * errors). Chosen in the cluster, never by upstream.
 */
export function evidenceSelectors(
  graph: TopologyGraph,
  rootCause: { readonly entityId: string },
  defaults: readonly string[],
): string[] {
  const out = new Set(defaults);
  for (const service of servicesAround(graph, rootCause.entityId)) {
    const [, namespace = "", name = ""] = service.split("/");
    out.add(`{__name__=~"causeway_.*",namespace=${quote(namespace)},service=${quote(name)}}`);
  }
  return [...out];
}
