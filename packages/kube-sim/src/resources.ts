/** A resource type the simulator serves. */
export interface ResourceType {
  readonly group: string;
  readonly version: string;
  /** Plural, lower case: the URL segment. */
  readonly resource: string;
  readonly singular: string;
  readonly kind: string;
  readonly namespaced: boolean;
  readonly subresources: readonly string[];
  readonly shortNames: readonly string[];
  readonly categories: readonly string[];
  /** Field selectors the real API server accepts for this type besides metadata.name/namespace. */
  readonly fields: readonly string[];
  /** `group/resource`, unique per type. */
  readonly id: string;
}

interface Extra {
  readonly subresources?: readonly string[];
  readonly shortNames?: readonly string[];
  readonly categories?: readonly string[];
  readonly fields?: readonly string[];
}

const t = (
  group: string,
  version: string,
  resource: string,
  kind: string,
  namespaced: boolean,
  extra: Extra = {},
): ResourceType => ({
  group,
  version,
  resource,
  singular: kind.toLowerCase(),
  kind,
  namespaced,
  subresources: extra.subresources ?? [],
  shortNames: extra.shortNames ?? [],
  categories: extra.categories ?? [],
  fields: extra.fields ?? [],
  id: `${group}/${resource}`,
});

const ALL = ["all"];
const EVENT_FIELDS = [
  "involvedObject.kind",
  "involvedObject.namespace",
  "involvedObject.name",
  "involvedObject.uid",
  "involvedObject.apiVersion",
  "involvedObject.resourceVersion",
  "involvedObject.fieldPath",
  "reason",
  "reportingComponent",
  "source",
  "type",
];

/** Everything served, per the real API's groups, versions, scopes, short names and field labels. */
export const RESOURCE_TYPES: readonly ResourceType[] = [
  t("", "v1", "namespaces", "Namespace", false, {
    subresources: ["status", "finalize"],
    shortNames: ["ns"],
    fields: ["status.phase"],
  }),
  t("", "v1", "nodes", "Node", false, {
    subresources: ["status", "proxy"],
    shortNames: ["no"],
    fields: ["spec.unschedulable"],
  }),
  t("", "v1", "pods", "Pod", true, {
    subresources: ["status", "binding", "eviction", "log", "ephemeralcontainers", "resize"],
    shortNames: ["po"],
    categories: ALL,
    fields: [
      "spec.nodeName",
      "spec.restartPolicy",
      "spec.schedulerName",
      "spec.serviceAccountName",
      "spec.hostNetwork",
      "status.phase",
      "status.podIP",
      "status.nominatedNodeName",
    ],
  }),
  t("", "v1", "services", "Service", true, {
    subresources: ["status"],
    shortNames: ["svc"],
    categories: ALL,
  }),
  t("", "v1", "serviceaccounts", "ServiceAccount", true, { subresources: ["token"], shortNames: ["sa"] }),
  t("", "v1", "secrets", "Secret", true, { fields: ["type"] }),
  t("", "v1", "configmaps", "ConfigMap", true, { shortNames: ["cm"] }),
  t("", "v1", "events", "Event", true, { shortNames: ["ev"], fields: EVENT_FIELDS }),
  t("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, {
    subresources: ["status"],
    shortNames: ["pvc"],
  }),
  t("coordination.k8s.io", "v1", "leases", "Lease", true),
  t("policy", "v1", "poddisruptionbudgets", "PodDisruptionBudget", true, {
    subresources: ["status"],
    shortNames: ["pdb"],
  }),
  t("networking.k8s.io", "v1", "networkpolicies", "NetworkPolicy", true, { shortNames: ["netpol"] }),
  t("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, { shortNames: ["pc"] }),
  t("discovery.k8s.io", "v1", "endpointslices", "EndpointSlice", true),
  t("apps", "v1", "deployments", "Deployment", true, {
    subresources: ["status", "scale"],
    shortNames: ["deploy"],
    categories: ALL,
  }),
  t("apps", "v1", "replicasets", "ReplicaSet", true, {
    subresources: ["status", "scale"],
    shortNames: ["rs"],
    categories: ALL,
  }),
  t("apps", "v1", "statefulsets", "StatefulSet", true, {
    subresources: ["status", "scale"],
    shortNames: ["sts"],
    categories: ALL,
  }),
  t("apps", "v1", "daemonsets", "DaemonSet", true, {
    subresources: ["status"],
    shortNames: ["ds"],
    categories: ALL,
  }),
  t("apps", "v1", "controllerrevisions", "ControllerRevision", true),
  t("batch", "v1", "jobs", "Job", true, { subresources: ["status"], categories: ALL }),
  t("batch", "v1", "cronjobs", "CronJob", true, {
    subresources: ["status"],
    shortNames: ["cj"],
    categories: ALL,
  }),
  t("autoscaling", "v2", "horizontalpodautoscalers", "HorizontalPodAutoscaler", true, {
    subresources: ["status"],
    shortNames: ["hpa"],
    categories: ALL,
  }),
  t("rbac.authorization.k8s.io", "v1", "roles", "Role", true),
  t("rbac.authorization.k8s.io", "v1", "clusterroles", "ClusterRole", false),
  t("rbac.authorization.k8s.io", "v1", "rolebindings", "RoleBinding", true),
  t("rbac.authorization.k8s.io", "v1", "clusterrolebindings", "ClusterRoleBinding", false),
  // The remediation design's custom resource: approvers need the custom verb `approve` on it.
  t("causeway.dev", "v1alpha1", "remediations", "Remediation", true, { subresources: ["status"] }),
];

