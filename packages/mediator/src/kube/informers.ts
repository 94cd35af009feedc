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

/** Kinds whose objects carry a kind field the model needs (workload lists omit it per item). */
const WORKLOAD_KIND: Partial<Record<ResourceKind, string>> = {
  deployment: "Deployment",
  replicaset: "ReplicaSet",
  statefulset: "StatefulSet",
  daemonset: "DaemonSet",
  job: "Job",
  cronjob: "CronJob",
};

/**
 * A Watch that asks for bookmarks (so a reconnect resumes from a recent resourceVersion instead
 * of relisting), bounds each watch with a server-side timeout, and reduces every object before the
 * informer caches it.
 */
class SlimmingWatch extends Watch {
  readonly #slim: (raw: unknown) => SlimObject;
  readonly #timeoutSeconds: () => number;
  readonly #onEvent: () => void;

  constructor(
    kc: KubeConfig,
    slim: (raw: unknown) => SlimObject,
    timeoutSeconds: () => number,
    onEvent: () => void,
  ) {
    super(kc);
    this.#slim = slim;
    this.#timeoutSeconds = timeoutSeconds;
    this.#onEvent = onEvent;
  }

  override watch(
    path: string,
    queryParams: Record<string, string | number | boolean | undefined>,
    callback: (phase: string, apiObj: any, watchObj?: any) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
    done: (err: any) => void, // eslint-disable-line @typescript-eslint/no-explicit-any
  ): Promise<AbortController> {
    return super.watch(
      path,
      { ...queryParams, allowWatchBookmarks: true, timeoutSeconds: this.#timeoutSeconds() },
      (phase: string, object: unknown, raw: unknown) => {
        this.#onEvent();
        const slim =
          phase === "ADDED" || phase === "MODIFIED" || phase === "DELETED" ? this.#slim(object) : object;
        callback(phase, slim, raw);
      },
      done,
    );
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
    for (const resource of o.resources ?? WATCHED_RESOURCES) {
      const kindName = WORKLOAD_KIND[resource.kind];
      const slim = kindName
        ? (raw: unknown) => resource.slim({ kind: kindName, ...(raw as Record<string, unknown>) })
        : resource.slim;
      const watch = new SlimmingWatch(
        o.kubeConfig,
        slim,
        () =>
          o.watchTimeoutSeconds.min +
          Math.floor(Math.random() * (o.watchTimeoutSeconds.max - o.watchTimeoutSeconds.min + 1)),
        () => undefined,
      );
      // eslint-disable-next-line prefer-const -- assigned after the closure that reads it
      let running: Running;
      const listFn = async () => {
        const query: Record<string, string> = resource.fieldSelector
          ? { fieldSelector: resource.fieldSelector }
          : {};
        const { items, resourceVersion } = await o.api.listAll(resource.path, o.listPageSize, slim, query);
        running.lists++;
        // Only the first list can find objects the informer never saw (those restored from a
        // snapshot); later relists report deletions themselves (the informer diffs its cache).
        const first = running.lists === 1;
        if (first) o.model.beginResync(resource.kind);
        // The informer applies the list synchronously once this promise settles; the sweep runs after.
        setImmediate(() => {
          const removed = first ? o.model.endResync(resource.kind) : 0;
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
        void this.#delay(running.backoffMs).then(() => {
          if (!this.#stopped) void informer.start();
        });
      });
      this.#running.push(running);
    }
    await Promise.all(this.#running.map((r) => r.informer.start()));
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    await Promise.all(this.#running.map((r) => r.informer.stop()));
  }
}
