import { describe, expect, it } from "vitest";
import { CausalEngine } from "./engine.js";
import { engineOptionsSchema } from "./engine-options.js";
import { EvalBench } from "./eval/evaluate.js";
import { Rng } from "./eval/rng.js";
import { generateTopology } from "./eval/topology-generator.js";
import { type RootCauseReport, type SymptomInput } from "./root-cause.js";
import { SHOP, shopTopology } from "./testing/shop-topology.js";
import { type EngineRelation } from "./topology-graph.js";

const T0 = 1_700_000_000_000;

function loaded(options: ConstructorParameters<typeof CausalEngine>[0] = {}): CausalEngine {
  const engine = new CausalEngine({ now: () => T0, ...options });
  const t = shopTopology();
  engine.applyTopologyDelta({ upsertEntities: t.entities, upsertRelations: t.relations });
  return engine;
}

const on = (
  entityId: string,
  type: string,
  sinceUnixMs = T0,
  evidence?: Record<string, number>,
): SymptomInput => ({
  entityId,
  type,
  active: true,
  sinceUnixMs,
  ...(evidence ? { evidence } : {}),
});
const off = (entityId: string, type: string): SymptomInput => ({
  entityId,
  type,
  active: false,
  sinceUnixMs: T0,
});

const OOM = [
  on(SHOP.checkoutApp, "oom_killed", T0 + 1000, { limit_bytes: 268435456, peak_bytes: 268435456 }),
  on(SHOP.checkoutApp, "memory_near_limit", T0),
  on(SHOP.checkoutPod, "oom_killed_last_state", T0 + 2000),
  on(SHOP.checkoutService, "high_error_rate", T0 + 3000),
];

/** The comparable content of a report: who is listed, where, and how strongly. */
function ranking(report: RootCauseReport): string[] {
  return report.rootCauses.map(
    (r) => `${r.rank} ${r.id} ${r.primary ? "P" : "a"} ${r.score.toFixed(2)} ${r.confidence.toFixed(3)}`,
  );
}

