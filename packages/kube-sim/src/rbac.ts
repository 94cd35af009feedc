export interface UserInfo {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

export interface ResourceAttributes {
  readonly verb: string;
  readonly group: string;
  readonly resource: string;
  readonly subresource?: string;
  readonly namespace?: string;
  readonly name?: string;
  /** Set for non-resource requests (`/version`, `/apis`): matched against nonResourceURLs. */
  readonly path?: string;
}

interface PolicyRule {
  apiGroups?: string[];
  resources?: string[];
  verbs?: string[];
  resourceNames?: string[];
  nonResourceURLs?: string[];
}
interface RoleObject {
  metadata: { name: string; namespace?: string };
  rules?: PolicyRule[];
}
interface Subject {
  kind: string;
  name: string;
  namespace?: string;
}
interface BindingObject {
  metadata: { name: string; namespace?: string };
  roleRef: { kind: string; name: string };
  subjects?: Subject[];
}

/** What RBAC evaluation reads from the store. */
export interface RbacSource {
  clusterRoles(): Iterable<RoleObject>;
  clusterRoleBindings(): Iterable<BindingObject>;
  roles(namespace: string): Iterable<RoleObject>;
  roleBindings(namespace: string): Iterable<BindingObject>;
}

function subjectMatches(s: Subject, user: UserInfo): boolean {
  switch (s.kind) {
    case "User":
      return s.name === user.username;
    case "Group":
      return user.groups.includes(s.name);
    case "ServiceAccount":
      return user.username === `system:serviceaccount:${s.namespace ?? ""}:${s.name}`;
    default:
      return false;
  }
}

function ruleAllows(rule: PolicyRule, a: ResourceAttributes): boolean {
  if (a.path !== undefined) {
    if (!(rule.verbs ?? []).some((v) => v === "*" || v === a.verb)) return false;
    return (rule.nonResourceURLs ?? []).some(
      (u) => u === "*" || u === a.path || (u.endsWith("*") && (a.path as string).startsWith(u.slice(0, -1))),
    );
  }
  if (rule.nonResourceURLs && !rule.resources) return false;
  const has = (list: string[] | undefined, v: string): boolean =>
    (list ?? []).includes("*") || (list ?? []).includes(v);
  if (!has(rule.verbs, a.verb)) return false;
  if (!has(rule.apiGroups, a.group)) return false;
  const resource = a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
  const resources = rule.resources ?? [];
  const resourceOk =
    resources.includes("*") ||
    resources.includes(resource) ||
    (a.subresource !== undefined && resources.includes(`*/${a.subresource}`));
  if (!resourceOk) return false;
  if (rule.resourceNames && rule.resourceNames.length > 0)
    return a.name !== undefined && rule.resourceNames.includes(a.name);
  return true;
}

/**
 * RBAC as the real authorizer evaluates it: allow-only rules from ClusterRoleBindings anywhere and
 * from RoleBindings (to Roles or ClusterRoles) in the request's namespace. `system:masters` may do
 * everything.
 */
export function authorize(
  source: RbacSource,
  user: UserInfo,
  a: ResourceAttributes,
): { allowed: boolean; reason: string } {
  if (user.groups.includes("system:masters")) return { allowed: true, reason: "system:masters" };
  const clusterRoles = new Map([...source.clusterRoles()].map((r) => [r.metadata.name, r]));
  for (const b of source.clusterRoleBindings()) {
    if (b.roleRef.kind !== "ClusterRole" || !(b.subjects ?? []).some((s) => subjectMatches(s, user)))
      continue;
    const role = clusterRoles.get(b.roleRef.name);
    if (role?.rules?.some((rule) => ruleAllows(rule, a))) {
      return { allowed: true, reason: `RBAC: allowed by ClusterRoleBinding "${b.metadata.name}"` };
    }
  }
  if (a.namespace && a.path === undefined) {
    const roles = new Map([...source.roles(a.namespace)].map((r) => [r.metadata.name, r]));
    for (const b of source.roleBindings(a.namespace)) {
      if (!(b.subjects ?? []).some((s) => subjectMatches(s, user))) continue;
      const role = b.roleRef.kind === "Role" ? roles.get(b.roleRef.name) : clusterRoles.get(b.roleRef.name);
      if (role?.rules?.some((rule) => ruleAllows(rule, a))) {
        return { allowed: true, reason: `RBAC: allowed by RoleBinding "${b.metadata.name}/${a.namespace}"` };
      }
    }
  }
  return { allowed: false, reason: "" };
}
