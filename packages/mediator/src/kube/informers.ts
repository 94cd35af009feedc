import { ListWatch, Watch, type KubeConfig, type KubernetesObject } from "@kubernetes/client-node";
import { type Logger } from "@causeway/runtime";
import { type ClusterModel, type ResourceKind } from "./cluster-model.js";
import { type KubeApi } from "./kube-api.js";
import {
  slimEndpointSlice,
  slimEvent,
  slimHpa,
  slimNode,
  slimPod,
  slimService,
  slimWorkload,
  labelKeyFilter,
  withLabels,
  type SlimObject,
} from "./slim.js";

/** What the mediator watches, where, and how each object is reduced. */
export interface WatchedResource {
  readonly kind: ResourceKind;
  readonly path: string;
  readonly slim: (raw: unknown) => SlimObject;
  readonly fieldSelector?: string;
}

export const WATCHED_RESOURCES: readonly WatchedResource[] = [
  { kind: "node", path: "/api/v1/nodes", slim: slimNode },
  { kind: "pod", path: "/api/v1/pods", slim: slimPod },
  { kind: "service", path: "/api/v1/services", slim: slimService },
  { kind: "endpointslice", path: "/apis/discovery.k8s.io/v1/endpointslices", slim: slimEndpointSlice },
  { kind: "deployment", path: "/apis/apps/v1/deployments", slim: slimWorkload },
  { kind: "replicaset", path: "/apis/apps/v1/replicasets", slim: slimWorkload },
  { kind: "statefulset", path: "/apis/apps/v1/statefulsets", slim: slimWorkload },
  { kind: "daemonset", path: "/apis/apps/v1/daemonsets", slim: slimWorkload },
  { kind: "job", path: "/apis/batch/v1/jobs", slim: slimWorkload },
  { kind: "cronjob", path: "/apis/batch/v1/cronjobs", slim: slimWorkload },
  { kind: "hpa", path: "/apis/autoscaling/v2/horizontalpodautoscalers", slim: slimHpa },
  { kind: "event", path: "/api/v1/events", slim: slimEvent, fieldSelector: "type=Warning" },
];

/** Kinds that do not become entities: their labels are never kept. */
const UNLABELLED_KINDS: ReadonlySet<ResourceKind> = new Set(["event", "endpointslice"]);

/** Kinds whose objects carry a kind field the model needs (workload lists omit it per item). */
const WORKLOAD_KIND: Partial<Record<ResourceKind, string>> = {
  deployment: "Deployment",
  replicaset: "ReplicaSet",
  statefulset: "StatefulSet",
  daemonset: "DaemonSet",
  job: "Job",
  cronjob: "CronJob",
};

/** Watch event types the informer cache understands. */
const WATCH_PHASES: ReadonlySet<string> = new Set(["ADDED", "MODIFIED", "DELETED", "BOOKMARK", "ERROR"]);

/** A watch that closes this soon having delivered nothing is treated as a failure (backoff), not a resume. */
const MIN_HEALTHY_WATCH_MS = 1000;

/** Why a watch was abandoned; the label of `causeway_mediator_kube_watch_failures_total`. */
export type WatchFailureReason = "malformed_event" | "handler_error" | "closed_immediately" | "request_error";

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/**
 * A Watch that asks for bookmarks (so a reconnect resumes from a recent resourceVersion instead
 * of relisting), bounds each watch with a server-side timeout, and reduces every object before the
 * informer caches it. It is also the boundary against a misbehaving API server: the informer
 * cache's handler is async and dereferences what it is given, so anything that is not a
 * well-formed watch event (a list answered instead of a stream, an object without metadata, an
 * unknown type) would become an unhandled rejection and crash the process. Such an event ends the
 * watch with an error instead, which the informer set counts and retries after a backoff.
 */
class SlimmingWatch extends Watch {
  readonly #slim: (raw: unknown) => SlimObject;
  readonly #timeoutSeconds: () => number;
  readonly #onFailure: (reason: WatchFailureReason, detail: string) => void;
  readonly #clock: () => number;

  constructor(
    kc: KubeConfig,
    slim: (raw: unknown) => SlimObject,
    timeoutSeconds: () => number,
    onFailure: (reason: WatchFailureReason, detail: string) => void,
    clock: () => number,
  ) {
    super(kc);
    this.#slim = slim;
    this.#timeoutSeconds = timeoutSeconds;
    this.#onFailure = onFailure;
    this.#clock = clock;
  }

