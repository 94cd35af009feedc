import { type AgentMessage, type SymptomChanges, type TopologyDelta } from "@causeway/protocol";
import { type IpIndex } from "../graph/ip-index.js";
import { relationKey, type TopologyGraph } from "../graph/topology-graph.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";

/** The graph and symptom source of one agent. */
export function agentSource(agentId: string): string {
  return `agent:${agentId}`;
}

/** "external/10.1.2.3:8080", "external/[fd00::1]:80" or "external/fd00::1:80" → ip and port. */
export function parseExternalId(id: string): { ip: string; port: string } | undefined {
  if (!id.startsWith("external/")) return undefined;
  const address = id.slice("external/".length);
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(address);
  if (bracketed) return { ip: bracketed[1] as string, port: bracketed[2] ?? "" };
  const colon = address.lastIndexOf(":");
  if (colon > 0 && /^\d+$/.test(address.slice(colon + 1))) {
    return { ip: address.slice(0, colon), port: address.slice(colon + 1) };
  }
  return /^[0-9a-fA-F:.]+$/.test(address) ? { ip: address, port: "" } : undefined;
}

/**
 * Applies agents' topology deltas and symptom changes to the graph and the symptom store. A
 * connection to a remote address the agent could not name (`external/ip:port`) is resolved to
 * the pod or service that held the address when the message was created, so that a reused pod IP
 * is attributed to the right pod.
 */
export class AgentIngest {
  readonly #graph: TopologyGraph;
  readonly #symptoms: SymptomStore;
  readonly #ips: IpIndex;
  /** Per agent: relation keys as the agent sent them → the key stored after resolution. */
  readonly #rewritten = new Map<string, Map<string, { fromId: string; toId: string; type: string }>>();
  resolvedConnections = 0;
  unresolvedConnections = 0;

  constructor(options: {
    readonly graph: TopologyGraph;
    readonly symptoms: SymptomStore;
    readonly ips: IpIndex;
  }) {
    this.#graph = options.graph;
    this.#symptoms = options.symptoms;
    this.#ips = options.ips;
  }

  apply(agentId: string, message: AgentMessage): void {
    const body = message.body;
    if (!body) return;
    if (body.$case === "topology") this.#topology(agentId, body.value, message.createdUnixMs);
    else if (body.$case === "symptoms") this.#symptomChanges(agentId, body.value);
  }

  #resolve(
    agentId: string,
    fromId: string,
    toId: string,
    type: string,
    atMs: number,
  ): { toId: string; port: string } {
    const external = parseExternalId(toId);
    if (!external) return { toId, port: "" };
    const holder = this.#ips.resolve(external.ip, atMs);
    if (!holder) {
      this.unresolvedConnections++;
      return { toId, port: external.port };
    }
    this.resolvedConnections++;
    let map = this.#rewritten.get(agentId);
    if (!map) this.#rewritten.set(agentId, (map = new Map()));
    map.set(relationKey(fromId, toId, type), { fromId, toId: holder, type });
    return { toId: holder, port: external.port };
  }

  #topology(agentId: string, delta: TopologyDelta, createdUnixMs: number): void {
    const source = agentSource(agentId);
    const g = this.#graph;
    const at = createdUnixMs > 0 ? createdUnixMs : Date.now();
    const before = delta.fullSnapshot ? g.reportedBy(source) : undefined;
    const keptEntities = new Set<string>();
    const keptRelations = new Set<string>();
    if (delta.fullSnapshot) this.#rewritten.delete(agentId);
    for (const e of delta.upsertEntities) {
      if (e.id === "" || e.kind === "") continue;
      if (e.kind === "external") {
        const ext = parseExternalId(e.id);
        // Resolved addresses are represented by the pod or service itself.
        if (ext && this.#ips.resolve(ext.ip, at)) continue;
      }
      g.upsertEntity(source, {
        id: e.id,
        kind: e.kind,
        name: e.name,
        namespace: e.namespace,
        attributes: e.attributes,
      });
      keptEntities.add(e.id);
    }
    for (const r of delta.upsertRelations) {
      if (r.fromId === "" || r.toId === "" || r.type === "") continue;
      const resolved =
        r.type === "calls"
          ? this.#resolve(agentId, r.fromId, r.toId, r.type, at)
          : { toId: r.toId, port: "" };
      const attributes =
        resolved.port !== "" && resolved.toId !== r.toId
          ? { ...r.attributes, port: resolved.port }
          : r.attributes;
      g.upsertRelation(source, { fromId: r.fromId, toId: resolved.toId, type: r.type, attributes });
      keptRelations.add(relationKey(r.fromId, resolved.toId, r.type));
    }
    for (const id of delta.deleteEntityIds) g.deleteEntity(source, id);
    const rewritten = this.#rewritten.get(agentId);
    for (const k of delta.deleteRelations) {
      const original = relationKey(k.fromId, k.toId, k.type);
      const stored = rewritten?.get(original);
      if (stored) {
        rewritten?.delete(original);
        g.deleteRelation(source, stored.fromId, stored.toId, stored.type);
      } else {
        g.deleteRelation(source, k.fromId, k.toId, k.type);
      }
    }
    if (before) {
      for (const r of before.relations)
        if (!keptRelations.has(r.key)) g.deleteRelation(source, r.fromId, r.toId, r.type);
      for (const id of before.entityIds) if (!keptEntities.has(id)) g.deleteEntity(source, id);
    }
  }

  /**
   * Withdraws everything an agent reported (a superseded agent id: the agent restarted or
   * resynced under a new id and its full snapshot replaces the old one's view).
   */
  dropAgent(agentId: string): void {
    const source = agentSource(agentId);
    const reported = this.#graph.reportedBy(source);
    for (const r of reported.relations) this.#graph.deleteRelation(source, r.fromId, r.toId, r.type);
    for (const id of reported.entityIds) this.#graph.deleteEntity(source, id);
    for (const s of this.#symptoms.activeFrom(source)) {
      this.#symptoms.set(source, { entityId: s.entityId, type: s.type, active: false });
    }
    this.#rewritten.delete(agentId);
  }

  #symptomChanges(agentId: string, changes: SymptomChanges): void {
    const source = agentSource(agentId);
    for (const c of changes.changes) {
      if (c.entityId === "" || c.type === "") continue;
      this.#symptoms.set(source, {
        entityId: c.entityId,
        type: c.type,
        active: c.active,
        ...(c.sinceUnixMs > 0 ? { sinceUnixMs: c.sinceUnixMs } : {}),
        evidenceSummary: c.evidenceSummary,
        evidence: c.evidence,
      });
    }
  }
}
