import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { authorize, type RbacSource, type ResourceAttributes, type UserInfo } from "./rbac.js";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.js";
import { RESOURCE_TYPES, apiVersionOf, findResourceType, type ResourceType } from "./resources.js";
import { parseFieldSelector, parseLabelSelector } from "./selectors.js";
import { ApiStatusError, statusErrors } from "./status.js";
import { ObjectStore, newUid, type KubeObject } from "./store.js";
import { DEFAULT_AUDIENCE, TokenSigner, type BoundObjectRef } from "./tokens.js";

const NAME = /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const MIN_TOKEN_SECONDS = 600;

interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

type Json = Parameters<typeof mergePatch>[0];

/**
 * The simulated API server: routing, authentication, RBAC on every request, REST verbs with
 * optimistic concurrency, patches, dry runs, owner-reference garbage collection, tokens and
 * access reviews.
 */
export class KubeApiServer {
  readonly store = new ObjectStore();
  readonly signer = new TokenSigner("https://kube-sim.causeway.local");
  readonly #staticTokens = new Map<string, UserInfo>();
  readonly #clock: () => number;
  readonly http: Server;

  constructor(options: { clock?: () => number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.http = createServer((req, res) => void this.#handle(req, res));
    for (const ns of ["default", "kube-system", "kube-public"])
      this.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
  }

  /** Registers a static bearer token (like --token-auth-file). */
  addStaticToken(token: string, user: UserInfo): void {
    this.#staticTokens.set(token, user);
  }

  /** Stores an object directly, as a controller would, bypassing authorization. */
  seed(input: Record<string, unknown>): KubeObject {
    const type = this.#typeOfObject(input);
    const obj = this.#prepareNew(
      type,
      input,
      (input.metadata as { namespace?: string } | undefined)?.namespace,
    );
    return this.store.put(type, obj);
  }

  /** The user behind a bearer token, or undefined. */
  authenticate(token: string): UserInfo | undefined {
    const fixed = this.#staticTokens.get(token);
    if (fixed) return fixed;
    return this.#reviewServiceAccountToken(token, undefined)?.user;
  }

  #rbac(): RbacSource {
    const t = (resource: string) =>
      findResourceType("rbac.authorization.k8s.io", "v1", resource) as ResourceType;
    const store = this.store;
    return {
      clusterRoles: () => store.list(t("clusterroles")) as never,
      clusterRoleBindings: () => store.list(t("clusterrolebindings")) as never,
      roles: (ns) => store.list(t("roles"), ns) as never,
      roleBindings: (ns) => store.list(t("rolebindings"), ns) as never,
    };
  }

  authorize(user: UserInfo, attributes: ResourceAttributes): { allowed: boolean; reason: string } {
    return authorize(this.#rbac(), user, attributes);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    try {
      const url = new URL(req.url ?? "/", "http://kube-sim");
      const body = await readJson(req);
      const result = await this.#route(req, url, body);
      send(res, 200, result ?? {});
    } catch (error) {
      const e =
        error instanceof ApiStatusError
          ? error
          : new ApiStatusError(500, "InternalError", (error as Error).message);
      send(res, e.code, e.toStatus());
    }
  }

