import { EventEmitter } from "node:events";
import type { KubeConfig } from "@kubernetes/client-node";
// Only the watch module: the package index loads every generated API model (about 70 MiB of
// RSS), which would double the agent's memory for one list and one watch (docs/adr/0042).
import { Watch } from "@kubernetes/client-node/dist/watch.js";
import { backoffDelayMs, realDelay, type BackoffPolicy, type DelayFunction } from "@causeway/ebpf-helper";
import { type Logger } from "@causeway/runtime";
import { authHeaders, getJson, KubeHttpError, type KubeAccess } from "./kube-access.js";
import { podInfoFromKube, type KubePod, type PodInfo } from "./pod-info.js";
import { type PodSource, type PodSourceEvents } from "./pod-source.js";

export interface KubePodSourceOptions {
  readonly access: KubeAccess;
  readonly nodeName: string;
  readonly log: Logger;
  readonly reconnect?: BackoffPolicy;
  readonly delay?: DelayFunction;
  /** A watch that ends sooner than this without events counts as a failure (backoff). */
  readonly minWatchMs?: number;
}

interface PodList {
  readonly metadata?: { readonly resourceVersion?: string };
  readonly items?: readonly (KubePod & { metadata?: { resourceVersion?: string } })[];
}

interface WatchEvent {
  readonly type: string;
  readonly object: KubePod & {
    readonly metadata?: { readonly resourceVersion?: string };
    readonly code?: number;
    readonly message?: string;
  };
}

/**
 * An informer for the pods of one node (`fieldSelector=spec.nodeName=<node>`): list, then watch
 * from the list's resourceVersion with bookmarks, re-watch from the last version seen when a watch
 * ends, list again on 410 Gone, and back off (capped, exponential, injected delay) on errors.
 */
export class KubePodSource extends EventEmitter<PodSourceEvents> implements PodSource {
  readonly #o: KubePodSourceOptions;
  readonly #stop = new AbortController();
  readonly #watch: Watch;
  #pods = new Map<string, PodInfo>();
  #synced = false;
  #running: Promise<void> | undefined;
  #abortWatch: AbortController | undefined;

  constructor(options: KubePodSourceOptions) {
    super();
    this.#o = options;
    const access = options.access;
    // The watch needs only these two of KubeConfig's methods.
    const config = {
      getCurrentCluster: () => ({ server: access.server, name: "agent", skipTLSVerify: false }),
      applyToFetchOptions: (init: Record<string, unknown>) =>
        Promise.resolve({ ...init, agent: access.agent, headers: authHeaders(access) }),
    };
    this.#watch = new Watch(config as unknown as KubeConfig);
  }

  get synced(): boolean {
    return this.#synced;
  }

  pods(): ReadonlyMap<string, PodInfo> {
    return this.#pods;
  }

  start(): Promise<void> {
    this.#running ??= this.#run();
    return Promise.resolve();
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    this.#abortWatch?.abort();
    await this.#running;
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    const policy = this.#o.reconnect ?? { initialDelayMs: 500, maxDelayMs: 30_000 };
    const selector = `spec.nodeName=${this.#o.nodeName}`;
    let attempt = 0;
    let resourceVersion: string | undefined;
    while (!signal.aborted) {
      try {
        if (resourceVersion === undefined) {
          const list = await getJson<PodList>(
            this.#o.access,
            `/api/v1/pods?fieldSelector=${encodeURIComponent(selector)}`,
          );
          const pods = new Map<string, PodInfo>();
          for (const item of list.items ?? []) {
            const info = podInfoFromKube(item);
            if (info) pods.set(info.uid, info);
          }
          this.#pods = pods;
          this.#synced = true;
          resourceVersion = list.metadata?.resourceVersion ?? "0";
          this.emit("change");
        }
        const started = Date.now();
        const outcome = await this.#watchFrom(selector, resourceVersion, (rv) => (resourceVersion = rv));
        if (signal.aborted) return;
        if (outcome.gone) {
          this.#o.log.info({ resourceVersion }, "pod watch expired (410 Gone); listing again");
          resourceVersion = undefined;
          continue;
        }
        if (outcome.events > 0 || Date.now() - started >= (this.#o.minWatchMs ?? 1000)) {
          attempt = 0;
          continue;
        }
        throw new Error("watch ended at once");
      } catch (error) {
        if (signal.aborted) return;
        if (error instanceof KubeHttpError && error.statusCode === 410) resourceVersion = undefined;
        const delayMs = backoffDelayMs(policy, attempt++);
        this.#o.log.warn({ err: (error as Error).message, delayMs }, "pod list/watch failed; retrying");
        await (this.#o.delay ?? realDelay)(delayMs, signal);
      }
    }
  }

  #watchFrom(
    selector: string,
    resourceVersion: string,
    onVersion: (rv: string) => void,
  ): Promise<{ gone: boolean; events: number }> {
    return new Promise((resolve, reject) => {
      let gone = false;
      let events = 0;
      this.#watch
        .watch(
          "/api/v1/pods",
          { fieldSelector: selector, resourceVersion, allowWatchBookmarks: true, timeoutSeconds: 300 },
          (type: string, object: WatchEvent["object"]) => {
            if (type === "ERROR") {
              if (object.code === 410) gone = true;
              return;
            }
            events++;
            const rv = object.metadata?.resourceVersion;
            if (rv) onVersion(rv);
            if (type === "BOOKMARK") return;
            const info = podInfoFromKube(object);
            if (!info) return;
            const next = new Map(this.#pods);
            if (type === "DELETED") next.delete(info.uid);
            else next.set(info.uid, info);
            this.#pods = next;
            this.emit("change");
          },
          (error: unknown) => {
            if (error && !(gone || this.#stop.signal.aborted)) {
              const status = (error as { statusCode?: number }).statusCode;
              reject(status === 410 ? new KubeHttpError(410, "Gone") : (error as Error));
              return;
            }
            resolve({ gone, events });
          },
        )
        .then((controller) => {
          this.#abortWatch = controller;
          if (this.#stop.signal.aborted) controller.abort();
        }, reject);
    });
  }
}
