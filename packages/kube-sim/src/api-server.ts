import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { createServer as createHttpsServer, type Server as HttpsServer } from "node:https";
import { silentLogger, type Logger } from "@causeway/runtime";
import { applyDefaults, ServiceAllocator, tracksGeneration, validateObject } from "./admission.js";
import { bootstrapRbacObjects } from "./bootstrap-rbac.js";
import { canonicalJson } from "./controllers/pod-template.js";
import { discoveryResponse } from "./discovery.js";
import { EventRecorder } from "./events.js";
import { selectPage, writeList, type ListQuery } from "./list-query.js";
import { openApiResponse } from "./openapi.js";
import { jsonPatch, mergePatch, strategicMergePatch } from "./patch.js";
import { decodeKubernetesProtobuf } from "./protobuf-decoder.js";
import { authorize, type RbacSource, type ResourceAttributes, type UserInfo } from "./rbac.js";
import {
  RESOURCE_TYPES,
  TYPES,
  apiVersionOf,
  findResourceType,
  typeOfKind,
  type ResourceType,
} from "./resources.js";
import { checkDisruptionBudgets } from "./disruption-budgets.js";
import {
  formatSelector,
  labelSelectorMatcher,
  parseFieldSelector,
  parseLabelSelector,
  type LabelSelectorSpec,
} from "./selectors.js";
import { ApiStatusError, statusErrors } from "./status.js";
import { ObjectStore, newUid, parseEntry, type KubeObject, type StoredEntry } from "./store.js";
import { toTable, wantsTable } from "./table.js";
import { selfSubjectRulesReview, subjectAccessReview, tokenReview } from "./access-reviews.js";
import { ServiceAccountTokens } from "./service-account-tokens.js";
import { WatchHub } from "./watch-hub.js";

const MAX_BODY_BYTES = 3 * 1024 * 1024;

/** Where a resource request points. */
interface Route {
  readonly type: ResourceType;
  readonly namespace: string | undefined;
  readonly name: string | undefined;
  readonly subresource: string | undefined;
}

type Json = Parameters<typeof mergePatch>[0];

/** Options of the simulated API server; every one has a default. */
export interface KubeApiServerOptions {
  readonly clock?: () => number;
  /** Watch events kept per resource type (older resourceVersions are 410 Gone). Default 10,000. */
  readonly watchHistorySize?: number;
  /** How often watches with allowWatchBookmarks get a BOOKMARK. Default 60 s, as the real server. */
  readonly bookmarkIntervalMs?: number;
  /** Watch length when the client sets no timeoutSeconds. Default 1,800 s. */
  readonly defaultWatchTimeoutSeconds?: number;
  /** A live watch with more unsent bytes than this is closed. Default 64 MiB. */
  readonly maxWatcherBufferBytes?: number;
  /** Request log (debug level: method, path, status, user, duration; never headers or bodies). */
  readonly log?: Logger;
  /** PEM key and certificate: serve HTTPS instead of HTTP. */
  readonly tls?: { readonly key: string; readonly cert: string };
}

/** Internal write options. */
interface WriteOptions {
  readonly dryRun?: boolean;
}

/**
 * The simulated API server: routing, authentication, RBAC on every request, discovery, REST verbs
 * with optimistic concurrency, lists with limit/continue, watches, patches, dry runs, owner-reference
 * garbage collection, graceful pod deletion, finalizers, tokens and access reviews.
 */
export class KubeApiServer {
  readonly store: ObjectStore;
  readonly tokens: ServiceAccountTokens;
  readonly events: EventRecorder;
  readonly services = new ServiceAllocator();
  readonly http: Server | HttpsServer;
  readonly clock: () => number;
  readonly #staticTokens = new Map<string, UserInfo>();
  readonly #watches: WatchHub;
  readonly #defaultWatchTimeoutSeconds: number;
  readonly #log: Logger;
  #rbacCache: { key: string; source: RbacSource } | undefined;
  /** Non-resource handlers added by extensions (the fault admin API), by path prefix. */
  readonly #extensions = new Map<
    string,
    (req: IncomingMessage, path: string, body: unknown, user: UserInfo) => unknown
  >();

