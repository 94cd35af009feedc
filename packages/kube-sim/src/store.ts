import { randomUUID } from "node:crypto";
import { fieldValues } from "./selectors.js";
import { RESOURCE_TYPES, type ResourceType } from "./resources.js";

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
    ownerReferences?: {
      apiVersion?: string;
      uid: string;
      kind: string;
      name: string;
      controller?: boolean;
      blockOwnerDeletion?: boolean;
    }[];
    finalizers?: string[];
    deletionTimestamp?: string;
    [k: string]: unknown;
  };
};

/**
 * One stored version of an object: its serialized bytes, never mutated, plus what selectors and
 * indexes need without parsing. Lists and watches write `raw` as is.
 */
export interface StoredEntry {
  /** "" for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
  readonly uid: string;
  readonly rv: number;
  readonly labels: Readonly<Record<string, string>> | undefined;
  /** Values of the type's field labels (metadata.name, metadata.namespace and the type's own). */
  readonly fields: Readonly<Record<string, string>>;
  readonly ownerUids: readonly string[] | undefined;
  readonly raw: Buffer;
}

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

/** A change, as watchers and controllers see it. `prev` is the version it replaced. */
export interface StoreEvent {
  readonly type: ResourceType;
  readonly eventType: WatchEventType;
  readonly entry: StoredEntry;
  readonly prev: StoredEntry | undefined;
}

/** A watch registered with the store; pins let the store deliver only to interested watchers. */
export interface StoreWatcher {
  /** Only events in this namespace. */
  readonly namespace: string | undefined;
  /** Pods only: only events whose old or new spec.nodeName is this. */
  readonly nodeName: string | undefined;
  deliver(event: StoreEvent): void;
}

/** Objects in one namespace (or the cluster scope) of one type, with names kept sorted lazily. */
class NamespaceTable {
  readonly entries = new Map<string, StoredEntry>();
  #sorted: string[] = [];
  #dirty = false;
  /** Entries in name order, rebuilt on the first read after a change (lists read far more than once). */
  #sortedEntries: StoredEntry[] | undefined;

