import { type TopologyGraph } from "../graph/topology-graph.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";

/** What the mediator reads of each ranked root cause (engines add more fields for the API). */
export interface RootCauseSummary {
  /** Stable for the same root-cause instance, e.g. `<type>:<entity id>`. */
  readonly id: string;
  readonly type: string;
  readonly entityId: string;
  /** 0..1 */
  readonly confidence: number;
  /** Part of the chosen explanation (not an alternative). */
  readonly primary: boolean;
  readonly explanation: string;
  /** A remediation change (parses with @causeway/remediation) the engine proposes, if any. */
  readonly remediation?: { readonly summary: string; readonly change: unknown };
}

/** The ranked report served at /api/v1/rootcauses: `rootCauses`, plus whatever the engine adds. */
export interface RootCauseReportView {
  readonly rootCauses: readonly RootCauseSummary[];
  readonly [key: string]: unknown;
}

/**
 * The seam between the mediator and a causal engine. The mediator hands the engine its live
 * graph and symptom store once; the engine follows their changes (`onChange`) and keeps its
 * ranking current; the mediator serves the report and proposes the remediations it carries.
 */
export interface RootCauseEngine {
  readonly name: string;
  start(inputs: { readonly graph: TopologyGraph; readonly symptoms: SymptomStore }): void;
  report(): RootCauseReportView;
  /** Sizes for logs and metrics. */
  stats(): Readonly<Record<string, number>>;
  stop(): void;
}

/** Used when no engine is configured: ranks nothing. */
export class NoRootCauseEngine implements RootCauseEngine {
  readonly name = "none";
  start(): void {}
  report(): RootCauseReportView {
    return { rootCauses: [] };
  }
  stats(): Readonly<Record<string, number>> {
    return {};
  }
  stop(): void {}
}