/**
 * Types whose objects are created only through another resource (POST .../token, POST
 * .../selfsubjectaccessreviews): served for discovery and create, never stored.
 */
export const VIRTUAL_TYPES: readonly ResourceType[] = [
  t("authentication.k8s.io", "v1", "tokenreviews", "TokenReview", false),
  t("authentication.k8s.io", "v1", "selfsubjectreviews", "SelfSubjectReview", false),
  t("authorization.k8s.io", "v1", "subjectaccessreviews", "SubjectAccessReview", false),
  t("authorization.k8s.io", "v1", "selfsubjectaccessreviews", "SelfSubjectAccessReview", false),
  t("authorization.k8s.io", "v1", "selfsubjectrulesreviews", "SelfSubjectRulesReview", false),
  t("authorization.k8s.io", "v1", "localsubjectaccessreviews", "LocalSubjectAccessReview", true),
];

const BY_PATH = new Map<string, ResourceType>();
for (const type of [...RESOURCE_TYPES, ...VIRTUAL_TYPES])
  BY_PATH.set(`${type.group}/${type.version}/${type.resource}`, type);

export function findResourceType(group: string, version: string, resource: string): ResourceType | undefined {
  return BY_PATH.get(`${group}/${version}/${resource}`);
}

/** The type of a stored resource by group and plural; throws for unknown ones (a programming error). */
export function resourceType(group: string, resource: string): ResourceType {
  const type = RESOURCE_TYPES.find((r) => r.group === group && r.resource === resource);
  if (!type) throw new Error(`unknown resource ${resource}.${group}`);
  return type;
}

/** The type named by an object's apiVersion and kind. */
export function typeOfKind(apiVersion: string, kind: string): ResourceType | undefined {
  const [group, version] = apiVersion.includes("/")
    ? (apiVersion.split("/") as [string, string])
    : ["", apiVersion];
  return RESOURCE_TYPES.find((r) => r.group === group && r.version === version && r.kind === kind);
}

export function apiVersionOf(type: ResourceType): string {
  return type.group === "" ? type.version : `${type.group}/${type.version}`;
}

/** Well-known types, looked up once. */
export const TYPES = {
  namespaces: resourceType("", "namespaces"),
  nodes: resourceType("", "nodes"),
  pods: resourceType("", "pods"),
  services: resourceType("", "services"),
  serviceAccounts: resourceType("", "serviceaccounts"),
  secrets: resourceType("", "secrets"),
  configMaps: resourceType("", "configmaps"),
  events: resourceType("", "events"),
  endpointSlices: resourceType("discovery.k8s.io", "endpointslices"),
  deployments: resourceType("apps", "deployments"),
  replicaSets: resourceType("apps", "replicasets"),
  statefulSets: resourceType("apps", "statefulsets"),
  daemonSets: resourceType("apps", "daemonsets"),
  jobs: resourceType("batch", "jobs"),
  cronJobs: resourceType("batch", "cronjobs"),
  hpas: resourceType("autoscaling", "horizontalpodautoscalers"),
  pdbs: resourceType("policy", "poddisruptionbudgets"),
  roles: resourceType("rbac.authorization.k8s.io", "roles"),
  clusterRoles: resourceType("rbac.authorization.k8s.io", "clusterroles"),
  roleBindings: resourceType("rbac.authorization.k8s.io", "rolebindings"),
  clusterRoleBindings: resourceType("rbac.authorization.k8s.io", "clusterrolebindings"),
} as const;
