import { type RemediationAction, type RemediationChange } from "./change.js";

/** One RBAC rule, as in a Role or ClusterRole. */
export interface PolicyRule {
  readonly apiGroups: readonly string[];
  readonly resources: readonly string[];
  readonly verbs: readonly string[];
}

/**
 * The least RBAC each action needs; the executor's per-action ServiceAccount is bound to exactly
 * this. Cluster-scoped actions (nodes) need a ClusterRole, the others a Role per namespace or a
 * ClusterRole bound per namespace.
 */
export const ACTION_RBAC: Readonly<
  Record<RemediationAction, { clusterScoped: boolean; rules: readonly PolicyRule[] }>
> = {
  "rollout-restart": {
    clusterScoped: false,
    rules: [
      {
        apiGroups: ["apps"],
        resources: ["deployments", "statefulsets", "daemonsets"],
        verbs: ["get", "patch"],
      },
    ],
  },
  scale: {
    clusterScoped: false,
    rules: [
      { apiGroups: ["apps"], resources: ["deployments", "statefulsets"], verbs: ["get"] },
      {
        apiGroups: ["apps"],
        resources: ["deployments/scale", "statefulsets/scale"],
        verbs: ["get", "patch", "update"],
      },
    ],
  },
  "set-resources": {
    clusterScoped: false,
    rules: [
      {
        apiGroups: ["apps"],
        resources: ["deployments", "statefulsets", "daemonsets"],
        verbs: ["get", "patch"],
      },
    ],
  },
  "rollout-undo": {
    clusterScoped: false,
    rules: [
      { apiGroups: ["apps"], resources: ["deployments"], verbs: ["get", "patch"] },
      { apiGroups: ["apps"], resources: ["replicasets"], verbs: ["get", "list"] },
    ],
  },
  "delete-pod": {
    clusterScoped: false,
    rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "delete"] }],
  },
  cordon: {
    clusterScoped: true,
    rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
  },
  uncordon: {
    clusterScoped: true,
    rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "patch"] }],
  },
};

/** The ServiceAccount name the executor requests a token for, per action kind. */
export function actionServiceAccountName(action: RemediationAction): string {
  return `causeway-action-${action}`;
}

/** A SelfSubjectAccessReview resource attribute. */
export interface AccessCheck {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name: string;
}

const RESOURCE_OF_KIND: Readonly<Record<string, { group: string; resource: string }>> = {
  Deployment: { group: "apps", resource: "deployments" },
  StatefulSet: { group: "apps", resource: "statefulsets" },
  DaemonSet: { group: "apps", resource: "daemonsets" },
  Pod: { group: "", resource: "pods" },
  Node: { group: "", resource: "nodes" },
};

/** The exact permission checks the executor makes (SelfSubjectAccessReview) before acting. */
export function requiredAccess(change: RemediationChange): AccessCheck[] {
  const kind = RESOURCE_OF_KIND[change.target.kind];
  if (!kind) throw new Error(`no resource for kind ${change.target.kind}`);
  const namespace = "namespace" in change.target ? change.target.namespace : undefined;
  const base = {
    group: kind.group,
    resource: kind.resource,
    name: change.target.name,
    ...(namespace ? { namespace } : {}),
  };
  switch (change.action) {
    case "scale":
      return [{ ...base, verb: "patch", subresource: "scale" }];
    case "delete-pod":
      return [{ ...base, verb: "delete" }];
    case "rollout-undo":
      return [
        { ...base, verb: "patch" },
        {
          verb: "list",
          group: "apps",
          resource: "replicasets",
          name: "",
          ...(namespace ? { namespace } : {}),
        },
      ];
    default:
      return [{ ...base, verb: "patch" }];
  }
}
