import { z } from "zod";
import { type SymptomInput } from "../root-cause.js";
import { type EngineEntity, type EngineRelation } from "../topology-graph.js";
import { generateTopology, type TopologyOptions } from "./topology-generator.js";

export const SCENARIO_FORMAT = "causeway.rca-scenario/v1";

const generatorSchema = z
  .object({
    services: z.number().int().min(1).max(100_000),
    seed: z.number().int(),
    pods: z.number().int().min(1).optional(),
    nodes: z.number().int().min(1).optional(),
    externals: z.number().int().min(0).optional(),
    hpaShare: z.number().min(0).max(1).optional(),
    statefulShare: z.number().min(0).max(1).optional(),
    sidecarShare: z.number().min(0).max(1).optional(),
    podCallShare: z.number().min(0).max(1).optional(),
  })
  .strict();

const entitySchema = z
  .object({
    id: z.string().min(1),
    kind: z.string().min(1),
    name: z.string().min(1),
    namespace: z.string().default(""),
    attributes: z.record(z.string()).default({}),
  })
  .strict();

const relationSchema = z
  .object({ fromId: z.string().min(1), toId: z.string().min(1), type: z.string().min(1) })
  .strict();

const symptomSchema = z
  .object({
    entityId: z.string().min(1),
    type: z.string().min(1),
    active: z.boolean().default(true),
    sinceUnixMs: z.number().int().min(0),
    evidenceSummary: z.string().optional(),
    evidence: z.record(z.number()).optional(),
  })
  .strict();

/** A scenario file: a topology, the root causes injected into it, and the symptoms observed. */
export const scenarioSchema = z
  .object({
    format: z.literal(SCENARIO_FORMAT),
    name: z.string().min(1),
    description: z.string().optional(),
    topology: z.union([
      z.object({ entities: z.array(entitySchema), relations: z.array(relationSchema) }).strict(),
      z.object({ generated: generatorSchema }).strict(),
    ]),
    injected: z.array(z.object({ type: z.string().min(1), entityId: z.string().min(1) }).strict()).min(1),
    symptoms: z.array(symptomSchema),
    /** The noise already applied to `symptoms`, for the record. */
    noise: z
      .object({ dropRate: z.number().min(0).max(1), spuriousRate: z.number().min(0), seed: z.number().int() })
      .strict()
      .optional(),
  })
  .strict();

export type Scenario = z.output<typeof scenarioSchema>;

/** Parses a scenario, listing every problem; throws on invalid input. */
export function parseScenario(input: unknown): Scenario {
  const result = scenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = result.error.issues.map((i) => `${i.path.join(".") || "(root)"}: ${i.message}`);
  throw new Error(`invalid scenario:\n- ${problems.join("\n- ")}`);
}

/** The scenario's topology, generating it when the file names generator options. */
export function scenarioTopology(s: Scenario): { entities: EngineEntity[]; relations: EngineRelation[] } {
  if ("generated" in s.topology) {
    const g = generateTopology(s.topology.generated as TopologyOptions);
    return { entities: g.entities, relations: g.relations };
  }
  return { entities: s.topology.entities, relations: s.topology.relations };
}

export function scenarioSymptoms(s: Scenario): SymptomInput[] {
  return s.symptoms;
}
