import { type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { type KubeObject, parseEntry } from "../store.js";
import { controllerRef, podTemplateHash, sameTemplate, timestamp } from "./pod-template.js";

const REVISION = "deployment.kubernetes.io/revision";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

const revisionOf = (o: KubeObject): number => Number(o.metadata.annotations?.[REVISION] ?? "0") || 0;

/** Resolves an int-or-percent (`25%`) against a total, rounding up or down. */
export function resolveIntOrPercent(value: unknown, total: number, roundUp: boolean): number {
  if (typeof value === "number") return value;
  const m = /^(\d+)%$/.exec(String(value ?? "0"));
  if (!m) return Number(value) || 0;
  const x = (Number(m[1]) * total) / 100;
  return roundUp ? Math.ceil(x) : Math.floor(x);
}

/**
 * Deployment → ReplicaSets, simplified but with the real controller's visible behaviour: one
 * ReplicaSet per distinct pod template named `<deployment>-<pod-template-hash>`, the
 * `deployment.kubernetes.io/revision` annotation (a rollback makes the old ReplicaSet the newest
 * revision), scale-up of the new ReplicaSet then scale-down of old ones once it is available
 * (RollingUpdate) or the reverse (Recreate), history pruning, and status with the Available and
 * Progressing conditions that `kubectl rollout status` reads.
 */
export function reconcileDeployment(server: KubeApiServer, namespace: string, name: string): void {
  const d = server.store.get(TYPES.deployments, namespace, name) as (KubeObject & Any) | undefined;
  if (!d || d.metadata.deletionTimestamp) return;
  const now = server.clock();
  const spec = d.spec as Any;
  const owned = server.store
    .dependentEntries(d.metadata.uid, TYPES.replicaSets)
    .map((e) => parseEntry(e) as KubeObject & Any)
    .filter((rs) => rs.metadata.ownerReferences?.some((o) => o.uid === d.metadata.uid && o.controller));
  const maxRevision = owned.reduce((m, rs) => Math.max(m, revisionOf(rs)), 0);
  let newRs = owned.find((rs) => sameTemplate(rs.spec?.template, spec.template));
  const replicas: number = spec.replicas ?? 1;
  const paused = spec.paused === true;

  if (!newRs && !paused) {
    const hash = podTemplateHash(spec.template);
    const template = structuredClone(spec.template) as Any;
    template.metadata = {
      ...(template.metadata ?? {}),
      labels: { ...(template.metadata?.labels ?? {}), "pod-template-hash": hash },
    };
    const selector = structuredClone(spec.selector ?? {}) as Any;
    selector.matchLabels = { ...(selector.matchLabels ?? {}), "pod-template-hash": hash };
    const changeCause = d.metadata.annotations?.["kubernetes.io/change-cause"];
    newRs = server.create(
      TYPES.replicaSets,
      {
        apiVersion: "apps/v1",
        kind: "ReplicaSet",
        metadata: {
          name: `${name}-${hash}`,
          namespace,
          labels: template.metadata.labels,
          annotations: {
            [REVISION]: String(maxRevision + 1),
            "deployment.kubernetes.io/desired-replicas": String(replicas),
            "deployment.kubernetes.io/max-replicas": String(
              replicas + resolveIntOrPercent(spec.strategy?.rollingUpdate?.maxSurge ?? "25%", replicas, true),
            ),
            ...(changeCause ? { "kubernetes.io/change-cause": changeCause } : {}),
          },
          ownerReferences: [controllerRef(d)],
        },
        spec: { replicas: 0, minReadySeconds: spec.minReadySeconds ?? 0, selector, template },
      },
      namespace,
    ) as KubeObject & Any;
    owned.push(newRs);
  } else if (newRs && revisionOf(newRs) < maxRevision && !paused) {
    // Rolling back to an older template makes its ReplicaSet the newest revision again.
    newRs.metadata.annotations = {
      ...(newRs.metadata.annotations ?? {}),
      [REVISION]: String(maxRevision + 1),
    };
    newRs = server.write(TYPES.replicaSets, newRs) as KubeObject & Any;
  }
  const olds = owned.filter((rs) => rs !== newRs && rs.metadata.uid !== newRs?.metadata.uid);

  if (!paused && newRs) {
    const recreate = spec.strategy?.type === "Recreate";
    const oldPods = olds.reduce((n, rs) => n + (rs.status?.replicas ?? 0) + (rs.spec?.replicas ?? 0), 0);
    const newTarget = recreate && oldPods > 0 ? 0 : replicas;
    scaleTo(server, d, newRs, newTarget, now);
    const newAvailable = newRs.status?.availableReplicas ?? 0;
    const newObserved = (newRs.status?.observedGeneration ?? 0) >= (newRs.metadata.generation ?? 1);
    if (recreate || (newObserved && newAvailable >= replicas && (newRs.spec?.replicas ?? 0) === replicas)) {
      for (const rs of olds) scaleTo(server, d, rs, 0, now);
    }
    const limit: number = spec.revisionHistoryLimit ?? 10;
    const idle = olds
      .filter((rs) => (rs.spec?.replicas ?? 0) === 0 && (rs.status?.replicas ?? 0) === 0)
      .sort((a, b) => revisionOf(a) - revisionOf(b));
    for (const rs of idle.slice(0, Math.max(0, idle.length - limit)))
      server.remove(TYPES.replicaSets, namespace, rs.metadata.name);
  }

  const latest = server.store.get(TYPES.deployments, namespace, name) as (KubeObject & Any) | undefined;
  if (!latest) return;
  const current = owned
    .map(
      (rs) =>
        server.store.get(TYPES.replicaSets, namespace, rs.metadata.name) as (KubeObject & Any) | undefined,
    )
    .filter((rs): rs is KubeObject & Any => rs !== undefined);
  const fresh = current.find((rs) => rs.metadata.uid === newRs?.metadata.uid);
  const sum = (f: (rs: Any) => number) => current.reduce((n, rs) => n + f(rs), 0);
  const total = sum((rs) => rs.status?.replicas ?? 0);
  const updated = fresh?.status?.replicas ?? 0;
  const ready = sum((rs) => rs.status?.readyReplicas ?? 0);
  const available = sum((rs) => rs.status?.availableReplicas ?? 0);
  const maxUnavailable = resolveIntOrPercent(
    spec.strategy?.rollingUpdate?.maxUnavailable ?? "25%",
    replicas,
    false,
  );
  const complete =
    updated === replicas &&
    total === replicas &&
    available >= replicas &&
    (fresh?.spec?.replicas ?? 0) === replicas;
  const prev: Any[] = latest.status?.conditions ?? [];
  const cond = (type: string, status: string, reason: string, message: string): Any => {
    const old = prev.find((c) => c.type === type);
    const changed = !old || old.status !== status || old.reason !== reason;
    return {
      type,
      status,
      lastUpdateTime: changed || old.message !== message ? timestamp(now) : old.lastUpdateTime,
      lastTransitionTime: !old || old.status !== status ? timestamp(now) : old.lastTransitionTime,
      reason,
      message,
    };
  };
  const rsName = fresh?.metadata.name ?? "";
  const conditions = [
    available >= replicas - maxUnavailable
      ? cond("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.")
      : cond(
          "Available",
          "False",
          "MinimumReplicasUnavailable",
          "Deployment does not have minimum availability.",
        ),
    paused
      ? cond("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused")
      : complete
        ? cond(
            "Progressing",
            "True",
            "NewReplicaSetAvailable",
            `ReplicaSet "${rsName}" has successfully progressed.`,
          )
        : cond("Progressing", "True", "ReplicaSetUpdated", `ReplicaSet "${rsName}" is progressing.`),
  ];
  const status: Any = {
    observedGeneration: latest.metadata.generation ?? 1,
    replicas: total,
    updatedReplicas: updated,
    readyReplicas: ready,
    availableReplicas: available,
    ...(total - available > 0 ? { unavailableReplicas: Math.max(0, replicas - available) } : {}),
    conditions,
  };
  for (const k of ["readyReplicas", "availableReplicas", "updatedReplicas", "replicas"])
    if (status[k] === 0) delete status[k];
  const annotations = { ...(latest.metadata.annotations ?? {}) };
  if (fresh) annotations[REVISION] = String(revisionOf(fresh));
  server.write(TYPES.deployments, { ...latest, metadata: { ...latest.metadata, annotations }, status });
}

function scaleTo(
  server: KubeApiServer,
  d: KubeObject & Any,
  rs: KubeObject & Any,
  replicas: number,
  _now: number,
): void {
  const current = server.store.get(TYPES.replicaSets, rs.metadata.namespace, rs.metadata.name) as
    (KubeObject & Any) | undefined;
  if (!current) return;
  const before: number = current.spec?.replicas ?? 0;
  const desired = String(d.spec?.replicas ?? 1);
  if (
    before === replicas &&
    current.metadata.annotations?.["deployment.kubernetes.io/desired-replicas"] === desired
  ) {
    Object.assign(rs, current);
    return;
  }
  current.spec = { ...current.spec, replicas };
  current.metadata.annotations = {
    ...(current.metadata.annotations ?? {}),
    "deployment.kubernetes.io/desired-replicas": desired,
  };
  if (before !== replicas) current.metadata.generation = (current.metadata.generation ?? 1) + 1;
  Object.assign(rs, server.write(TYPES.replicaSets, current));
  if (before !== replicas) {
    server.events.record({
      involved: d,
      type: "Normal",
      reason: "ScalingReplicaSet",
      message: `Scaled ${replicas > before ? "up" : "down"} replica set ${rs.metadata.name} from ${before} to ${replicas}`,
      component: "deployment-controller",
    });
  }
}
