import { createHash } from "node:crypto";
import { TYPES, apiVersionOf, typeOfKind } from "./resources.js";
import { type KubeObject, type ObjectStore, newUid } from "./store.js";

/** What an event is about and says. */
export interface EventSpec {
  readonly involved: KubeObject;
  readonly type: "Normal" | "Warning";
  readonly reason: string;
  readonly message: string;
  /** The reporting component, e.g. `deployment-controller`, `kubelet`. */
  readonly component: string;
  readonly host?: string;
}

/**
 * Records core/v1 Events as controllers and the kubelet do; repeats of the same reason and message
 * for the same object increase `count` instead of adding events.
 */
export class EventRecorder {
  readonly #store: ObjectStore;
  readonly #clock: () => number;

  constructor(store: ObjectStore, clock: () => number) {
    this.#store = store;
    this.#clock = clock;
  }

  record(e: EventSpec): void {
    const meta = e.involved.metadata;
    const namespace = meta.namespace ?? "default";
    const apiVersion = e.involved.apiVersion ?? "v1";
    const kind = e.involved.kind ?? "";
    const digest = createHash("sha256")
      .update(`${kind}/${namespace}/${meta.name}/${meta.uid}/${e.reason}/${e.message}`)
      .digest("hex")
      .slice(0, 16);
    const name = `${meta.name}.${digest}`;
    const now = new Date(this.#clock()).toISOString().replace(/\.\d+Z$/, "Z");
    const existing = this.#store.get(TYPES.events, namespace, name);
    if (existing) {
      existing.count = ((existing.count as number | undefined) ?? 1) + 1;
      existing.lastTimestamp = now;
      this.#store.put(TYPES.events, existing);
      return;
    }
    if (!this.#store.entry(TYPES.namespaces, undefined, namespace)) return;
    const type = typeOfKind(apiVersion, kind);
    this.#store.put(TYPES.events, {
      apiVersion: "v1",
      kind: "Event",
      metadata: { name, namespace, uid: newUid(), resourceVersion: "", creationTimestamp: now },
      involvedObject: {
        apiVersion: type ? apiVersionOf(type) : apiVersion,
        kind,
        name: meta.name,
        namespace: meta.namespace,
        uid: meta.uid,
        resourceVersion: meta.resourceVersion,
      },
      reason: e.reason,
      message: e.message,
      source: { component: e.component, ...(e.host ? { host: e.host } : {}) },
      firstTimestamp: now,
      lastTimestamp: now,
      count: 1,
      type: e.type,
      eventTime: null,
      reportingComponent: e.component,
      reportingInstance: e.host ?? "",
    });
  }
}
