import { type EntityKind, type RelationType, type SymptomType } from "@causeway/protocol";

/**
 * One step of a propagation path, from the entity the path has reached so far:
 * - `out:<relation>`: to every entity this one has that relation to (`container` `out:part-of` → its pod);
 * - `in:<relation>`: to every entity that has that relation to this one (`node` `in:runs-on` → its pods);
 * - `pods`: the pods of a workload (its members, and the members of its member ReplicaSets);
 * - `callers`: the services that call this entity, directly or through one of their pods.
 *
 * A suffix `*N` repeats the step 1 to N times, `*M-N` M to N times: it reaches the entities whose
 * shortest distance in repeats is in that range; one at distance h gets the effect's probability
 * times `hopDecay` to the power h − 1.
 */
export type PathStep =
  | `${"out" | "in"}:${RelationType}`
  | `${"out" | "in"}:${RelationType}*${number}`
  | `${"out" | "in"}:${RelationType}*${number}-${number}`
  | "pods"
  | "callers"
  | `callers*${number}`
  | `callers*${number}-${number}`;

/** Which entities a root-cause type can sit on. Attribute values compare as strings. */
export interface EntityMatcher {
  readonly kind: EntityKind;
  /** Every listed attribute must have exactly this value. */
  readonly attributes?: Readonly<Record<string, string>>;
  /** No listed attribute may have this value (a missing attribute matches). */
  readonly notAttributes?: Readonly<Record<string, string>>;
}

/** A symptom a root cause produces, on its own entity (empty path) or along relations. */
export interface SymptomEffect {
  readonly symptom: SymptomType;
  readonly path: readonly PathStep[];
  /** Probability that the symptom shows on each entity the path reaches, given the root cause. */
  readonly probability: number;
  /**
   * An active anchor symptom makes the root cause a candidate. Only anchors are walked backwards
   * from observed symptoms, which keeps the candidate set to the incident's neighbourhood.
   */
  readonly anchor?: boolean;
  /**
   * For an anchor reached through a fan-in (a service's errors lead back to every node running
   * one of its pods): the root cause becomes a candidate only once this many active symptoms of
   * this effect lead back to it. Default 1.
   */
  readonly minSupport?: number;
  /** Per extra hop of a repeated step; 0.5 when absent. */
  readonly hopDecay?: number;
  /** Leave out the root entity itself when the path leads back to it (co-located containers). */
  readonly excludeSelf?: boolean;
  /**
   * The symptoms one effect produces on many entities share the fault's severity, so their
   * absences are not independent evidence: together they count at most as this many absences of
   * the effect's likeliest symptom. Default: the engine's `effectSilenceWeight`.
   */
  readonly silenceWeight?: number;
}

/** How a root-cause type is remedied; the engine computes the exact change (remediation-proposals.ts). */
export type RemediationKind =
  | "raise-memory-limit"
  | "raise-cpu-limit"
  | "limit-cpu"
  | "rollout-restart"
  | "rollout-undo"
  | "rollout-undo-if-recent"
  | "scale-out"
  | "delete-pod"
  | "cordon";

/** A kind of root cause, declared as data. */
export interface RootCauseTypeSpec {
  /** Stable snake_case name, part of every root-cause id. */
  readonly type: string;
  /** Short human title. */
  readonly title: string;
  readonly on: readonly EntityMatcher[];
  /** Prior probability that one given entity has this fault. */
  readonly prior: number;
  readonly effects: readonly SymptomEffect[];
  readonly remediation?: RemediationKind;
  /**
   * First sentence of the explanation. Placeholders: `{entity}` (namespace/name), `{kind}`,
   * `{workload}` (owning workload), `{node}`, `{service}` (a service selecting the pod).
   */
  readonly summary: string;
}

/** The whole causal model: root-cause types and how often each symptom shows up for no reason. */
export interface CausalModel {
  readonly version: string;
  /** Probability that a symptom is active with no modelled cause (the noisy-OR leak). */
  readonly defaultSymptomBaseRate: number;
  readonly symptomBaseRates: Readonly<Partial<Record<SymptomType, number>>>;
  readonly rootCauses: readonly RootCauseTypeSpec[];
}
