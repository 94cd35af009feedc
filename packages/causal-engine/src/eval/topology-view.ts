import { type EngineEntity, type EngineRelation } from "../topology-graph.js";

/**
 * A read-only view of a scenario topology by entity id, for the fault simulator and the noise
 * generator. Independent of the engine's own graph on purpose: the evaluation must not share
 * code paths with what it evaluates.
 */
export class TopologyView {
  readonly entities = new Map<string, EngineEntity>();
  readonly #out = new Map<string, Map<string, string[]>>();
  readonly #in = new Map<string, Map<string, string[]>>();
  readonly #byKind = new Map<string, string[]>();

  constructor(entities: readonly EngineEntity[], relations: readonly EngineRelation[]) {
    for (const e of entities) {
      this.entities.set(e.id, e);
      let list = this.#byKind.get(e.kind);
      if (!list) this.#byKind.set(e.kind, (list = []));
      list.push(e.id);
    }
    for (const r of relations) {
      add(this.#out, r.fromId, r.type, r.toId);
      add(this.#in, r.toId, r.type, r.fromId);
    }
  }

  ofKind(kind: string): readonly string[] {
    return this.#byKind.get(kind) ?? [];
  }

  kind(id: string): string | undefined {
    return this.entities.get(id)?.kind;
  }

  attr(id: string, key: string): string | undefined {
    return this.entities.get(id)?.attributes?.[key];
  }

  out(id: string, type: string): readonly string[] {
    return this.#out.get(id)?.get(type) ?? [];
  }

  in(id: string, type: string): readonly string[] {
    return this.#in.get(id)?.get(type) ?? [];
  }

  /** Every entity related to `id` in either direction. */
  neighbours(id: string): string[] {
    const out: string[] = [];
    for (const m of [this.#out.get(id), this.#in.get(id)])
      for (const ids of m?.values() ?? []) out.push(...ids);
    return out;
  }

  podOf(container: string): string | undefined {
    return this.out(container, "part-of")[0];
  }

  nodeOf(pod: string): string | undefined {
    return this.out(pod, "runs-on")[0];
  }

  containersOf(pod: string): readonly string[] {
    return this.in(pod, "part-of");
  }

  podsOnNode(node: string): readonly string[] {
    return this.in(node, "runs-on").filter((p) => this.kind(p) === "pod");
  }

  servicesOfPod(pod: string): readonly string[] {
    return this.in(pod, "selects");
  }

  podsOfService(service: string): readonly string[] {
    return this.out(service, "selects");
  }

  /** The workload owning a pod: the Deployment above its ReplicaSet, or its StatefulSet. */
  ownerOfPod(pod: string): string | undefined {
    const owner = this.out(pod, "member-of")[0];
    if (owner === undefined) return undefined;
    return this.kind(owner) === "replicaset" ? (this.out(owner, "member-of")[0] ?? owner) : owner;
  }

  podsOfWorkload(workload: string): string[] {
    const out: string[] = [];
    for (const m of this.in(workload, "member-of")) {
      if (this.kind(m) === "pod") out.push(m);
      else if (this.kind(m) === "replicaset")
        out.push(...this.in(m, "member-of").filter((p) => this.kind(p) === "pod"));
    }
    return out;
  }

  /** Services calling `id`, directly or from one of their pods. */
  callerServices(id: string): string[] {
    const out = new Set<string>();
    for (const c of this.in(id, "calls")) {
      if (this.kind(c) === "service") out.add(c);
      else if (this.kind(c) === "pod") for (const s of this.servicesOfPod(c)) out.add(s);
    }
    return [...out].sort();
  }

  /** Pods that call `id` directly. */
  callerPods(id: string): string[] {
    return this.in(id, "calls").filter((c) => this.kind(c) === "pod");
  }
}

function add(index: Map<string, Map<string, string[]>>, from: string, type: string, to: string): void {
  let byType = index.get(from);
  if (!byType) index.set(from, (byType = new Map()));
  let list = byType.get(type);
  if (!list) byType.set(type, (list = []));
  list.push(to);
}
