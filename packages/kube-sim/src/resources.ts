/** A resource type the simulator serves. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the URL segment. */
  readonly resource: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly subresources: readonly string[];
}

const t = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  subresources: readonly string[] = [],
): ResourceType => ({ group, version, resource, kind, namespaced, subresources });

/** Everything served, per the real API's groups, versions and scopes. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  t("", "v1", "namespaces", "Namespace", false, ["status"]),
  t("", "v1", "nodes", "Node", false, ["status"]),
  t("", "v1", "pods", "Pod", true, ["status", "binding"]),
  t("", "v1", "services", "Service", true, ["status"]),
  t("", "v1", "serviceaccounts", "ServiceAccount", true, ["token"]),
  t("", "v1", "secrets", "Secret", true),
  t("", "v1", "configmaps", "ConfigMap", true),
  t("", "v1", "events", "Event", true),
  t("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, ["status"]),
  t("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, ["status"]),
  t("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true),
  t("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false),
  t("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
  t("apps", "v1", "deployments", "Deployment", true, ["status", "scale"]),
  t("apps", "v1", "replicasets", "ReplicaSet", true, ["status", "scale"]),
  t("apps", "v1", "statefulsets", "StatefulSet", true, ["status", "scale"]),
  t("apps", "v1", "daemonsets", "DaemonSet", true, ["status"]),
  t("batch", "v1", "jobs", "Job", true, ["status"]),
  t("batch", "v1", "cronjobs", "CronJob", true, ["status"]),
  t("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, ["status"]),
  t("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  t("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  t("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  t("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  t("causeway.dev", "v1alpha1", "remediations", "Remediation", true),
];

export function findResourceType(group: string, version: string, resource: string): ResourceType | undefined {
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.resource === resource);
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}
