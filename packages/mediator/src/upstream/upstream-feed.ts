import { type Logger } from "@causeway/runtime";
import {
  type EntityInput,
  type RootCauseOffer,
  type SymptomOffer,
  type TopologyOffer,
} from "@causeway/upstream";
import { type RootCauseEngine, type RootCauseSummary } from "../engine/root-cause-engine.js";
import { type GraphEntity, type GraphRelation, type TopologyGraph } from "../graph/topology-graph.js";
import { type WarningEvent } from "../kube/cluster-model.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";

/** What the feed needs of the upstream forwarder (an `UpstreamForwarder`). */
export interface UpstreamSink {
  offerTopology(offer: TopologyOffer): void;
  offerSymptoms(changes: readonly SymptomOffer[]): void;
  offerRootCause(rootCause: RootCauseOffer): void;
  /** Whether a connection to upstream is open. */
  readonly connected: boolean;
  readonly metrics: { readonly dropped: { get(): number } };
}

export interface UpstreamFeedOptions {
  readonly sink: UpstreamSink;
  readonly graph: TopologyGraph;
  readonly symptoms: SymptomStore;
  readonly engine: RootCauseEngine;
  /** Recent Warning events of an entity, newest first (their message enriches Kubernetes symptoms). */
  readonly warningEvents: (entityId: string) => readonly WarningEvent[];
  /** True once the mediator's state is loaded and its informers have listed. */
  readonly ready: () => boolean;
  readonly log: Logger;
  readonly clock?: () => number;
  /** Changes are coalesced and offered this often. Default 1 s. */
  readonly flushIntervalMs?: number;
  /** A reconnect sends a full snapshot again unless one went this recently and nothing was dropped. Default 60 s. */
  readonly minResnapshotIntervalMs?: number;
}

/** Counts for logs and tests. */
export interface UpstreamFeedStats {
  readonly snapshots: number;
  readonly deltaFlushes: number;
  readonly pending: number;
}

const KUBERNETES = "kubernetes";

function entityOffer(e: GraphEntity): EntityInput {
  return {
    id: e.id,
    kind: e.kind,
    name: e.name,
    ...(e.namespace !== "" ? { namespace: e.namespace } : {}),
    attributes: e.attributes,
  };
}

function relationOffer(r: GraphRelation): { fromId: string; toId: string; type: string } {
  return { fromId: r.fromId, toId: r.toId, type: r.type };
}

/** The fields of a ranked root cause upstream may get (the forwarder abstracts them again). */
function rootCauseOffer(r: RootCauseSummary): RootCauseOffer {
  const x = r as RootCauseSummary & {
    readonly entity?: { readonly kind?: string; readonly name?: string; readonly namespace?: string };
    readonly rank?: number;
    readonly firstSeenUnixMs?: number;
    readonly explained?: readonly unknown[];
    readonly unexplained?: readonly unknown[];
  };
  const change = r.remediation?.change as { readonly action?: unknown } | undefined;
  return {
    id: r.id,
    type: r.type,
    entityId: r.entityId,
    // Rounded so that the engine's continuous re-ranking does not resend the same finding.
    confidence: Math.round(r.confidence * 100) / 100,
    explanation: r.explanation,
    ...(x.entity?.kind ? { entityKind: x.entity.kind } : {}),
    ...(x.entity?.name ? { entityName: x.entity.name } : {}),
    ...(x.entity?.namespace ? { entityNamespace: x.entity.namespace } : {}),
    ...(x.rank !== undefined ? { rank: x.rank } : {}),
    ...(x.firstSeenUnixMs !== undefined ? { detectedAtUnixMs: x.firstSeenUnixMs } : {}),
    ...(x.explained ? { explainedSymptoms: x.explained } : {}),
    ...(x.unexplained ? { unexplainedSymptoms: x.unexplained } : {}),
    ...(typeof change?.action === "string" ? { remediation: { action: change.action } } : {}),
  };
}

