import { describe, expect, it } from "vitest";
import { CausalEngine } from "../engine.js";
import { generateTopology } from "../eval/topology-generator.js";
import { FaultTargetPicker } from "../eval/fault-simulator.js";
import { Rng } from "../eval/rng.js";
import { TopologyView } from "../eval/topology-view.js";
import { ModelError, compileModel } from "./compile-model.js";
import { DEFAULT_MODEL, ROOT_CAUSE_TYPES } from "./default-model.js";
import { type CausalModel } from "./model-types.js";

const T0 = 1_700_000_000_000;

describe("the default causal model", () => {
  it("compiles and covers every root-cause type the issue asks for", () => {
    const compiled = compileModel(DEFAULT_MODEL);
    expect(compiled.rootCauses).toHaveLength(16);
    expect(ROOT_CAUSE_TYPES).toEqual(
      expect.arrayContaining([
        "container_memory_limit_too_low",
        "container_memory_leak",
        "container_cpu_limit_too_low",
        "pod_crash_looping",
        "image_pull_failure",
        "node_memory_pressure",
        "node_cpu_pressure",
        "node_disk_pressure",
        "node_not_ready",
        "noisy_neighbour",
        "bad_rollout",
        "under_provisioned",
        "network_loss_node",
        "network_loss_pod",
        "service_malfunction",
        "external_dependency_failure",
      ]),
    );
  });

  it("is plain data: it survives a JSON round trip and compiles the same", () => {
    const copy = JSON.parse(JSON.stringify(DEFAULT_MODEL)) as CausalModel;
    expect(copy).toEqual(DEFAULT_MODEL);
    expect(compileModel(copy).rootCauses.map((r) => r.effects.length)).toEqual(
      compileModel(DEFAULT_MODEL).rootCauses.map((r) => r.effects.length),
    );
  });

  it("rejects a broken model listing every problem", () => {
    const broken = {
      version: "x",
      defaultSymptomBaseRate: 2,
      symptomBaseRates: { not_a_symptom: 0.1 },
      rootCauses: [
        {
          type: "Bad-Name",
          title: "t",
          on: [{ kind: "spaceship" }],
          prior: 0,
          summary: "s",
          effects: [
            { symptom: "oom_killed", path: ["sideways:part-of"], probability: 1.5 },
            { symptom: "no_such_symptom", path: ["out:teleports"], probability: 0.5 },
          ],
        },
      ],
    } as unknown as CausalModel;
    let error: ModelError | undefined;
    try {
      compileModel(broken);
    } catch (e) {
      error = e as ModelError;
    }
    expect(error).toBeInstanceOf(ModelError);
    const text = error?.problems.join("\n") ?? "";
    for (const fragment of [
      "defaultSymptomBaseRate",
      'unknown symptom type "not_a_symptom"',
      "snake_case",
      'unknown entity kind "spaceship"',
      "prior must be in (0, 1)",
      'step "sideways:part-of"',
      "probability must be in (0, 1)",
      'unknown symptom type "no_such_symptom"',
      'unknown relation "teleports"',
      "no anchor effect",
    ])
      expect(text).toContain(fragment);
  });

  describe("each root-cause type, given only its own characteristic symptoms, ranks first", () => {
    const topology = generateTopology({ services: 60, seed: 11 });
    const view = new TopologyView(topology.entities, topology.relations);
    const picker = new FaultTargetPicker(view);
    const engine = new CausalEngine({ now: () => T0 });
    engine.applyTopologyDelta({ upsertEntities: topology.entities, upsertRelations: topology.relations });

    for (const type of ROOT_CAUSE_TYPES)
      it(type, () => {
        const rng = new Rng(42);
        for (let trial = 0; trial < 5; trial++) {
          const entityId = picker.pick(type, rng);
          expect(entityId, `no ${type} target`).toBeDefined();
          const id = `${type}:${entityId}`;
          // Its codebook row: everything it is more likely than not to produce.
          const own = (engine.signature(id) ?? []).filter((s) => s.probability >= 0.3);
          expect(own.length).toBeGreaterThan(0);
          engine.clearSymptoms();
          engine.applySymptoms(own.map((s) => ({ ...s, active: true, sinceUnixMs: T0 })));
          const top = engine.rootCauses().rootCauses[0];
          expect(top?.id, `${id} from ${own.map((s) => `${s.type}@${s.entityId}`).join(", ")}`).toBe(id);
          expect(top?.primary).toBe(true);
          expect(top?.confidence).toBeGreaterThan(0.5);
        }
      });
  });
});
