/**
 * The default ClusterRoles and ClusterRoleBindings a real cluster starts with (the subset clients
 * rely on): cluster-admin for system:masters, discovery and self-reviews for every authenticated
 * user, TokenReview/SubjectAccessReview for auth delegators, and the user-facing view/edit/admin.
 */
export function bootstrapRbacObjects(): Record<string, unknown>[] {
  const role = (name: string, rules: Record<string, unknown>[]) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRole",
    metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
    rules,
  });
  const binding = (name: string, roleName: string, groups: string[]) => ({
    apiVersion: "rbac.authorization.k8s.io/v1",
    kind: "ClusterRoleBinding",
    metadata: { name, labels: { "kubernetes.io/bootstrapping": "rbac-defaults" } },
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: roleName },
    subjects: groups.map((g) => ({ apiGroup: "rbac.authorization.k8s.io", kind: "Group", name: g })),
  });
  const readVerbs = ["get", "list", "watch"];
  const writeVerbs = ["create", "delete", "deletecollection", "patch", "update"];
  const workloads = [
    {
      apiGroups: [""],
      resources: ["pods", "pods/log", "services", "configmaps", "events", "serviceaccounts"],
    },
    { apiGroups: ["apps"], resources: ["deployments", "replicasets", "statefulsets", "daemonsets"] },
    { apiGroups: ["apps"], resources: ["deployments/scale", "replicasets/scale", "statefulsets/scale"] },
    { apiGroups: ["batch"], resources: ["jobs", "cronjobs"] },
    { apiGroups: ["autoscaling"], resources: ["horizontalpodautoscalers"] },
    { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"] },
    { apiGroups: ["policy"], resources: ["poddisruptionbudgets"] },
    { apiGroups: ["networking.k8s.io"], resources: ["networkpolicies"] },
  ];
  return [
    role("cluster-admin", [
      { apiGroups: ["*"], resources: ["*"], verbs: ["*"] },
      { nonResourceURLs: ["*"], verbs: ["*"] },
    ]),
    role("system:discovery", [
      {
        nonResourceURLs: [
          "/api",
          "/api/*",
          "/apis",
          "/apis/*",
          "/healthz",
          "/livez",
          "/readyz",
          "/openapi",
          "/openapi/*",
          "/version",
          "/version/",
        ],
        verbs: ["get"],
      },
    ]),
    role("system:public-info-viewer", [
      { nonResourceURLs: ["/healthz", "/livez", "/readyz", "/version", "/version/"], verbs: ["get"] },
    ]),
    role("system:basic-user", [
      {
        apiGroups: ["authorization.k8s.io"],
        resources: ["selfsubjectaccessreviews", "selfsubjectrulesreviews"],
        verbs: ["create"],
      },
      { apiGroups: ["authentication.k8s.io"], resources: ["selfsubjectreviews"], verbs: ["create"] },
    ]),
    role("system:auth-delegator", [
      { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
      { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
    ]),
    role(
      "view",
      workloads.map((w) => ({ ...w, verbs: readVerbs })),
    ),
    role("edit", [
      ...workloads.map((w) => ({ ...w, verbs: [...readVerbs, ...writeVerbs] })),
      {
        apiGroups: [""],
        resources: ["secrets", "serviceaccounts/token"],
        verbs: [...readVerbs, ...writeVerbs],
      },
    ]),
    role("admin", [
      ...workloads.map((w) => ({ ...w, verbs: [...readVerbs, ...writeVerbs] })),
      {
        apiGroups: [""],
        resources: ["secrets", "serviceaccounts/token"],
        verbs: [...readVerbs, ...writeVerbs],
      },
      {
        apiGroups: ["rbac.authorization.k8s.io"],
        resources: ["roles", "rolebindings"],
        verbs: [...readVerbs, ...writeVerbs],
      },
    ]),
    binding("cluster-admin", "cluster-admin", ["system:masters"]),
    binding("system:discovery", "system:discovery", ["system:authenticated"]),
    binding("system:basic-user", "system:basic-user", ["system:authenticated"]),
    binding("system:public-info-viewer", "system:public-info-viewer", [
      "system:authenticated",
      "system:unauthenticated",
    ]),
  ];
}