  async #route(req: IncomingMessage, url: URL, body: unknown): Promise<unknown> {
    const method = req.method ?? "GET";
    const path = url.pathname.replace(/\/+$/, "");
    if (path === "/healthz" || path === "/readyz" || path === "/livez") return "ok";
    if (path === "/version")
      return { major: "1", minor: "32", gitVersion: "v1.32.0-kube-sim", platform: "linux/amd64" };
    const user = this.#authenticateRequest(req);
    if (method === "POST" && path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      this.#require(user, { verb: "create", group: "authentication.k8s.io", resource: "tokenreviews" });
      return this.#tokenReview(body);
    }
    if (method === "POST" && path === "/apis/authorization.k8s.io/v1/subjectaccessreviews") {
      this.#require(user, {
        verb: "create",
        group: "authorization.k8s.io",
        resource: "subjectaccessreviews",
      });
      return this.#subjectAccessReview(body, undefined);
    }
    if (method === "POST" && path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
      return this.#subjectAccessReview(body, user);
    }
    const route = parseRoute(path);
    const dryRun = url.searchParams.get("dryRun") === "All";
    const verb = verbOf(method, route);
    this.#require(user, {
      verb,
      group: route.type.group,
      resource: route.type.resource,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(route.name ? { name: route.name } : {}),
    });
    if (route.subresource === "token") return this.#tokenRequest(route, body, dryRun);
    if (route.subresource === "scale") return this.#scale(method, route, body, req, dryRun);
    switch (verb) {
      case "get":
        return this.#get(route);
      case "list":
        return this.#list(route, url);
      case "create":
        return this.#create(route, body, dryRun);
      case "update":
        return this.#update(route, body, dryRun);
      case "patch":
        return this.#patch(route, body, contentType(req), dryRun);
      case "delete":
        return this.#delete(route, dryRun);
      default:
        throw statusErrors.methodNotAllowed(`${method} is not supported on ${path}`);
    }
  }

  #authenticateRequest(req: IncomingMessage): UserInfo {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const user = m ? this.authenticate(m[1] as string) : undefined;
    if (!user) throw statusErrors.unauthorized();
    const as = req.headers["impersonate-user"];
    if (typeof as === "string" && as !== "") {
      const groupsHeader = req.headers["impersonate-group"];
      const groups = Array.isArray(groupsHeader) ? groupsHeader : groupsHeader ? [groupsHeader] : [];
      this.#require(user, { verb: "impersonate", group: "", resource: "users", name: as });
      for (const g of groups)
        this.#require(user, { verb: "impersonate", group: "", resource: "groups", name: g });
      return { username: as, groups: [...groups, "system:authenticated"] };
    }
    return user;
  }

  #require(user: UserInfo, a: ResourceAttributes): void {
    if (!this.authorize(user, a).allowed) {
      throw statusErrors.forbidden(
        user.username,
        a.verb,
        a.subresource ? `${a.resource}/${a.subresource}` : a.resource,
        a.group,
        a.namespace,
      );
    }
  }

  #get(route: Route): KubeObject {
    const obj = this.store.get(route.type, route.namespace, route.name as string);
    if (!obj) throw statusErrors.notFound(route.type.resource, route.type.group, route.name as string);
    return obj;
  }

  #list(route: Route, url: URL): unknown {
    const labels = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
    const fields = parseFieldSelector(url.searchParams.get("fieldSelector") ?? "");
    const items = this.store
      .list(route.type, route.namespace)
      .filter((o) => labels(o.metadata.labels) && fields(o))
      .sort((a, b) =>
        `${a.metadata.namespace ?? ""}/${a.metadata.name}` <
        `${b.metadata.namespace ?? ""}/${b.metadata.name}`
          ? -1
          : 1,
      );
    return {
      apiVersion: apiVersionOf(route.type),
      kind: `${route.type.kind}List`,
      metadata: { resourceVersion: String(this.store.revision) },
      items,
    };
  }

  #create(route: Route, body: unknown, dryRun: boolean): KubeObject {
    if (route.name) throw statusErrors.methodNotAllowed("POST is not allowed on a named object");
    const obj = this.#prepareNew(route.type, body, route.namespace);
    if (this.store.get(route.type, obj.metadata.namespace, obj.metadata.name)) {
      throw statusErrors.alreadyExists(route.type.resource, route.type.group, obj.metadata.name);
    }
    return dryRun ? obj : this.store.put(route.type, obj);
  }

  #update(route: Route, body: unknown, dryRun: boolean): KubeObject {
    const current = this.#get(route);
    const next = asObject(body) as KubeObject;
    const meta = (next.metadata ?? {}) as KubeObject["metadata"];
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) {
      throw statusErrors.conflict(route.type.resource, route.type.group, current.metadata.name);
    }
    return this.#replace(route, current, next, dryRun);
  }

  #patch(route: Route, body: unknown, type: string, dryRun: boolean): KubeObject {
    const current = this.#get(route);
    let next: Json;
    if (type === "application/merge-patch+json") next = mergePatch(current as unknown as Json, body as Json);
    else if (type === "application/strategic-merge-patch+json")
      next = strategicMergePatch(current as unknown as Json, body as Json);
    else if (type === "application/json-patch+json") next = jsonPatch(current as unknown as Json, body);
    else throw statusErrors.unsupportedMediaType(type);
    const patched = next as unknown as KubeObject;
    const rv = (patched.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) {
      throw statusErrors.conflict(route.type.resource, route.type.group, current.metadata.name);
    }
    return this.#replace(route, current, patched, dryRun);
  }

  #replace(route: Route, current: KubeObject, next: KubeObject, dryRun: boolean): KubeObject {
    const meta = (next.metadata ?? {}) as Partial<KubeObject["metadata"]>;
    if (meta.name !== undefined && meta.name !== current.metadata.name) {
      throw statusErrors.invalid(route.type.kind, route.type.group, current.metadata.name, [
        { field: "metadata.name", message: "field is immutable" },
      ]);
    }
    const merged: KubeObject = {
      ...next,
      apiVersion: apiVersionOf(route.type),
      kind: route.type.kind,
      metadata: {
        ...meta,
        name: current.metadata.name,
        ...(current.metadata.namespace !== undefined ? { namespace: current.metadata.namespace } : {}),
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: current.metadata.resourceVersion,
        ...(current.metadata.generation !== undefined ? { generation: current.metadata.generation } : {}),
      },
    };
    if (
      JSON.stringify(merged.spec) !== JSON.stringify(current.spec) &&
      merged.metadata.generation !== undefined
    ) {
      merged.metadata.generation += 1;
    }
    return dryRun ? merged : this.store.put(route.type, merged);
  }

  #delete(route: Route, dryRun: boolean): unknown {
    const obj = this.#get(route);
    if (dryRun) return obj;
    this.#cascade(route.type, obj);
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: { name: obj.metadata.name, kind: route.type.resource, uid: obj.metadata.uid },
    };
  }

  /** Deletes an object and, like the garbage collector, everything it owns. */
  #cascade(type: ResourceType, obj: KubeObject): void {
    this.store.delete(type, obj.metadata.namespace, obj.metadata.name);
    for (const d of this.store.dependentsOf(obj.metadata.uid, RESOURCE_TYPES)) this.#cascade(d.type, d.obj);
  }

  #scale(method: string, route: Route, body: unknown, req: IncomingMessage, dryRun: boolean): unknown {
    const parentRoute = { ...route, subresource: undefined };
    const parent = this.#get(parentRoute);
    const spec = (parent.spec ?? {}) as {
      replicas?: number;
      selector?: { matchLabels?: Record<string, string> };
    };
    const scale = (o: KubeObject) => {
      const s = (o.spec ?? {}) as typeof spec;
      const st = (o.status ?? {}) as { replicas?: number };
      return {
        apiVersion: "autoscaling/v1",
        kind: "Scale",
        metadata: {
          name: o.metadata.name,
          namespace: o.metadata.namespace,
          uid: o.metadata.uid,
          resourceVersion: o.metadata.resourceVersion,
        },
        spec: { replicas: s.replicas ?? 1 },
        status: {
          replicas: st.replicas ?? 0,
          selector: Object.entries(s.selector?.matchLabels ?? {})
            .map(([k, v]) => `${k}=${v}`)
            .join(","),
        },
      };
    };
    if (method === "GET") return scale(parent);
    let replicas: unknown;
    if (method === "PUT") replicas = (asObject(body).spec as { replicas?: unknown } | undefined)?.replicas;
    else {
      const patched = (
        contentType(req) === "application/json-patch+json"
          ? jsonPatch(scale(parent) as never, body)
          : mergePatch(scale(parent) as never, body as Json)
      ) as { spec?: { replicas?: unknown } };
      replicas = patched.spec?.replicas;
    }
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw statusErrors.invalid("Scale", "autoscaling", parent.metadata.name, [
        { field: "spec.replicas", message: "must be a non-negative integer" },
      ]);
    }
    const updated = this.#replace(parentRoute, parent, { ...parent, spec: { ...spec, replicas } }, dryRun);
    return scale(updated);
  }

  #tokenRequest(route: Route, body: unknown, dryRun: boolean): unknown {
    const sa = this.#get({ ...route, subresource: undefined });
    const spec = (asObject(body).spec ?? {}) as {
      audiences?: string[];
      expirationSeconds?: number;
      boundObjectRef?: { kind?: string; name?: string; uid?: string; apiVersion?: string };
    };
    const seconds = spec.expirationSeconds ?? 3600;
    const causes: { field: string; message: string }[] = [];
    if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS) {
      causes.push({
        field: "spec.expirationSeconds",
        message: `may not specify a duration less than ${MIN_TOKEN_SECONDS} seconds`,
      });
    }
    let bound: BoundObjectRef | undefined;
    if (spec.boundObjectRef) {
      const kind = spec.boundObjectRef.kind;
      if (kind !== "Secret" && kind !== "Pod") {
        causes.push({ field: "spec.boundObjectRef.kind", message: `supported values: "Pod", "Secret"` });
      } else {
        const type = findResourceType("", "v1", kind === "Secret" ? "secrets" : "pods") as ResourceType;
        const target = this.store.get(type, route.namespace, spec.boundObjectRef.name ?? "");
        if (!target) throw statusErrors.notFound(type.resource, "", spec.boundObjectRef.name ?? "");
        if (spec.boundObjectRef.uid && spec.boundObjectRef.uid !== target.metadata.uid) {
          throw new ApiStatusError(
            409,
            "Conflict",
            `the UID in the bound object reference (${spec.boundObjectRef.uid}) does not match the UID in record`,
          );
        }
        bound = { kind, name: target.metadata.name, uid: target.metadata.uid };
      }
    }
    if (causes.length > 0)
      throw statusErrors.invalid("TokenRequest", "authentication.k8s.io", sa.metadata.name, causes);
    const nowS = Math.floor(this.#clock() / 1000);
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [DEFAULT_AUDIENCE];
    const token = dryRun
      ? ""
      : this.signer.sign({
          iss: this.signer.issuer,
          sub: `system:serviceaccount:${route.namespace ?? ""}:${sa.metadata.name}`,
          aud: audiences,
          iat: nowS,
          nbf: nowS,
          exp: nowS + seconds,
          "kubernetes.io": {
            namespace: route.namespace ?? "",
            serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid },
            ...(bound?.kind === "Secret" ? { secret: { name: bound.name, uid: bound.uid } } : {}),
            ...(bound?.kind === "Pod" ? { pod: { name: bound.name, uid: bound.uid } } : {}),
          },
        });
    return {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: sa.metadata.name, namespace: route.namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: { token, expirationTimestamp: new Date((nowS + seconds) * 1000).toISOString() },
    };
  }

  /**
   * Validates a ServiceAccount token: signature, expiry, audience, and that the ServiceAccount and
   * the bound object still exist with the same UIDs (deleting the bound Secret revokes the token).
   */
  #reviewServiceAccountToken(
    token: string,
    audiences: readonly string[] | undefined,
  ): { user: UserInfo; audiences: string[] } | undefined {
    const claims = this.signer.verify(token);
    if (!claims) return undefined;
    const nowS = this.#clock() / 1000;
    if (claims.exp <= nowS || claims.nbf > nowS + 1) return undefined;
    const wanted = audiences && audiences.length > 0 ? audiences : [DEFAULT_AUDIENCE];
    const matching = claims.aud.filter((a) => wanted.includes(a));
    if (matching.length === 0) return undefined;
    const info = claims["kubernetes.io"];
    const sa = this.store.get(
      findResourceType("", "v1", "serviceaccounts") as ResourceType,
      info.namespace,
      info.serviceaccount.name,
    );
    if (!sa || sa.metadata.uid !== info.serviceaccount.uid) return undefined;
    if (info.secret) {
      const s = this.store.get(
        findResourceType("", "v1", "secrets") as ResourceType,
        info.namespace,
        info.secret.name,
      );
      if (!s || s.metadata.uid !== info.secret.uid) return undefined;
    }
    if (info.pod) {
      const p = this.store.get(
        findResourceType("", "v1", "pods") as ResourceType,
        info.namespace,
        info.pod.name,
      );
      if (!p || p.metadata.uid !== info.pod.uid) return undefined;
    }
    return {
      user: {
        username: claims.sub,
        uid: info.serviceaccount.uid,
        groups: [
          "system:serviceaccounts",
          `system:serviceaccounts:${info.namespace}`,
          "system:authenticated",
        ],
      },
      audiences: matching,
    };
  }

  #tokenReview(body: unknown): unknown {
    const spec = (asObject(body).spec ?? {}) as { token?: string; audiences?: string[] };
    if (typeof spec.token !== "string" || spec.token === "") {
      throw statusErrors.invalid("TokenReview", "authentication.k8s.io", "", [
        { field: "spec.token", message: "Required value" },
      ]);
    }
    const fixed = this.#staticTokens.get(spec.token);
    const reviewed = fixed
      ? { user: fixed, audiences: spec.audiences ?? [DEFAULT_AUDIENCE] }
      : this.#reviewServiceAccountToken(spec.token, spec.audiences);
    return {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      metadata: { creationTimestamp: null },
      spec,
      status: reviewed
        ? { authenticated: true, user: reviewed.user, audiences: reviewed.audiences }
        : { authenticated: false, error: "invalid bearer token" },
    };
  }

  #subjectAccessReview(body: unknown, self: UserInfo | undefined): unknown {
    const spec = (asObject(body).spec ?? {}) as {
      user?: string;
      groups?: string[];
      resourceAttributes?: Partial<ResourceAttributes> & { resource?: string };
    };
    const user = self ?? { username: spec.user ?? "", groups: spec.groups ?? [] };
    const ra = spec.resourceAttributes;
    if (!ra?.verb || ra.resource === undefined) {
      throw statusErrors.invalid(
        self ? "SelfSubjectAccessReview" : "SubjectAccessReview",
        "authorization.k8s.io",
        "",
        [{ field: "spec.resourceAttributes", message: "verb and resource are required" }],
      );
    }
    const decision = this.authorize(user, {
      verb: ra.verb,
      group: ra.group ?? "",
      resource: ra.resource,
      ...(ra.subresource ? { subresource: ra.subresource } : {}),
      ...(ra.namespace ? { namespace: ra.namespace } : {}),
      ...(ra.name ? { name: ra.name } : {}),
    });
    return {
      apiVersion: "authorization.k8s.io/v1",
      kind: self ? "SelfSubjectAccessReview" : "SubjectAccessReview",
      metadata: { creationTimestamp: null },
      spec,
      status: { allowed: decision.allowed, ...(decision.reason ? { reason: decision.reason } : {}) },
    };
  }

  #typeOfObject(input: Record<string, unknown>): ResourceType {
    const apiVersion = String(input.apiVersion ?? "");
    const [group, version] = apiVersion.includes("/")
      ? (apiVersion.split("/") as [string, string])
      : ["", apiVersion];
    const type = RESOURCE_TYPES.find(
      (t) => t.group === group && t.version === version && t.kind === input.kind,
    );
    if (!type)
      throw statusErrors.badRequest(
        `no kind "${String(input.kind)}" is registered for version "${apiVersion}"`,
      );
    return type;
  }

  #prepareNew(type: ResourceType, body: unknown, namespace: string | undefined): KubeObject {
    const input = asObject(body);
    const meta = asObject(input.metadata ?? {}) as Partial<KubeObject["metadata"]> & {
      generateName?: string;
    };
    const name = meta.name ?? (meta.generateName ? `${meta.generateName}${newUid().slice(0, 5)}` : "");
    const causes: { field: string; message: string }[] = [];
    if (input.kind !== undefined && input.kind !== type.kind)
      causes.push({ field: "kind", message: `must be ${type.kind}` });
    if (name === "")
      causes.push({ field: "metadata.name", message: "Required value: name or generateName is required" });
    else if (!NAME.test(name) || name.length > 253) {
      causes.push({
        field: "metadata.name",
        message: `Invalid value: "${name}": a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.'`,
      });
    }
    const ns = type.namespaced ? (namespace ?? meta.namespace ?? "default") : undefined;
    if (
      type.namespaced &&
      meta.namespace !== undefined &&
      namespace !== undefined &&
      meta.namespace !== namespace
    ) {
      causes.push({ field: "metadata.namespace", message: "does not match the namespace of the request" });
    }
    if (causes.length > 0) throw statusErrors.invalid(type.kind, type.group, name, causes);
    if (
      ns !== undefined &&
      !this.store.get(findResourceType("", "v1", "namespaces") as ResourceType, undefined, ns)
    ) {
      throw statusErrors.notFound("namespaces", "", ns);
    }
    const hasSpec = input.spec !== undefined;
    return {
      ...input,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...meta,
        name,
        ...(ns !== undefined ? { namespace: ns } : {}),
        uid: newUid(),
        resourceVersion: "",
        creationTimestamp: new Date(this.#clock()).toISOString(),
        ...(hasSpec ? { generation: 1 } : {}),
      },
    } as KubeObject;
  }
}

