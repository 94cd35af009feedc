import { resolveIntOrPercent } from "./controllers/deployment-controller.js";
import { TYPES } from "./resources.js";
import { labelSelectorMatcher, type LabelSelectorSpec } from "./selectors.js";
import { ApiStatusError } from "./status.js";
import { parseEntry, type KubeObject, type ObjectStore } from "./store.js";

/**
 * Refuses an eviction that would take a PodDisruptionBudget selecting the pod below its minimum
 * healthy pods (429 TooManyRequests, as the real Eviction API answers).
 */
export function checkDisruptionBudgets(store: ObjectStore, pod: KubeObject): void {
  const namespace = pod.metadata.namespace ?? "";
  const isReady = (p: KubeObject) =>
    ((p.status as { conditions?: { type: string; status: string }[] } | undefined)?.conditions ?? []).some(
      (c) => c.type === "Ready" && c.status === "True",
    );
  for (const pdb of store.list(TYPES.pdbs, namespace)) {
    const spec = (pdb.spec ?? {}) as {
      selector?: LabelSelectorSpec;
      minAvailable?: unknown;
      maxUnavailable?: unknown;
    };
    const matches = labelSelectorMatcher(spec.selector);
    if (!spec.selector || !matches(pod.metadata.labels)) continue;
    const selected = [...store.entries(TYPES.pods, { namespace })]
      .filter((e) => matches(e.labels))
      .map((e) => parseEntry(e));
    const healthy = selected.filter(isReady).length;
    const expected = selected.length;
    const need =
      spec.minAvailable !== undefined
        ? resolveIntOrPercent(spec.minAvailable, expected, true)
        : expected - resolveIntOrPercent(spec.maxUnavailable ?? 0, expected, true);
    if (isReady(pod) && healthy - 1 < need) {
      throw new ApiStatusError(
        429,
        "TooManyRequests",
        "Cannot evict pod as it would violate the pod's disruption budget.",
        {
          causes: [
            {
              reason: "DisruptionBudget",
              message: `The disruption budget ${pdb.metadata.name} needs ${need} healthy pods and has ${healthy} currently`,
            },
          ],
        },
      );
    }
  }
}
