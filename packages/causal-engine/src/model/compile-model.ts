import { ENTITY_KINDS, RELATION_TYPES, SYMPTOM_TYPES, type SymptomType } from "@causeway/protocol";
import { type CausalModel, type EntityMatcher, type RootCauseTypeSpec } from "./model-types.js";

/** Symptom types by index; the index is part of the engine's numeric symptom keys. */
export const SYMPTOM_NAMES = Object.keys(SYMPTOM_TYPES) as SymptomType[];
/** Room for symptom types in a numeric symptom key (entityIndex * SYMPTOM_SLOTS + symptomIndex). */
export const SYMPTOM_SLOTS = 64;
/** Room for root-cause types in a numeric candidate key (entityIndex * ROOT_CAUSE_SLOTS + typeIndex). */
export const ROOT_CAUSE_SLOTS = 64;
/** Room for effects in a numeric support key (candidateKey * EFFECT_SLOTS + effectIndex). */
export const EFFECT_SLOTS = 32;
/** Kind index of an entity whose kind is not in the vocabulary (a newer agent). */
export const UNKNOWN_KIND = ENTITY_KINDS.length;

const SYMPTOM_INDEX = new Map<string, number>(SYMPTOM_NAMES.map((s, i) => [s, i]));
const KIND_INDEX = new Map<string, number>(ENTITY_KINDS.map((k, i) => [k, i]));
const RELATION_INDEX = new Map<string, number>(RELATION_TYPES.map((r, i) => [r, i]));

export function symptomIndex(type: string): number {
  return SYMPTOM_INDEX.get(type) ?? -1;
}
export function kindIndex(kind: string): number {
  return KIND_INDEX.get(kind) ?? UNKNOWN_KIND;
}
export function relationIndex(type: string): number {
  return RELATION_INDEX.get(type) ?? -1;
}
export const KIND = Object.fromEntries(ENTITY_KINDS.map((k, i) => [k, i])) as Record<
  (typeof ENTITY_KINDS)[number],
  number
>;
export const RELATION_COUNT = RELATION_TYPES.length;
export const RELATION = Object.fromEntries(RELATION_TYPES.map((r, i) => [r, i])) as Record<
  (typeof RELATION_TYPES)[number],
  number
>;

export type StepOp = "out" | "in" | "pods" | "callers";

export interface CompiledStep {
  readonly op: StepOp;
  /** Relation index for `out`/`in`. */
  readonly relation: number;
  /** Entities at a shortest distance from minHops to hops repeats of the step are reached. */
  readonly minHops: number;
  readonly hops: number;
}

export interface CompiledEffect {
  readonly symptom: number;
  /** Entity kinds the symptom is observed on (service symptoms also on external entities). */
  readonly symptomKinds: readonly number[];
  readonly steps: readonly CompiledStep[];
  readonly probability: number;
  readonly anchor: boolean;
  readonly hopDecay: number;
  readonly excludeSelf: boolean;
  /** 0 when the model leaves it to the engine's `effectSilenceWeight`. */
  readonly silenceWeight: number;
  /** Active symptoms of this anchor effect needed to make a candidate (1 for most). */
  readonly minSupport: number;
  /** Position in its root cause's effects. */
  readonly index: number;
}

export interface CompiledMatcher {
  readonly kind: number;
  readonly attributes: readonly (readonly [string, string])[];
  readonly notAttributes: readonly (readonly [string, string])[];
}

export interface CompiledRootCause {
  readonly index: number;
  readonly spec: RootCauseTypeSpec;
  readonly matchers: readonly CompiledMatcher[];
  readonly priorLogOdds: number;
  readonly effects: readonly CompiledEffect[];
}

/** An anchor effect seen from its symptom: walk `effect.steps` backwards to find root entities. */
export interface ReverseAnchor {
  readonly rootCause: CompiledRootCause;
  readonly effect: CompiledEffect;
}

export interface CompiledModel {
  readonly model: CausalModel;
  readonly rootCauses: readonly CompiledRootCause[];
  readonly rootCauseIndex: ReadonlyMap<string, number>;
  /** Base rate (noisy-OR leak) per symptom index. */
  readonly baseRates: Float64Array;
  /** Per symptom index, the anchor effects that can explain it. */
  readonly reverseAnchors: readonly (readonly ReverseAnchor[])[];
  /** Relation indexes some path follows; the graph stores only these. */
  readonly usedRelations: ReadonlySet<number>;
}

/** Thrown by `compileModel` with every problem found in a model. */
export class ModelError extends Error {
  constructor(readonly problems: readonly string[]) {
    super(`invalid causal model:\n- ${problems.join("\n- ")}`);
    this.name = "ModelError";
  }
}

const STEP_PATTERN = /^(?:(out|in):([a-z-]+)|(pods|callers))(?:\*(?:([1-9])-)?([1-9]))?$/;

function compileStep(step: string, where: string, problems: string[], used: Set<number>): CompiledStep {
  const m = STEP_PATTERN.exec(step);
  if (!m) {
    problems.push(
      `${where}: step "${step}" is not out:<relation>, in:<relation>, pods or callers (with optional *N or *M-N)`,
    );
    return { op: "out", relation: 0, minHops: 1, hops: 1 };
  }
  const hops = m[5] ? Number(m[5]) : 1;
  const minHops = m[4] ? Number(m[4]) : 1;
  if (minHops > hops) problems.push(`${where}: step "${step}" repeats fewer times than its minimum`);
  if (m[3]) {
    if (m[3] === "pods" && hops !== 1) problems.push(`${where}: "pods" cannot repeat`);
    used.add(RELATION["member-of"]);
    if (m[3] === "callers") {
      used.add(RELATION.calls);
      used.add(RELATION.selects);
    }
    return { op: m[3] as StepOp, relation: -1, minHops, hops };
  }
  const relation = relationIndex(m[2] as string);
  if (relation < 0) problems.push(`${where}: unknown relation "${m[2]}"`);
  else used.add(relation);
  return { op: m[1] as StepOp, relation, minHops, hops };
}