  /** The event as the cache may see it, or a reason it may not. */
  #check(phase: unknown, object: unknown): { ok: true; object: unknown } | { ok: false; detail: string } {
    if (typeof phase !== "string" || !WATCH_PHASES.has(phase))
      return { ok: false, detail: `unknown watch event type ${JSON.stringify(phase)?.slice(0, 64)}` };
    if (!isObject(object)) return { ok: false, detail: `${phase} event without an object` };
    if (phase === "ERROR") return { ok: true, object };
    if (!isObject(object.metadata)) return { ok: false, detail: `${phase} event without metadata` };
    if (phase === "BOOKMARK") return { ok: true, object };
    const slim = this.#slim(object);
    if (slim.metadata.name === "")
      return { ok: false, detail: `${phase} event for an object without a name` };
    return { ok: true, object: slim };
  }

  override async watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
    done: (err: any) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
  ): Promise<AbortController> {
    const startedMs = this.#clock();
    let events = 0;
    let finished = false;
    let controller: AbortController | undefined;
    const finish = (err: unknown, counted = false): void => {
      if (finished) return;
      finished = true;
      if (err === null || err === undefined) {
        if (events === 0 && this.#clock() - startedMs < MIN_HEALTHY_WATCH_MS) {
          this.#onFailure("closed_immediately", "the watch closed at once without an event");
          done(new Error("the watch closed at once without an event"));
          return;
        }
        done(null);
        return;
      }
      // Aborts are the informer stopping or relisting, and 410 Gone asks for a relist: not failures.
      const e = err as Error & { statusCode?: number };
      if (!counted && e.name !== "AbortError" && e.statusCode !== 410)
        this.#onFailure("request_error", (err as Error).message ?? String(err));
      done(err);
    };
    const fail = (reason: WatchFailureReason, detail: string): void => {
      if (finished) return;
      this.#onFailure(reason, detail);
      controller?.abort();
      finish(new Error(`watch abandoned: ${detail}`), true);
    };
    try {
      controller = await super.watch(
        path,
        { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.#timeoutSeconds() },
        (phase: unknown, object: unknown, raw: unknown) => {
          if (finished) return;
          let checked;
          try {
            checked = this.#check(phase, object);
          } catch (error) {
            checked = { ok: false as const, detail: `cannot reduce the object: ${(error as Error).message}` };
          }
          if (!checked.ok) {
            fail("malformed_event", checked.detail);
            return;
          }
          events++;
          try {
            // The informer's handler is async: a rejection must not escape as unhandled.
            const pending = callback(phase as string, checked.object, raw) as unknown;
            if (pending instanceof Promise)
              pending.catch((error: Error) => fail("handler_error", error.message));
          } catch (error) {
            fail("handler_error", (error as Error).message);
          }
        },
        finish,
      );
    } catch (error) {
      finish(error);
      controller = new AbortController();
    }
    if (finished) controller.abort();
    return controller;
  }
}

export interface InformerSetOptions {
  readonly kubeConfig: KubeConfig;
  readonly api: KubeApi;
  readonly model: ClusterModel;
  readonly log: Logger;
  readonly listPageSize: number;
  /** Watches are re-established after a random time between these (like client-go). */
  readonly watchTimeoutSeconds: { readonly min: number; readonly max: number };
  readonly maxBackoffMs: number;
  readonly resources?: readonly WatchedResource[];
  /** Injected so tests never sleep. */
  readonly delay?: (ms: number) => Promise<void>;
  /** Called for every event applied (for metrics). */
  readonly onApplied?: (kind: ResourceKind, type: "upsert" | "delete") => void;
  /** Called for every list or watch failure, before the backoff (for metrics). */
  readonly onFailure?: (kind: ResourceKind, reason: WatchFailureReason | "list_error") => void;
  /**
   * Label keys kept on the objects that become entities (exact, or prefixes ending in `*`), as
   * `label.<key>` attributes; default none (only what the mediator reads itself).
   */
  readonly labelKeys?: readonly string[];
  readonly clock?: () => number;
}

interface Running {
  readonly resource: WatchedResource;
  readonly informer: ListWatch<KubernetesObject>;
  synced: boolean;
  lists: number;
  errors: number;
  backoffMs: number;
}

/**
 * One @kubernetes/client-node informer (ListWatch) per watched resource, feeding the cluster
 * model. Lists are paginated and reduced as they arrive; a 410 Gone relists (the informer does
 * that); any other error restarts the informer after a capped exponential backoff.
 */
export class InformerSet {
  readonly #o: InformerSetOptions;
  readonly #running: Running[] = [];
  readonly #delay: (ms: number) => Promise<void>;
  #stopped = false;

  constructor(options: InformerSetOptions) {
    this.#o = options;
    this.#delay = options.delay ?? ((ms) => new Promise((r) => setTimeout(r, ms).unref()));
  }

  /** True once every informer has completed its first list. */
  get synced(): boolean {
    return this.#running.length > 0 && this.#running.every((r) => r.synced);
  }

