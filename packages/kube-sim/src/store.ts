import { randomUUID } from "node:crypto";
import { type ResourceType } from "./resources.js";

export type KubeObject = Record<string, unknown> & {
  apiVersion?: string;
  kind?: string;
  metadata: {
    name: string;
    namespace?: string;
    uid: string;
    resourceVersion: string;
    generation?: number;
    creationTimestamp: string;
    labels?: Record<string, string>;
    annotations?: Record<string, string>;
    ownerReferences?: { uid: string; kind: string; name: string }[];
    [k: string]: unknown;
  };
};

/** In-memory storage with one resourceVersion counter for everything, as etcd's revision. */
export class ObjectStore {
  #revision = 0;
  readonly #objects = new Map<string, Map<string, KubeObject>>();

  static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ""}/${name}`;
  }

  #table(type: ResourceType): Map<string, KubeObject> {
    const id = `${type.group}/${type.resource}`;
    let t = this.#objects.get(id);
    if (!t) this.#objects.set(id, (t = new Map()));
    return t;
  }

  nextRevision(): string {
    return String(++this.#revision);
  }

  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.#table(type).get(ObjectStore.key(namespace, name));
  }

  list(type: ResourceType, namespace?: string): KubeObject[] {
    const all = [...this.#table(type).values()];
    return namespace === undefined ? all : all.filter((o) => o.metadata.namespace === namespace);
  }

  put(type: ResourceType, obj: KubeObject): KubeObject {
    obj.metadata.resourceVersion = this.nextRevision();
    this.#table(type).set(ObjectStore.key(obj.metadata.namespace, obj.metadata.name), obj);
    return obj;
  }

  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.#table(type);
    const k = ObjectStore.key(namespace, name);
    const obj = t.get(k);
    if (obj) {
      t.delete(k);
      this.nextRevision();
    }
    return obj;
  }

  /** Every stored object whose ownerReferences name `uid`, with its type. */
  dependentsOf(uid: string, types: readonly ResourceType[]): { type: ResourceType; obj: KubeObject }[] {
    const out: { type: ResourceType; obj: KubeObject }[] = [];
    for (const type of types) {
      for (const obj of this.#table(type).values()) {
        if (obj.metadata.ownerReferences?.some((o) => o.uid === uid)) out.push({ type, obj });
      }
    }
    return out;
  }

  get revision(): number {
    return this.#revision;
  }
}

export function newUid(): string {
  return randomUUID();
}
