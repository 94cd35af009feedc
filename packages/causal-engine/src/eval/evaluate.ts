import { CausalEngine } from "../engine.js";
import { ROOT_CAUSE_TYPES } from "../model/default-model.js";
import { type SymptomInput } from "../root-cause.js";
import { type EngineEntity, type EngineRelation } from "../topology-graph.js";
import { FaultTargetPicker, simulateFault, type InjectedFault } from "./fault-simulator.js";
import { NoiseGenerator } from "./noise.js";
import { Rng } from "./rng.js";
import { SCENARIO_FORMAT, type Scenario } from "./scenario.js";
import { generateTopology, type TopologyOptions } from "./topology-generator.js";
import { TopologyView } from "./topology-view.js";

/** One topology of an evaluation. */
export interface EvalTopology {
  readonly label: string;
  readonly options: TopologyOptions;
}

export interface EvalConfig {
  readonly topologies: readonly EvalTopology[];
  /** Noise levels: each drops that share of true symptoms and adds that share of spurious ones. */
  readonly noiseLevels: readonly number[];
  readonly scenariosPerType: number;
  readonly seed: number;
  readonly types?: readonly string[];
}

/** What happened to one scenario. */
export interface ScenarioOutcome {
  readonly topology: string;
  readonly type: string;
  readonly noise: number;
  /** 1-based rank of the injected root cause; Infinity when it is not listed. */
  readonly rank: number;
  readonly symptoms: number;
  readonly topType: string | undefined;
}

export interface AccuracyCell {
  readonly ac1: number;
  readonly ac3: number;
  readonly n: number;
}

export interface EvalSummary {
  readonly overall: ReadonlyMap<number, AccuracyCell>;
  readonly byType: ReadonlyMap<string, ReadonlyMap<number, AccuracyCell>>;
}

/** The evaluation's standard topologies: 10 to 500 services, and a 150,000-pod cluster. */
export function standardTopologies(options: { large: boolean }): EvalTopology[] {
  const list: EvalTopology[] = [
    { label: "10 services", options: { services: 10, seed: 101 } },
    { label: "50 services", options: { services: 50, seed: 102 } },
    { label: "200 services", options: { services: 200, seed: 103, pods: 1_000 } },
    { label: "500 services", options: { services: 500, seed: 104, pods: 3_000 } },
  ];
  if (options.large)
    list.push({ label: "150k pods", options: { services: 10_000, seed: 105, pods: 150_000, nodes: 5_000 } });
  return list;
}

