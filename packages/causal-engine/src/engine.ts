import {
  Codebook,
  FootprintIndex,
  candidateKey,
  symptomKey,
  symptomKeyEntity,
  symptomKeyType,
  type Signature,
} from "./codebook.js";
import { decodeComponent, type DecodeCandidate } from "./decode.js";
import { engineOptionsSchema, type EngineOptions, type EngineOptionsInput } from "./engine-options.js";
import { explain } from "./explanation.js";
import {
  EFFECT_SLOTS,
  RELATION_COUNT,
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
import { entityFact, inFact, outFact } from "./path-walk.js";
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
  /** Incidents: connected groups of candidates sharing active symptoms, and the largest's size. */
  readonly incidents: number;
  readonly largestIncident: number;
  /** Over the engine's life: reports recomputed, decoder runs, and candidates they decoded. */
  readonly evaluations: number;
  readonly decodes: number;
  readonly candidatesDecoded: number;
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
  /** Support keys it adds to anchors that need several symptoms. */
  supports: number[];
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
  alive: boolean;
  /** The last decode's verdict. */
  decoded: boolean;
  primary: boolean;
  score: number;
  confidence: number;
  rival: Candidate | undefined;
  /** Bumped whenever anything its rendering reads may have changed. */
  version: number;
  rendered: { version: number; value: RootCause } | undefined;
}