  status(): { kind: ResourceKind; synced: boolean; lists: number; errors: number; cached: number }[] {
    return this.#running.map((r) => ({
      kind: r.resource.kind,
      synced: r.synced,
      lists: r.lists,
      errors: r.errors,
      cached: r.informer.list().length,
    }));
  }

  /** The reduced objects an informer holds (for the cluster-level series). */
  cached(kind: ResourceKind): readonly SlimObject[] {
    const r = this.#running.find((x) => x.resource.kind === kind);
    return (r?.informer.list() ?? []) as unknown as SlimObject[];
  }

  async start(): Promise<void> {
    const o = this.#o;
    const keepLabel = o.labelKeys && o.labelKeys.length > 0 ? labelKeyFilter(o.labelKeys) : undefined;
    for (const resource of o.resources ?? WATCHED_RESOURCES) {
      const kindName = WORKLOAD_KIND[resource.kind];
      const reduce = kindName
        ? (raw: unknown) => resource.slim({ kind: kindName, ...(raw as Record<string, unknown>) })
        : resource.slim;
      const slim =
        keepLabel && !UNLABELLED_KINDS.has(resource.kind)
          ? (raw: unknown) => withLabels(reduce(raw), raw, keepLabel)
          : reduce;
      const watch = new SlimmingWatch(
        o.kubeConfig,
        slim,
        () =>
          o.watchTimeoutSeconds.min +
          Math.floor(Math.random() * (o.watchTimeoutSeconds.max - o.watchTimeoutSeconds.min + 1)),
        (reason, detail) => {
          o.onFailure?.(resource.kind, reason);
          o.log.warn({ kind: resource.kind, reason, detail }, "Kubernetes watch failed");
        },
        o.clock ?? Date.now,
      );
      // eslint-disable-next-line prefer-const -- assigned after the closure that reads it
      let running: Running;
      const listFn = async () => {
        const query: Record<string, string> = resource.fieldSelector
          ? { fieldSelector: resource.fieldSelector }
          : {};
        let listed;
        try {
          listed = await o.api.listAll(resource.path, o.listPageSize, slim, query);
        } catch (error) {
          o.onFailure?.(resource.kind, "list_error");
          throw error;
        }
        // Objects without a name cannot be cached or become entities: a malformed answer, dropped.
        const items = listed.items.filter((item) => item.metadata.name !== "");
        const resourceVersion = listed.resourceVersion;
        running.lists++;
        // Only the first list can find objects the informer never saw (those restored from a
        // snapshot); later relists report deletions themselves (the informer diffs its cache).
        const first = running.lists === 1;
        if (first) o.model.beginResync(resource.kind);
        // The informer applies the list synchronously once this promise settles; the sweep runs after.
        setImmediate(() => {
          let removed = 0;
          try {
            removed = first ? o.model.endResync(resource.kind) : 0;
          } catch (error) {
            o.log.error({ kind: resource.kind, err: (error as Error).message }, "cannot finish a resync");
          }
          if (!running.synced) o.log.info({ kind: resource.kind, objects: items.length }, "informer synced");
          else o.log.info({ kind: resource.kind, objects: items.length }, "informer relisted");
          if (removed > 0)
            o.log.info({ kind: resource.kind, removed }, "removed objects deleted while not watching");
          running.synced = true;
          running.backoffMs = 0;
        });
        return {
          apiVersion: "v1",
          kind: "List",
          metadata: { resourceVersion },
          items: items as unknown as KubernetesObject[],
        };
      };
      const informer = new ListWatch<KubernetesObject>(
        resource.path,
        watch,
        listFn,
        false,
        undefined,
        resource.fieldSelector,
      );
      running = { resource, informer, synced: false, lists: 0, errors: 0, backoffMs: 0 };
      const apply = (type: "upsert" | "delete") => (obj: KubernetesObject) => {
        try {
          o.model.apply(resource.kind, type, obj as unknown as SlimObject);
          o.onApplied?.(resource.kind, type);
        } catch (error) {
          o.log.error(
            { kind: resource.kind, err: (error as Error).message },
            "cannot apply a Kubernetes object",
          );
        }
      };
      informer.on("add", apply("upsert"));
      informer.on("update", apply("upsert"));
      informer.on("delete", apply("delete"));
      informer.on("error", (err: unknown) => {
        if (this.#stopped) return;
        running.errors++;
        running.backoffMs = Math.min(Math.max(running.backoffMs * 2, 500), o.maxBackoffMs);
        o.log.warn(
          { kind: resource.kind, err: (err as Error | undefined)?.message, retryInMs: running.backoffMs },
          "informer failed; restarting",
        );
        void this.#delay(running.backoffMs).then(() => this.#start(running));
      });
      this.#running.push(running);
    }
    await Promise.all(this.#running.map((r) => this.#start(r)));
  }

  /**
   * Starts (or restarts) one informer. The informer's start can reject (a watch that cannot even
   * be requested, a list it cannot take in); that becomes an informer error and a retry with
   * backoff, never an unhandled rejection.
   */
  async #start(running: Running): Promise<void> {
    if (this.#stopped) return;
    try {
      await running.informer.start();
    } catch (error) {
      if (this.#stopped) return;
      running.errors++;
      running.backoffMs = Math.min(Math.max(running.backoffMs * 2, 500), this.#o.maxBackoffMs);
      this.#o.onFailure?.(running.resource.kind, "request_error");
      this.#o.log.warn(
        { kind: running.resource.kind, err: (error as Error).message, retryInMs: running.backoffMs },
        "informer failed to start; retrying",
      );
      void this.#delay(running.backoffMs).then(() => this.#start(running));
    }
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#running.map((r) => r.informer.stop()));
  }
}
