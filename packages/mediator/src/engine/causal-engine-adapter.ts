import { CausalEngine, type EngineOptionsInput, type RootCauseReport } from "@causeway/causal-engine";
import { type GraphChange, type TopologyGraph } from "../graph/topology-graph.js";
import { type Symptom, type SymptomStore } from "../symptoms/symptom-store.js";
import {
  type RootCauseEngine,
  type RootCauseReportView,
  type RootCauseSummary,
} from "./root-cause-engine.js";

/**
 * Runs @causeway/causal-engine on the mediator's graph and symptom store: seeds it with what
 * they hold, then forwards every change. Sources are merged here: a symptom is active for the
 * engine while any source reports it active, since the earliest of them.
 */
export class CausalEngineAdapter implements RootCauseEngine {
  readonly name = "causal-engine";
  readonly engine: CausalEngine;
  readonly #unsubscribe: (() => void)[] = [];
  #symptoms: SymptomStore | undefined;
  #cached: { report: RootCauseReport; view: RootCauseReportView } | undefined;

  constructor(options: { readonly options?: EngineOptionsInput; readonly now?: () => number } = {}) {
    this.engine = new CausalEngine({
      ...(options.options ? { options: options.options } : {}),
      ...(options.now ? { now: options.now } : {}),
    });
  }

  start(inputs: { readonly graph: TopologyGraph; readonly symptoms: SymptomStore }): void {
    const { graph, symptoms } = inputs;
    this.#symptoms = symptoms;
    for (const e of graph.entities()) this.engine.upsertEntity(e);
    for (const r of graph.relations()) this.engine.upsertRelation(r);
    for (const s of symptoms.all()) if (s.active) this.#symptomChanged(s);
    this.#unsubscribe.push(graph.onChange((c) => this.#graphChanged(c)));
    this.#unsubscribe.push(symptoms.onChange((s) => this.#symptomChanged(s)));
  }

  #graphChanged(c: GraphChange): void {
    switch (c.op) {
      case "upsert-entity":
        this.engine.upsertEntity(c.entity);
        return;
      case "delete-entity":
        this.engine.removeEntity(c.entity.id);
        return;
      case "upsert-relation":
        this.engine.upsertRelation(c.relation);
        return;
      case "delete-relation":
        this.engine.removeRelation(c.relation);
        return;
    }
  }

  #symptomChanged(changed: Symptom): void {
    const store = this.#symptoms;
    if (!store) return;
    const active = store.ofEntity(changed.entityId).filter((s) => s.type === changed.type && s.active);
    if (active.length === 0) {
      this.engine.applySymptom({
        entityId: changed.entityId,
        type: changed.type,
        active: false,
        sinceUnixMs: changed.sinceUnixMs,
      });
      return;
    }
    const earliest = active.reduce((a, b) => (b.sinceUnixMs < a.sinceUnixMs ? b : a));
    this.engine.applySymptom({
      entityId: changed.entityId,
      type: changed.type,
      active: true,
      sinceUnixMs: earliest.sinceUnixMs,
      evidence: { ...earliest.evidence },
      evidenceSummary: earliest.evidenceSummary,
    });
  }

  report(): RootCauseReportView {
    const report = this.engine.rootCauses();
    if (this.#cached?.report === report) return this.#cached.view;
    const rootCauses: RootCauseSummary[] = report.rootCauses.map((r) => ({
      ...r,
      entityId: r.entity.id,
      ...(r.remediation
        ? { remediation: { summary: r.remediation.summary, change: r.remediation.change } }
        : {}),
    }));
    const view: RootCauseReportView = { ...report, rootCauses };
    this.#cached = { report, view };
    return view;
  }

  stats(): Readonly<Record<string, number>> {
    return { ...(this.engine.stats() as unknown as Record<string, number>) };
  }

  stop(): void {
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}
