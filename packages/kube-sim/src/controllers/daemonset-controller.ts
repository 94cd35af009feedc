import { randomSuffix, type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { labelSelectorMatcher } from "../selectors.js";
import { type KubeObject, parseEntry } from "../store.js";
import { isPodReady, podTemplateHash } from "./pod-template.js";
import { activePodsOf, podFromTemplate } from "./replicaset-controller.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/**
 * DaemonSet → one pod per eligible node (nodeSelector), placed directly with spec.nodeName;
 * pods of an old template are replaced one node at a time.
 */
export function reconcileDaemonSet(server: KubeApiServer, namespace: string, name: string): void {
  const ds = server.store.get(TYPES.daemonSets, namespace, name) as (KubeObject & Any) | undefined;
  if (!ds || ds.metadata.deletionTimestamp) return;
  const hash = podTemplateHash(ds.spec?.template);
  const nodeSelector = labelSelectorMatcher({ matchLabels: ds.spec?.template?.spec?.nodeSelector ?? {} });
  const nodes = [...server.store.entries(TYPES.nodes)]
    .filter((n) => nodeSelector(n.labels))
    .map((n) => n.name);
  const byNode = new Map<string, (KubeObject & Any)[]>();
  for (const p of activePodsOf(server, ds)) {
    const node: string = p.spec?.nodeName ?? "";
    byNode.set(node, [...(byNode.get(node) ?? []), p]);
  }
  let replacing = false;
  for (const node of nodes) {
    const pods = byNode.get(node) ?? [];
    if (pods.length === 0) {
      const podName = `${name}-${randomSuffix()}`;
      server.create(
        TYPES.pods,
        podFromTemplate(ds, podName, {
          labels: {
            "controller-revision-hash": hash,
            "pod-template-generation": String(ds.metadata.generation ?? 1),
          },
          spec: { nodeName: node },
        }),
        namespace,
      );
      server.events.record({
        involved: ds,
        type: "Normal",
        reason: "SuccessfulCreate",
        message: `Created pod: ${podName}`,
        component: "daemonset-controller",
      });
    } else if (
      !replacing &&
      pods[0]?.metadata.labels?.["controller-revision-hash"] !== hash &&
      pods.every(isPodReady)
    ) {
      server.remove(TYPES.pods, namespace, pods[0]?.metadata.name ?? "");
      replacing = true;
    }
  }
  for (const [node, pods] of byNode)
    if (!nodes.includes(node)) for (const p of pods) server.remove(TYPES.pods, namespace, p.metadata.name);
  const current = activePodsOf(server, ds).filter((p) => nodes.includes(p.spec?.nodeName ?? ""));
  const ready = current.filter(isPodReady).length;
  const latest = server.store.get(TYPES.daemonSets, namespace, name);
  if (!latest) return;
  server.write(TYPES.daemonSets, {
    ...latest,
    status: {
      currentNumberScheduled: current.length,
      numberMisscheduled: 0,
      desiredNumberScheduled: nodes.length,
      numberReady: ready,
      observedGeneration: ds.metadata.generation ?? 1,
      updatedNumberScheduled: current.filter((p) => p.metadata.labels?.["controller-revision-hash"] === hash)
        .length,
      numberAvailable: ready,
      ...(nodes.length - ready > 0 ? { numberUnavailable: nodes.length - ready } : {}),
    },
  });
}

/** Namespaced names of every DaemonSet (node changes concern them all). */
export function allDaemonSets(server: KubeApiServer): string[] {
  return [...server.store.entries(TYPES.daemonSets)].map(
    (e) => `${e.namespace}/${parseEntry(e).metadata.name}`,
  );
}