describe("CausalEngine", () => {
  it("ranks an OOM-killed container's memory limit first, with explanation and a memory proposal", () => {
    const engine = loaded();
    engine.applySymptoms(OOM);
    const report = engine.rootCauses();
    const top = report.rootCauses[0];
    expect(top?.id).toBe(`container_memory_limit_too_low:${SHOP.checkoutApp}`);
    expect(top?.type).toBe("container_memory_limit_too_low");
    expect(top?.primary).toBe(true);
    expect(top?.rank).toBe(1);
    expect(top?.confidence).toBeGreaterThan(0.8);
    expect(top?.entity).toEqual({ id: SHOP.checkoutApp, kind: "container", name: "app", namespace: "shop" });
    expect(top?.explained.map((s) => s.type).sort()).toEqual(
      ["high_error_rate", "memory_near_limit", "oom_killed", "oom_killed_last_state"].sort(),
    );
    expect(top?.expectedAbsent.map((s) => s.type)).toContain("container_restarting");
    expect(top?.startedUnixMs).toBe(T0);
    expect(top?.firstSeenUnixMs).toBe(T0);
    expect(top?.remediation?.change).toEqual({
      action: "set-resources",
      target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
      container: "app",
      resources: { limits: { memory: "384Mi" } },
    });
    expect(top?.explanation).toContain("shop/checkout-7d9f8-ax0/app");
    expect(top?.explanation).toContain("384Mi");
    expect(report.unexplainedCount).toBe(0);
    expect(report.activeSymptoms).toBe(4);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });

  it("reports several simultaneous root causes as primaries, each with its own symptoms", () => {
    const engine = loaded();
    engine.applySymptoms([
      ...OOM,
      on(SHOP.nodeB, "node_disk_pressure"),
      on(SHOP.checkoutPod2, "pod_evicted"),
      on(SHOP.stripe, "high_error_rate"),
      on(SHOP.stripe, "high_latency"),
      on(SHOP.paymentsApp, "cpu_throttled"),
      on(SHOP.paymentsService, "high_latency"),
    ]);
    const report = engine.rootCauses();
    const primaries = report.rootCauses.filter((r) => r.primary).map((r) => r.id);
    expect(primaries).toEqual(
      expect.arrayContaining([
        `container_memory_limit_too_low:${SHOP.checkoutApp}`,
        `node_disk_pressure:${SHOP.nodeB}`,
        `external_dependency_failure:${SHOP.stripe}`,
        `container_cpu_limit_too_low:${SHOP.paymentsApp}`,
      ]),
    );
    expect(report.rootCauses.slice(0, primaries.length).every((r) => r.primary)).toBe(true);
    const disk = report.rootCauses.find((r) => r.type === "node_disk_pressure");
    expect(disk?.explained.map((s) => s.type).sort()).toEqual(["node_disk_pressure", "pod_evicted"]);
    expect(disk?.remediation?.change).toEqual({
      action: "cordon",
      target: { apiVersion: "v1", kind: "Node", name: "node-b" },
    });
  });

  it("is robust to a missing symptom and to a spurious one", () => {
    const engine = loaded();
    engine.applySymptoms(OOM.filter((s) => s.type !== "oom_killed"));
    engine.applySymptom(on(SHOP.frontendService, "log_error_spike"));
    expect(engine.rootCauses().rootCauses[0]?.id).toBe(`container_memory_limit_too_low:${SHOP.checkoutApp}`);
  });

  it("tells a leak from a limit that is too low by the growing working set", () => {
    const engine = loaded({ options: { minConfidence: 0 } });
    engine.applySymptoms([...OOM, on(SHOP.checkoutApp, "memory_growing", T0 - 60_000)]);
    const top = engine.rootCauses().rootCauses[0];
    expect(top?.id).toBe(`container_memory_leak:${SHOP.checkoutApp}`);
    expect(top?.remediation?.change.action).toBe("rollout-restart");
    const limit = engine.rootCauses().rootCauses.find((r) => r.type === "container_memory_limit_too_low");
    expect(limit?.primary).toBe(false);
    expect(limit?.explanation).toContain("alternative");
  });

  it("explains errors with no infrastructure cause as a service malfunction, and blames a failing external dependency over its callers", () => {
    const engine = loaded();
    engine.applySymptoms([
      on(SHOP.paymentsService, "high_error_rate"),
      on(SHOP.paymentsService, "log_error_spike"),
    ]);
    expect(engine.rootCauses().rootCauses[0]?.id).toBe(`service_malfunction:${SHOP.paymentsService}`);
    engine.clearSymptoms();
    engine.applySymptoms([
      on(SHOP.stripe, "high_error_rate"),
      on(SHOP.checkoutService, "high_error_rate"),
      on(SHOP.frontendService, "high_error_rate"),
    ]);
    expect(engine.rootCauses().rootCauses[0]?.id).toBe(`external_dependency_failure:${SHOP.stripe}`);
  });

  it("returns the same report until something changes, and keeps ids and first sightings across recomputations", () => {
    let now = T0;
    const engine = loaded({ now: () => now });
    engine.applySymptoms(OOM.slice(0, 2));
    const first = engine.rootCauses();
    expect(engine.rootCauses()).toBe(first);
    now += 60_000;
    engine.applySymptoms(OOM.slice(2));
    const second = engine.rootCauses();
    expect(second).not.toBe(first);
    expect(second.rootCauses[0]?.id).toBe(first.rootCauses[0]?.id);
    expect(second.rootCauses[0]?.firstSeenUnixMs).toBe(T0);
    expect(second.computedAtUnixMs).toBe(T0 + 60_000);
  });

  it("keeps symptoms that arrive before their entity, and relations that name unknown entities", () => {
    const engine = new CausalEngine({ now: () => T0 });
    engine.applySymptoms(OOM);
    let report = engine.rootCauses();
    expect(report.rootCauses).toHaveLength(0);
    expect(report.unexplainedCount).toBe(4);
    const t = shopTopology();
    // Relations first: their endpoints start as placeholders.
    engine.applyTopologyDelta({ upsertRelations: t.relations });
    engine.applyTopologyDelta({ upsertEntities: t.entities });
    report = engine.rootCauses();
    expect(report.rootCauses[0]?.id).toBe(`container_memory_limit_too_low:${SHOP.checkoutApp}`);
    expect(report.rootCauses[0]?.remediation?.change.action).toBe("set-resources");
    expect(report.unexplainedCount).toBe(0);
  });

  it("drops root causes on removed entities and brings them back when the entity returns", () => {
    const engine = loaded();
    engine.applySymptoms(OOM);
    const id = `container_memory_limit_too_low:${SHOP.checkoutApp}`;
    expect(engine.rootCauses().rootCauses[0]?.id).toBe(id);
    const t = shopTopology();
    engine.removeEntity(SHOP.checkoutApp);
    const gone = engine.rootCauses();
    expect(gone.rootCauses.some((r) => r.id === id)).toBe(false);
    expect(gone.unexplained).toContainEqual({ entityId: SHOP.checkoutApp, type: "oom_killed" });
    engine.upsertEntity(t.entities.find((e) => e.id === SHOP.checkoutApp)!);
    engine.upsertRelation({ fromId: SHOP.checkoutApp, toId: SHOP.checkoutPod, type: "part-of" });
    expect(engine.rootCauses().rootCauses[0]?.id).toBe(id);
  });

  it("follows topology changes: a service that stops selecting a pod no longer blames it", () => {
    const engine = loaded();
    engine.applySymptoms([on(SHOP.checkoutApp, "cpu_throttled"), on(SHOP.checkoutService, "high_latency")]);
    const cpu = `container_cpu_limit_too_low:${SHOP.checkoutApp}`;
    const before = engine.rootCauses().rootCauses.find((r) => r.id === cpu);
    expect(before?.explained.map((s) => s.type).sort()).toEqual(["cpu_throttled", "high_latency"]);
    engine.removeRelation({ fromId: SHOP.checkoutService, toId: SHOP.checkoutPod, type: "selects" });
    const after = engine.rootCauses().rootCauses.find((r) => r.id === cpu);
    expect(after?.explained.map((s) => s.type)).toEqual(["cpu_throttled"]);
  });

  it("an external dependency is recognised by kind or by the external attribute, and attribute changes apply", () => {
    const engine = loaded();
    engine.upsertEntity({
      id: "service/external/smtp",
      kind: "service",
      name: "smtp",
      namespace: "external",
      attributes: {},
    });
    engine.upsertRelation({ fromId: SHOP.checkoutService, toId: "service/external/smtp", type: "calls" });
    engine.applySymptoms([
      on("service/external/smtp", "high_error_rate"),
      on(SHOP.checkoutService, "high_error_rate"),
    ]);
    expect(engine.rootCauses().rootCauses[0]?.type).toBe("service_malfunction");
    engine.upsertEntity({
      id: "service/external/smtp",
      kind: "service",
      name: "smtp",
      namespace: "external",
      attributes: { external: "true" },
    });
    expect(engine.rootCauses().rootCauses[0]?.id).toBe("external_dependency_failure:service/external/smtp");
  });

  it("keeps unknown symptom types without crashing and lists them as unexplained", () => {
    const engine = loaded();
    engine.applySymptom(on(SHOP.checkoutPod, "quantum_flux"));
    const report = engine.rootCauses();
    expect(report.rootCauses).toHaveLength(0);
    expect(report.unexplained).toEqual([{ entityId: SHOP.checkoutPod, type: "quantum_flux" }]);
    engine.applySymptom(off(SHOP.checkoutPod, "quantum_flux"));
    expect(engine.rootCauses().activeSymptoms).toBe(0);
  });

  it("takes junk input without crashing and still answers", () => {
    const engine = loaded();
    const rng = new Rng(1);
    const ids = [
      "",
      "pod/",
      "node/x",
      SHOP.checkoutPod,
      SHOP.checkoutApp,
      "weird",
      "container/a/b/c",
      SHOP.nodeA,
    ];
    const kinds = ["pod", "node", "container", "spaceship", "", "service", "external"];
    const types = ["part-of", "runs-on", "calls", "selects", "member-of", "teleports", ""];
    for (let i = 0; i < 500; i++) {
      const id = rng.pick(ids);
      switch (rng.int(6)) {
        case 0:
          engine.upsertEntity({
            id,
            kind: rng.pick(kinds),
            name: id,
            attributes: { external: rng.pick(["true", "no"]) },
          });
          break;
        case 1:
          engine.upsertRelation({ fromId: id, toId: rng.pick(ids), type: rng.pick(types) });
          break;
        case 2:
          engine.removeRelation({ fromId: id, toId: rng.pick(ids), type: rng.pick(types) });
          break;
        case 3:
          engine.removeEntity(id);
          break;
        default:
          engine.applySymptom({
            entityId: id,
            type: rng.pick([
              "oom_killed",
              "high_error_rate",
              "nonsense",
              "node_not_ready",
              "crash_loop_backoff",
            ]),
            active: rng.chance(0.7),
            sinceUnixMs: rng.pick([T0, Number.NaN, -1, Number.POSITIVE_INFINITY]),
            evidence: { limit_bytes: rng.pick([Number.NaN, -5, 1e30, 268435456]) },
          });
      }
      if (i % 25 === 0) {
        const report = engine.rootCauses();
        expect(JSON.parse(JSON.stringify(report))).toEqual(report);
        for (const r of report.rootCauses) expect(Number.isFinite(r.startedUnixMs)).toBe(true);
      }
    }
  });

  it("serves codebook rows", () => {
    const engine = loaded();
    const row = engine.signature(`node_not_ready:${SHOP.nodeA}`);
    expect(row?.[0]).toEqual({ entityId: SHOP.nodeA, type: "node_not_ready", probability: 0.95 });
    expect(row?.some((s) => s.entityId === SHOP.checkoutService && s.type === "high_error_rate")).toBe(true);
    expect(engine.signature(`node_not_ready:${SHOP.checkoutPod}`)).toBeUndefined();
    expect(engine.signature("no_such_type:node/node-a")).toBeUndefined();
    expect(engine.signature("node_not_ready:node/nowhere")).toBeUndefined();
  });

  it("validates its options", () => {
    expect(() => new CausalEngine({ options: { missRate: 2 } })).toThrow();
    expect(engineOptionsSchema.safeParse({ maxResults: 0, unknown: 1 }).success).toBe(false);
    expect(engineOptionsSchema.parse({}).maxResults).toBe(50);
  });

  it("ranks do not flap as symptoms trickle in", () => {
    // Generated incidents at 10% noise, fed one symptom at a time in the order they started.
    const topology = generateTopology({ services: 50, seed: 5 });
    const bench = new EvalBench("flap", topology.entities, topology.relations);
    let flaps = 0;
    let scenarios = 0;
    for (const type of bench.engine.rootCauseTypes)
      for (let k = 0; k < 4; k++) {
        const s = bench.scenario(type, k, 0.1, 99);
        if (!s) continue;
        scenarios++;
        bench.engine.clearSymptoms();
        const leaders: string[] = [];
        for (const symptom of s.symptoms) {
          bench.engine.applySymptom(symptom);
          const top = bench.engine.rootCauses().rootCauses[0];
          if (top?.primary && leaders.at(-1) !== top.id) leaders.push(top.id);
        }
        // The leading root cause, once replaced, never takes first place back: no A → B → A.
        if (new Set(leaders).size !== leaders.length) flaps++;
      }
    expect(scenarios).toBeGreaterThan(50);
    expect(flaps).toBe(0);
  });

  it("hysteresis keeps the incumbent when a rival draws level", () => {
    const engine = loaded();
    // Two pods of checkout with the same evidence: the first to be seen keeps first place.
    engine.applySymptom(on(SHOP.checkoutPod, "crash_loop_backoff"));
    const first = engine.rootCauses().rootCauses[0]?.id;
    engine.applySymptom(on(SHOP.checkoutPod2, "crash_loop_backoff"));
    expect(engine.rootCauses().rootCauses[0]?.id).toBe(first);
    const without = loaded({ options: { hysteresis: 0 } });
    without.applySymptoms([
      on(SHOP.checkoutPod2, "crash_loop_backoff"),
      on(SHOP.checkoutPod, "crash_loop_backoff"),
    ]);
    // With no history the tie goes to the smaller id.
    expect(without.rootCauses().rootCauses[0]?.id).toBe(`pod_crash_looping:${SHOP.checkoutPod}`);
  });
});

