import { EventEmitter } from "node:events";
import { CoreV1Api, type KubeConfig, ListWatch, Watch, type V1Pod } from "@kubernetes/client-node";
import { backoffDelayMs, realDelay, type BackoffPolicy, type DelayFunction } from "@causeway/ebpf-helper";
import { type Logger } from "@causeway/runtime";
import { podInfoFromKube, type KubePod, type PodInfo } from "./pod-info.js";
import { type PodSource, type PodSourceEvents } from "./pod-source.js";

export interface KubePodSourceOptions {
  readonly kubeConfig: KubeConfig;
  readonly nodeName: string;
  readonly log: Logger;
  readonly reconnect?: BackoffPolicy;
  readonly delay?: DelayFunction;
}

/**
 * Watches the pods of one node (`fieldSelector=spec.nodeName=<node>`) with the client-node
 * informer; when the watch fails it is restarted with capped exponential backoff (a 410 Gone
 * makes the informer list again).
 */
export class KubePodSource extends EventEmitter<PodSourceEvents> implements PodSource {
  readonly #o: KubePodSourceOptions;
  readonly #informer: ListWatch<V1Pod>;
  readonly #stop = new AbortController();
  #pods = new Map<string, PodInfo>();
  #synced = false;
  #attempt = 0;

  constructor(options: KubePodSourceOptions) {
    super();
    this.#o = options;
    const api = options.kubeConfig.makeApiClient(CoreV1Api);
    const fieldSelector = `spec.nodeName=${options.nodeName}`;
    this.#informer = new ListWatch<V1Pod>(
      "/api/v1/pods",
      new Watch(options.kubeConfig),
      () => api.listPodForAllNamespaces({ fieldSelector }),
      false,
      undefined,
      fieldSelector,
    );
    const refresh = (): void => this.#refresh();
    this.#informer.on("add", refresh);
    this.#informer.on("update", refresh);
    this.#informer.on("delete", refresh);
    this.#informer.on("connect", () => {
      this.#attempt = 0;
      this.#refresh();
    });
    this.#informer.on("error", (error: unknown) => {
      void this.#restart(error);
    });
  }

  get synced(): boolean {
    return this.#synced;
  }

  pods(): ReadonlyMap<string, PodInfo> {
    return this.#pods;
  }

  async start(): Promise<void> {
    try {
      await this.#informer.start();
    } catch (error) {
      void this.#restart(error);
    }
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#informer.stop();
  }

  async #restart(error: unknown): Promise<void> {
    if (this.#stop.signal.aborted) return;
    const delayMs = backoffDelayMs(
      this.#o.reconnect ?? { initialDelayMs: 500, maxDelayMs: 30_000 },
      this.#attempt++,
    );
    this.#o.log.warn(
      { err: error instanceof Error ? error.message : String(error), delayMs },
      "pod watch failed; restarting",
    );
    await (this.#o.delay ?? realDelay)(delayMs, this.#stop.signal);
    if (this.#stop.signal.aborted) return;
    try {
      await this.#informer.start();
    } catch (next) {
      void this.#restart(next);
    }
  }

  #refresh(): void {
    const pods = new Map<string, PodInfo>();
    for (const pod of this.#informer.list()) {
      const info = podInfoFromKube(pod as KubePod);
      if (info) pods.set(info.uid, info);
    }
    this.#pods = pods;
    this.#synced = true;
    this.emit("change");
  }
}
