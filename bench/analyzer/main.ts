// Causal engine at cluster scale: a generated 150,000-pod topology (5,000 nodes, 10,000 services),
// about 1,000 active symptoms from simulated faults with 10% noise; measures the topology load,
// full inference (every symptom applied to a loaded engine, then the ranked report), incremental
// updates (one symptom, relation or entity change followed by a fresh report) and memory.
// Targets: full inference ≤ 1 s, incremental p99 ≤ 50 ms. Last line: key=value figures.
import { performance } from "node:perf_hooks";
import {
  CausalEngine,
  FaultTargetPicker,
  NoiseGenerator,
  ROOT_CAUSE_TYPES,
  Rng,
  TopologyView,
  generateTopology,
  simulateFault,
  type EngineEntity,
  type EngineRelation,
  type SymptomInput,
} from "@causeway/causal-engine";

const PODS = Number(process.env.ANALYZER_BENCH_PODS ?? 150_000);
const SYMPTOMS = Number(process.env.ANALYZER_BENCH_SYMPTOMS ?? 1_000);
const INCREMENTAL_CHANGES = Number(process.env.ANALYZER_BENCH_CHANGES ?? 1_000);
const SEED = 2025;

const gc = (globalThis as { gc?: () => void }).gc;
function heapMb(): number {
  gc?.();
  return process.memoryUsage().heapUsed / 1024 / 1024;
}
function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * p))] ?? 0;
}
const ms = (x: number): string => x.toFixed(2);

const heapBefore = heapMb();
let t = performance.now();
const topology = generateTopology({
  services: Math.round(PODS / 15),
  pods: PODS,
  nodes: Math.round(PODS / 30),
  seed: SEED,
});
const generateMs = performance.now() - t;
const view = new TopologyView(topology.entities, topology.relations);
const picker = new FaultTargetPicker(view);
const noise = new NoiseGenerator(view);
const rng = new Rng(SEED);

/** Symptoms of random faults, with 10% noise, until there are `count`. */
function incidents(count: number): SymptomInput[] {
  const out = new Map<string, SymptomInput>();
  while (out.size < count) {
    const type = rng.pick(ROOT_CAUSE_TYPES);
    const entityId = picker.pick(type, rng);
    if (!entityId) continue;
    const truth = simulateFault(view, { type, entityId }, rng);
    for (const s of noise.apply(truth, entityId, { dropRate: 0.1, spuriousRate: 0.1 }, rng)) {
      out.set(`${s.entityId}|${s.type}`, s);
      if (out.size >= count) break;
    }
  }
  return [...out.values()];
}
const symptoms = incidents(SYMPTOMS);

const heapTopologyInput = heapMb();
t = performance.now();
const engine = new CausalEngine();
engine.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: topology.relations });
const loadMs = performance.now() - t;
const heapLoaded = heapMb();

// Full inference, cold: every symptom onto the loaded engine, then the report.
t = performance.now();
engine.applySymptoms(symptoms);
let report = engine.rootCauses();
const fullColdMs = performance.now() - t;
const heapInferred = heapMb();
const afterFull = engine.stats();
// Warm repeats: clear and recompute from scratch on the same topology.
const warm: number[] = [];
for (let i = 0; i < 3; i++) {
  engine.clearSymptoms();
  engine.rootCauses();
  t = performance.now();
  engine.applySymptoms(symptoms);
  report = engine.rootCauses();
  warm.push(performance.now() - t);
}
warm.sort((a, b) => a - b);
const fullMs = Math.max(fullColdMs, warm[warm.length - 1] ?? 0);