  constructor(options: KubeApiServerOptions = {}) {
    this.clock = options.clock ?? Date.now;
    this.store = new ObjectStore(
      options.watchHistorySize !== undefined ? { watchHistorySize: options.watchHistorySize } : {},
    );
    this.events = new EventRecorder(this.store, this.clock);
    this.tokens = new ServiceAccountTokens(this.store, this.clock);
    this.#watches = new WatchHub(this.store, {
      bookmarkIntervalMs: options.bookmarkIntervalMs ?? 60_000,
      maxWatcherBufferBytes: options.maxWatcherBufferBytes ?? 64 * 1024 * 1024,
    });
    this.#defaultWatchTimeoutSeconds = options.defaultWatchTimeoutSeconds ?? 1800;
    this.#log = options.log ?? silentLogger();
    const handler = (req: IncomingMessage, res: ServerResponse) => void this.#handle(req, res);
    this.http = options.tls
      ? createHttpsServer({ key: options.tls.key, cert: options.tls.cert }, handler)
      : createServer(handler);
    for (const ns of ["default", "kube-system", "kube-public", "kube-node-lease"])
      this.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: ns } });
    for (const obj of bootstrapRbacObjects()) this.seed(obj);
  }

  /** Registers a static bearer token (like --token-auth-file). */
  addStaticToken(token: string, user: UserInfo): void {
    this.#staticTokens.set(token, user);
  }

  /** Adds a handler for requests under a non-API path prefix (e.g. `/kube-sim/`). */
  addExtension(
    prefix: string,
    handler: (req: IncomingMessage, path: string, body: unknown, user: UserInfo) => unknown,
  ): void {
    this.#extensions.set(prefix, handler);
  }

  /** Number of open watch streams. */
  get openWatches(): number {
    return this.#watches.size;
  }

  /** Stops background timers and ends open watches (the HTTP server is closed by its owner). */
  shutdown(): void {
    this.#watches.close();
  }

  /**
   * Stores an object directly, as a controller would, bypassing authorization: created with the
   * API server's defaults, or replaced (keeping its uid) when it exists.
   */
  seed(input: Record<string, unknown>): KubeObject {
    const type = this.#typeOfObject(input);
    const namespace = (input.metadata as { namespace?: string } | undefined)?.namespace;
    const name = (input.metadata as { name?: string } | undefined)?.name;
    const current = name
      ? this.store.get(type, type.namespaced ? (namespace ?? "default") : undefined, name)
      : undefined;
    if (current) {
      const next = structuredClone(input) as KubeObject;
      next.metadata = {
        ...next.metadata,
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: "",
      };
      return this.store.put(type, next);
    }
    return this.create(type, input, namespace);
  }

  /** Creates an object with defaults and validation, without authorization (controllers). */
  create(
    type: ResourceType,
    input: unknown,
    namespace: string | undefined,
    opts: WriteOptions = {},
  ): KubeObject {
    const obj = this.#prepareNew(type, input, namespace);
    if (this.store.entry(type, obj.metadata.namespace, obj.metadata.name)) {
      throw statusErrors.alreadyExists(type.resource, type.group, obj.metadata.name);
    }
    return opts.dryRun ? obj : this.store.put(type, obj);
  }

  /**
   * Writes a new version of an existing object without authorization (controllers, the kubelet):
   * unchanged objects are not rewritten, so no event and no new resourceVersion.
   */
  write(type: ResourceType, obj: KubeObject): KubeObject {
    const prev = this.store.entry(type, obj.metadata.namespace, obj.metadata.name);
    if (prev) {
      obj.metadata.resourceVersion = String(prev.rv);
      // Equal as Go would decode them (key order and null fields do not matter): no write.
      if (canonicalJson(obj) === canonicalJson(parseEntry(prev))) return obj;
    }
    const stored = this.store.put(type, obj);
    this.#finishDeletionIfDone(type, stored);
    return stored;
  }

  /** Deletes as the API does (graceful pods, finalizers, owner garbage collection), without authorization. */
  remove(
    type: ResourceType,
    namespace: string | undefined,
    name: string,
    options: { gracePeriodSeconds?: number; propagationPolicy?: string } = {},
  ): KubeObject | undefined {
    const obj = this.store.get(type, namespace, name);
    if (!obj) return undefined;
    return this.#deleteObject(type, obj, options, false).obj;
  }

  /** The user behind a bearer token, or undefined. */
  authenticate(token: string): UserInfo | undefined {
    const fixed = this.#staticTokens.get(token);
    if (fixed) return fixed;
    return this.tokens.review(token, undefined)?.user;
  }

  #rbac(): RbacSource {
    const s = this.store;
    const key = [TYPES.roles, TYPES.clusterRoles, TYPES.roleBindings, TYPES.clusterRoleBindings]
      .map((t) => s.generation(t))
      .join(",");
    if (this.#rbacCache?.key === key) return this.#rbacCache.source;
    const byNs = <T>(list: KubeObject[]) => {
      const m = new Map<string, T[]>();
      for (const o of list) {
        const ns = o.metadata.namespace ?? "";
        const arr = m.get(ns) ?? [];
        arr.push(o as T);
        m.set(ns, arr);
      }
      return m;
    };
    const clusterRoles = s.list(TYPES.clusterRoles);
    // Aggregated ClusterRoles hold the rules of the roles their selectors match, as the
    // clusterrole-aggregation controller fills them in.
    for (const role of clusterRoles) {
      const selectors = (role.aggregationRule as { clusterRoleSelectors?: LabelSelectorSpec[] } | undefined)
        ?.clusterRoleSelectors;
      if (!selectors) continue;
      const matchers = selectors.map((sel) => labelSelectorMatcher(sel));
      role.rules = clusterRoles
        .filter((r) => r !== role && matchers.some((m) => m(r.metadata.labels)))
        .flatMap((r) => (r.rules as unknown[] | undefined) ?? []);
    }
    const clusterRoleBindings = s.list(TYPES.clusterRoleBindings);
    const roles = byNs<never>(s.list(TYPES.roles));
    const roleBindings = byNs<never>(s.list(TYPES.roleBindings));
    const source: RbacSource = {
      clusterRoles: () => clusterRoles as never,
      clusterRoleBindings: () => clusterRoleBindings as never,
      roles: (ns) => roles.get(ns) ?? [],
      roleBindings: (ns) => roleBindings.get(ns) ?? [],
    };
    this.#rbacCache = { key, source };
    return source;
  }

  authorize(user: UserInfo, attributes: ResourceAttributes): { allowed: boolean; reason: string } {
    return authorize(this.#rbac(), user, attributes);
  }

  async #handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (this.#log.isLevelEnabled("debug")) {
      const started = performance.now();
      res.once("close", () =>
        this.#log.debug(
          {
            method: req.method,
            path: (req.url ?? "").split("?")[0],
            status: res.statusCode,
            ms: Math.round(performance.now() - started),
          },
          "request",
        ),
      );
    }
    try {
      const url = new URL(req.url ?? "/", "http://kube-sim");
      const body = await readJson(req);
      const result = await this.#route(req, res, url, body);
      if (result === STREAMED) return;
      if (result instanceof Response) {
        res.writeHead(result.status, { "content-type": result.contentType });
        res.end(result.body);
        return;
      }
      // Every POST is a create (objects, reviews, tokens, bindings, evictions): 201 Created.
      send(res, req.method === "POST" ? 201 : 200, result ?? {});
    } catch (error) {
      const e =
        error instanceof ApiStatusError
          ? error
          : new ApiStatusError(500, "InternalError", (error as Error).message);
      if (res.headersSent) {
        res.end();
        return;
      }
      send(res, e.code, e.toStatus());
    }
  }

  async #route(req: IncomingMessage, res: ServerResponse, url: URL, body: unknown): Promise<unknown> {
    const method = req.method ?? "GET";
    let path = url.pathname.replace(/\/+$/, "") || "/";
    if (path === "/healthz" || path === "/readyz" || path === "/livez")
      return new Response(200, "text/plain", "ok");
    if (path === "/version")
      return {
        major: "1",
        minor: "33",
        gitVersion: "v1.33.0-kube-sim",
        gitCommit: "kube-sim",
        gitTreeState: "clean",
        buildDate: "2026-01-01T00:00:00Z",
        goVersion: "go1.24.0",
        compiler: "gc",
        platform: "linux/amd64",
      };
    const user = this.#authenticateRequest(req);
    for (const [prefix, handler] of this.#extensions) {
      if (path.startsWith(prefix))
        return new Response(200, "application/json", JSON.stringify(handler(req, path, body, user)));
    }
    if (path.startsWith("/openapi")) {
      this.#requirePath(user, "get", path);
      return openApiResponse(path);
    }
    const discovery = discoveryResponse(path, req.headers.accept ?? "");
    if (discovery) {
      this.#requirePath(user, "get", path);
      return discovery.contentType === "application/json"
        ? discovery.body
        : new Response(200, discovery.contentType, JSON.stringify(discovery.body));
    }
    if (method === "POST" && path === "/apis/authentication.k8s.io/v1/tokenreviews") {
      this.#require(user, { verb: "create", group: "authentication.k8s.io", resource: "tokenreviews" });
      return tokenReview(
        body,
        (t) => this.#staticTokens.get(t),
        (t, aud) => this.tokens.review(t, aud),
      );
    }
    if (method === "POST" && path === "/apis/authentication.k8s.io/v1/selfsubjectreviews") {
      this.#require(user, { verb: "create", group: "authentication.k8s.io", resource: "selfsubjectreviews" });
      return {
        apiVersion: "authentication.k8s.io/v1",
        kind: "SelfSubjectReview",
        metadata: { creationTimestamp: null },
        status: { userInfo: user },
      };
    }
    if (method === "POST" && path === "/apis/authorization.k8s.io/v1/subjectaccessreviews") {
      this.#require(user, {
        verb: "create",
        group: "authorization.k8s.io",
        resource: "subjectaccessreviews",
      });
      return subjectAccessReview((u, a) => this.authorize(u, a), body, undefined, "SubjectAccessReview");
    }
    const local = /^\/apis\/authorization\.k8s\.io\/v1\/namespaces\/([^/]+)\/localsubjectaccessreviews$/.exec(
      path,
    );
    if (method === "POST" && local) {
      const namespace = local[1] as string;
      this.#require(user, {
        verb: "create",
        group: "authorization.k8s.io",
        resource: "localsubjectaccessreviews",
        namespace,
      });
      return subjectAccessReview(
        (u, a) => this.authorize(u, a),
        body,
        undefined,
        "LocalSubjectAccessReview",
        namespace,
      );
    }
    if (method === "POST" && path === "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews") {
      this.#require(user, {
        verb: "create",
        group: "authorization.k8s.io",
        resource: "selfsubjectaccessreviews",
      });
      return subjectAccessReview((u, a) => this.authorize(u, a), body, user, "SelfSubjectAccessReview");
    }
    if (method === "POST" && path === "/apis/authorization.k8s.io/v1/selfsubjectrulesreviews") {
      this.#require(user, {
        verb: "create",
        group: "authorization.k8s.io",
        resource: "selfsubjectrulesreviews",
      });
      return selfSubjectRulesReview(this.#rbac(), body, user);
    }
    let watch = url.searchParams.get("watch") === "true" || url.searchParams.get("watch") === "1";
    const legacyWatch = /^\/(api\/v1|apis\/[^/]+\/[^/]+)\/watch\//.exec(path);
    if (legacyWatch) {
      path = path.replace("/watch/", "/");
      watch = true;
    }
    const route = parseRoute(path);
    const dryRun =
      url.searchParams.getAll("dryRun").includes("All") ||
      deleteOptions(body).dryRun?.includes("All") === true;
    const verb = watch && method === "GET" && !route.name ? "watch" : verbOf(method, route);
    this.#require(user, {
      verb,
      group: route.type.group,
      resource: route.type.resource,
      ...(route.subresource ? { subresource: route.subresource } : {}),
      ...(route.namespace ? { namespace: route.namespace } : {}),
      ...(route.name ? { name: route.name } : {}),
    });
    if (isVirtual(route.type)) throw statusErrors.methodNotAllowed(`${method} is not supported on ${path}`);
    if (route.subresource === "token")
      return this.requestToken(route.namespace ?? "", route.name ?? "", body, dryRun);
    if (route.subresource === "scale") return this.#scale(method, route, body, req, dryRun);
    if (route.subresource === "binding") return this.#bind(route, body, dryRun);
    if (route.subresource === "eviction") return this.#evict(route, body, dryRun);
    if (route.subresource === "status" && method === "GET") return this.#get(route);
    if (route.subresource && route.subresource !== "status")
      throw new ApiStatusError(
        404,
        "NotFound",
        `the server could not find the requested resource (${route.type.resource}/${route.subresource})`,
      );
    switch (verb) {
      case "get": {
        const obj = this.#get(route);
        return wantsTable(req.headers.accept)
          ? toTable(route.type, [obj], undefined, this.clock(), url)
          : obj;
      }
      case "list":
        return this.#list(req, res, route, url);
      case "watch":
        await this.#watches.serve(
          {
            type: route.type,
            namespace: route.namespace,
            labels: parseLabelSelector(url.searchParams.get("labelSelector") ?? ""),
            fields: parseFieldSelector(route.type, url.searchParams.get("fieldSelector") ?? ""),
            resourceVersion: url.searchParams.get("resourceVersion") ?? undefined,
            allowBookmarks: url.searchParams.get("allowWatchBookmarks") === "true",
            sendInitialEvents: url.searchParams.get("sendInitialEvents") === "true",
            timeoutSeconds:
              Number(url.searchParams.get("timeoutSeconds") ?? "") || this.#defaultWatchTimeoutSeconds,
            ...(wantsTable(req.headers.accept)
              ? {
                  encode: (raw: Buffer, first: boolean) => {
                    const table = toTable(
                      route.type,
                      [parseEntry({ raw } as StoredEntry)],
                      undefined,
                      this.clock(),
                      url,
                    );
                    // As the real server: column definitions only with the first event.
                    if (!first) table.columnDefinitions = [];
                    return Buffer.from(JSON.stringify(table));
                  },
                }
              : {}),
          },
          res,
        );
        return STREAMED;
      case "create":
        return this.create(route.type, body, route.namespace, { dryRun });
      case "update":
        return this.#update(route, body, dryRun);
      case "patch":
        if (contentType(req) === APPLY_PATCH) return this.#apply(route, body, url, dryRun);
        return this.#patch(route, body, contentType(req), dryRun);
      case "delete":
        return this.#delete(route, body, url, dryRun);
      case "deletecollection":
        return this.#deleteCollection(route, url, body, dryRun);
      default:
        throw statusErrors.methodNotAllowed(`${method} is not supported on ${path}`);
    }
  }

  #authenticateRequest(req: IncomingMessage): UserInfo {
    const m = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? "");
    const user = m ? this.authenticate(m[1] as string) : undefined;
    if (!user) throw statusErrors.unauthorized();
    const as = req.headers["impersonate-user"];
    const groupsHeader = req.headers["impersonate-group"];
    const groups = (Array.isArray(groupsHeader) ? groupsHeader : groupsHeader ? [groupsHeader] : []).flatMap(
      (g) => g.split(",").map((x) => x.trim()),
    );
    if (typeof as === "string" && as !== "") {
      const sa = /^system:serviceaccount:([^:]+):([^:]+)$/.exec(as);
      if (sa) {
        this.#requireImpersonate(user, {
          verb: "impersonate",
          group: "",
          resource: "serviceaccounts",
          namespace: sa[1] as string,
          name: sa[2] as string,
        });
      } else {
        this.#requireImpersonate(user, { verb: "impersonate", group: "", resource: "users", name: as });
      }
      for (const g of groups)
        this.#requireImpersonate(user, { verb: "impersonate", group: "", resource: "groups", name: g });
      const uid = req.headers["impersonate-uid"];
      if (typeof uid === "string")
        this.#requireImpersonate(user, {
          verb: "impersonate",
          group: "authentication.k8s.io",
          resource: "uids",
          name: uid,
        });
      const implied = sa ? ["system:serviceaccounts", `system:serviceaccounts:${sa[1] as string}`] : [];
      return {
        username: as,
        ...(typeof uid === "string" ? { uid } : {}),
        groups: [
          ...new Set([...groups, ...implied, ...(as === "system:anonymous" ? [] : ["system:authenticated"])]),
        ],
      };
    }
    if (groups.length > 0)
      throw statusErrors.badRequest("requested impersonation of groups without impersonating a user");
    return user;
  }

  #requireImpersonate(user: UserInfo, a: ResourceAttributes): void {
    if (!this.authorize(user, a).allowed) {
      throw new ApiStatusError(
        403,
        "Forbidden",
        `${a.resource} "${a.name ?? ""}" is forbidden: User "${user.username}" cannot impersonate resource "${a.resource}" in API group "${a.group}"${a.namespace ? ` in the namespace "${a.namespace}"` : " at the cluster scope"}`,
        { name: a.name, group: a.group, kind: a.resource },
      );
    }
  }

  #require(user: UserInfo, a: ResourceAttributes): void {
    if (!this.authorize(user, a).allowed) {
      throw statusErrors.forbidden(
        user.username,
        a.verb,
        a.subresource ? `${a.resource}/${a.subresource}` : a.resource,
        a.group,
        a.namespace,
        a.name,
      );
    }
  }

  #requirePath(user: UserInfo, verb: string, path: string): void {
    if (!this.authorize(user, { verb, group: "", resource: "", path }).allowed)
      throw statusErrors.forbiddenPath(user.username, verb, path);
  }

  #get(route: Route): KubeObject {
    const obj = this.store.get(route.type, route.namespace, route.name as string);
    if (!obj) throw statusErrors.notFound(route.type.resource, route.type.group, route.name as string);
    return obj;
  }

  async #list(req: IncomingMessage, res: ServerResponse, route: Route, url: URL): Promise<unknown> {
    const labelSelector = url.searchParams.get("labelSelector") ?? "";
    const fieldSelector = url.searchParams.get("fieldSelector") ?? "";
    const limit = url.searchParams.get("limit");
    const query: ListQuery = {
      type: route.type,
      namespace: route.namespace,
      labels: parseLabelSelector(labelSelector),
      hasLabelSelector: labelSelector.trim() !== "",
      fields: parseFieldSelector(route.type, fieldSelector),
      hasFieldSelector: fieldSelector.trim() !== "",
      limit: limit !== null && /^\d+$/.test(limit) ? Number(limit) : undefined,
      continueToken: url.searchParams.get("continue") || undefined,
      resourceVersion: url.searchParams.get("resourceVersion") ?? undefined,
      resourceVersionMatch: url.searchParams.get("resourceVersionMatch") ?? undefined,
    };
    const page = selectPage(this.store, query);
    if (wantsTable(req.headers.accept)) {
      return toTable(
        route.type,
        page.entries.map((e) => parseEntry(e)),
        {
          resourceVersion: String(page.resourceVersion),
          ...(page.continueToken ? { continue: page.continueToken } : {}),
        },
        this.clock(),
        url,
      );
    }
    await writeList(res, route.type, page);
    return STREAMED;
  }

  #update(route: Route, body: unknown, dryRun: boolean): KubeObject {
    const current = this.#get({ ...route, subresource: undefined });
    const next = structuredClone(asObject(body)) as KubeObject;
    const meta = (next.metadata ?? {}) as KubeObject["metadata"];
    if (meta.name !== undefined && meta.name !== route.name) {
      throw statusErrors.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${route.name ?? ""})`,
      );
    }
    if (meta.resourceVersion && meta.resourceVersion !== current.metadata.resourceVersion) {
      throw statusErrors.conflict(route.type.resource, route.type.group, current.metadata.name);
    }
    return this.#replace(route, current, next, dryRun);
  }

  /**
   * Server-side apply, simplified: creates the object when absent, else merges the applied
   * configuration over it (strategic merge for built-in kinds). Field ownership, conflicts and
   * removal of fields a manager stopped applying are not tracked.
   */
  #apply(route: Route, body: unknown, url: URL, dryRun: boolean): KubeObject {
    if (!url.searchParams.get("fieldManager")) {
      throw statusErrors.invalid("PatchOptions", "meta.k8s.io", "", [
        {
          field: "fieldManager",
          message: "Required value: is required for apply patch",
          reason: "FieldValueRequired",
        },
      ]);
    }
    const applied = asObject(body);
    const meta = (applied.metadata ?? {}) as { name?: string; namespace?: string };
    if (meta.name !== undefined && meta.name !== route.name)
      throw statusErrors.badRequest(
        `the name of the object (${meta.name}) does not match the name on the URL (${route.name ?? ""})`,
      );
    const current = this.store.get(route.type, route.namespace, route.name as string);
    if (!current) {
      return this.create(
        route.type,
        { ...applied, metadata: { ...meta, name: route.name } },
        route.namespace,
        { dryRun },
      );
    }
    const merged =
      route.type.group === "causeway.dev"
        ? mergePatch(current as unknown as Json, applied as Json)
        : strategicMergePatch(current as unknown as Json, applied as Json);
    return this.#replace(route, current, merged as unknown as KubeObject, dryRun);
  }

  #patch(route: Route, body: unknown, type: string, dryRun: boolean): KubeObject {
    const current = this.#get({ ...route, subresource: undefined });
    let next: Json;
    if (type === "application/merge-patch+json") next = mergePatch(current as unknown as Json, body as Json);
    else if (type === "application/strategic-merge-patch+json") {
      if (route.type.group === "causeway.dev")
        throw new ApiStatusError(
          415,
          "UnsupportedMediaType",
          "strategic merge patch is not supported for custom resources",
        );
      next = strategicMergePatch(current as unknown as Json, body as Json);
    } else if (type === "application/json-patch+json") next = jsonPatch(current as unknown as Json, body);
    else throw statusErrors.unsupportedMediaType(type);
    const patched = next as unknown as KubeObject;
    const rv = (patched.metadata as { resourceVersion?: string } | undefined)?.resourceVersion;
    if (rv && rv !== current.metadata.resourceVersion) {
      throw statusErrors.conflict(route.type.resource, route.type.group, current.metadata.name);
    }
    return this.#replace(route, current, patched, dryRun);
  }

  /** Applies an update (PUT or patched object) with the rules of the main resource or /status. */
  #replace(route: Route, current: KubeObject, next: KubeObject, dryRun: boolean): KubeObject {
    const type = route.type;
    if (!next || typeof next !== "object" || Array.isArray(next))
      throw statusErrors.badRequest("the request body must be a JSON object");
    const meta = (next.metadata ?? {}) as Partial<KubeObject["metadata"]>;
    if (meta.name !== undefined && meta.name !== current.metadata.name) {
      throw statusErrors.invalid(type.kind, type.group, current.metadata.name, [
        { field: "metadata.name", message: "field is immutable" },
      ]);
    }
    if (meta.uid !== undefined && meta.uid !== current.metadata.uid) {
      throw statusErrors.conflict(type.resource, type.group, current.metadata.name);
    }
    let merged: KubeObject = {
      ...next,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...meta,
        name: current.metadata.name,
        ...(current.metadata.namespace !== undefined ? { namespace: current.metadata.namespace } : {}),
        uid: current.metadata.uid,
        creationTimestamp: current.metadata.creationTimestamp,
        resourceVersion: current.metadata.resourceVersion,
        ...(current.metadata.generation !== undefined ? { generation: current.metadata.generation } : {}),
        ...(current.metadata.deletionTimestamp !== undefined
          ? {
              deletionTimestamp: current.metadata.deletionTimestamp,
              deletionGracePeriodSeconds: current.metadata.deletionGracePeriodSeconds,
            }
          : {}),
      },
    };
    if (type.subresources.includes("status")) {
      if (route.subresource === "status") {
        // /status changes only status (and, as the real strategies allow, nothing of spec).
        merged = { ...current, status: merged.status };
        if (merged.status === undefined) delete merged.status;
      } else if (current.status !== undefined) merged.status = current.status;
      else delete merged.status;
    }
    if (current.metadata.deletionTimestamp !== undefined && route.subresource !== "status") {
      const added = (merged.metadata.finalizers ?? []).filter(
        (f) => !(current.metadata.finalizers ?? []).includes(f),
      );
      if (added.length > 0)
        throw statusErrors.invalid(type.kind, type.group, current.metadata.name, [
          {
            field: "metadata.finalizers",
            message: `Forbidden: no new finalizers can be added if the object is being deleted, found new finalizers ${JSON.stringify(added)}`,
            reason: "FieldValueForbidden",
          },
        ]);
    }
    applyDefaults(type, merged, this.services, false);
    const causes = validateObject(type, merged, current);
    if (causes.length > 0) throw statusErrors.invalid(type.kind, type.group, current.metadata.name, causes);
    if (tracksGeneration(type) && JSON.stringify(merged.spec) !== JSON.stringify(current.spec)) {
      merged.metadata.generation = (current.metadata.generation ?? 1) + 1;
    }
    if (dryRun) return merged;
    return this.write(type, merged);
  }

  /** Completes a pending deletion once the last finalizer is gone. */
  #finishDeletionIfDone(type: ResourceType, obj: KubeObject): void {
    if (obj.metadata.deletionTimestamp === undefined || (obj.metadata.finalizers ?? []).length > 0) return;
    if (type === TYPES.pods && obj.metadata.deletionGracePeriodSeconds !== 0) return;
    this.#cascade(type, obj, "Background");
  }

  #delete(route: Route, body: unknown, url: URL, dryRun: boolean): unknown {
    const obj = this.#get(route);
    const opts = deleteOptions(body);
    const pre = opts.preconditions;
    if (pre?.uid && pre.uid !== obj.metadata.uid)
      throw new ApiStatusError(
        409,
        "Conflict",
        `Precondition failed: UID in precondition: ${pre.uid}, UID in object meta: ${obj.metadata.uid}`,
        { name: obj.metadata.name, group: route.type.group, kind: route.type.resource },
      );
    if (pre?.resourceVersion && pre.resourceVersion !== obj.metadata.resourceVersion)
      throw new ApiStatusError(
        409,
        "Conflict",
        `Precondition failed: ResourceVersion in precondition: ${pre.resourceVersion}, ResourceVersion in object meta: ${obj.metadata.resourceVersion}`,
        { name: obj.metadata.name, group: route.type.group, kind: route.type.resource },
      );
    const grace =
      url.searchParams.get("gracePeriodSeconds") ??
      (opts.gracePeriodSeconds !== undefined ? String(opts.gracePeriodSeconds) : undefined);
    const propagation =
      url.searchParams.get("propagationPolicy") ??
      opts.propagationPolicy ??
      (opts.orphanDependents === true ? "Orphan" : undefined);
    const result = this.#deleteObject(
      route.type,
      obj,
      {
        ...(grace !== undefined ? { gracePeriodSeconds: Number(grace) } : {}),
        ...(propagation ? { propagationPolicy: propagation } : {}),
      },
      dryRun,
    );
    if (result.pending) return result.obj;
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Success",
      details: {
        name: obj.metadata.name,
        group: route.type.group,
        kind: route.type.resource,
        uid: obj.metadata.uid,
      },
    };
  }

  /**
   * Deletes an object: objects with finalizers and pods running on a node get a deletionTimestamp
   * and stay (the kubelet or the finalizer's owner finishes); others go at once, with their
   * dependents (Background/Foreground) or orphaning them (Orphan).
   */
  #deleteObject(
    type: ResourceType,
    obj: KubeObject,
    options: { gracePeriodSeconds?: number; propagationPolicy?: string },
    dryRun: boolean,
  ): { obj: KubeObject; pending: boolean } {
    const policy = options.propagationPolicy ?? "Background";
    if (!["Background", "Foreground", "Orphan"].includes(policy)) {
      throw statusErrors.invalid("DeleteOptions", "", "", [
        {
          field: "propagationPolicy",
          message: `Unsupported value: "${policy}": supported values: "Foreground", "Background", "Orphan"`,
          reason: "FieldValueNotSupported",
        },
      ]);
    }
    const finalizers = obj.metadata.finalizers ?? [];
    const spec = (obj.spec ?? {}) as { nodeName?: string; terminationGracePeriodSeconds?: number };
    const phase = (obj.status as { phase?: string } | undefined)?.phase;
    const graceful =
      type === TYPES.pods &&
      spec.nodeName &&
      options.gracePeriodSeconds !== 0 &&
      phase !== "Succeeded" &&
      phase !== "Failed";
    if (finalizers.length > 0 || graceful) {
      if (dryRun) return { obj, pending: true };
      const next = structuredClone(obj);
      if (next.metadata.deletionTimestamp === undefined) {
        const grace = graceful ? (options.gracePeriodSeconds ?? spec.terminationGracePeriodSeconds ?? 30) : 0;
        next.metadata.deletionTimestamp = new Date(this.clock() + grace * 1000)
          .toISOString()
          .replace(/\.\d+Z$/, "Z");
        next.metadata.deletionGracePeriodSeconds = grace;
      } else if (type === TYPES.pods && options.gracePeriodSeconds === 0) {
        next.metadata.deletionGracePeriodSeconds = 0;
      }
      const stored = this.store.put(type, next);
      if (type === TYPES.pods && options.gracePeriodSeconds === 0 && finalizers.length === 0) {
        this.#cascade(type, stored, policy);
        return { obj: stored, pending: false };
      }
      return { obj: stored, pending: true };
    }
    if (dryRun) return { obj, pending: false };
    this.#cascade(type, obj, policy);
    return { obj, pending: false };
  }

  /** Deletes an object and, like the garbage collector, everything it owns (or orphans it). */
  #cascade(type: ResourceType, obj: KubeObject, policy: string): void {
    if (!this.store.delete(type, obj.metadata.namespace, obj.metadata.name)) return;
    if (type === TYPES.services) {
      const ip = (obj.spec as { clusterIP?: string } | undefined)?.clusterIP;
      if (ip && ip !== "None") this.services.release(ip);
    }
    if (type === TYPES.namespaces) {
      // Namespace deletion removes everything in it.
      for (const t of RESOURCE_TYPE_LIST) {
        if (!t.namespaced) continue;
        for (const e of [...this.store.entries(t, { namespace: obj.metadata.name })])
          this.store.delete(t, e.namespace, e.name);
      }
    }
    for (const d of this.store.dependentsOf(obj.metadata.uid)) {
      if (policy === "Orphan") {
        const owners = (d.obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== obj.metadata.uid);
        if (owners.length > 0) d.obj.metadata.ownerReferences = owners;
        else delete d.obj.metadata.ownerReferences;
        this.store.put(d.type, d.obj);
      } else {
        const others = (d.obj.metadata.ownerReferences ?? []).filter((o) => o.uid !== obj.metadata.uid);
        // The garbage collector keeps dependents that still have a live owner.
        if (others.length > 0) {
          d.obj.metadata.ownerReferences = others;
          this.store.put(d.type, d.obj);
        } else this.#deleteObject(d.type, d.obj, {}, false);
      }
    }
  }

  #deleteCollection(route: Route, url: URL, body: unknown, dryRun: boolean): unknown {
    const labels = parseLabelSelector(url.searchParams.get("labelSelector") ?? "");
    const fields = parseFieldSelector(route.type, url.searchParams.get("fieldSelector") ?? "");
    const deleted: KubeObject[] = [];
    const opts = deleteOptions(body);
    for (const e of [
      ...this.store.entries(route.type, route.namespace !== undefined ? { namespace: route.namespace } : {}),
    ]) {
      if (!labels(e.labels) || !fields.matches(e.fields)) continue;
      const obj = parseEntry(e);
      deleted.push(
        this.#deleteObject(
          route.type,
          obj,
          { ...(opts.propagationPolicy ? { propagationPolicy: opts.propagationPolicy } : {}) },
          dryRun,
        ).obj,
      );
    }
    return {
      apiVersion: apiVersionOf(route.type),
      kind: `${route.type.kind}List`,
      metadata: { resourceVersion: String(this.store.revision) },
      items: deleted,
    };
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
          creationTimestamp: o.metadata.creationTimestamp,
        },
        spec: { replicas: s.replicas ?? 1 },
        status: { replicas: st.replicas ?? 0, selector: formatSelector(s.selector) },
      };
    };
    if (method === "GET") return scale(parent);
    let replicas: unknown;
    let rv: string | undefined;
    if (method === "PUT") {
      const b = asObject(body) as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
      replicas = b.spec?.replicas;
      rv = b.metadata?.resourceVersion;
    } else {
      const type = contentType(req);
      const patched = (
        type === "application/json-patch+json"
          ? jsonPatch(scale(parent) as never, body)
          : type === "application/merge-patch+json" || type === "application/strategic-merge-patch+json"
            ? mergePatch(scale(parent) as never, body as Json)
            : (() => {
                throw statusErrors.unsupportedMediaType(type);
              })()
      ) as { spec?: { replicas?: unknown }; metadata?: { resourceVersion?: string } };
      replicas = patched.spec?.replicas;
      rv = patched.metadata?.resourceVersion;
    }
    if (rv && rv !== parent.metadata.resourceVersion)
      throw statusErrors.conflict(route.type.resource, route.type.group, parent.metadata.name);
    if (typeof replicas !== "number" || !Number.isInteger(replicas) || replicas < 0) {
      throw statusErrors.invalid("Scale", "autoscaling", parent.metadata.name, [
        {
          field: "spec.replicas",
          message: `Invalid value: ${JSON.stringify(replicas)}: must be greater than or equal to 0`,
        },
      ]);
    }
    const updated = this.#replace(parentRoute, parent, { ...parent, spec: { ...spec, replicas } }, dryRun);
    return scale(updated);
  }

  /**
   * The Eviction API: deletes the pod gracefully unless a PodDisruptionBudget selecting it would
   * drop below its minimum (429, as the real server answers).
   */
  #evict(route: Route, body: unknown, dryRun: boolean): unknown {
    const pod = this.#get({ ...route, subresource: undefined });
    checkDisruptionBudgets(this.store, pod);
    const opts = deleteOptions((asObject(body ?? {}) as { deleteOptions?: unknown }).deleteOptions);
    this.#deleteObject(
      TYPES.pods,
      pod,
      { ...(opts.gracePeriodSeconds !== undefined ? { gracePeriodSeconds: opts.gracePeriodSeconds } : {}) },
      dryRun || opts.dryRun?.includes("All") === true,
    );
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  }

  #bind(route: Route, body: unknown, dryRun: boolean): unknown {
    const pod = this.#get({ ...route, subresource: undefined });
    const target = (asObject(body).target ?? {}) as { kind?: string; name?: string };
    if (!target.name)
      throw statusErrors.invalid("Binding", "", pod.metadata.name, [
        { field: "target.name", message: "Required value", reason: "FieldValueRequired" },
      ]);
    const spec = (pod.spec ?? {}) as { nodeName?: string };
    if (spec.nodeName)
      throw new ApiStatusError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on pods/binding "${pod.metadata.name}": pod ${pod.metadata.name} is already assigned to node "${spec.nodeName}"`,
      );
    if (!dryRun) {
      const next = structuredClone(pod);
      (next.spec as { nodeName?: string }).nodeName = target.name;
      const status = (next.status ??= {}) as { conditions?: Record<string, unknown>[] };
      status.conditions = [
        ...(status.conditions ?? []).filter((c) => c.type !== "PodScheduled"),
        {
          type: "PodScheduled",
          status: "True",
          lastProbeTime: null,
          lastTransitionTime: new Date(this.clock()).toISOString().replace(/\.\d+Z$/, "Z"),
        },
      ];
      this.write(TYPES.pods, next);
    }
    return { kind: "Status", apiVersion: "v1", metadata: {}, status: "Success", code: 201 };
  }

  /** A TokenRequest for a ServiceAccount, as POST .../serviceaccounts/NAME/token; without authorization. */
  requestToken(namespace: string, serviceAccount: string, body: unknown, dryRun: boolean): unknown {
    return this.tokens.request(namespace, serviceAccount, body, dryRun);
  }

  #typeOfObject(input: Record<string, unknown>): ResourceType {
    const apiVersion = String(input.apiVersion ?? "");
    const type = typeOfKind(apiVersion, String(input.kind ?? ""));
    if (!type)
      throw statusErrors.badRequest(
        `no kind "${String(input.kind)}" is registered for version "${apiVersion}"`,
      );
    return type;
  }

  #prepareNew(type: ResourceType, body: unknown, namespace: string | undefined): KubeObject {
    const input = structuredClone(asObject(body));
    const meta = asObject(input.metadata ?? {}) as Partial<KubeObject["metadata"]> & {
      generateName?: string;
    };
    const name = meta.name ?? (meta.generateName ? `${meta.generateName}${randomSuffix()}` : "");
    const causes: { field: string; message: string; reason?: string }[] = [];
    if (input.kind !== undefined && input.kind !== type.kind)
      causes.push({ field: "kind", message: `Invalid value: "${String(input.kind)}": must be ${type.kind}` });
    if (input.apiVersion !== undefined && input.apiVersion !== apiVersionOf(type))
      causes.push({
        field: "apiVersion",
        message: `Invalid value: "${String(input.apiVersion)}": must be ${apiVersionOf(type)}`,
      });
    if (name === "")
      causes.push({
        field: "metadata.name",
        message: "Required value: name or generateName is required",
        reason: "FieldValueRequired",
      });
    const ns = type.namespaced ? (namespace ?? meta.namespace ?? "default") : undefined;
    if (
      type.namespaced &&
      meta.namespace !== undefined &&
      meta.namespace !== "" &&
      namespace !== undefined &&
      meta.namespace !== namespace
    ) {
      throw statusErrors.badRequest(
        "the namespace of the provided object does not match the namespace sent on the request",
      );
    }
    const obj = {
      ...input,
      apiVersion: apiVersionOf(type),
      kind: type.kind,
      metadata: {
        ...meta,
        name,
        ...(ns !== undefined ? { namespace: ns } : {}),
        uid: newUid(),
        resourceVersion: "",
        creationTimestamp: new Date(this.clock()).toISOString().replace(/\.\d+Z$/, "Z"),
        ...(tracksGeneration(type) ? { generation: 1 } : {}),
      },
    } as KubeObject;
    delete obj.metadata.deletionTimestamp;
    delete obj.metadata.deletionGracePeriodSeconds;
    if (!type.namespaced) delete obj.metadata.namespace;
    if (name !== "")
      causes.push(
        ...validateObject(type, obj, undefined).filter(
          (c) => !(c.field === "kind" || c.field === "apiVersion"),
        ),
      );
    if (causes.length > 0) throw statusErrors.invalid(type.kind, type.group, name, causes);
    if (ns !== undefined) {
      const nsObj = this.store.get(TYPES.namespaces, undefined, ns);
      if (!nsObj) throw statusErrors.notFound("namespaces", "", ns);
      if (nsObj.metadata.deletionTimestamp !== undefined)
        throw new ApiStatusError(
          403,
          "Forbidden",
          `${type.resource} "${name}" is forbidden: unable to create new content in namespace ${ns} because it is being terminated`,
        );
    }
    applyDefaults(type, obj, this.services, true);
    return obj;
  }
}