  set(entry: StoredEntry): void {
    const isNew = !this.entries.has(entry.name);
    this.entries.set(entry.name, entry);
    this.#sortedEntries = undefined;
    if (!isNew || this.#dirty) {
      if (isNew) this.#dirty = true;
      return;
    }
    const last = this.#sorted[this.#sorted.length - 1];
    if (last === undefined || entry.name > last) this.#sorted.push(entry.name);
    else if (this.#sorted.length < 4096)
      this.#sorted.splice(lowerBound(this.#sorted, entry.name), 0, entry.name);
    // Bulk loads in random order sort once, on the next read.
    else this.#dirty = true;
  }

  delete(name: string): StoredEntry | undefined {
    const entry = this.entries.get(name);
    if (!entry) return undefined;
    this.entries.delete(name);
    this.#sortedEntries = undefined;
    if (!this.#dirty) {
      const i = lowerBound(this.#sorted, name);
      if (this.#sorted[i] === name) this.#sorted.splice(i, 1);
    }
    return entry;
  }

  /** Names in ascending order. The array is shared: callers must not modify it. */
  sortedNames(): readonly string[] {
    if (this.#dirty) {
      this.#sorted = [...this.entries.keys()].sort();
      this.#dirty = false;
    }
    return this.#sorted;
  }

  /** Entries in name order, aligned with {@link sortedNames}. Shared: callers must not modify it. */
  sortedEntries(): readonly StoredEntry[] {
    if (!this.#sortedEntries) {
      const names = this.sortedNames();
      const out = new Array<StoredEntry>(names.length);
      for (let i = 0; i < names.length; i++) out[i] = this.entries.get(names[i] as string) as StoredEntry;
      this.#sortedEntries = out;
    }
    return this.#sortedEntries;
  }
}

function lowerBound(sorted: readonly string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Everything stored of one type: per-namespace tables, a node index for pods, the event window. */
class TypeTable {
  readonly namespaces = new Map<string, NamespaceTable>();
  #sortedNamespaces: string[] | undefined;
  size = 0;
  /** Pods by spec.nodeName ("" for unscheduled). */
  readonly byNode: Map<string, Map<string, StoredEntry>> | undefined;
  readonly history: (StoreEvent | undefined)[];
  historyStart = 0;
  historyLength = 0;
  /** Watching from a resourceVersion below this is 410 Gone: its events were evicted. */
  floorRv: number;
  readonly watchersAll = new Set<StoreWatcher>();
  readonly watchersByNamespace = new Map<string, Set<StoreWatcher>>();
  readonly watchersByNode = new Map<string, Set<StoreWatcher>>();
  /** Bumped on every change; caches of parsed objects (RBAC) key on it. */
  generation = 0;

  constructor(
    readonly type: ResourceType,
    historySize: number,
    floorRv: number,
  ) {
    this.byNode = type.resource === "pods" && type.group === "" ? new Map() : undefined;
    this.history = new Array<StoreEvent | undefined>(historySize);
    this.floorRv = floorRv;
  }

  table(namespace: string, create: boolean): NamespaceTable | undefined {
    let table = this.namespaces.get(namespace);
    if (!table && create) {
      this.namespaces.set(namespace, (table = new NamespaceTable()));
      this.#sortedNamespaces = undefined;
    }
    return table;
  }

  dropNamespace(namespace: string): void {
    this.namespaces.delete(namespace);
    this.#sortedNamespaces = undefined;
  }

  sortedNamespaces(): readonly string[] {
    this.#sortedNamespaces ??= [...this.namespaces.keys()].sort();
    return this.#sortedNamespaces;
  }

  record(event: StoreEvent): void {
    const capacity = this.history.length;
    if (capacity === 0) {
      this.floorRv = event.entry.rv;
      return;
    }
    if (this.historyLength === capacity) {
      const evicted = this.history[this.historyStart] as StoreEvent;
      this.floorRv = evicted.entry.rv;
      this.history[this.historyStart] = event;
      this.historyStart = (this.historyStart + 1) % capacity;
    } else {
      this.history[(this.historyStart + this.historyLength) % capacity] = event;
      this.historyLength++;
    }
  }

  /** Events with resourceVersion above `rv`, oldest first. */
  eventsAfter(rv: number): StoreEvent[] {
    const capacity = this.history.length;
    const out: StoreEvent[] = [];
    // Binary search over the ring for the first event newer than rv.
    let lo = 0;
    let hi = this.historyLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const e = this.history[(this.historyStart + mid) % capacity] as StoreEvent;
      if (e.entry.rv <= rv) lo = mid + 1;
      else hi = mid;
    }
    for (let i = lo; i < this.historyLength; i++)
      out.push(this.history[(this.historyStart + i) % capacity] as StoreEvent);
    return out;
  }
}

export interface ObjectStoreOptions {
  /** Watch events kept per type; watching from an older resourceVersion gets 410 Gone. */
  readonly watchHistorySize?: number;
}

/** Default number of watch events kept per resource type. */
export const DEFAULT_WATCH_HISTORY_SIZE = 10_000;

/**
 * In-memory storage with one resourceVersion counter for everything, as etcd's revision. Objects
 * are stored serialized and never mutated; reads hand out fresh parsed copies.
 */
export class ObjectStore {
  #revision = 0;
  readonly #tables = new Map<string, TypeTable>();
  /** Owner UID → keys (`typeId|namespace|name`) of objects naming it in ownerReferences. */
  readonly #dependents = new Map<string, Set<string>>();
  readonly #listeners = new Set<(event: StoreEvent) => void>();
  readonly #historySize: number;
  #slab: SlabAllocator | undefined;

  constructor(options: ObjectStoreOptions = {}) {
    this.#historySize = options.watchHistorySize ?? DEFAULT_WATCH_HISTORY_SIZE;
  }

  static key(namespace: string | undefined, name: string): string {
    return `${namespace ?? ""}/${name}`;
  }

  #table(type: ResourceType): TypeTable {
    let t = this.#tables.get(type.id);
    if (!t) this.#tables.set(type.id, (t = new TypeTable(type, this.#historySize, this.#revision)));
    return t;
  }

  get revision(): number {
    return this.#revision;
  }

  /** The stored entry, without parsing. */
  entry(type: ResourceType, namespace: string | undefined, name: string): StoredEntry | undefined {
    return this.#table(type)
      .namespaces.get(namespace ?? "")
      ?.entries.get(name);
  }

  /** A fresh parsed copy of the stored object. */
  get(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const e = this.entry(type, namespace, name);
    return e ? parseEntry(e) : undefined;
  }

  /** Number of stored objects of a type. */
  count(type: ResourceType): number {
    return this.#table(type).size;
  }

  /** Bumped on every change of the type. */
  generation(type: ResourceType): number {
    return this.#table(type).generation;
  }

  /**
   * Entries in (namespace, name) order, starting after `after` when given. With `nodeName`
   * (pods), only that node's pods.
   */
  *entries(
    type: ResourceType,
    options: { namespace?: string; nodeName?: string; after?: { namespace: string; name: string } } = {},
  ): Generator<StoredEntry> {
    const t = this.#table(type);
    const after = options.after;
    if (options.nodeName !== undefined && t.byNode) {
      const onNode = [...(t.byNode.get(options.nodeName)?.values() ?? [])]
        .filter((e) => options.namespace === undefined || e.namespace === options.namespace)
        .filter((e) => !after || compareKey(e, after) > 0)
        .sort(compareEntries);
      yield* onNode;
      return;
    }
    const namespaces = options.namespace !== undefined ? [options.namespace] : t.sortedNamespaces();
    let start = 0;
    if (after && options.namespace === undefined) start = lowerBound(namespaces, after.namespace);
    for (let i = start; i < namespaces.length; i++) {
      const ns = namespaces[i] as string;
      const table = t.namespaces.get(ns);
      if (!table) continue;
      const names = table.sortedNames();
      let j = 0;
      if (after && ns === after.namespace) {
        j = lowerBound(names, after.name);
        if (names[j] === after.name) j++;
      } else if (after && ns < after.namespace) continue;
      // A snapshot: a change during iteration (a consumer that writes) does not disturb it.
      const sorted = table.sortedEntries();
      for (; j < sorted.length; j++) {
        yield sorted[j] as StoredEntry;
      }
    }
  }

  /** How many objects (in one namespace, or all) sort after `after`, without iterating them. */
  countAfter(type: ResourceType, after: { namespace: string; name: string }, namespace?: string): number {
    const t = this.#table(type);
    const namespaces = namespace !== undefined ? [namespace] : t.sortedNamespaces();
    let n = 0;
    for (const ns of namespaces) {
      const table = t.namespaces.get(ns);
      if (!table || ns < after.namespace) continue;
      if (ns === after.namespace) {
        const names = table.sortedNames();
        let j = lowerBound(names, after.name);
        if (names[j] === after.name) j++;
        n += names.length - j;
      } else n += table.entries.size;
    }
    return n;
  }

  /** Fresh parsed copies of every object of a type (optionally in one namespace). */
  list(type: ResourceType, namespace?: string): KubeObject[] {
    const out: KubeObject[] = [];
    for (const e of this.entries(type, namespace !== undefined ? { namespace } : {})) out.push(parseEntry(e));
    return out;
  }

  /**
   * Stores `obj` (create or replace) under a new resourceVersion, which it sets on `obj`, and
   * tells watchers and controllers. Returns `obj`.
   */
  put(type: ResourceType, obj: KubeObject): KubeObject {
    const t = this.#table(type);
    const namespace = type.namespaced ? (obj.metadata.namespace ?? "") : "";
    const prev = t.namespaces.get(namespace)?.entries.get(obj.metadata.name);
    const rv = ++this.#revision;
    obj.metadata.resourceVersion = String(rv);
    const entry = makeEntry(type, obj, rv, this.#slab);
    const table = t.table(namespace, true) as NamespaceTable;
    table.set(entry);
    if (!prev) t.size++;
    this.#indexOwners(type, prev, entry);
    this.#indexNode(t, prev, entry);
    this.#emit(t, { type, eventType: prev ? "MODIFIED" : "ADDED", entry, prev });
    return obj;
  }

  /** Removes an object; the DELETED event carries its last state under a new resourceVersion. */
  delete(type: ResourceType, namespace: string | undefined, name: string): KubeObject | undefined {
    const t = this.#table(type);
    const ns = type.namespaced ? (namespace ?? "") : "";
    const table = t.namespaces.get(ns);
    const prev = table?.delete(name);
    if (!table || !prev) return undefined;
    t.size--;
    if (table.entries.size === 0) t.dropNamespace(ns);
    const obj = parseEntry(prev);
    const rv = ++this.#revision;
    obj.metadata.resourceVersion = String(rv);
    const entry = makeEntry(type, obj, rv);
    this.#indexOwners(type, prev, undefined);
    this.#indexNode(t, prev, undefined);
    this.#emit(t, { type, eventType: "DELETED", entry, prev });
    return obj;
  }

  /** Every stored object naming `uid` in its ownerReferences, with its type. */
  dependentsOf(
    uid: string,
    types: readonly ResourceType[] = RESOURCE_TYPES,
  ): { type: ResourceType; obj: KubeObject }[] {
    const out: { type: ResourceType; obj: KubeObject }[] = [];
    const wanted = new Set(types.map((x) => x.id));
    for (const key of this.#dependents.get(uid) ?? []) {
      const [typeId, ns, name] = key.split("|") as [string, string, string];
      if (!wanted.has(typeId)) continue;
      const type = this.#tables.get(typeId)?.type;
      const e = type ? this.entry(type, ns, name) : undefined;
      if (type && e) out.push({ type, obj: parseEntry(e) });
    }
    return out;
  }

  /** Entries of one type naming `uid` in their ownerReferences, without parsing. */
  dependentEntries(uid: string, type: ResourceType): StoredEntry[] {
    const out: StoredEntry[] = [];
    for (const key of this.#dependents.get(uid) ?? []) {
      const [typeId, ns, name] = key.split("|") as [string, string, string];
      if (typeId !== type.id) continue;
      const e = this.entry(type, ns, name);
      if (e) out.push(e);
    }
    return out;
  }

  /**
   * Runs a bulk load: objects stored meanwhile are serialized into large shared slabs instead of
   * one small buffer each, which makes loading 150,000 pods several times cheaper. A slab lives
   * while any object in it does, so this is for data that mostly stays (generated clusters).
   */
  bulkLoad<T>(fn: () => T): T {
    const outer = this.#slab;
    this.#slab ??= new SlabAllocator();
    try {
      return fn();
    } finally {
      this.#slab = outer;
    }
  }

  /** Registers an in-process listener (controllers) for every change. Returns an unsubscribe. */
  onChange(listener: (event: StoreEvent) => void): () => void {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  }

  /** The lowest resourceVersion a watch of this type may start from (older is 410 Gone). */
  historyFloor(type: ResourceType): number {
    return this.#table(type).floorRv;
  }

  /** Retained events newer than `rv`, oldest first. */
  eventsAfter(type: ResourceType, rv: number): StoreEvent[] {
    return this.#table(type).eventsAfter(rv);
  }

  addWatcher(type: ResourceType, w: StoreWatcher): () => void {
    const t = this.#table(type);
    let set: Set<StoreWatcher>;
    if (w.nodeName !== undefined && t.byNode) set = getOrCreate(t.watchersByNode, w.nodeName);
    else if (w.namespace !== undefined) set = getOrCreate(t.watchersByNamespace, w.namespace);
    else set = t.watchersAll;
    set.add(w);
    return () => set.delete(w);
  }

  #emit(t: TypeTable, event: StoreEvent): void {
    t.generation++;
    t.record(event);
    for (const w of t.watchersAll) w.deliver(event);
    const ns = event.entry.namespace;
    const byNs = t.watchersByNamespace.get(ns);
    if (byNs) for (const w of byNs) w.deliver(event);
    if (t.byNode) {
      const now = event.entry.fields["spec.nodeName"] ?? "";
      const before = event.prev?.fields["spec.nodeName"];
      for (const w of t.watchersByNode.get(now) ?? []) w.deliver(event);
      if (before !== undefined && before !== now)
        for (const w of t.watchersByNode.get(before) ?? []) w.deliver(event);
    }
    for (const l of this.#listeners) l(event);
  }

  #indexOwners(type: ResourceType, prev: StoredEntry | undefined, next: StoredEntry | undefined): void {
    const key = (e: StoredEntry) => `${type.id}|${e.namespace}|${e.name}`;
    for (const uid of prev?.ownerUids ?? []) {
      if (next?.ownerUids?.includes(uid)) continue;
      const set = this.#dependents.get(uid);
      set?.delete(key(prev as StoredEntry));
      if (set?.size === 0) this.#dependents.delete(uid);
    }
    for (const uid of next?.ownerUids ?? []) getOrCreate(this.#dependents, uid).add(key(next as StoredEntry));
  }

  #indexNode(t: TypeTable, prev: StoredEntry | undefined, next: StoredEntry | undefined): void {
    if (!t.byNode) return;
    const key = (e: StoredEntry) => `${e.namespace}/${e.name}`;
    if (prev) {
      const node = prev.fields["spec.nodeName"] ?? "";
      const m = t.byNode.get(node);
      m?.delete(key(prev));
      if (m?.size === 0) t.byNode.delete(node);
    }
    if (next) {
      const node = next.fields["spec.nodeName"] ?? "";
      let m = t.byNode.get(node);
      if (!m) t.byNode.set(node, (m = new Map()));
      m.set(key(next), next);
    }
  }
}

function getOrCreate<K, V>(map: Map<K, Set<V>>, key: K): Set<V> {
  let s = map.get(key);
  if (!s) map.set(key, (s = new Set()));
  return s;
}

function compareKey(e: StoredEntry, k: { namespace: string; name: string }): number {
  if (e.namespace !== k.namespace) return e.namespace < k.namespace ? -1 : 1;
  return e.name < k.name ? -1 : e.name > k.name ? 1 : 0;
}

function compareEntries(a: StoredEntry, b: StoredEntry): number {
  return compareKey(a, b);
}

const SLAB_BYTES = 4 * 1024 * 1024;

/** Hands out exact-size views of large buffers. */
class SlabAllocator {
  #slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
  #used = 0;

  copy(text: string): Buffer {
    const length = Buffer.byteLength(text);
    if (length > SLAB_BYTES / 4) return Buffer.from(text);
    if (this.#used + length > SLAB_BYTES) {
      this.#slab = Buffer.allocUnsafeSlow(SLAB_BYTES);
      this.#used = 0;
    }
    const start = this.#used;
    this.#slab.write(text, start, "utf8");
    this.#used += length;
    return this.#slab.subarray(start, start + length);
  }
}

/** Serializes an object (whose resourceVersion is already set) into a stored entry. */
export function makeEntry(
  type: ResourceType,
  obj: KubeObject,
  rv: number,
  slab?: SlabAllocator,
): StoredEntry {
  const meta = obj.metadata;
  const owners = meta.ownerReferences;
  return {
    namespace: type.namespaced ? (meta.namespace ?? "") : "",
    name: meta.name,
    uid: meta.uid,
    rv,
    labels: meta.labels ? { ...meta.labels } : undefined,
    fields: fieldValues(type, obj),
    ownerUids: owners && owners.length > 0 ? owners.map((o) => o.uid) : undefined,
    raw: slab ? slab.copy(JSON.stringify(obj)) : Buffer.from(JSON.stringify(obj)),
  };
}

/** A fresh parsed copy of a stored entry. */
export function parseEntry(e: StoredEntry): KubeObject {
  return JSON.parse(e.raw.toString("utf8")) as KubeObject;
}

export function newUid(): string {
  return randomUUID();
}
