import {
  Codebook,
  FootprintIndex,
  candidateKey,
  symptomKey,
  symptomKeyEntity,
  symptomKeyType,
  type Signature,
} from "./codebook.js";
import { decodeComponent, type DecodeCandidate, type DecodeOutput } from "./decode.js";
import { engineOptionsSchema, type EngineOptions, type EngineOptionsInput } from "./engine-options.js";
import { explain } from "./explanation.js";
import {
  ROOT_CAUSE_SLOTS,
  SYMPTOM_NAMES,
  compileModel,
  relationIndex,
  symptomIndex,
  type CompiledModel,
  type CompiledRootCause,
} from "./model/compile-model.js";
import { DEFAULT_MODEL } from "./model/default-model.js";
import { type CausalModel } from "./model/model-types.js";
import { proposeRemediation } from "./remediation-proposals.js";
import {
  type ExpectedSymptom,
  type ExplainedSymptom,
  type RootCause,
  type RootCauseReport,
  type SymptomInput,
  type SymptomRef,
} from "./root-cause.js";
import { TopologyGraph, type EngineEntity, type EngineRelation } from "./topology-graph.js";

export interface CausalEngineOptions {
  /** The causal model; `DEFAULT_MODEL` when absent. */
  readonly model?: CausalModel;
  /** Tuning; see `engineOptionsSchema` for every default. */
  readonly options?: EngineOptionsInput;
  /** Clock for `firstSeenUnixMs` and report times. */
  readonly now?: () => number;
}

/** A batch of topology changes: structurally the protocol's `TopologyDelta`. */
export interface TopologyDeltaInput {
  readonly upsertEntities?: readonly EngineEntity[];
  readonly deleteEntityIds?: readonly string[];
  readonly upsertRelations?: readonly EngineRelation[];
  readonly deleteRelations?: readonly EngineRelation[];
}

/** Sizes of the engine's state, for metrics and benchmarks. */
export interface EngineStats {
  readonly entities: number;
  readonly relations: number;
  readonly activeSymptoms: number;
  /** Active symptoms on entities not (yet) in the topology. */
  readonly pendingSymptoms: number;
  /** Root-cause instances some active symptom anchors: the materialised rows of the codebook. */
  readonly candidates: number;
  readonly signatureEntries: number;
  readonly components: number;
  readonly largestComponent: number;
  /** Evaluations that recomputed something, and components decoded over the engine's life. */
  readonly evaluations: number;
  readonly componentsDecoded: number;
}

interface SymptomRecord {
  readonly tag: "symptom";
  readonly key: string;
  readonly entityId: string;
  readonly type: string;
  readonly typeIndex: number;
  sinceUnixMs: number;
  evidence: Readonly<Record<string, number>> | undefined;
  evidenceSummary: string | undefined;
  /** Symptom key while attached to a graph entity; -1 otherwise. */
  skey: number;
  anchors: Candidate[];
  footprint: number[];
}

interface Candidate {
  readonly tag: "candidate";
  readonly key: number;
  readonly id: string;
  readonly rootCause: CompiledRootCause;
  readonly entity: number;
  readonly anchoredBy: Set<SymptomRecord>;
  signature: Signature | undefined;
  component: Component | undefined;
  alive: boolean;
}

interface Component {
  alive: boolean;
  readonly members: Candidate[];
  readonly symptoms: number[];
  /** Per member, indexes into `symptoms` of its active signature entries. */
  readonly memberSymptoms: number[][];
  readonly result: DecodeOutput;
}

interface History {
  firstSeenUnixMs: number;
  /** Primary in the last decode of its component (the decoder's hysteresis). */
  primary: boolean;
  /** Rank in the last report, if it was listed (the ordering's hysteresis). */
  lastRank: number | undefined;
  /** Set while the candidate does not exist. */
  goneSinceUnixMs: number | undefined;
}

const SYMPTOM_KEY_SEPARATOR = "\u0000";

function round(value: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(value * f) / f;
}

/**
 * The causal engine: keeps the live topology and active symptoms, the codebook rows of every
 * candidate root cause, and the decoded ranked root causes. Changes are applied as they arrive
 * and only mark the affected neighbourhood dirty; `rootCauses()` recomputes what is dirty.
 * Single-threaded and synchronous; deterministic for the same inputs and history.
 */
