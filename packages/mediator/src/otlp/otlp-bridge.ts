import type { CallEdge, ServiceKey, ServiceSymptomChange } from "@causeway/otlp-receiver";
import { type IpIndex } from "../graph/ip-index.js";
import { type TopologyGraph } from "../graph/topology-graph.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";

/** Graph and symptom source of everything learnt from OTLP. */
export const OTLP_SOURCE = "otlp";

function keyOf(id: string): ServiceKey | undefined {
  const [kind, namespace, ...rest] = id.split("/");
  if (!kind || namespace === undefined || rest.length === 0) return undefined;
  return { namespace, name: rest.join("/") };
}

/**
 * Connects the OTLP receiver to the mediator's state: a sender's address resolves, by time,
 * through the IP index to its pod, then to the Kubernetes service selecting that pod or else the
 * pod's top-level workload; call edges become `calls` relations; service symptoms join the store.
 */
export class OtlpBridge {
  readonly #graph: TopologyGraph;
  readonly #symptoms: SymptomStore;
  readonly #ips: IpIndex;
  readonly #clock: () => number;

  constructor(options: { graph: TopologyGraph; symptoms: SymptomStore; ips: IpIndex; clock?: () => number }) {
    this.#graph = options.graph;
    this.#symptoms = options.symptoms;
    this.#ips = options.ips;
    this.#clock = options.clock ?? Date.now;
  }

  /** The PeerResolver the receiver calls: peer IP at a time → service (namespace, name). */
  readonly resolvePeer = (ip: string, atMs: number): ServiceKey | undefined => {
    const holder = this.#ips.resolve(ip.replace(/^::ffff:/, ""), atMs);
    if (!holder) return undefined;
    if (holder.startsWith("service/")) return keyOf(holder);
    if (!holder.startsWith("pod/")) return undefined;
    const services = this.#graph.sourcesOf(holder, "selects").sort();
    if (services[0]) return keyOf(services[0]);
    // No service selects it: name it after its top-level workload (replicaset → deployment).
    let current = holder;
    for (let i = 0; i < 3; i++) {
      const owners = this.#graph.targets(current, "member-of");
      if (!owners[0]) break;
      current = owners[0];
    }
    return current === holder ? undefined : keyOf(current);
  };

  readonly onEdge = (edge: CallEdge): void => {
    const now = this.#clock();
    for (const [id, key] of [
      [edge.fromId, edge.from],
      [edge.toId, edge.to],
    ] as const) {
      if (this.#graph.hasEntity(id)) continue;
      if (key) {
        this.#graph.upsertEntity(OTLP_SOURCE, {
          id,
          kind: "service",
          name: key.name,
          namespace: key.namespace,
        });
      } else if (id.startsWith("external/")) {
        this.#graph.upsertEntity(OTLP_SOURCE, {
          id,
          kind: "external",
          name: edge.address ?? id.slice("external/".length),
        });
      }
    }
    this.#graph.upsertRelation(OTLP_SOURCE, {
      fromId: edge.fromId,
      toId: edge.toId,
      type: "calls",
      attributes: { last_seen_unix_ms: String(now - (now % 60_000)) },
    });
  };

  readonly onSymptom = (change: ServiceSymptomChange): void => {
    this.#symptoms.set(OTLP_SOURCE, {
      entityId: change.entityId,
      type: change.type,
      active: change.active,
      sinceUnixMs: change.sinceUnixMs,
      evidenceSummary: change.evidenceSummary,
      evidence: change.evidence,
    });
  };
}