function mix(...parts: number[]): number {
  let h = 0x811c9dc5;
  for (const p of parts) {
    h ^= p;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

function hashText(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) >>> 0;
  return h;
}

/** A loaded topology with what the generators need, reusable across scenarios. */
export class EvalBench {
  readonly view: TopologyView;
  readonly picker: FaultTargetPicker;
  readonly noise: NoiseGenerator;
  readonly engine: CausalEngine;

  constructor(
    readonly label: string,
    entities: readonly EngineEntity[],
    relations: readonly EngineRelation[],
  ) {
    this.view = new TopologyView(entities, relations);
    this.picker = new FaultTargetPicker(this.view);
    this.noise = new NoiseGenerator(this.view);
    this.engine = new CausalEngine();
    for (const e of entities) this.engine.upsertEntity(e);
    for (const r of relations) this.engine.upsertRelation(r);
  }

  /** The fault and noisy symptoms of scenario `index` of a type; the fault is the same at every noise level. */
  scenario(
    type: string,
    index: number,
    noise: number,
    seed: number,
  ): { fault: InjectedFault; symptoms: SymptomInput[] } | undefined {
    const faultRng = new Rng(mix(seed, hashText(this.label), hashText(type), index));
    const entityId = this.picker.pick(type, faultRng);
    if (!entityId) return undefined;
    const fault = { type, entityId };
    const truth = simulateFault(this.view, fault, faultRng);
    // A fault that raised no symptom at all is not an incident anyone could diagnose.
    if (truth.length === 0) return undefined;
    const symptoms = this.noise.apply(
      truth,
      entityId,
      { dropRate: noise, spuriousRate: noise },
      new Rng(mix(seed, hashText(this.label), hashText(type), index, Math.round(noise * 1000) + 1)),
    );
    return { fault, symptoms };
  }

  /** Runs one scenario on the loaded engine and returns the injected cause's rank. */
  rank(
    fault: InjectedFault,
    symptoms: readonly SymptomInput[],
  ): { rank: number; topType: string | undefined } {
    this.engine.clearSymptoms();
    this.engine.applySymptoms(symptoms);
    const report = this.engine.rootCauses();
    const id = `${fault.type}:${fault.entityId}`;
    const at = report.rootCauses.findIndex((r) => r.id === id);
    return { rank: at < 0 ? Number.POSITIVE_INFINITY : at + 1, topType: report.rootCauses[0]?.type };
  }
}

/** Generates and runs every scenario of an evaluation. */
export function runEvaluation(
  config: EvalConfig,
  onTopology?: (label: string, loadMs: number, bench: EvalBench) => void,
): ScenarioOutcome[] {
  const types = config.types ?? ROOT_CAUSE_TYPES;
  const outcomes: ScenarioOutcome[] = [];
  for (const t of config.topologies) {
    const started = performance.now();
    const topology = generateTopology(t.options);
    const bench = new EvalBench(t.label, topology.entities, topology.relations);
    onTopology?.(t.label, performance.now() - started, bench);
    for (const noise of config.noiseLevels)
      for (const type of types)
        for (let k = 0; k < config.scenariosPerType; k++) {
          const s = bench.scenario(type, k, noise, config.seed);
          if (!s) continue;
          const { rank, topType } = bench.rank(s.fault, s.symptoms);
          outcomes.push({ topology: t.label, type, noise, rank, symptoms: s.symptoms.length, topType });
        }
  }
  return outcomes;
}

/** AC@1 and AC@3 overall and per type, per noise level. */
export function summarize(outcomes: readonly ScenarioOutcome[]): EvalSummary {
  const cell = (list: readonly ScenarioOutcome[]): AccuracyCell => ({
    ac1: list.length === 0 ? 0 : list.filter((o) => o.rank <= 1).length / list.length,
    ac3: list.length === 0 ? 0 : list.filter((o) => o.rank <= 3).length / list.length,
    n: list.length,
  });
  const noises = [...new Set(outcomes.map((o) => o.noise))].sort((a, b) => a - b);
  const types = [...new Set(outcomes.map((o) => o.type))];
  const overall = new Map(noises.map((n) => [n, cell(outcomes.filter((o) => o.noise === n))]));
  const byType = new Map(
    types.map((t) => [
      t,
      new Map(noises.map((n) => [n, cell(outcomes.filter((o) => o.noise === n && o.type === t))])),
    ]),
  );
  return { overall, byType };
}

/** A generated scenario as a scenario file (for small topologies: the topology is written inline). */
export function toScenarioFile(
  name: string,
  topology:
    | { entities: readonly EngineEntity[]; relations: readonly EngineRelation[] }
    | { generated: TopologyOptions },
  fault: InjectedFault,
  symptoms: readonly SymptomInput[],
  noise?: { dropRate: number; spuriousRate: number; seed: number },
): Scenario {
  return {
    format: SCENARIO_FORMAT,
    name,
    topology:
      "generated" in topology
        ? { generated: topology.generated }
        : {
            entities: topology.entities.map((e) => ({
              id: e.id,
              kind: e.kind,
              name: e.name,
              namespace: e.namespace ?? "",
              attributes: { ...(e.attributes ?? {}) },
            })),
            relations: topology.relations.map((r) => ({ fromId: r.fromId, toId: r.toId, type: r.type })),
          },
    injected: [fault],
    symptoms: symptoms.map((s) => ({
      entityId: s.entityId,
      type: s.type,
      active: s.active,
      sinceUnixMs: s.sinceUnixMs,
      ...(s.evidence ? { evidence: { ...s.evidence } } : {}),
    })),
    ...(noise ? { noise } : {}),
  };
}