function compileMatcher(m: EntityMatcher, where: string, problems: string[]): CompiledMatcher {
  const kind = kindIndex(m.kind);
  if (kind === UNKNOWN_KIND) problems.push(`${where}: unknown entity kind "${m.kind}"`);
  return {
    kind,
    attributes: Object.entries(m.attributes ?? {}),
    notAttributes: Object.entries(m.notAttributes ?? {}),
  };
}

function logOdds(p: number): number {
  return Math.log(p / (1 - p));
}

/**
 * Validates a model and prepares it for the engine: steps parsed, indexes resolved, and the
 * reverse index from each symptom type to the anchor effects that explain it. Throws
 * `ModelError` listing every problem.
 */
export function compileModel(model: CausalModel): CompiledModel {
  const problems: string[] = [];
  const used = new Set<number>();
  const baseRates = new Float64Array(SYMPTOM_NAMES.length).fill(model.defaultSymptomBaseRate);
  if (!(model.defaultSymptomBaseRate > 0 && model.defaultSymptomBaseRate < 1))
    problems.push("defaultSymptomBaseRate must be in (0, 1)");
  for (const [name, rate] of Object.entries(model.symptomBaseRates)) {
    const i = symptomIndex(name);
    if (i < 0) problems.push(`symptomBaseRates: unknown symptom type "${name}"`);
    else if (!(rate !== undefined && rate > 0 && rate < 1))
      problems.push(`symptomBaseRates.${name} must be in (0, 1)`);
    else baseRates[i] = rate;
  }
  if (model.rootCauses.length > ROOT_CAUSE_SLOTS)
    problems.push(`at most ${ROOT_CAUSE_SLOTS} root-cause types are supported`);
  if (model.rootCauses.some((r) => r.effects.length > EFFECT_SLOTS))
    problems.push(`at most ${EFFECT_SLOTS} effects per root-cause type are supported`);
  const seen = new Set<string>();
  const rootCauses: CompiledRootCause[] = model.rootCauses.map((spec, index) => {
    const where = `rootCauses[${index}] (${spec.type})`;
    if (!/^[a-z][a-z0-9_]*$/.test(spec.type)) problems.push(`${where}: type must be snake_case`);
    if (seen.has(spec.type)) problems.push(`${where}: duplicate type`);
    seen.add(spec.type);
    if (!(spec.prior > 0 && spec.prior < 1)) problems.push(`${where}: prior must be in (0, 1)`);
    if (spec.on.length === 0) problems.push(`${where}: "on" lists no entity kind`);
    const effects = spec.effects.map((e, j): CompiledEffect => {
      const ew = `${where}.effects[${j}]`;
      const symptom = symptomIndex(e.symptom);
      if (symptom < 0) problems.push(`${ew}: unknown symptom type "${e.symptom}"`);
      if (!(e.probability > 0 && e.probability < 1)) problems.push(`${ew}: probability must be in (0, 1)`);
      if (e.hopDecay !== undefined && !(e.hopDecay > 0 && e.hopDecay <= 1))
        problems.push(`${ew}: hopDecay must be in (0, 1]`);
      if (e.minSupport !== undefined && !(Number.isInteger(e.minSupport) && e.minSupport >= 1 && e.anchor))
        problems.push(`${ew}: minSupport must be a positive integer, on an anchor`);
      if (e.silenceWeight !== undefined && !(e.silenceWeight >= 1))
        problems.push(`${ew}: silenceWeight must be at least 1`);
      const on = symptom >= 0 ? SYMPTOM_TYPES[e.symptom].on : "service";
      const symptomKinds = on === "service" ? [KIND.service, KIND.external] : [kindIndex(on)];
      return {
        symptom,
        symptomKinds,
        steps: e.path.map((s, k) => compileStep(s, `${ew}.path[${k}]`, problems, used)),
        probability: Math.min(0.99, e.probability),
        anchor: e.anchor === true,
        hopDecay: e.hopDecay ?? 0.5,
        excludeSelf: e.excludeSelf === true,
        silenceWeight: e.silenceWeight ?? 0,
        minSupport: e.minSupport ?? 1,
        index: j,
      };
    });
    if (!effects.some((e) => e.anchor))
      problems.push(`${where}: no anchor effect, so it can never be a candidate`);
    return {
      index,
      spec,
      matchers: spec.on.map((m, k) => compileMatcher(m, `${where}.on[${k}]`, problems)),
      priorLogOdds: logOdds(spec.prior),
      effects,
    };
  });
  if (problems.length > 0) throw new ModelError(problems);
  const reverseAnchors: ReverseAnchor[][] = SYMPTOM_NAMES.map(() => []);
  for (const rootCause of rootCauses)
    for (const effect of rootCause.effects)
      if (effect.anchor) reverseAnchors[effect.symptom]?.push({ rootCause, effect });
  return {
    model,
    rootCauses,
    rootCauseIndex: new Map(rootCauses.map((r) => [r.spec.type, r.index])),
    baseRates,
    reverseAnchors,
    usedRelations: used,
  };
}