/**
 * Feeds the upstream forwarder from the mediator's live state: a full topology snapshot (with the
 * active symptoms and root causes) once the mediator is ready, and again after a reconnect; in
 * between, graph and symptom changes coalesced per entity, relation and symptom and offered every
 * `flushIntervalMs`; the causal engine's primary root causes as they change. Symptom sources are
 * merged as the causal engine sees them: active while any source says so, since the earliest.
 */
export class UpstreamFeed {
  readonly #o: UpstreamFeedOptions;
  readonly #clock: () => number;
  /** Pending entity changes: the entity, or null when deleted. */
  readonly #entities = new Map<string, GraphEntity | null>();
  readonly #relations = new Map<string, { relation: GraphRelation; deleted: boolean }>();
  readonly #symptoms = new Map<string, { entityId: string; type: string }>();
  readonly #unsubscribe: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;
  #snapshotted = false;
  #lastSnapshotMs = 0;
  #droppedAtSnapshot = 0;
  #wasConnected = false;
  #connectedSinceSnapshot = false;
  #lastReport: unknown;
  #snapshots = 0;
  #deltaFlushes = 0;

  constructor(options: UpstreamFeedOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  start(): void {
    const o = this.#o;
    this.#unsubscribe.push(
      o.graph.onChange((c) => {
        // Before the first snapshot everything is in it anyway.
        if (!this.#snapshotted) return;
        switch (c.op) {
          case "upsert-entity":
            this.#entities.set(c.entity.id, c.entity);
            return;
          case "delete-entity":
            this.#entities.set(c.entity.id, null);
            return;
          case "upsert-relation":
            this.#relations.set(c.relation.key, { relation: c.relation, deleted: false });
            return;
          case "delete-relation":
            this.#relations.set(c.relation.key, { relation: c.relation, deleted: true });
            return;
        }
      }),
    );
    this.#unsubscribe.push(
      o.symptoms.onChange((s) => {
        if (!this.#snapshotted) return;
        this.#symptoms.set(`${s.entityId}\u0000${s.type}`, { entityId: s.entityId, type: s.type });
      }),
    );
    this.#timer = setInterval(() => this.tick(), o.flushIntervalMs ?? 1000);
    this.#timer.unref();
    this.tick();
  }

  stats(): UpstreamFeedStats {
    return {
      snapshots: this.#snapshots,
      deltaFlushes: this.#deltaFlushes,
      pending: this.#entities.size + this.#relations.size + this.#symptoms.size,
    };
  }

  /** One turn: the first snapshot when ready, a snapshot after a reconnect, else the coalesced changes. */
  tick(): void {
    try {
      if (!this.#snapshotted) {
        if (this.#o.ready()) this.snapshot("start");
        return;
      }
      const connected = this.#o.sink.connected;
      const reconnected = connected && !this.#wasConnected && this.#connectedSinceSnapshot;
      this.#wasConnected = connected;
      if (connected && !reconnected) this.#connectedSinceSnapshot = true;
      if (reconnected && this.#resnapshotDue()) {
        this.snapshot("reconnect");
        return;
      }
      this.flush();
    } catch (error) {
      this.#o.log.error({ err: (error as Error).message }, "cannot feed upstream");
    }
  }

  #resnapshotDue(): boolean {
    const dropped = this.#o.sink.metrics.dropped.get() > this.#droppedAtSnapshot;
    const minMs = this.#o.minResnapshotIntervalMs ?? 60_000;
    return dropped || this.#clock() - this.#lastSnapshotMs >= minMs;
  }

  /** Offers the whole topology (replacing what upstream holds), the active symptoms and root causes. */
  snapshot(reason: "start" | "reconnect"): void {
    const o = this.#o;
    this.#entities.clear();
    this.#relations.clear();
    this.#symptoms.clear();
    const entities = [...o.graph.entities()].map(entityOffer);
    const relations = [...o.graph.relations()].map(relationOffer);
    o.sink.offerTopology({ fullSnapshot: true, upsertEntities: entities, upsertRelations: relations });
    const active = new Map<string, { entityId: string; type: string }>();
    for (const s of o.symptoms.list({ active: true }))
      active.set(`${s.entityId}\u0000${s.type}`, { entityId: s.entityId, type: s.type });
    const symptoms = [...active.values()].map((k) => this.#merged(k.entityId, k.type));
    if (symptoms.length > 0) o.sink.offerSymptoms(symptoms);
    this.#lastReport = undefined;
    this.#offerRootCauses();
    this.#snapshotted = true;
    this.#snapshots++;
    this.#lastSnapshotMs = this.#clock();
    this.#droppedAtSnapshot = o.sink.metrics.dropped.get();
    this.#wasConnected = o.sink.connected;
    this.#connectedSinceSnapshot = this.#wasConnected;
    o.log.info(
      { reason, entities: entities.length, relations: relations.length, symptoms: symptoms.length },
      "topology snapshot offered upstream",
    );
  }

  /** Offers the changes coalesced since the last flush, and root causes that changed. */
  flush(): void {
    const o = this.#o;
    if (!this.#snapshotted) return;
    if (this.#entities.size > 0 || this.#relations.size > 0) {
      const offer: {
        upsertEntities: EntityInput[];
        deleteEntityIds: string[];
        upsertRelations: { fromId: string; toId: string; type: string }[];
        deleteRelations: { fromId: string; toId: string; type: string }[];
      } = { upsertEntities: [], deleteEntityIds: [], upsertRelations: [], deleteRelations: [] };
      for (const [id, e] of this.#entities) {
        if (e) offer.upsertEntities.push(entityOffer(e));
        else offer.deleteEntityIds.push(id);
      }
      for (const { relation, deleted } of this.#relations.values()) {
        // A relation upserted then deleted (or the reverse) is sent as it stands now.
        const live = o.graph.getRelation(relation.fromId, relation.toId, relation.type);
        if (deleted && live === undefined) offer.deleteRelations.push(relationOffer(relation));
        else if (!deleted && live) offer.upsertRelations.push(relationOffer(live));
      }
      this.#entities.clear();
      this.#relations.clear();
      o.sink.offerTopology(offer);
      this.#deltaFlushes++;
    }
    if (this.#symptoms.size > 0) {
      const changes = [...this.#symptoms.values()].map((k) => this.#merged(k.entityId, k.type));
      this.#symptoms.clear();
      o.sink.offerSymptoms(changes);
    }
    this.#offerRootCauses();
  }

  #offerRootCauses(): void {
    const report = this.#o.engine.report();
    if (report === this.#lastReport) return;
    this.#lastReport = report;
    // The forwarder itself skips a root cause identical to the one it last sent.
    for (const r of report.rootCauses) if (r.primary) this.#o.sink.offerRootCause(rootCauseOffer(r));
  }

  /** One symptom as upstream sees it, all sources merged. */
  #merged(entityId: string, type: string): SymptomOffer {
    const all = this.#o.symptoms.ofEntity(entityId).filter((s) => s.type === type);
    const active = all.filter((s) => s.active);
    if (active.length === 0) {
      const since = all.reduce((m, s) => Math.max(m, s.sinceUnixMs), 0);
      return { entityId, type, active: false, sinceUnixMs: since || this.#clock() };
    }
    const earliest = active.reduce((a, b) => (b.sinceUnixMs < a.sinceUnixMs ? b : a));
    let summary = earliest.evidenceSummary;
    if (earliest.source === KUBERNETES) {
      // The newest Warning event says why in the cluster's own words (masked before it leaves).
      const event = this.#o.warningEvents(entityId)[0];
      if (event) summary = `${summary}${summary ? "; " : ""}${event.reason}: ${event.message}`;
    }
    return {
      entityId,
      type,
      active: true,
      sinceUnixMs: earliest.sinceUnixMs,
      ...(summary ? { evidenceSummary: summary } : {}),
    };
  }

  /** Offers what is pending and stops following changes. */
  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
    for (const off of this.#unsubscribe.splice(0)) off();
    try {
      this.flush();
    } catch (error) {
      this.#o.log.error({ err: (error as Error).message }, "cannot offer the last changes upstream");
    }
  }
}