// Incremental: one change at a time, each followed by a fresh report.
const active = new Map(symptoms.map((s) => [`${s.entityId}|${s.type}`, s]));
const spare = incidents(SYMPTOMS * 2).filter((s) => !active.has(`${s.entityId}|${s.type}`));
const pods = view.ofKind("pod");
const nodes = view.ofKind("node");
const containers = view.ofKind("container");
const kinds = { symptomOn: 0, symptomOff: 0, reschedule: 0, attributes: 0, podChurn: 0 };
const latencies: number[] = [];
const latencyByKind = new Map<string, number[]>();
const byEntity = new Map(topology.entities.map((e) => [e.id, e]));
for (let i = 0; i < INCREMENTAL_CHANGES; i++) {
  const roll = rng.next();
  let apply: () => void;
  let kind: keyof typeof kinds;
  if (roll < 0.35 && spare.length > 0) {
    const s = spare.pop() as SymptomInput;
    active.set(`${s.entityId}|${s.type}`, s);
    kinds.symptomOn++;
    kind = "symptomOn";
    apply = () => engine.applySymptom(s);
  } else if (roll < 0.6 && active.size > 0) {
    const key = rng.pick([...active.keys()].slice(0, 2000));
    const s = active.get(key) as SymptomInput;
    active.delete(key);
    kinds.symptomOff++;
    kind = "symptomOff";
    apply = () => engine.applySymptom({ ...s, active: false });
  } else if (roll < 0.75) {
    // A pod moves to another node: one relation out, one in.
    const pod = rng.pick(pods);
    const from = view.nodeOf(pod) as string;
    const to = rng.pick(nodes);
    kinds.reschedule++;
    kind = "reschedule";
    apply = () => {
      engine.removeRelation({ fromId: pod, toId: from, type: "runs-on" });
      engine.upsertRelation({ fromId: pod, toId: to, type: "runs-on" });
    };
  } else if (roll < 0.9) {
    // A container's limits change (an entity update).
    const c = byEntity.get(rng.pick(containers)) as EngineEntity;
    const updated: EngineEntity = {
      ...c,
      attributes: { ...(c.attributes ?? {}), memory_limit_bytes: String(1 + rng.int(4) * 268435456) },
    };
    kinds.attributes++;
    kind = "attributes";
    apply = () => engine.upsertEntity(updated);
  } else {
    // A pod is replaced: the old one and its containers go, a new one arrives.
    const pod = rng.pick(pods);
    const entity = byEntity.get(pod) as EngineEntity;
    const owned = view.containersOf(pod);
    const rels: EngineRelation[] = [
      { fromId: pod, toId: view.nodeOf(pod) as string, type: "runs-on" },
      ...view.out(pod, "member-of").map((o) => ({ fromId: pod, toId: o, type: "member-of" })),
      ...view.servicesOfPod(pod).map((s) => ({ fromId: s, toId: pod, type: "selects" })),
      ...owned.map((c) => ({ fromId: c, toId: pod, type: "part-of" })),
    ];
    kinds.podChurn++;
    kind = "podChurn";
    apply = () => {
      for (const c of owned) engine.removeEntity(c);
      engine.removeEntity(pod);
      engine.upsertEntity(entity);
      for (const c of owned) engine.upsertEntity(byEntity.get(c) as EngineEntity);
      for (const r of rels) engine.upsertRelation(r);
    };
  }
  t = performance.now();
  apply();
  report = engine.rootCauses();
  const took = performance.now() - t;
  latencies.push(took);
  let list = latencyByKind.get(kind);
  if (!list) latencyByKind.set(kind, (list = []));
  list.push(took);
}
latencies.sort((a, b) => a - b);
const heapEnd = heapMb();
const stats = engine.stats();
const p50 = percentile(latencies, 0.5);
const p99 = percentile(latencies, 0.99);

console.log(
  `topology: ${pods.length} pods, ${nodes.length} nodes, ${stats.entities} entities, ${stats.relations} relations (generated in ${ms(generateMs)} ms, loaded in ${ms(loadMs)} ms)`,
);
console.log(
  `full inference: ${symptoms.length} symptoms → ${afterFull.candidates} candidates, ${afterFull.incidents} incidents (largest ${afterFull.largestIncident} candidates), ${report.rootCauses.filter((r) => r.primary).length} primary root causes listed; cold ${ms(fullColdMs)} ms, warm ${warm.map(ms).join("/")} ms`,
);
console.log(
  `incremental: ${latencies.length} changes (${Object.entries(kinds)
    .map(([k, v]) => `${k} ${v}`)
    .join(", ")}): p50 ${ms(p50)} ms, p99 ${ms(p99)} ms, max ${ms(latencies.at(-1) ?? 0)} ms`,
);
console.log(
  `  by change: ${[...latencyByKind]
    .map(([k, l]) => {
      l.sort((a, b) => a - b);
      return `${k} p50 ${ms(percentile(l, 0.5))} p99 ${ms(percentile(l, 0.99))} ms`;
    })
    .join(", ")}`,
);
console.log(
  `memory: engine ${ms(heapLoaded - heapTopologyInput)} MB after load, ${ms(heapInferred - heapTopologyInput)} MB after inference (heap ${ms(heapEnd)} MB, input arrays ${ms(heapTopologyInput - heapBefore)} MB, rss ${ms(process.memoryUsage().rss / 1024 / 1024)} MB)`,
);
console.log(
  [
    `pods=${pods.length}`,
    `entities=${stats.entities}`,
    `relations=${stats.relations}`,
    `active_symptoms=${symptoms.length}`,
    `load_ms=${ms(loadMs)}`,
    `full_inference_ms=${ms(fullMs)}`,
    `full_inference_cold_ms=${ms(fullColdMs)}`,
    `incremental_p50_ms=${ms(p50)}`,
    `incremental_p99_ms=${ms(p99)}`,
    `incremental_max_ms=${ms(latencies.at(-1) ?? 0)}`,
    `engine_heap_mb=${ms(heapInferred - heapTopologyInput)}`,
    `rss_mb=${ms(process.memoryUsage().rss / 1024 / 1024)}`,
    `candidates=${afterFull.candidates}`,
    `largest_incident=${afterFull.largestIncident}`,
    `target_full_1s_met=${fullMs <= 1000}`,
    `target_incremental_p99_50ms_met=${p99 <= 50}`,
  ].join(" "),
);
