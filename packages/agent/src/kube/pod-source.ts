import { EventEmitter } from "node:events";
import { type PodInfo } from "./pod-info.js";

export interface PodSourceEvents {
  /** The set of pods changed (added, updated or deleted). */
  change: [];
}

/**
 * The pods scheduled on this node, kept current. The agent joins them with the containers it
 * finds in cgroups. Implementations: `KubePodSource` (watches the API server) and `StaticPodSource`.
 */
export interface PodSource extends EventEmitter<PodSourceEvents> {
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Pods by UID. */
  pods(): ReadonlyMap<string, PodInfo>;
  /** True once the first list arrived. */
  readonly synced: boolean;
}

/** A pod source whose pods are set by its owner: host mode (no pods) and fixtures. */
export class StaticPodSource extends EventEmitter<PodSourceEvents> implements PodSource {
  #pods = new Map<string, PodInfo>();
  readonly synced = true;

  constructor(pods: readonly PodInfo[] = []) {
    super();
    this.set(pods);
  }

  set(pods: readonly PodInfo[]): void {
    this.#pods = new Map(pods.map((p) => [p.uid, p]));
    this.emit("change");
  }

  pods(): ReadonlyMap<string, PodInfo> {
    return this.#pods;
  }

  async start(): Promise<void> {}

  async stop(): Promise<void> {}
}
