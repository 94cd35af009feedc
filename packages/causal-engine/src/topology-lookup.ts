import { KIND, RELATION } from "./model/compile-model.js";
import { type TopologyGraph } from "./topology-graph.js";

/** The pod of a container (a pod is its own pod); -1 if none. */
export function podOf(g: TopologyGraph, entity: number): number {
  if (g.kinds[entity] === KIND.pod) return entity;
  if (g.kinds[entity] !== KIND.container) return -1;
  return g.out(RELATION["part-of"], entity)?.[0] ?? -1;
}

/** The node a container or pod runs on; -1 if unknown. */
export function nodeOf(g: TopologyGraph, entity: number): number {
  if (g.kinds[entity] === KIND.node) return entity;
  const pod = podOf(g, entity);
  return pod < 0 ? -1 : (g.out(RELATION["runs-on"], pod)?.[0] ?? -1);
}

/**
 * The workload that owns a container, pod or ReplicaSet: the Deployment above a ReplicaSet, or a
 * StatefulSet, DaemonSet, Job or bare ReplicaSet; -1 if none.
 */
export function ownerOf(g: TopologyGraph, entity: number): number {
  let at = g.kinds[entity] === KIND.replicaset ? entity : podOf(g, entity);
  if (at < 0) return -1;
  if (g.kinds[at] === KIND.pod) {
    const owner = g.out(RELATION["member-of"], at)?.[0];
    if (owner === undefined) return -1;
    at = owner;
  }
  if (g.kinds[at] === KIND.replicaset) return g.out(RELATION["member-of"], at)?.[0] ?? at;
  return at;
}

/** Services selecting a container's or pod's pod, sorted by index. */
export function servicesOf(g: TopologyGraph, entity: number): number[] {
  const pod = podOf(g, entity);
  return pod < 0 ? [] : [...(g.in(RELATION.selects, pod) ?? [])].sort((a, b) => a - b);
}

/** The workload owning most of the pods a service selects; -1 if none. */
export function workloadOfService(g: TopologyGraph, service: number): number {
  const counts = new Map<number, number>();
  for (const pod of g.out(RELATION.selects, service) ?? []) {
    const owner = ownerOf(g, pod);
    if (owner >= 0) counts.set(owner, (counts.get(owner) ?? 0) + 1);
  }
  let best = -1;
  let bestCount = 0;
  for (const [owner, count] of counts)
    if (count > bestCount || (count === bestCount && owner < best)) {
      best = owner;
      bestCount = count;
    }
  return best;
}

/** The ReplicaSets of a deployment with their revision attribute, newest first. */
export function replicaSetRevisions(
  g: TopologyGraph,
  deployment: number,
): { index: number; revision: number }[] {
  const out: { index: number; revision: number }[] = [];
  for (const member of g.in(RELATION["member-of"], deployment) ?? []) {
    if (g.kinds[member] !== KIND.replicaset) continue;
    const revision = Number(g.attribute(member, "revision"));
    if (Number.isInteger(revision) && revision > 0) out.push({ index: member, revision });
  }
  return out.sort((a, b) => b.revision - a.revision);
}

/** `namespace/name` (`namespace/pod/container` for a container), or `name` for cluster-scoped entities. */
export function displayName(g: TopologyGraph, entity: number): string {
  const id = g.ids[entity] ?? "";
  if (g.kinds[entity] === KIND.container && id.startsWith("container/")) return id.slice("container/".length);
  const ns = g.namespaces[entity];
  const name = g.names[entity] ?? g.ids[entity] ?? "?";
  return ns ? `${ns}/${name}` : name;
}
