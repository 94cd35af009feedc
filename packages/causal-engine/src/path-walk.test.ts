import { describe, expect, it } from "vitest";
import { Codebook } from "./codebook.js";
import { generateTopology } from "./eval/topology-generator.js";
import { Rng } from "./eval/rng.js";
import { compileModel } from "./model/compile-model.js";
import { DEFAULT_MODEL } from "./model/default-model.js";
import { entityFact, inFact, walkForward, walkReverse } from "./path-walk.js";
import { TopologyGraph } from "./topology-graph.js";
import { RELATION, relationIndex } from "./model/compile-model.js";

describe("path walks", () => {
  const model = compileModel(DEFAULT_MODEL);
  const graph = new TopologyGraph(model.usedRelations);
  const t = generateTopology({ services: 60, seed: 21 });
  for (const e of t.entities) graph.upsertEntity(e);
  for (const r of t.relations)
    graph.addRelation(graph.ensure(r.fromId), graph.ensure(r.toId), relationIndex(r.type));
  const codebook = new Codebook(graph, model);
  const rng = new Rng(3);
  const all = [...Array(graph.ids.length).keys()];

  it("walking an effect backwards from any symptom it reaches finds the root again", () => {
    let checked = 0;
    for (const rootCause of model.rootCauses) {
      const roots = rng.sample(
        all.filter((i) => codebook.applies(rootCause, i)),
        25,
      );
      for (const effect of rootCause.effects)
        for (const root of roots) {
          const reached: number[] = [];
          walkForward(graph, effect.steps, root, effect.hopDecay, new Set(), (x) => reached.push(x));
          for (const x of reached) {
            const back = new Set<number>();
            walkReverse(graph, effect.steps, x, new Set(), (r) => back.add(r));
            expect(back.has(root), `${rootCause.spec.type} ${effect.steps.join(" ")}`).toBe(true);
            checked++;
          }
        }
    }
    expect(checked).toBeGreaterThan(1000);
  });

  it("a root found backwards from a symptom reaches it forwards (single-step paths exactly)", () => {
    for (const rootCause of model.rootCauses)
      for (const effect of rootCause.effects) {
        if (effect.steps.some((s) => s.hops > 1)) continue;
        for (const x of rng.sample(all, 40)) {
          const roots: number[] = [];
          walkReverse(graph, effect.steps, x, new Set(), (r) => roots.push(r));
          for (const r of roots) {
            const reached = new Set<number>();
            walkForward(graph, effect.steps, r, effect.hopDecay, new Set(), (y) => reached.add(y));
            expect(reached.has(x), `${rootCause.spec.type} ${effect.steps.join(" ")}`).toBe(true);
          }
        }
      }
  });

  it("decays the probability per repeated hop and records every fact it read", () => {
    const steps = model.rootCauses
      .find((r) => r.spec.type === "service_malfunction")
      ?.effects.find((e) =>
        e.steps.some((s) => s.op === "callers" && s.minHops === 1 && s.hops === 3),
      )?.steps;
    expect(steps).toBeDefined();
    // The deepest service in the call graph: callers one, two and three hops up.
    let deepest = { service: -1, factors: new Map<number, number>(), footprint: new Set<number>() };
    for (const svc of all.filter((i) => graph.kindNames[i] === "service")) {
      const factors = new Map<number, number>();
      const footprint = new Set<number>();
      walkForward(graph, steps ?? [], svc, 0.5, footprint, (x, f) => factors.set(x, f));
      if (new Set(factors.values()).size > new Set(deepest.factors.values()).size)
        deepest = { service: svc, factors, footprint };
    }
    expect([...new Set(deepest.factors.values())].sort()).toEqual([0.25, 0.5, 1]);
    for (const x of deepest.factors.keys()) {
      // Each caller's kind was read, and its own callers' list.
      expect(deepest.footprint.has(entityFact(x))).toBe(true);
      expect(graph.kindNames[x]).toBe("service");
      expect(x).not.toBe(deepest.service);
    }
    expect(deepest.footprint.has(inFact(deepest.service, RELATION.calls))).toBe(true);
  });
});
