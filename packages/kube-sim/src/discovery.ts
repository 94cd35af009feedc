import { RESOURCE_TYPES, VIRTUAL_TYPES, type ResourceType } from "./resources.js";

const STORED_VERBS = ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

const AGGREGATED_V2 = "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";

interface Subresource {
  readonly name: string;
  readonly kind: { group: string; version: string; kind: string };
  readonly verbs: string[];
}

function subresourcesOf(type: ResourceType): Subresource[] {
  return type.subresources.map((name) => {
    const own = { group: type.group, version: type.version, kind: type.kind };
    switch (name) {
      case "status":
        return { name, kind: own, verbs: ["get", "patch", "update"] };
      case "scale":
        return {
          name,
          kind: { group: "autoscaling", version: "v1", kind: "Scale" },
          verbs: ["get", "patch", "update"],
        };
      case "token":
        return {
          name,
          kind: { group: "authentication.k8s.io", version: "v1", kind: "TokenRequest" },
          verbs: ["create"],
        };
      case "binding":
        return { name, kind: { group: "", version: "v1", kind: "Binding" }, verbs: ["create"] };
      case "eviction":
        return { name, kind: { group: "policy", version: "v1", kind: "Eviction" }, verbs: ["create"] };
      case "finalize":
        return { name, kind: own, verbs: ["update"] };
      default:
        return { name, kind: own, verbs: ["get"] };
    }
  });
}

function verbsOf(type: ResourceType): string[] {
  return VIRTUAL_TYPES.includes(type) ? ["create"] : STORED_VERBS;
}

const ALL_TYPES = [...RESOURCE_TYPES, ...VIRTUAL_TYPES];

function groups(): Map<string, Map<string, ResourceType[]>> {
  const out = new Map<string, Map<string, ResourceType[]>>();
  for (const t of ALL_TYPES) {
    let versions = out.get(t.group);
    if (!versions) out.set(t.group, (versions = new Map()));
    const list = versions.get(t.version) ?? [];
    list.push(t);
    versions.set(t.version, list);
  }
  return out;
}

const GROUPS = groups();

function resourceList(group: string, version: string): Record<string, unknown> | undefined {
  const types = GROUPS.get(group)?.get(version);
  if (!types) return undefined;
  const resources: Record<string, unknown>[] = [];
  for (const t of types) {
    resources.push({
      name: t.resource,
      singularName: t.singular,
      namespaced: t.namespaced,
      kind: t.kind,
      verbs: verbsOf(t),
      ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
      ...(t.categories.length > 0 ? { categories: t.categories } : {}),
    });
    for (const s of subresourcesOf(t)) {
      resources.push({
        name: `${t.resource}/${s.name}`,
        singularName: "",
        namespaced: t.namespaced,
        // Subresources of another group-version name it (kubectl drain finds pods/eviction so).
        ...(s.kind.group !== t.group || s.kind.version !== t.version
          ? { group: s.kind.group, version: s.kind.version }
          : {}),
        kind: s.kind.kind,
        verbs: s.verbs,
      });
    }
  }
  return {
    kind: "APIResourceList",
    apiVersion: "v1",
    groupVersion: group === "" ? version : `${group}/${version}`,
    resources,
  };
}

function groupInfo(name: string, versions: Map<string, ResourceType[]>): Record<string, unknown> {
  const list = [...versions.keys()].map((v) => ({ groupVersion: `${name}/${v}`, version: v }));
  return { name, versions: list, preferredVersion: list[0] };
}

function aggregated(core: boolean): Record<string, unknown> {
  const items: Record<string, unknown>[] = [];
  for (const [group, versions] of GROUPS) {
    if ((group === "") !== core) continue;
    items.push({
      metadata: { name: group, creationTimestamp: null },
      versions: [...versions].map(([version, types]) => ({
        version,
        resources: types.map((t) => ({
          resource: t.resource,
          responseKind: { group: t.group, version: t.version, kind: t.kind },
          scope: t.namespaced ? "Namespaced" : "Cluster",
          singularResource: t.singular,
          verbs: verbsOf(t),
          ...(t.shortNames.length > 0 ? { shortNames: t.shortNames } : {}),
          ...(t.categories.length > 0 ? { categories: t.categories } : {}),
          ...(t.subresources.length > 0
            ? {
                subresources: subresourcesOf(t).map((s) => ({
                  subresource: s.name,
                  responseKind: s.kind,
                  verbs: s.verbs,
                })),
              }
            : {}),
        })),
        freshness: "Current",
      })),
    });
  }
  return { kind: "APIGroupDiscoveryList", apiVersion: "apidiscovery.k8s.io/v2", metadata: {}, items };
}

/**
 * Discovery documents: `/api`, `/apis` (legacy, or aggregated apidiscovery.k8s.io/v2 when the
 * client asks for it, as kubectl does) and per group-version resource lists. Undefined for other
 * paths.
 */
export function discoveryResponse(
  path: string,
  accept: string,
): { contentType: string; body: unknown } | undefined {
  const wantsAggregated = accept.includes("as=APIGroupDiscoveryList") && accept.includes("v=v2");
  if (path === "/api") {
    if (wantsAggregated) return { contentType: AGGREGATED_V2, body: aggregated(true) };
    return {
      contentType: "application/json",
      body: {
        kind: "APIVersions",
        versions: ["v1"],
        serverAddressByClientCIDRs: [{ clientCIDR: "0.0.0.0/0", serverAddress: "127.0.0.1:6443" }],
      },
    };
  }
  if (path === "/apis") {
    if (wantsAggregated) return { contentType: AGGREGATED_V2, body: aggregated(false) };
    const list = [...GROUPS].filter(([g]) => g !== "").map(([g, v]) => groupInfo(g, v));
    return {
      contentType: "application/json",
      body: { kind: "APIGroupList", apiVersion: "v1", groups: list },
    };
  }
  const core = /^\/api\/([^/]+)$/.exec(path);
  if (core) {
    const body = resourceList("", core[1] as string);
    return body ? { contentType: "application/json", body } : undefined;
  }
  const group = /^\/apis\/([^/]+)$/.exec(path);
  if (group) {
    const versions = GROUPS.get(group[1] as string);
    if (!versions) return undefined;
    return {
      contentType: "application/json",
      body: { kind: "APIGroup", apiVersion: "v1", ...groupInfo(group[1] as string, versions) },
    };
  }
  const gv = /^\/apis\/([^/]+)\/([^/]+)$/.exec(path);
  if (gv) {
    const body = resourceList(gv[1] as string, gv[2] as string);
    return body ? { contentType: "application/json", body } : undefined;
  }
  return undefined;
}

/** Every group-version served, as `api/v1` and `apis/<group>/<version>` paths. */
export function servedGroupVersions(): {
  path: string;
  group: string;
  version: string;
  types: ResourceType[];
}[] {
  const out: { path: string; group: string; version: string; types: ResourceType[] }[] = [];
  for (const [group, versions] of GROUPS) {
    for (const [version, types] of versions) {
      out.push({ path: group === "" ? `api/${version}` : `apis/${group}/${version}`, group, version, types });
    }
  }
  return out;
}