export class CausalEngine {
  readonly #model: CompiledModel;
  readonly #options: EngineOptions;
  readonly #now: () => number;
  readonly #graph: TopologyGraph;
  readonly #codebook: Codebook;

  readonly #symptoms = new Map<string, SymptomRecord>();
  readonly #active = new Map<number, SymptomRecord>();
  readonly #pending = new Map<string, Set<SymptomRecord>>();

  readonly #candidates = new Map<number, Candidate>();
  readonly #bySymptom = new Map<number, Set<Candidate>>();
  readonly #footprints = new FootprintIndex<Candidate | SymptomRecord>();
  #signatureEntries = 0;

  readonly #dirtyDerivations = new Set<SymptomRecord>();
  readonly #dirtySignatures = new Set<Candidate>();
  readonly #touched = new Set<Candidate>();
  readonly #components = new Set<Component>();
  readonly #history = new Map<string, History>();
  #report: RootCauseReport | undefined;
  #lastShown: string[] = [];
  #evaluations = 0;
  #componentsDecoded = 0;

  constructor(init: CausalEngineOptions = {}) {
    this.#model = compileModel(init.model ?? DEFAULT_MODEL);
    this.#options = engineOptionsSchema.parse(init.options ?? {});
    this.#now = init.now ?? Date.now;
    this.#graph = new TopologyGraph(this.#model.usedRelations);
    this.#codebook = new Codebook(this.#graph, this.#model);
  }

  /** The compiled model's root-cause type names. */
  get rootCauseTypes(): string[] {
    return this.#model.rootCauses.map((r) => r.spec.type);
  }

  // ---------------------------------------------------------------- topology

  /** Adds or updates an entity (attributes replace the previous ones). */
  upsertEntity(entity: EngineEntity): void {
    const before = this.#graph.indexOf(entity.id);
    const { index, changed } = this.#graph.upsertEntity(entity);
    if (before < 0) this.#attachPending(entity.id, index);
    else if (changed) this.#invalidate(index);
    this.#report = undefined;
  }

