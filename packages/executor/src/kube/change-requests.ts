import { type RemediationChange } from "@causeway/remediation";
import { type KubeClient, type KubeRequest } from "./kube-client.js";

const PLURAL: Readonly<Record<string, string>> = {
  Deployment: "deployments",
  StatefulSet: "statefulsets",
  DaemonSet: "daemonsets",
  Pod: "pods",
  Node: "nodes",
};

/** The REST path of a change's target object. */
export function targetPath(change: RemediationChange): string {
  const t = change.target;
  const plural = PLURAL[t.kind];
  if (!plural) throw new Error(`unsupported kind ${t.kind}`);
  const prefix = t.apiVersion === "v1" ? "/api/v1" : `/apis/${t.apiVersion}`;
  return "namespace" in t
    ? `${prefix}/namespaces/${t.namespace}/${plural}/${t.name}`
    : `${prefix}/${plural}/${t.name}`;
}

interface PodTemplate {
  metadata?: { labels?: Record<string, string>; annotations?: Record<string, string> };
  spec?: { containers?: { name: string; resources?: Record<string, unknown> }[] };
}
interface KubeObject {
  metadata?: {
    name?: string;
    uid?: string;
    annotations?: Record<string, string>;
    ownerReferences?: { uid?: string; kind?: string }[];
  };
  spec?: {
    replicas?: number;
    unschedulable?: boolean;
    template?: PodTemplate;
    selector?: { matchLabels?: Record<string, string> };
  };
}

/**
 * The request that carries out a change, given the target as it is now (`before`). rollout-undo
 * reads the target's ReplicaSets to find the template to return to.
 */
export async function requestForChange(
  change: RemediationChange,
  before: KubeObject,
  kube: KubeClient,
  token: string,
): Promise<KubeRequest> {
  const path = targetPath(change);
  switch (change.action) {
    case "rollout-restart":
      return {
        method: "PATCH",
        path,
        patchType: "strategic",
        body: {
          spec: {
            template: {
              metadata: { annotations: { "kubectl.kubernetes.io/restartedAt": change.restartedAt } },
            },
          },
        },
      };
    case "scale":
      return {
        method: "PATCH",
        path: `${path}/scale`,
        patchType: "merge",
        body: { spec: { replicas: change.replicas } },
      };
    case "set-resources":
      return {
        method: "PATCH",
        path,
        patchType: "strategic",
        body: {
          spec: {
            template: { spec: { containers: [{ name: change.container, resources: change.resources }] } },
          },
        },
      };
    case "delete-pod":
      return { method: "DELETE", path };
    case "cordon":
    case "uncordon":
      return {
        method: "PATCH",
        path,
        patchType: "merge",
        body: { spec: { unschedulable: change.action === "cordon" } },
      };
    case "rollout-undo": {
      const template = await templateToRestore(change, before, kube, token);
      return { method: "PATCH", path, patchType: "merge", body: { spec: { template } } };
    }
  }
}

async function templateToRestore(
  change: Extract<RemediationChange, { action: "rollout-undo" }>,
  deployment: KubeObject,
  kube: KubeClient,
  token: string,
): Promise<PodTemplate> {
  const uid = deployment.metadata?.uid;
  const list = await kube.call<{ items: KubeObject[] }>(token, {
    method: "GET",
    path: `/apis/apps/v1/namespaces/${change.target.namespace}/replicasets`,
  });
  const owned = list.items
    .filter((rs) => rs.metadata?.ownerReferences?.some((o) => o.uid === uid))
    .map((rs) => ({
      rs,
      revision: Number(rs.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? "0"),
    }))
    .sort((a, b) => b.revision - a.revision);
  const current = Number(
    deployment.metadata?.annotations?.["deployment.kubernetes.io/revision"] ?? owned[0]?.revision ?? 0,
  );
  const target =
    change.toRevision !== undefined
      ? owned.find((o) => o.revision === change.toRevision)
      : owned.find((o) => o.revision < current);
  if (!target?.rs.spec?.template) {
    throw new Error(`no ReplicaSet of ${change.target.name} to roll back to (current revision ${current})`);
  }
  const template = structuredClone(target.rs.spec.template);
  // The controller adds pod-template-hash itself; a template carrying it would never match.
  delete template.metadata?.labels?.["pod-template-hash"];
  return template;
}

/**
 * The change that undoes `change`, from the target as it was before; undefined where undoing is
 * not meaningful (a restart, a deleted pod).
 */
export function rollbackOf(change: RemediationChange, before: KubeObject): KubeRequest | undefined {
  const path = targetPath(change);
  switch (change.action) {
    case "scale":
      return {
        method: "PATCH",
        path: `${path}/scale`,
        patchType: "merge",
        body: { spec: { replicas: before.spec?.replicas ?? 1 } },
      };
    case "set-resources": {
      const previous =
        before.spec?.template?.spec?.containers?.find((c) => c.name === change.container)?.resources ?? {};
      // A JSON merge patch of the container list would replace it; strategic merge keys by name, and
      // explicit nulls clear limits and requests that did not exist before.
      const resources = {
        limits: (previous.limits as Record<string, unknown> | undefined) ?? null,
        requests: (previous.requests as Record<string, unknown> | undefined) ?? null,
      };
      return {
        method: "PATCH",
        path,
        patchType: "strategic",
        body: { spec: { template: { spec: { containers: [{ name: change.container, resources }] } } } },
      };
    }
    case "cordon":
    case "uncordon":
      return {
        method: "PATCH",
        path,
        patchType: "merge",
        body: { spec: { unschedulable: before.spec?.unschedulable ?? false } },
      };
    case "rollout-undo":
      return before.spec?.template
        ? { method: "PATCH", path, patchType: "merge", body: { spec: { template: before.spec.template } } }
        : undefined;
    case "rollout-restart":
    case "delete-pod":
      return undefined;
  }
}
