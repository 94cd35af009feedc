import { type TopologyGraph } from "../graph/topology-graph.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";

/** One ranked root cause, as /api/v1/rootcauses serves it and the CLI prints it. */
export interface RootCause {
  readonly id: string;
  /** Root-cause type from the causal model, e.g. "memory_limit_too_low". */
  readonly type: string;
  readonly entityId: string;
  /** 0..1 */
  readonly confidence: number;
  /** Observed symptoms it explains, as `entityId|type`. */
  readonly explains: readonly string[];
  readonly explanation: string;
  /** A remediation change (see @causeway/remediation) the engine proposes, if any. */
  readonly remediation?: { readonly change: unknown; readonly reason: string };
}

/**
 * The seam between the mediator and the causal engine. The mediator hands the engine its live
 * graph and symptom store once; the engine subscribes to their changes (`onChange`) and keeps
 * its ranking current; the mediator reads the ranking and proposes the remediations it carries.
 */
export interface RootCauseEngine {
  readonly name: string;
  start(inputs: { readonly graph: TopologyGraph; readonly symptoms: SymptomStore }): void;
  /** Ranked, most likely first. */
  rootCauses(): readonly RootCause[];
  stop(): void;
}

/** Used until a causal engine is configured: ranks nothing. */
export class NoRootCauseEngine implements RootCauseEngine {
  readonly name = "none";
  start(): void {}
  rootCauses(): readonly RootCause[] {
    return [];
  }
  stop(): void {}
}