  /** Removes an entity and its relations. Its active symptoms wait until it comes back. */
  removeEntity(id: string): void {
    const index = this.#graph.indexOf(id);
    if (index < 0) return;
    this.#invalidate(index);
    // Its index is reused by the next new entity: root causes on it go now, not at the next refresh.
    for (let t = 0; t < this.#model.rootCauses.length; t++) {
      const c = this.#candidates.get(candidateKey(index, t));
      if (c) this.#dropCandidate(c);
    }
    for (const s of this.#graph.removeEntity(id).neighbours) this.#invalidate(s);
    for (let t = 0; t < SYMPTOM_NAMES.length; t++) {
      const record = this.#active.get(symptomKey(index, t));
      if (!record) continue;
      this.#detach(record);
      let set = this.#pending.get(id);
      if (!set) this.#pending.set(id, (set = new Set()));
      set.add(record);
    }
    this.#report = undefined;
  }

  /** Adds a relation; endpoints not yet known become placeholders. Unused relation types are ignored. */
  upsertRelation(relation: EngineRelation): void {
    const r = relationIndex(relation.type);
    if (r < 0 || !this.#graph.keeps(r)) return;
    const from = this.#indexFor(relation.fromId);
    const to = this.#indexFor(relation.toId);
    if (this.#graph.addRelation(from, to, r)) {
      this.#invalidate(from);
      this.#invalidate(to);
      this.#report = undefined;
    }
  }

  removeRelation(relation: EngineRelation): void {
    const r = relationIndex(relation.type);
    const from = this.#graph.indexOf(relation.fromId);
    const to = this.#graph.indexOf(relation.toId);
    if (r < 0 || from < 0 || to < 0) return;
    if (this.#graph.removeRelation(from, to, r)) {
      this.#invalidate(from);
      this.#invalidate(to);
      this.#report = undefined;
    }
  }

  /** Applies a topology delta: upserts, then relation deletions, then entity deletions. */
  applyTopologyDelta(delta: TopologyDeltaInput): void {
    for (const e of delta.upsertEntities ?? []) this.upsertEntity(e);
    for (const r of delta.upsertRelations ?? []) this.upsertRelation(r);
    for (const r of delta.deleteRelations ?? []) this.removeRelation(r);
    for (const id of delta.deleteEntityIds ?? []) this.removeEntity(id);
  }

  // ---------------------------------------------------------------- symptoms

  /** Records a symptom turning active (or updating its evidence) or inactive. */
  applySymptom(input: SymptomInput): void {
    const key = input.entityId + SYMPTOM_KEY_SEPARATOR + input.type;
    const existing = this.#symptoms.get(key);
    if (!input.active) {
      if (!existing) return;
      this.#symptoms.delete(key);
      this.#pending.get(existing.entityId)?.delete(existing);
      if (this.#pending.get(existing.entityId)?.size === 0) this.#pending.delete(existing.entityId);
      this.#detach(existing);
      this.#report = undefined;
      return;
    }
    if (existing) {
      existing.sinceUnixMs = input.sinceUnixMs;
      existing.evidence = input.evidence;
      existing.evidenceSummary = input.evidenceSummary || undefined;
      if (existing.skey >= 0) this.#touchExplainers(existing.skey);
      this.#report = undefined;
      return;
    }
    const record: SymptomRecord = {
      tag: "symptom",
      key,
      entityId: input.entityId,
      type: input.type,
      typeIndex: symptomIndex(input.type),
      sinceUnixMs: input.sinceUnixMs,
      evidence: input.evidence,
      evidenceSummary: input.evidenceSummary || undefined,
      skey: -1,
      anchors: [],
      footprint: [],
    };
    this.#symptoms.set(key, record);
    const index = this.#graph.indexOf(input.entityId);
    if (index >= 0) this.#attach(record, index);
    else {
      let set = this.#pending.get(input.entityId);
      if (!set) this.#pending.set(input.entityId, (set = new Set()));
      set.add(record);
    }
    this.#report = undefined;
  }

  applySymptoms(inputs: readonly SymptomInput[]): void {
    for (const s of inputs) this.applySymptom(s);
  }

  /**
   * Turns every active symptom off and forgets root-cause history (first sightings, hysteresis);
   * the topology stays. For replaying independent scenarios on one loaded topology.
   */
  clearSymptoms(): void {
    for (const record of [...this.#symptoms.values()])
      this.applySymptom({ entityId: record.entityId, type: record.type, active: false, sinceUnixMs: 0 });
    this.#history.clear();
    this.#lastShown = [];
  }

  // ---------------------------------------------------------------- codebook

  /**
   * The codebook row of a root-cause instance (`<type>:<entity id>`): every symptom it is expected
   * to produce with its probability, most likely first. Undefined for an unknown type or entity,
   * or a type that cannot sit on that entity.
   */
  signature(rootCauseId: string): ExpectedSymptom[] | undefined {
    const colon = rootCauseId.indexOf(":");
    const type = this.#model.rootCauseIndex.get(rootCauseId.slice(0, colon));
    const entity = this.#graph.indexOf(rootCauseId.slice(colon + 1));
    if (colon < 0 || type === undefined || entity < 0) return undefined;
    const rootCause = this.#model.rootCauses[type] as CompiledRootCause;
    if (!this.#codebook.applies(rootCause, entity)) return undefined;
    const sig = this.#codebook.signature(rootCause, entity);
    return this.#expected(sig.entries, () => true, Number.POSITIVE_INFINITY);
  }

  // ---------------------------------------------------------------- inference

  /** The ranked root causes for the current topology and symptoms, recomputing only what changed. */
  rootCauses(): RootCauseReport {
    if (this.#report) return this.#report;
    const now = this.#now();
    this.#refreshDerivations();
    this.#refreshSignatures(now);
    this.#decodeTouched(now);
    this.#evaluations++;
    this.#report = this.#buildReport(now);
    return this.#report;
  }

  stats(): EngineStats {
    let largest = 0;
    for (const c of this.#components) largest = Math.max(largest, c.members.length);
    let pending = 0;
    for (const set of this.#pending.values()) pending += set.size;
    return {
      entities: this.#graph.entityCount,
      relations: this.#graph.relationCount,
      activeSymptoms: this.#symptoms.size,
      pendingSymptoms: pending,
      candidates: this.#candidates.size,
      signatureEntries: this.#signatureEntries,
      components: this.#components.size,
      largestComponent: largest,
      evaluations: this.#evaluations,
      componentsDecoded: this.#componentsDecoded,
    };
  }

  // ---------------------------------------------------------------- internals: change tracking

  #indexFor(id: string): number {
    const known = this.#graph.indexOf(id);
    if (known >= 0) return known;
    const index = this.#graph.ensure(id);
    this.#attachPending(id, index);
    return index;
  }

  #attachPending(id: string, index: number): void {
    const waiting = this.#pending.get(id);
    if (!waiting) return;
    this.#pending.delete(id);
    for (const record of waiting) this.#attach(record, index);
  }

  #attach(record: SymptomRecord, entity: number): void {
    if (record.typeIndex < 0) return;
    record.skey = symptomKey(entity, record.typeIndex);
    this.#active.set(record.skey, record);
    this.#dirtyDerivations.add(record);
    this.#touchExplainers(record.skey);
  }

  #detach(record: SymptomRecord): void {
    this.#dirtyDerivations.delete(record);
    this.#dropAnchors(record);
    if (record.skey < 0) return;
    this.#active.delete(record.skey);
    this.#touchExplainers(record.skey);
    record.skey = -1;
  }

  #dropAnchors(record: SymptomRecord): void {
    for (const c of record.anchors) {
      c.anchoredBy.delete(record);
      if (c.anchoredBy.size === 0) this.#dropCandidate(c);
    }
    record.anchors = [];
    this.#footprints.remove(record, record.footprint);
    record.footprint = [];
  }

  /** Marks every cached result that read entity `index` as stale. */
  #invalidate(index: number): void {
    for (const item of this.#footprints.dependents(index)) {
      if (item.tag === "symptom") this.#dirtyDerivations.add(item);
      else if (item.alive) {
        this.#clearSignature(item);
        this.#dirtySignatures.add(item);
        this.#touch(item);
      }
    }
  }

  /** Candidates whose row contains symptom `skey` must be decoded again. */
  #touchExplainers(skey: number): void {
    for (const c of this.#bySymptom.get(skey) ?? []) this.#touch(c);
  }

  #touch(c: Candidate): void {
    this.#touched.add(c);
  }

  #candidate(key: number, now: number): Candidate {
    let c = this.#candidates.get(key);
    if (c) return c;
    const rootCause = this.#model.rootCauses[key % ROOT_CAUSE_SLOTS] as CompiledRootCause;
    const entity = Math.floor(key / ROOT_CAUSE_SLOTS);
    const id = `${rootCause.spec.type}:${this.#graph.ids[entity]}`;
    c = {
      tag: "candidate",
      key,
      id,
      rootCause,
      entity,
      anchoredBy: new Set(),
      signature: undefined,
      component: undefined,
      alive: true,
    };
    this.#candidates.set(key, c);
    this.#dirtySignatures.add(c);
    this.#touch(c);
    const h = this.#history.get(id);
    if (!h)
      this.#history.set(id, {
        firstSeenUnixMs: now,
        primary: false,
        lastRank: undefined,
        goneSinceUnixMs: undefined,
      });
    else h.goneSinceUnixMs = undefined;
    return c;
  }

  #dropCandidate(c: Candidate): void {
    if (!c.alive) return;
    c.alive = false;
    this.#clearSignature(c);
    this.#dirtySignatures.delete(c);
    if (this.#candidates.get(c.key) === c) this.#candidates.delete(c.key);
    this.#touch(c);
    const h = this.#history.get(c.id);
    if (h) h.goneSinceUnixMs = this.#now();
  }

  #clearSignature(c: Candidate): void {
    const sig = c.signature;
    if (!sig) return;
    for (const skey of sig.entries.keys()) {
      const set = this.#bySymptom.get(skey);
      if (!set) continue;
      set.delete(c);
      if (set.size === 0) this.#bySymptom.delete(skey);
    }
    this.#signatureEntries -= sig.entries.size;
    this.#footprints.remove(c, sig.footprint);
    c.signature = undefined;
  }

  // ---------------------------------------------------------------- internals: recomputation

  #refreshDerivations(): void {
    const now = this.#now();
    for (const record of this.#dirtyDerivations) {
      if (record.skey < 0) {
        this.#dropAnchors(record);
        continue;
      }
      const { candidates, footprint } = this.#codebook.anchors(
        record.typeIndex,
        symptomKeyEntity(record.skey),
      );
      const next = new Set(candidates);
      const kept: Candidate[] = [];
      for (const c of record.anchors) {
        if (next.has(c.key) && c.alive) {
          kept.push(c);
          next.delete(c.key);
        } else {
          c.anchoredBy.delete(record);
          if (c.anchoredBy.size === 0) this.#dropCandidate(c);
        }
      }
      for (const key of next) {
        const c = this.#candidate(key, now);
        c.anchoredBy.add(record);
        kept.push(c);
      }
      record.anchors = kept;
      this.#footprints.remove(record, record.footprint);
      record.footprint = footprint;
      this.#footprints.add(record, footprint);
    }
    this.#dirtyDerivations.clear();
  }

  #refreshSignatures(_now: number): void {
    for (const c of this.#dirtySignatures) {
      if (!c.alive) continue;
      const sig = this.#codebook.signature(c.rootCause, c.entity);
      for (const skey of sig.entries.keys()) {
        let set = this.#bySymptom.get(skey);
        if (!set) this.#bySymptom.set(skey, (set = new Set()));
        set.add(c);
      }
      this.#signatureEntries += sig.entries.size;
      this.#footprints.add(c, sig.footprint);
      c.signature = sig;
      this.#touch(c);
    }
    this.#dirtySignatures.clear();
  }

  #decodeTouched(now: number): void {
    if (this.#touched.size === 0) return;
    const seeds: Candidate[] = [];
    const kill = (comp: Component): void => {
      if (!comp.alive) return;
      comp.alive = false;
      this.#components.delete(comp);
      for (const m of comp.members) if (m.alive) seeds.push(m);
    };
    for (const c of this.#touched) {
      if (c.component) kill(c.component);
      if (c.alive) seeds.push(c);
    }
    this.#touched.clear();
    const visited = new Set<Candidate>();
    // Seeds in key order so that components and their member order do not depend on change order.
    seeds.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    for (const seed of seeds) {
      if (visited.has(seed) || !seed.alive) continue;
      const members: Candidate[] = [];
      const symptomIndexOf = new Map<number, number>();
      const symptoms: number[] = [];
      const queue = [seed];
      visited.add(seed);
      while (queue.length > 0) {
        const c = queue.pop() as Candidate;
        members.push(c);
        if (c.component?.alive) kill(c.component);
        for (const skey of c.signature?.entries.keys() ?? []) {
          if (!this.#active.has(skey)) continue;
          if (!symptomIndexOf.has(skey)) {
            symptomIndexOf.set(skey, symptoms.length);
            symptoms.push(skey);
          }
          for (const other of this.#bySymptom.get(skey) ?? [])
            if (!visited.has(other) && other.alive) {
              visited.add(other);
              queue.push(other);
            }
        }
      }
      members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
      this.#decode(members, symptoms, symptomIndexOf, now);
    }
  }

  #decode(members: Candidate[], symptoms: number[], symptomIndexOf: Map<number, number>, now: number): void {
    const miss = this.#options.missRate;
    const memberSymptoms: number[][] = [];
    const candidates: DecodeCandidate[] = members.map((c) => {
      const local: number[] = [];
      const probabilities: number[] = [];
      for (const [skey, p] of c.signature?.entries ?? []) {
        const j = symptomIndexOf.get(skey);
        if (j === undefined) continue;
        local.push(j);
        probabilities.push(p * (1 - miss));
      }
      memberSymptoms.push(local);
      const h = this.#history.get(c.id);
      return {
        priorLogOdds: c.rootCause.priorLogOdds,
        absent: this.#absent(c),
        symptoms: local,
        probabilities,
        bonus: h?.primary ? this.#options.hysteresis : 0,
      };
    });
    const baseRates = symptoms.map((skey) => this.#model.baseRates[symptomKeyType(skey)] as number);
    const result = decodeComponent({ candidates, baseRates });
    const comp: Component = { alive: true, members, symptoms, memberSymptoms, result };
    this.#components.add(comp);
    this.#componentsDecoded++;
    members.forEach((c, i) => {
      c.component = comp;
      const h = this.#history.get(c.id);
      if (h) h.primary = result.primary[i] === true;
      else
        this.#history.set(c.id, {
          firstSeenUnixMs: now,
          primary: result.primary[i] === true,
          lastRank: undefined,
          goneSinceUnixMs: undefined,
        });
    });
  }

  /**
   * Log-probability that a candidate's inactive expected symptoms are absent, effect by effect.
   * The inactive symptoms of one effect count at most as its silence weight times the absence of
   * its likeliest symptom, so a supporting observation never lowers a candidate's score.
   */
  #absent(c: Candidate): number {
    const keep = 1 - this.#options.missRate;
    let total = 0;
    for (const group of c.signature?.groups ?? []) {
      let sum = 0;
      let strongest = 0;
      for (let k = 0; k < group.keys.length; k++) {
        const p = (group.probabilities[k] as number) * keep;
        strongest = Math.max(strongest, p);
        if (!this.#active.has(group.keys[k] as number)) sum += Math.log(1 - p);
      }
      const weight = group.silenceWeight > 0 ? group.silenceWeight : this.#options.effectSilenceWeight;
      total += Math.max(sum, weight * Math.log(1 - strongest));
    }
    return total;
  }

  // ---------------------------------------------------------------- internals: the report

  #buildReport(now: number): RootCauseReport {
    this.#forget(now);
    const o = this.#options;
    const ranked: { c: Candidate; comp: Component; i: number; sortScore: number; primary: boolean }[] = [];
    const unexplained: SymptomRef[] = [];
    let unexplainedCount = 0;
    const explainedKeys = new Set<number>();
    for (const comp of this.#components) {
      const r = comp.result;
      // The best explanation of an incident is listed however weak: it is still the best lead.
      let best = -1;
      comp.members.forEach((_, i) => {
        if (best < 0 || (r.score[i] as number) > (r.score[best] as number)) best = i;
      });
      comp.members.forEach((c, i) => {
        const primary = r.primary[i] === true;
        if (!primary && i !== best && (r.confidence[i] as number) < o.minConfidence) return;
        // An entry listed at rank k last time keeps a bonus of hysteresis/k: to swap two
        // neighbours at the top, a score must move by half the hysteresis or more.
        const lastRank = this.#history.get(c.id)?.lastRank;
        const bonus = lastRank !== undefined ? o.hysteresis / lastRank : 0;
        ranked.push({ c, comp, i, sortScore: (r.score[i] as number) + bonus, primary });
      });
      comp.symptoms.forEach((skey, j) => {
        if (r.explained[j]) explainedKeys.add(skey);
      });
    }
    for (const record of this.#symptoms.values()) {
      if (record.skey >= 0 && explainedKeys.has(record.skey)) continue;
      unexplainedCount++;
      if (unexplained.length < o.maxListedSymptoms)
        unexplained.push({ entityId: record.entityId, type: record.type });
    }
    ranked.sort(
      (a, b) =>
        Number(b.primary) - Number(a.primary) ||
        b.sortScore - a.sortScore ||
        (a.c.id < b.c.id ? -1 : a.c.id > b.c.id ? 1 : 0),
    );
    const shown = ranked.slice(0, o.maxResults);
    for (const id of this.#lastShown) {
      const h = this.#history.get(id);
      if (h) h.lastRank = undefined;
    }
    this.#lastShown = shown.map((x) => x.c.id);
    shown.forEach((x, k) => {
      const h = this.#history.get(x.c.id);
      if (h) h.lastRank = k + 1;
    });
    const rootCauses = shown.map((x, k) => this.#render(x.c, x.comp, x.i, k + 1));
    return {
      computedAtUnixMs: now,
      modelVersion: this.#model.model.version,
      rootCauses,
      omitted: ranked.length - shown.length,
      activeSymptoms: this.#symptoms.size,
      unexplained,
      unexplainedCount,
    };
  }

  #render(c: Candidate, comp: Component, i: number, rank: number): RootCause {
    const g = this.#graph;
    const o = this.#options;
    const r = comp.result;
    const entries = c.signature?.entries ?? new Map<number, number>();
    const explained: ExplainedSymptom[] = [];
    let explainedCount = 0;
    let started = Number.POSITIVE_INFINITY;
    const mine = new Set<number>();
    for (const j of comp.memberSymptoms[i] ?? []) {
      const skey = comp.symptoms[j] as number;
      const record = this.#active.get(skey);
      if (!record) continue;
      mine.add(skey);
      explainedCount++;
      started = Math.min(started, record.sinceUnixMs);
      if (explained.length < o.maxListedSymptoms)
        explained.push({
          entityId: record.entityId,
          type: record.type,
          sinceUnixMs: record.sinceUnixMs,
          probability: round(entries.get(skey) ?? 0, 3),
          ...(record.evidenceSummary ? { evidenceSummary: record.evidenceSummary } : {}),
        });
    }
    explained.sort((a, b) => b.probability - a.probability || a.sinceUnixMs - b.sinceUnixMs);
    const unexplained: SymptomRef[] = [];
    let unexplainedCount = 0;
    for (const skey of comp.symptoms) {
      if (mine.has(skey)) continue;
      const record = this.#active.get(skey);
      if (!record) continue;
      unexplainedCount++;
      if (unexplained.length < o.maxListedSymptoms)
        unexplained.push({ entityId: record.entityId, type: record.type });
    }
    const expectedAbsent = this.#expected(
      entries,
      (skey) => !this.#active.has(skey),
      o.maxListedSymptoms,
      0.3,
    );
    const spec = c.rootCause.spec;
    const history = this.#history.get(c.id);
    const firstSeen = history?.firstSeenUnixMs ?? this.#now();
    const remediation = spec.remediation
      ? proposeRemediation({
          graph: g,
          entity: c.entity,
          kind: spec.remediation,
          evidence: (entity) => this.#evidence(entity),
          isActive: (entity, type) => this.#active.has(symptomKey(entity, symptomIndex(type))),
          restartedAt: new Date(firstSeen).toISOString(),
        })
      : undefined;
    const confidence = round(r.confidence[i] as number, 4);
    const rivalIndex = r.rival[i] as number;
    const rival = rivalIndex >= 0 ? comp.members[rivalIndex] : undefined;
    const primary = r.primary[i] === true;
    return {
      id: c.id,
      type: spec.type,
      title: spec.title,
      entity: {
        id: g.ids[c.entity] ?? "",
        kind: g.kindNames[c.entity] ?? "",
        name: g.names[c.entity] ?? "",
        namespace: g.namespaces[c.entity] ?? "",
      },
      confidence,
      rank,
      primary,
      score: round(r.score[i] as number, 3),
      explained,
      unexplained,
      expectedAbsent,
      explanation: explain({
        graph: g,
        entity: c.entity,
        spec,
        primary,
        confidence,
        explained,
        explainedCount,
        unexplainedCount,
        expectedAbsent,
        ...(rival
          ? { rival: { title: rival.rootCause.spec.title, entityId: g.ids[rival.entity] ?? "" } }
          : {}),
        ...(remediation ? { remediation } : {}),
      }),
      ...(remediation ? { remediation } : {}),
      firstSeenUnixMs: firstSeen,
      startedUnixMs: Number.isFinite(started) ? started : firstSeen,
    };
  }

  #expected(
    entries: ReadonlyMap<number, number>,
    include: (skey: number) => boolean,
    limit: number,
    minProbability = 0,
  ): ExpectedSymptom[] {
    const out: { skey: number; p: number }[] = [];
    for (const [skey, p] of entries) if (p >= minProbability && include(skey)) out.push({ skey, p });
    out.sort((a, b) => b.p - a.p || a.skey - b.skey);
    return out.slice(0, limit).map(({ skey, p }) => ({
      entityId: this.#graph.ids[symptomKeyEntity(skey)] ?? "",
      type: SYMPTOM_NAMES[symptomKeyType(skey)] as string,
      probability: round(p, 3),
    }));
  }

  /** The evidence numbers of every active symptom on an entity, merged. */
  #evidence(entity: number): Record<string, number> {
    const merged: Record<string, number> = {};
    for (let t = 0; t < SYMPTOM_NAMES.length; t++) {
      const record = this.#active.get(symptomKey(entity, t));
      if (record?.evidence) Object.assign(merged, record.evidence);
    }
    return merged;
  }

  #forget(now: number): void {
    if (this.#history.size <= 2 * this.#candidates.size + 1024) return;
    for (const [id, h] of this.#history)
      if (h.goneSinceUnixMs !== undefined && now - h.goneSinceUnixMs > this.#options.forgetAfterMs)
        this.#history.delete(id);
  }
}
