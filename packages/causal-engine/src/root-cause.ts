import { type RemediationChange } from "@causeway/remediation";

/** A symptom change as the engine takes it: structurally the protocol's `SymptomChange`. */
export interface SymptomInput {
  readonly entityId: string;
  /** A symptom type from the protocol vocabulary; unknown types are kept but explain nothing. */
  readonly type: string;
  readonly active: boolean;
  /** When the symptom entered its current state. */
  readonly sinceUnixMs: number;
  readonly evidenceSummary?: string;
  /** The numbers behind it, e.g. `limit_bytes`, `working_set_bytes`, `peak_bytes`. */
  readonly evidence?: Readonly<Record<string, number>>;
}

/** A symptom named by entity and type. */
export interface SymptomRef {
  readonly entityId: string;
  readonly type: string;
}

/** An active symptom a root cause accounts for. */
export interface ExplainedSymptom extends SymptomRef {
  readonly sinceUnixMs: number;
  /** How likely the root cause makes this symptom appear. */
  readonly probability: number;
  readonly evidenceSummary?: string;
}

/** A symptom the root cause should produce that is not active. */
export interface ExpectedSymptom extends SymptomRef {
  readonly probability: number;
}

/** A remediation for a root cause: the exact change a human can approve. */
export interface RemediationProposal {
  /** One sentence: what the change does and why this amount. */
  readonly summary: string;
  /** Validated against `remediationChangeSchema` from @causeway/remediation. */
  readonly change: RemediationChange;
}

/** The entity a root cause sits on. */
export interface RootCauseEntity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  /** Empty for cluster-scoped entities. */
  readonly namespace: string;
}

/**
 * One ranked root cause, JSON-serialisable as is: what /api/v1/rootcauses returns. Its `id` stays
 * the same for the same root-cause instance across recomputations.
 */
export interface RootCause {
  /** `<type>:<entity id>`, e.g. `container_memory_limit_too_low:container/shop/checkout-7d9f8-abcde/app`. */
  readonly id: string;
  readonly type: string;
  readonly title: string;
  readonly entity: RootCauseEntity;
  /** Posterior share among this cause, its rivals for the same symptoms, and none of them; 0..1. */
  readonly confidence: number;
  /** 1-based position in the list. */
  readonly rank: number;
  /**
   * True when the cause is part of the chosen explanation of the active symptoms; false for an
   * alternative (a rival explanation of the same symptoms, or one too weak to be chosen).
   */
  readonly primary: boolean;
  /** Log-likelihood gain of this cause (higher is stronger evidence). */
  readonly score: number;
  readonly explained: readonly ExplainedSymptom[];
  /** Active symptoms of the same incident this cause does not account for. */
  readonly unexplained: readonly SymptomRef[];
  /** Symptoms this cause should produce, by falling probability, that are not active. */
  readonly expectedAbsent: readonly ExpectedSymptom[];
  /** One paragraph for the on-call engineer. */
  readonly explanation: string;
  readonly remediation?: RemediationProposal;
  /** When the engine first considered this root cause. */
  readonly firstSeenUnixMs: number;
  /** The earliest `sinceUnixMs` of the symptoms it explains. */
  readonly startedUnixMs: number;
}

/** The engine's answer: the ranked root causes and what nothing explains. */
export interface RootCauseReport {
  readonly computedAtUnixMs: number;
  readonly modelVersion: string;
  readonly rootCauses: readonly RootCause[];
  /** Candidates considered but left out by `maxResults` or `minConfidence`. */
  readonly omitted: number;
  readonly activeSymptoms: number;
  /** Active symptoms no primary root cause explains (including those on unknown entities). */
  readonly unexplained: readonly SymptomRef[];
  readonly unexplainedCount: number;
}
