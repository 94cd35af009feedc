import { KIND } from "./model/compile-model.js";
import { type RootCauseTypeSpec } from "./model/model-types.js";
import {
  type ExpectedSymptom,
  type ExplainedSymptom,
  type RemediationProposal,
  type SymptomRef,
} from "./root-cause.js";
import { type TopologyGraph } from "./topology-graph.js";
import { displayName, nodeOf, ownerOf, servicesOf } from "./topology-lookup.js";

const LISTED_IN_TEXT = 4;

export interface ExplanationInput {
  readonly graph: TopologyGraph;
  readonly entity: number;
  readonly spec: RootCauseTypeSpec;
  readonly primary: boolean;
  readonly confidence: number;
  readonly explained: readonly ExplainedSymptom[];
  readonly explainedCount: number;
  readonly unexplainedCount: number;
  readonly expectedAbsent: readonly ExpectedSymptom[];
  /** For an alternative, the primary cause it competes with. */
  readonly rival?: { readonly title: string; readonly entityId: string };
  readonly remediation?: RemediationProposal;
}

/** Fills the placeholders of a root-cause type's summary sentence from the topology. */
export function fillSummary(g: TopologyGraph, entity: number, template: string): string {
  return template.replace(/\{(entity|kind|workload|node|service)\}/g, (_, key: string) => {
    switch (key) {
      case "entity":
        return displayName(g, entity);
      case "kind":
        return g.kindNames[entity] ?? "entity";
      case "workload": {
        const w = g.kinds[entity] === KIND.deployment ? entity : ownerOf(g, entity);
        return w >= 0 ? `${g.kindNames[w]} ${displayName(g, w)}` : "no known workload";
      }
      case "node": {
        const n = nodeOf(g, entity);
        return n >= 0 ? displayName(g, n) : "(unknown node)";
      }
      default: {
        const s = servicesOf(g, entity)[0];
        return s !== undefined ? displayName(g, s) : "(no service)";
      }
    }
  });
}

function describe(s: SymptomRef): string {
  return `${s.type} on ${s.entityId}`;
}

function list(items: readonly SymptomRef[], total: number): string {
  const shown = items.slice(0, LISTED_IN_TEXT).map(describe);
  const more = total - shown.length;
  return more > 0 ? `${shown.join(", ")} and ${more} more` : shown.join(", ");
}

/** The one-paragraph explanation of a root cause. */
export function explain(input: ExplanationInput): string {
  const parts: string[] = [fillSummary(input.graph, input.entity, input.spec.summary)];
  const total = input.explainedCount + input.unexplainedCount;
  parts.push(
    `It accounts for ${input.explainedCount} of the ${total} active symptoms of this incident: ${list(input.explained, input.explainedCount)}.`,
  );
  if (input.expectedAbsent.length > 0)
    parts.push(`Expected but not observed: ${list(input.expectedAbsent, input.expectedAbsent.length)}.`);
  if (!input.primary && input.rival)
    parts.push(
      `This is an alternative to the more likely ${input.rival.title.toLowerCase()} on ${input.rival.entityId}.`,
    );
  else if (!input.primary) parts.push("The evidence is too weak to call it a root cause yet.");
  parts.push(`Confidence ${(input.confidence * 100).toFixed(0)}%.`);
  if (input.remediation) parts.push(`Proposed remediation: ${input.remediation.summary}`);
  return parts.join(" ");
}