/** Candidates a local change re-decodes around itself inside a larger incident. */
const REGION_DEPTH = 2;

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
  readonly #support = new Map<number, Set<SymptomRecord>>();
  /** Per candidate key, how many of its multi-symptom anchors have their minimum support. */
  readonly #satisfied = new Map<number, number>();
  readonly #supportChanged = new Set<number>();
  readonly #footprints = new FootprintIndex<Candidate | SymptomRecord>();
  #signatureEntries = 0;

  readonly #dirtyDerivations = new Set<SymptomRecord>();
  readonly #dirtySignatures = new Set<Candidate>();
  readonly #touched = new Set<Candidate>();
  readonly #history = new Map<string, History>();
  #report: RootCauseReport | undefined;
  #lastShown: string[] = [];
  #evaluations = 0;
  #decodes = 0;
  #candidatesDecoded = 0;

  constructor(init: CausalEngineOptions = {}) {
    this.#model = compileModel(init.model ?? DEFAULT_MODEL);
    this.#options = engineOptionsSchema.parse(init.options ?? {});
    this.#now = init.now ?? Date.now;
    this.#graph = new TopologyGraph(this.#model.usedRelations);
    this.#codebook = new Codebook(this.#graph, this.#model, this.#options.minSymptomProbability);
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
    else if (changed) this.#invalidate(entityFact(index));
    this.#report = undefined;
  }

  /** Removes an entity and its relations. Its active symptoms wait until it comes back. */
  removeEntity(id: string): void {
    const index = this.#graph.indexOf(id);
    if (index < 0) return;
    this.#invalidate(entityFact(index));
    for (let r = 0; r < RELATION_COUNT; r++) {
      this.#invalidate(outFact(index, r));
      this.#invalidate(inFact(index, r));
    }
    // Its index is reused by the next new entity: root causes on it go now, not at the next refresh.
    for (let t = 0; t < this.#model.rootCauses.length; t++) {
      const c = this.#candidates.get(candidateKey(index, t));
      if (c) this.#dropCandidate(c);
    }
    for (const { from, to, relation } of this.#graph.removeEntity(id).removed) {
      this.#invalidate(outFact(from, relation));
      this.#invalidate(inFact(to, relation));
    }
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
      this.#invalidate(outFact(from, r));
      this.#invalidate(inFact(to, r));
      this.#report = undefined;
    }
  }

  removeRelation(relation: EngineRelation): void {
    const r = relationIndex(relation.type);
    const from = this.#graph.indexOf(relation.fromId);
    const to = this.#graph.indexOf(relation.toId);
    if (r < 0 || from < 0 || to < 0) return;
    if (this.#graph.removeRelation(from, to, r)) {
      this.#invalidate(outFact(from, r));
      this.#invalidate(inFact(to, r));
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
    const sinceUnixMs = Number.isFinite(input.sinceUnixMs) ? input.sinceUnixMs : this.#now();
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
      existing.sinceUnixMs = sinceUnixMs;
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
      sinceUnixMs,
      evidence: input.evidence,
      evidenceSummary: input.evidenceSummary || undefined,
      skey: -1,
      anchors: [],
      supports: [],
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

  /** Sizes of the state; counting incidents walks every candidate, so this is not for hot paths. */
  stats(): EngineStats {
    let pending = 0;
    for (const set of this.#pending.values()) pending += set.size;
    let incidents = 0;
    let largest = 0;
    const seen = new Set<Candidate>();
    for (const c of this.#candidates.values()) {
      if (seen.has(c)) continue;
      const { members } = this.#ball([c], Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY);
      for (const m of members) seen.add(m);
      incidents++;
      largest = Math.max(largest, members.length);
    }
    return {
      entities: this.#graph.entityCount,
      relations: this.#graph.relationCount,
      activeSymptoms: this.#symptoms.size,
      pendingSymptoms: pending,
      candidates: this.#candidates.size,
      signatureEntries: this.#signatureEntries,
      incidents,
      largestIncident: largest,
      evaluations: this.#evaluations,
      decodes: this.#decodes,
      candidatesDecoded: this.#candidatesDecoded,
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
      this.#release(c);
    }
    record.anchors = [];
    for (const key of record.supports) this.#unsupport(key, record);
    record.supports = [];
    this.#footprints.remove(record, record.footprint);
    record.footprint = [];
  }

  /** Marks every cached result that read a topology fact as stale. */
  #invalidate(fact: number): void {
    for (const item of this.#footprints.dependents(fact)) {
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
    c.version++;
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
      alive: true,
      decoded: false,
      primary: false,
      score: 0,
      confidence: 0,
      rival: undefined,
      version: 0,
      rendered: undefined,
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

  /** Drops a candidate nothing anchors any more. */
  #release(c: Candidate): void {
    if (c.anchoredBy.size === 0 && !this.#satisfied.has(c.key)) this.#dropCandidate(c);
  }

  #supportNeeded(key: number): number {
    const candidate = Math.floor(key / EFFECT_SLOTS);
    const rootCause = this.#model.rootCauses[candidate % ROOT_CAUSE_SLOTS] as CompiledRootCause;
    return rootCause.effects[key % EFFECT_SLOTS]?.minSupport ?? 1;
  }

  #addSupport(key: number, record: SymptomRecord): void {
    let set = this.#support.get(key);
    if (!set) this.#support.set(key, (set = new Set()));
    set.add(record);
    if (set.size !== this.#supportNeeded(key)) return;
    const candidate = Math.floor(key / EFFECT_SLOTS);
    this.#satisfied.set(candidate, (this.#satisfied.get(candidate) ?? 0) + 1);
    this.#supportChanged.add(candidate);
  }

  #unsupport(key: number, record: SymptomRecord): void {
    const set = this.#support.get(key);
    if (!set?.delete(record)) return;
    if (set.size === 0) this.#support.delete(key);
    if (set.size !== this.#supportNeeded(key) - 1) return;
    const candidate = Math.floor(key / EFFECT_SLOTS);
    const left = (this.#satisfied.get(candidate) ?? 1) - 1;
    if (left > 0) this.#satisfied.set(candidate, left);
    else this.#satisfied.delete(candidate);
    this.#supportChanged.add(candidate);
  }

  /** Creates or drops the candidates whose multi-symptom support changed. */
  #settleSupport(now: number): void {
    for (const key of this.#supportChanged) {
      const c = this.#candidates.get(key);
      if (this.#satisfied.has(key)) {
        if (!c) this.#candidate(key, now);
      } else if (c) this.#release(c);
    }
    this.#supportChanged.clear();
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
    // What it explained must be decoded again by whoever else can explain it.
    for (const skey of sig.entries.keys()) if (this.#active.has(skey)) this.#touchExplainers(skey);
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
      const { candidates, supports, footprint } = this.#codebook.anchors(
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
          this.#release(c);
        }
      }
      for (const key of next) {
        const c = this.#candidate(key, now);
        c.anchoredBy.add(record);
        kept.push(c);
      }
      record.anchors = kept;
      const nextSupports = new Set(supports);
      for (const key of record.supports) if (!nextSupports.delete(key)) this.#unsupport(key, record);
      for (const key of nextSupports) this.#addSupport(key, record);
      record.supports = supports;
      this.#footprints.remove(record, record.footprint);
      record.footprint = footprint;
      this.#footprints.add(record, footprint);
    }
    this.#dirtyDerivations.clear();
    this.#settleSupport(now);
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
    const seeds = [...this.#touched].filter((c) => c.alive);
    this.#touched.clear();
    if (seeds.length === 0) return;
    const o = this.#options;
    // The incident around the change, REGION_DEPTH candidates deep, nearest first. A whole
    // incident is decoded exactly; a local change inside a larger one re-decodes only its
    // neighbourhood (at most maxRegionCandidates), holding the rest of that incident's decisions
    // fixed (docs/adr/0020). Many new candidates at once (a cold start) decode whole incidents.
    let fresh = 0;
    for (const c of seeds) if (!c.decoded) fresh++;
    if (fresh * 2 > o.maxRegionCandidates) {
      this.#decode(this.#ball(seeds, Number.POSITIVE_INFINITY, Number.POSITIVE_INFINITY).members, false, now);
      return;
    }
    const near = this.#ball(seeds, REGION_DEPTH, Math.max(o.maxRegionCandidates, 2 * seeds.length));
    this.#decode(near.members, !near.complete, now);
  }

  /**
   * Candidates within `depth` steps of the seeds, a step going from a candidate through one of
   * its active symptoms to another candidate explaining it, nearest first. `complete` when nothing
   * lies beyond. Stops early, incomplete, once `limit` candidates are collected.
   */
  #ball(
    seeds: readonly Candidate[],
    depth: number,
    limit: number,
  ): { members: Candidate[]; complete: boolean } {
    const seen = new Set<Candidate>(seeds);
    let layer: Candidate[] = [...seeds];
    for (let d = 0; layer.length > 0; d++) {
      const next: Candidate[] = [];
      for (const c of layer)
        for (const skey of c.signature?.entries.keys() ?? []) {
          if (!this.#active.has(skey)) continue;
          for (const other of this.#bySymptom.get(skey) ?? [])
            if (other.alive && !seen.has(other)) {
              if (d >= depth) return { members: [...seen], complete: false };
              if (seen.size >= limit) return { members: [...seen], complete: false };
              seen.add(other);
              next.push(other);
            }
        }
      layer = next;
    }
    return { members: [...seen], complete: true };
  }

  /**
   * Decodes a set of candidates. With `frozen`, the set is part of a larger incident: primaries
   * outside it keep explaining the symptoms they explain (their coverage is fixed).
   */
  #decode(members: Candidate[], frozen: boolean, now: number): void {
    // Member order breaks ties: by id, so that it does not depend on the order of changes.
    members.sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
    const keep = 1 - this.#options.missRate;
    const inSet = new Set(members);
    const symptomIndexOf = new Map<number, number>();
    const symptoms: number[] = [];
    const candidates: DecodeCandidate[] = members.map((c) => {
      const local: number[] = [];
      const probabilities: number[] = [];
      for (const [skey, p] of c.signature?.entries ?? []) {
        if (!this.#active.has(skey)) continue;
        let j = symptomIndexOf.get(skey);
        if (j === undefined) {
          j = symptoms.length;
          symptomIndexOf.set(skey, j);
          symptoms.push(skey);
        }
        local.push(j);
        probabilities.push(p * keep);
      }
      const h = this.#history.get(c.id);
      return {
        priorLogOdds: c.rootCause.priorLogOdds,
        absent: this.#absent(c),
        symptoms: local,
        probabilities,
        bonus: h?.primary ? this.#options.hysteresis : 0,
      };
    });
    const coverage = symptoms.map((skey) => {
      if (!frozen) return 1;
      let q = 1;
      for (const other of this.#bySymptom.get(skey) ?? [])
        if (other.alive && other.primary && !inSet.has(other))
          q *= 1 - (other.signature?.entries.get(skey) ?? 0) * keep;
      return q;
    });
    const baseRates = symptoms.map((skey) => this.#model.baseRates[symptomKeyType(skey)] as number);
    const result = decodeComponent({ candidates, baseRates, coverage });
    this.#decodes++;
    this.#candidatesDecoded += members.length;
    members.forEach((c, i) => {
      const primary = result.primary[i] === true;
      const score = result.score[i] as number;
      const confidence = result.confidence[i] as number;
      const r = result.rival[i] as number;
      const rival = r >= 0 ? members[r] : undefined;
      // What a report shows of it (rounded as shown) changed: render it again.
      if (
        !c.decoded ||
        c.primary !== primary ||
        c.rival !== rival ||
        round(c.score, 3) !== round(score, 3) ||
        round(c.confidence, 4) !== round(confidence, 4)
      )
        c.version++;
      c.decoded = true;
      c.primary = primary;
      c.score = score;
      c.confidence = confidence;
      c.rival = rival;
      const h = this.#history.get(c.id);
      if (h) h.primary = c.primary;
      else
        this.#history.set(c.id, {
          firstSeenUnixMs: now,
          primary: c.primary,
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

  /** Active symptom keys some primary root cause explains. */
  #covered(): Set<number> {
    const covered = new Set<number>();
    for (const c of this.#candidates.values())
      if (c.decoded && c.primary)
        for (const skey of c.signature?.entries.keys() ?? []) if (this.#active.has(skey)) covered.add(skey);
    return covered;
  }

  #buildReport(now: number): RootCauseReport {
    this.#forget(now);
    const o = this.#options;
    const covered = this.#covered();
    const listed = new Set<Candidate>();
    for (const c of this.#candidates.values())
      if (c.decoded && (c.primary || c.confidence >= o.minConfidence)) listed.add(c);
    // A symptom no primary explains still gets its best lead listed, however weak.
    for (const [skey] of this.#active) {
      if (covered.has(skey)) continue;
      let best: Candidate | undefined;
      for (const c of this.#bySymptom.get(skey) ?? [])
        if (
          c.alive &&
          c.decoded &&
          (!best || c.score > best.score || (c.score === best.score && c.id < best.id))
        )
          best = c;
      if (best) listed.add(best);
    }
    const ranked = [...listed].map((c) => {
      // An entry listed at rank k last time keeps a bonus of hysteresis/k: to swap two
      // neighbours at the top, a score must move by half the hysteresis or more.
      const lastRank = this.#history.get(c.id)?.lastRank;
      return { c, sortScore: c.score + (lastRank !== undefined ? o.hysteresis / lastRank : 0) };
    });
    ranked.sort(
      (a, b) =>
        Number(b.c.primary) - Number(a.c.primary) ||
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
    const unexplained: SymptomRef[] = [];
    let unexplainedCount = 0;
    for (const record of this.#symptoms.values()) {
      if (record.skey >= 0 && covered.has(record.skey)) continue;
      unexplainedCount++;
      if (unexplained.length < o.maxListedSymptoms)
        unexplained.push({ entityId: record.entityId, type: record.type });
    }
    return {
      computedAtUnixMs: now,
      modelVersion: this.#model.model.version,
      rootCauses: shown.map((x, k) => this.#render(x.c, k + 1)),
      omitted: ranked.length - shown.length,
      activeSymptoms: this.#symptoms.size,
      unexplained,
      unexplainedCount,
    };
  }

  /** A root cause as reported, re-rendered only when something it shows changed. */
  #render(c: Candidate, rank: number): RootCause {
    const cached = c.rendered;
    if (cached?.version === c.version)
      return cached.value.rank === rank ? cached.value : { ...cached.value, rank };
    const value = this.#renderFresh(c, rank);
    c.rendered = { version: c.version, value };
    return value;
  }

  #renderFresh(c: Candidate, rank: number): RootCause {
    const g = this.#graph;
    const o = this.#options;
    const entries = c.signature?.entries ?? new Map<number, number>();
    const explained: ExplainedSymptom[] = [];
    let explainedCount = 0;
    let started = Number.POSITIVE_INFINITY;
    const mine = new Set<number>();
    for (const [skey, p] of entries) {
      const record = this.#active.get(skey);
      if (!record) continue;
      mine.add(skey);
      explainedCount++;
      started = Math.min(started, record.sinceUnixMs);
      explained.push({
        entityId: record.entityId,
        type: record.type,
        sinceUnixMs: record.sinceUnixMs,
        probability: round(p, 3),
        ...(record.evidenceSummary ? { evidenceSummary: record.evidenceSummary } : {}),
      });
    }
    explained.sort((a, b) => b.probability - a.probability || a.sinceUnixMs - b.sinceUnixMs);
    explained.length = Math.min(explained.length, o.maxListedSymptoms);
    // Its incident: the active symptoms of every candidate sharing one of its symptoms.
    const unexplained: SymptomRef[] = [];
    const seen = new Set<number>(mine);
    let unexplainedCount = 0;
    for (const skey of mine)
      for (const other of this.#bySymptom.get(skey) ?? []) {
        if (other === c || !other.alive) continue;
        for (const k of other.signature?.entries.keys() ?? []) {
          if (seen.has(k)) continue;
          const record = this.#active.get(k);
          if (!record) continue;
          seen.add(k);
          unexplainedCount++;
          if (unexplained.length < o.maxListedSymptoms)
            unexplained.push({ entityId: record.entityId, type: record.type });
        }
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
    const confidence = round(c.confidence, 4);
    const rival = c.rival?.alive ? c.rival : undefined;
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
      primary: c.primary,
      score: round(c.score, 3),
      explained,
      unexplained,
      expectedAbsent,
      explanation: explain({
        graph: g,
        entity: c.entity,
        spec,
        primary: c.primary,
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
