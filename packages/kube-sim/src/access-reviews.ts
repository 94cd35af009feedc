import { type RbacSource, type ResourceAttributes, type UserInfo } from "./rbac.js";
import { statusErrors } from "./status.js";
import { DEFAULT_AUDIENCE } from "./tokens.js";

type Authorize = (user: UserInfo, a: ResourceAttributes) => { allowed: boolean; reason: string };

function asObject(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw statusErrors.badRequest("the request body must be a JSON object");
  return v as Record<string, unknown>;
}

/** A TokenReview: static tokens first, then ServiceAccount tokens. */
export function tokenReview(
  body: unknown,
  staticUser: (token: string) => UserInfo | undefined,
  reviewServiceAccount: (
    token: string,
    audiences: readonly string[] | undefined,
  ) => { user: UserInfo; audiences: string[] } | undefined,
): unknown {
  const spec = (asObject(body).spec ?? {}) as { token?: string; audiences?: string[] };
  if (typeof spec.token !== "string" || spec.token === "") {
    throw statusErrors.invalid("TokenReview", "authentication.k8s.io", "", [
      { field: "spec.token", message: "Required value", reason: "FieldValueRequired" },
    ]);
  }
  const fixed = staticUser(spec.token);
  const reviewed = fixed
    ? {
        user: fixed,
        audiences: spec.audiences && spec.audiences.length > 0 ? spec.audiences : [DEFAULT_AUDIENCE],
      }
    : reviewServiceAccount(spec.token, spec.audiences);
  return {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenReview",
    metadata: { creationTimestamp: null },
    spec,
    status: reviewed
      ? { authenticated: true, user: reviewed.user, audiences: reviewed.audiences }
      : {
          authenticated: false,
          user: {},
          error: "[invalid bearer token, service account token has been invalidated]",
        },
  };
}

/**
 * SubjectAccessReview, LocalSubjectAccessReview (with `namespace`) and SelfSubjectAccessReview
 * (with `self`), decided by `authorize` on the stored RBAC objects.
 */
export function subjectAccessReview(
  authorize: Authorize,
  body: unknown,
  self: UserInfo | undefined,
  kind: string,
  namespace?: string,
): unknown {
  const spec = (asObject(body).spec ?? {}) as {
    user?: string;
    groups?: string[];
    uid?: string;
    resourceAttributes?: Partial<ResourceAttributes> & { resource?: string };
    nonResourceAttributes?: { path?: string; verb?: string };
  };
  const user = self ?? { username: spec.user ?? "", groups: spec.groups ?? [] };
  const ra = spec.resourceAttributes;
  const nra = spec.nonResourceAttributes;
  const causes: { field: string; message: string; reason?: string }[] = [];
  if (!self && !spec.user && (spec.groups ?? []).length === 0)
    causes.push({
      field: "spec.user",
      message: `Invalid value: "": at least one of user or group must be specified`,
    });
  if (!ra && !nra)
    causes.push({
      field: "spec.resourceAttributes",
      message: "Required value: exactly one of nonResourceAttributes or resourceAttributes must be specified",
      reason: "FieldValueRequired",
    });
  if (ra && nra)
    causes.push({
      field: "spec.resourceAttributes",
      message: "Invalid value: cannot be specified in combination with nonResourceAttributes",
    });
  if (namespace !== undefined && ra && ra.namespace !== namespace)
    causes.push({
      field: "spec.resourceAttributes.namespace",
      message: "Invalid value: must match metadata.namespace",
    });
  if (causes.length > 0) throw statusErrors.invalid(kind, "authorization.k8s.io", "", causes);
  const decision = nra
    ? authorize(user, { verb: nra.verb ?? "", group: "", resource: "", path: nra.path ?? "" })
    : authorize(user, {
        verb: ra?.verb ?? "",
        group: ra?.group ?? "",
        resource: ra?.resource ?? "",
        ...(ra?.subresource ? { subresource: ra.subresource } : {}),
        ...(ra?.namespace ? { namespace: ra.namespace } : {}),
        ...(ra?.name ? { name: ra.name } : {}),
      });
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind,
    metadata: { creationTimestamp: null, ...(namespace ? { namespace } : {}) },
    spec,
    status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
  };
}

/** SelfSubjectRulesReview: the rules that apply to `user` cluster-wide and in a namespace. */
export function selfSubjectRulesReview(rbac: RbacSource, body: unknown, user: UserInfo): unknown {
  const namespace = ((asObject(body).spec ?? {}) as { namespace?: string }).namespace ?? "";
  const rules: unknown[] = [];
  const nonResource: unknown[] = [];
  const subjectOk = (subjects: { kind: string; name: string; namespace?: string }[] | undefined) =>
    (subjects ?? []).some((s) =>
      s.kind === "User"
        ? s.name === user.username
        : s.kind === "Group"
          ? user.groups.includes(s.name)
          : user.username === `system:serviceaccount:${s.namespace ?? ""}:${s.name}`,
    );
  const clusterRoles = new Map([...rbac.clusterRoles()].map((r) => [r.metadata.name, r]));
  const add = (role: { rules?: Record<string, unknown>[] } | undefined) => {
    for (const r of role?.rules ?? []) {
      if (r.nonResourceURLs) nonResource.push({ verbs: r.verbs, nonResourceURLs: r.nonResourceURLs });
      else
        rules.push({
          verbs: r.verbs,
          apiGroups: r.apiGroups,
          resources: r.resources,
          ...(r.resourceNames ? { resourceNames: r.resourceNames } : {}),
        });
    }
  };
  if (user.groups.includes("system:masters")) add(clusterRoles.get("cluster-admin") as never);
  for (const b of rbac.clusterRoleBindings())
    if (subjectOk((b as { subjects?: never }).subjects)) add(clusterRoles.get(b.roleRef.name) as never);
  if (namespace) {
    const roles = new Map([...rbac.roles(namespace)].map((r) => [r.metadata.name, r]));
    for (const b of rbac.roleBindings(namespace))
      if (subjectOk((b as { subjects?: never }).subjects))
        add(
          (b.roleRef.kind === "Role" ? roles.get(b.roleRef.name) : clusterRoles.get(b.roleRef.name)) as never,
        );
  }
  return {
    apiVersion: "authorization.k8s.io/v1",
    kind: "SelfSubjectRulesReview",
    metadata: { creationTimestamp: null },
    spec: { namespace },
    status: { resourceRules: rules, nonResourceRules: nonResource, incomplete: false },
  };
}