const RESOURCE_TYPE_LIST = RESOURCE_TYPES;

const STREAMED = Symbol("streamed");
const APPLY_PATCH = "application/apply-patch+yaml";

class Response {
  constructor(
    readonly status: number,
    readonly contentType: string,
    readonly body: string,
  ) {}
}

function isVirtual(type: ResourceType): boolean {
  return type.group === "authentication.k8s.io" || type.group === "authorization.k8s.io";
}

const SUFFIX_CHARS = "bcdfghjklmnpqrstvwxz2456789";
/** Five characters from the alphabet the API server uses for generateName suffixes. */
export function randomSuffix(length = 5): string {
  let out = "";
  for (let i = 0; i < length; i++) out += SUFFIX_CHARS[Math.floor(Math.random() * SUFFIX_CHARS.length)];
  return out;
}

interface DeleteOptionsBody {
  propagationPolicy?: string;
  gracePeriodSeconds?: number;
  orphanDependents?: boolean;
  dryRun?: string[];
  preconditions?: { uid?: string; resourceVersion?: string };
}

function deleteOptions(body: unknown): DeleteOptionsBody {
  return body !== null && typeof body === "object" && !Array.isArray(body) ? (body as DeleteOptionsBody) : {};
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
  if (
    rest[0] === "namespaces" &&
    rest.length >= 3 &&
    !(rest.length === 3 && ["status", "finalize"].includes(rest[2] as string))
  ) {
    namespace = decodeURIComponent(rest[1] as string);
    rest = rest.slice(2);
  }
  const [resource, name, subresource] = rest.map((p) => decodeURIComponent(p));
  const type = resource ? findResourceType(group, version, resource) : undefined;
  if (!type || rest.length > 3)
    throw new ApiStatusError(404, "NotFound", "the server could not find the requested resource");
  if (subresource && !type.subresources.includes(subresource)) {
    throw new ApiStatusError(
      404,
      "NotFound",
      `the server could not find the requested resource (${resource}/${subresource})`,
    );
  }
  if (!type.namespaced && namespace !== undefined)
    throw new ApiStatusError(404, "NotFound", "the server could not find the requested resource");
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
  if (req.method === "GET" || req.method === "HEAD") {
    req.resume();
    return undefined;
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiStatusError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const type = (req.headers["content-type"] ?? "application/json").split(";")[0]?.trim() ?? "";
  if (type === "application/vnd.kubernetes.protobuf") return decodeKubernetesProtobuf(Buffer.concat(chunks));
  if (type.includes("protobuf") || (type.includes("yaml") && type !== APPLY_PATCH) || type.includes("cbor"))
    throw statusErrors.unsupportedMediaType(type);
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    // Server-side apply bodies are YAML by name; kubectl and client libraries send JSON.
    if (type === APPLY_PATCH)
      throw new ApiStatusError(
        415,
        "UnsupportedMediaType",
        "apply patches are accepted as JSON only (a subset of YAML)",
      );
    throw statusErrors.badRequest(`the request body is not valid JSON: ${(error as Error).message}`);
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
  res.end(text);
}