function parseRoute(path: string): Route {
  const parts = path.split("/").filter((p) => p !== "");
  let group: string;
  let version: string;
  let rest: string[];
  if (parts[0] === "api" && parts.length >= 2) {
    group = "";
    version = parts[1] as string;
    rest = parts.slice(2);
  } else if (parts[0] === "apis" && parts.length >= 3) {
    group = parts[1] as string;
    version = parts[2] as string;
    rest = parts.slice(3);
  } else {
    throw new ApiStatusError(404, "NotFound", "the server could not find the requested resource");
  }
  let namespace: string | undefined;
  if (rest[0] === "namespaces" && rest.length >= 3) {
    namespace = rest[1];
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest;
  const type = resource ? findResourceType(group, version, resource) : undefined;
  if (!type) throw new ApiStatusError(404, "NotFound", "the server could not find the requested resource");
  if (subresource && !type.subresources.includes(subresource)) {
    throw new ApiStatusError(
      404,
      "NotFound",
      `the server could not find the requested resource (${resource}/${subresource})`,
    );
  }
  if (!type.namespaced && namespace !== undefined)
    throw new ApiStatusError(404, "NotFound", `${resource} is not namespaced`);
  return { type, namespace: type.namespaced ? namespace : undefined, name, subresource };
}

function verbOf(method: string, route: Route): string {
  switch (method) {
    case "GET":
      return route.name ? "get" : "list";
    case "POST":
      return "create";
    case "PUT":
      return "update";
    case "PATCH":
      return "patch";
    case "DELETE":
      return route.name ? "delete" : "deletecollection";
    default:
      throw statusErrors.methodNotAllowed(`method ${method} is not allowed`);
  }
}

function contentType(req: IncomingMessage): string {
  return (req.headers["content-type"] ?? "").split(";")[0]?.trim() ?? "";
}

function asObject(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw statusErrors.badRequest("the request body must be a JSON object");
  return v as Record<string, unknown>;
}

async function readJson(req: IncomingMessage): Promise<unknown> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > 3 * 1024 * 1024)
      throw new ApiStatusError(413, "RequestEntityTooLarge", "request entity too large");
    chunks.push(chunk as Buffer);
  }
  if (chunks.length === 0) return undefined;
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw statusErrors.badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json" });
  res.end(JSON.stringify(body));
}