describe("incremental updates", () => {
  it("give the same answer as a fresh engine on the final state", () => {
    const topology = generateTopology({ services: 40, seed: 3 });
    const bench = new EvalBench("inc", topology.entities, topology.relations);
    const rng = new Rng(17);
    const engine = new CausalEngine({ now: () => T0, options: { hysteresis: 0 } });
    engine.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: topology.relations });
    const relations = new Map<string, EngineRelation>(
      topology.relations.map((r) => [`${r.fromId}>${r.toId}>${r.type}`, r]),
    );
    const removed = new Map<string, EngineRelation>();
    const symptoms = new Map<string, SymptomInput>();
    const types = engine.rootCauseTypes;
    for (let step = 0; step < 300; step++) {
      const op = rng.int(10);
      if (op < 4) {
        const s = bench.scenario(rng.pick(types), rng.int(3), 0.2, step);
        for (const x of s?.symptoms.slice(0, 4) ?? []) {
          engine.applySymptom(x);
          symptoms.set(`${x.entityId}|${x.type}`, x);
        }
      } else if (op < 6 && symptoms.size > 0) {
        const key = rng.pick([...symptoms.keys()]);
        const x = symptoms.get(key)!;
        engine.applySymptom({ ...x, active: false });
        symptoms.delete(key);
      } else if (op < 8) {
        const key = rng.pick([...relations.keys()]);
        const r = relations.get(key)!;
        engine.removeRelation(r);
        relations.delete(key);
        removed.set(key, r);
      } else if (removed.size > 0) {
        const key = rng.pick([...removed.keys()]);
        const r = removed.get(key)!;
        engine.upsertRelation(r);
        removed.delete(key);
        relations.set(key, r);
      }
      if (step % 7 === 0) engine.rootCauses();
    }
    const fresh = new CausalEngine({ now: () => T0, options: { hysteresis: 0 } });
    fresh.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: [...relations.values()] });
    fresh.applySymptoms([...symptoms.values()]);
    const a = engine.rootCauses();
    const b = fresh.rootCauses();
    expect(a.rootCauses.length).toBeGreaterThan(3);
    expect(ranking(a)).toEqual(ranking(b));
    expect(a.unexplained).toEqual(b.unexplained);
    expect(engine.stats().candidates).toBe(fresh.stats().candidates);
  });

  it("inside a large incident re-decode the neighbourhood of a change, staying close to a full decode", () => {
    const topology = generateTopology({ services: 200, seed: 12, pods: 1200 });
    const bench = new EvalBench("region", topology.entities, topology.relations);
    const engine = new CausalEngine({ now: () => T0, options: { maxRegionCandidates: 20, hysteresis: 0 } });
    engine.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: topology.relations });
    const all: SymptomInput[] = [];
    for (const [k, type] of engine.rootCauseTypes.entries())
      for (let i = 0; i < 3; i++) all.push(...(bench.scenario(type, k * 3 + i, 0.1, 2)?.symptoms ?? []));
    // Load most at once (a cold, whole decode), then the rest one by one (local re-decodes).
    const split = Math.floor(all.length * 0.7);
    engine.applySymptoms(all.slice(0, split));
    engine.rootCauses();
    const before = engine.stats();
    expect(before.largestIncident).toBeGreaterThan(40);
    for (const s of all.slice(split)) {
      engine.applySymptom(s);
      engine.rootCauses();
    }
    const after = engine.stats();
    // Local: on average a change re-decoded far fewer candidates than the largest incident.
    expect((after.candidatesDecoded - before.candidatesDecoded) / (all.length - split)).toBeLessThan(
      before.largestIncident / 2,
    );
    const fresh = new CausalEngine({ now: () => T0, options: { hysteresis: 0 } });
    fresh.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: topology.relations });
    fresh.applySymptoms(all);
    const primaries = (r: RootCauseReport): Set<string> =>
      new Set(r.rootCauses.filter((x) => x.primary).map((x) => x.id));
    const a = primaries(engine.rootCauses());
    const b = primaries(fresh.rootCauses());
    const common = [...a].filter((id) => b.has(id)).length;
    expect(common / Math.max(a.size, b.size)).toBeGreaterThan(0.9);
  });

  it("recompute only the incident a change touches", () => {
    const topology = generateTopology({ services: 200, seed: 8, pods: 1000 });
    const bench = new EvalBench("local", topology.entities, topology.relations);
    for (const [k, type] of bench.engine.rootCauseTypes.entries()) {
      const s = bench.scenario(type, k, 0, 1);
      bench.engine.applySymptoms(s?.symptoms ?? []);
    }
    bench.engine.rootCauses();
    const before = bench.engine.stats();
    expect(before.incidents).toBeGreaterThan(1);
    bench.engine.applySymptom(on(SHOP.checkoutApp, "oom_killed")); // an entity this topology lacks
    bench.engine.rootCauses();
    expect(bench.engine.stats().candidatesDecoded).toBe(before.candidatesDecoded);
    const pod = bench.view.ofKind("pod")[0]!;
    bench.engine.applySymptom(on(pod, "crash_loop_backoff"));
    bench.engine.rootCauses();
    const after = bench.engine.stats();
    expect(after.decodes - before.decodes).toBe(1);
    // Only the incident around the pod: nowhere near every candidate.
    expect(after.candidatesDecoded - before.candidatesDecoded).toBeLessThan(before.candidates / 4);
  });
});
