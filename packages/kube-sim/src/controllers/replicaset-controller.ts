import { randomSuffix, type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { type KubeObject, parseEntry } from "../store.js";
import { controllerRef, isPodReady } from "./pod-template.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/** Active pods controlled by `owner` (not being deleted, not finished). */
export function activePodsOf(server: KubeApiServer, owner: KubeObject): (KubeObject & Any)[] {
  return server.store
    .dependentEntries(owner.metadata.uid, TYPES.pods)
    .map((e) => parseEntry(e) as KubeObject & Any)
    .filter((p) => p.metadata.ownerReferences?.some((o) => o.uid === owner.metadata.uid && o.controller))
    .filter(
      (p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed",
    );
}

/** A new pod from a workload's template, owned by it. */
export function podFromTemplate(
  owner: KubeObject & Any,
  name: string,
  extra: { labels?: Record<string, string>; spec?: Any } = {},
): Any {
  const template = (owner.spec?.template ?? {}) as Any;
  return {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: owner.metadata.namespace,
      labels: { ...(template.metadata?.labels ?? {}), ...(extra.labels ?? {}) },
      ...(template.metadata?.annotations ? { annotations: template.metadata.annotations } : {}),
      ownerReferences: [controllerRef(owner)],
    },
    spec: { ...structuredClone(template.spec ?? {}), ...(extra.spec ?? {}) },
  };
}

/** Deletion order, as the real controller ranks pods: unscheduled, pending, not ready, newest first. */
function deletionRank(p: Any): number[] {
  return [
    p.spec?.nodeName ? 1 : 0,
    p.status?.phase === "Running" ? 1 : 0,
    isPodReady(p as KubeObject) ? 1 : 0,
    -Date.parse(p.metadata.creationTimestamp),
  ];
}

/** ReplicaSet → Pods: creates or deletes pods to match spec.replicas and reports status. */
export function reconcileReplicaSet(server: KubeApiServer, namespace: string, name: string): void {
  const rs = server.store.get(TYPES.replicaSets, namespace, name) as (KubeObject & Any) | undefined;
  if (!rs || rs.metadata.deletionTimestamp) return;
  let pods = activePodsOf(server, rs);
  const want: number = rs.spec?.replicas ?? 1;
  if (pods.length < want) {
    for (let i = pods.length; i < want; i++) {
      const pod = server.create(
        TYPES.pods,
        podFromTemplate(rs, `${name}-${randomSuffix()}`),
        namespace,
      ) as KubeObject & Any;
      pods.push(pod);
      server.events.record({
        involved: rs,
        type: "Normal",
        reason: "SuccessfulCreate",
        message: `Created pod: ${pod.metadata.name}`,
        component: "replicaset-controller",
      });
    }
  } else if (pods.length > want) {
    const ranked = [...pods].sort((a, b) => {
      const x = deletionRank(a);
      const y = deletionRank(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return (x[i] as number) - (y[i] as number);
      return 0;
    });
    for (const p of ranked.slice(0, pods.length - want)) {
      server.remove(TYPES.pods, namespace, p.metadata.name);
      server.events.record({
        involved: rs,
        type: "Normal",
        reason: "SuccessfulDelete",
        message: `Deleted pod: ${p.metadata.name}`,
        component: "replicaset-controller",
      });
    }
    pods = activePodsOf(server, rs);
  }
  const ready = pods.filter(isPodReady).length;
  const status: Any = {
    replicas: pods.length,
    fullyLabeledReplicas: pods.length,
    readyReplicas: ready,
    availableReplicas: ready,
    observedGeneration: rs.metadata.generation ?? 1,
  };
  for (const k of ["fullyLabeledReplicas", "readyReplicas", "availableReplicas"])
    if (status[k] === 0) delete status[k];
  const latest = server.store.get(TYPES.replicaSets, namespace, name);
  if (latest) server.write(TYPES.replicaSets, { ...latest, status });
}
