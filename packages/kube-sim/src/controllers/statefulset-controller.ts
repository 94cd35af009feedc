import { type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { type KubeObject } from "../store.js";
import { isPodReady, podTemplateHash } from "./pod-template.js";
import { activePodsOf, podFromTemplate } from "./replicaset-controller.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/**
 * StatefulSet → Pods `<name>-<ordinal>`, simplified: OrderedReady creates ordinal i only when all
 * lower ones are ready (Parallel creates all), scales down from the highest ordinal, and replaces
 * pods whose controller-revision-hash is old one at a time from the highest ordinal.
 */
export function reconcileStatefulSet(server: KubeApiServer, namespace: string, name: string): void {
  const sts = server.store.get(TYPES.statefulSets, namespace, name) as (KubeObject & Any) | undefined;
  if (!sts || sts.metadata.deletionTimestamp) return;
  const revision = `${name}-${podTemplateHash(sts.spec?.template)}`;
  const want: number = sts.spec?.replicas ?? 1;
  const ordered = (sts.spec?.podManagementPolicy ?? "OrderedReady") === "OrderedReady";
  const byOrdinal = new Map<number, KubeObject & Any>();
  for (const p of activePodsOf(server, sts)) {
    const m = new RegExp(`^${name}-(\\d+)$`).exec(p.metadata.name);
    if (m) byOrdinal.set(Number(m[1]), p);
  }
  for (let i = 0; i < want; i++) {
    const pod = byOrdinal.get(i);
    if (pod) {
      if (ordered && !isPodReady(pod)) break;
      continue;
    }
    if (server.store.entry(TYPES.pods, namespace, `${name}-${i}`)) break; // still terminating
    const podName = `${name}-${i}`;
    const created = server.create(
      TYPES.pods,
      podFromTemplate(sts, podName, {
        labels: {
          "controller-revision-hash": revision,
          "statefulset.kubernetes.io/pod-name": podName,
          "apps.kubernetes.io/pod-index": String(i),
        },
        spec: { hostname: podName, ...(sts.spec?.serviceName ? { subdomain: sts.spec.serviceName } : {}) },
      }),
      namespace,
    ) as KubeObject & Any;
    byOrdinal.set(i, created);
    server.events.record({
      involved: sts,
      type: "Normal",
      reason: "SuccessfulCreate",
      message: `create Pod ${podName} in StatefulSet ${name} successful`,
      component: "statefulset-controller",
    });
    if (ordered) break;
  }
  const ordinals = [...byOrdinal.keys()].sort((a, b) => b - a);
  for (const i of ordinals) {
    if (i < want) continue;
    server.remove(TYPES.pods, namespace, `${name}-${i}`);
    byOrdinal.delete(i);
    if (ordered) break;
  }
  const all = [...byOrdinal.values()];
  if (all.length === want && all.every(isPodReady)) {
    const stale = ordinals.find(
      (i) => i < want && byOrdinal.get(i)?.metadata.labels?.["controller-revision-hash"] !== revision,
    );
    if (stale !== undefined) server.remove(TYPES.pods, namespace, `${name}-${stale}`);
  }
  const ready = all.filter(isPodReady).length;
  const updated = all.filter((p) => p.metadata.labels?.["controller-revision-hash"] === revision).length;
  const latest = server.store.get(TYPES.statefulSets, namespace, name);
  if (!latest) return;
  server.write(TYPES.statefulSets, {
    ...latest,
    status: {
      observedGeneration: sts.metadata.generation ?? 1,
      replicas: all.length,
      readyReplicas: ready,
      currentReplicas: updated,
      updatedReplicas: updated,
      availableReplicas: ready,
      currentRevision: revision,
      updateRevision: revision,
      collisionCount: 0,
    },
  });
}
