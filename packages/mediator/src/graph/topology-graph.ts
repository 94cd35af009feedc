import { StringInterner } from "./interner.js";

/** Who reported an entity or relation: "kubernetes", "otlp" or "agent:<agent id>". */
export type GraphSource = string;

export interface GraphEntity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  /** Empty for cluster-scoped entities. */
  readonly namespace: string;
  attributes: Record<string, string>;
  /** Shared and frozen: replaced, never changed in place. */
  sources: readonly GraphSource[];
  updatedUnixMs: number;
}

export interface GraphRelation {
  readonly key: string;
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
  attributes: Record<string, string>;
  sources: readonly GraphSource[];
  updatedUnixMs: number;
}

export interface EntityInput {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

export interface RelationInput {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** One change to the graph, as listeners see it. */
export type GraphChange =
  | { readonly op: "upsert-entity"; readonly entity: GraphEntity }
  | { readonly op: "delete-entity"; readonly entity: GraphEntity }
  | { readonly op: "upsert-relation"; readonly relation: GraphRelation }
  | { readonly op: "delete-relation"; readonly relation: GraphRelation };

export type GraphListener = (change: GraphChange) => void;

/** The identity of a relation: `(from, to, type)` (docs/adr/0002). */
export function relationKey(fromId: string, toId: string, type: string): string {
  return `${fromId}\u0000${type}\u0000${toId}`;
}

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ak = Object.keys(a);
  if (ak.length !== Object.keys(b).length) return false;
  for (const k of ak) if (a[k] !== b[k]) return false;
  return true;
}

/** Attributes whose values repeat across many entities (unique values such as IPs are not interned). */
const SHARED_VALUE_KEYS: ReadonlySet<string> = new Set([
  "node_name",
  "phase",
  "image",
  "memory_limit_bytes",
  "memory_request_bytes",
  "cpu_limit_millicores",
  "cpu_request_millicores",
  "revision",
  "replicas",
  "qos_class",
  "source",
]);

const EMPTY: readonly GraphRelation[] = Object.freeze([]);
const NO_ATTRIBUTES: Record<string, string> = Object.freeze({}) as Record<string, string>;

/**
 * The live topology: entities with stable ids and typed, directed relations, each carrying the
 * sources that reported it. An entity or relation lives while at least one source reports it.
 * Indexed by kind, namespace and adjacency in both directions, so that neighbourhoods and
 * filtered pages never scan the whole graph; kinds, namespaces and attribute names are interned.
 */
export class TopologyGraph {
  readonly #entities = new Map<string, GraphEntity>();
  readonly #relations = new Map<string, GraphRelation>();
  // Adjacency as small arrays: most entities have one to three relations, where a Set costs far more.
  readonly #out = new Map<string, GraphRelation[]>();
  readonly #in = new Map<string, GraphRelation[]>();
  /** One shared array per distinct list of sources (most entities share ["kubernetes"]). */
  readonly #sourceLists = new Map<string, readonly string[]>();
  readonly #byKind = new Map<string, Set<string>>();
  readonly #byNamespace = new Map<string, Set<string>>();
  readonly #listeners: GraphListener[] = [];
  readonly #strings = new StringInterner();
  readonly #clock: () => number;
  /** What each source reports, except the bulk sources (Kubernetes) that never replace wholesale. */
  readonly #bySource = new Map<string, { entities: Set<string>; relations: Set<string> }>();
  readonly #unindexedSources: ReadonlySet<string>;
  #version = 0;

  constructor(
    options: { readonly clock?: () => number; readonly unindexedSources?: readonly string[] } = {},
  ) {
    this.#clock = options.clock ?? Date.now;
    this.#unindexedSources = new Set(options.unindexedSources ?? ["kubernetes"]);
  }

  #sourceIndex(source: string): { entities: Set<string>; relations: Set<string> } | undefined {
    if (this.#unindexedSources.has(source)) return undefined;
    let index = this.#bySource.get(source);
    if (!index) this.#bySource.set(source, (index = { entities: new Set(), relations: new Set() }));
    return index;
  }

  #dropFromSource(source: string, kind: "entities" | "relations", key: string): void {
    const index = this.#bySource.get(source);
    if (!index) return;
    index[kind].delete(key);
    if (index.entities.size === 0 && index.relations.size === 0) this.#bySource.delete(source);
  }

  /** Increases on every change; lets readers tell whether anything changed since they looked. */
  get version(): number {
    return this.#version;
  }

  get entityCount(): number {
    return this.#entities.size;
  }

  get relationCount(): number {
    return this.#relations.size;
  }

  onChange(listener: GraphListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  intern(value: string): string {
    return this.#strings.intern(value);
  }

  getEntity(id: string): GraphEntity | undefined {
    return this.#entities.get(id);
  }

  hasEntity(id: string): boolean {
    return this.#entities.has(id);
  }

  getRelation(fromId: string, toId: string, type: string): GraphRelation | undefined {
    return this.#relations.get(relationKey(fromId, toId, type));
  }

  entities(): IterableIterator<GraphEntity> {
    return this.#entities.values();
  }

  relations(): IterableIterator<GraphRelation> {
    return this.#relations.values();
  }

  /** Ids of every entity of `kind`. */
  idsOfKind(kind: string): ReadonlySet<string> {
    return this.#byKind.get(kind) ?? new Set();
  }

  /** Ids of every entity in `namespace` ("" for cluster-scoped ones). */
  idsInNamespace(namespace: string): ReadonlySet<string> {
    return this.#byNamespace.get(namespace) ?? new Set();
  }

  kinds(): string[] {
    return [...this.#byKind.keys()];
  }

  outgoing(id: string): readonly GraphRelation[] {
    return this.#out.get(id) ?? EMPTY;
  }

  incoming(id: string): readonly GraphRelation[] {
    return this.#in.get(id) ?? EMPTY;
  }

  #sources(list: readonly string[]): string[] {
    const key = list.join("\u0000");
    let shared = this.#sourceLists.get(key);
    if (!shared) {
      shared = Object.freeze(list.map((s) => this.#strings.intern(s)));
      this.#sourceLists.set(key, shared);
    }
    return shared as string[];
  }

  /** Ids of the entities `id` points to with relations of `type`. */
  targets(id: string, type: string): string[] {
    const out: string[] = [];
    for (const r of this.outgoing(id)) if (r.type === type) out.push(r.toId);
    return out;
  }

  /** Ids of the entities pointing to `id` with relations of `type`. */
  sourcesOf(id: string, type: string): string[] {
    const out: string[] = [];
    for (const r of this.incoming(id)) if (r.type === type) out.push(r.fromId);
    return out;
  }

  /**
   * Adds or updates an entity as reported by `source`. With `replaceAttributes`, the source's view
   * replaces the attributes (when it is the only source); otherwise they merge.
   */
  upsertEntity(source: GraphSource, input: EntityInput, options: { replaceAttributes?: boolean } = {}): void {
    const now = this.#clock();
    const existing = this.#entities.get(input.id);
    const attrs = this.#internAttributes(input.attributes ?? {});
    if (!existing) {
      const entity: GraphEntity = {
        id: input.id,
        kind: this.#strings.intern(input.kind),
        name: input.name,
        namespace: this.#strings.intern(input.namespace ?? ""),
        attributes: attrs,
        sources: this.#sources([source]),
        updatedUnixMs: now,
      };
      this.#entities.set(entity.id, entity);
      this.#index(this.#byKind, entity.kind, entity.id);
      this.#index(this.#byNamespace, entity.namespace, entity.id);
      this.#sourceIndex(source)?.entities.add(entity.id);
      this.#emit({ op: "upsert-entity", entity });
      return;
    }
    let changed = false;
    if (!existing.sources.includes(source)) {
      existing.sources = this.#sources([...existing.sources, source]);
      this.#sourceIndex(source)?.entities.add(existing.id);
      changed = true;
    }
    const next =
      options.replaceAttributes && existing.sources.length === 1
        ? attrs
        : { ...existing.attributes, ...attrs };
    if (!sameAttributes(next, existing.attributes)) {
      existing.attributes = next;
      changed = true;
    }
    if (changed) {
      existing.updatedUnixMs = now;
      this.#emit({ op: "upsert-entity", entity: existing });
    }
  }

  /** Withdraws `source`'s report of an entity; the entity and its relations go when no source is left. */
  deleteEntity(source: GraphSource, id: string): void {
    const entity = this.#entities.get(id);
    if (!entity || !entity.sources.includes(source)) return;
    if (entity.sources.length > 1) {
      entity.sources = this.#sources(entity.sources.filter((s) => s !== source));
      this.#dropFromSource(source, "entities", id);
      return;
    }
    this.removeEntity(id);
  }

  /** Removes an entity and every relation touching it, whoever reported them. */
  removeEntity(id: string): void {
    const entity = this.#entities.get(id);
    if (!entity) return;
    for (const r of [...this.outgoing(id), ...this.incoming(id)]) this.#removeRelation(r);
    this.#entities.delete(id);
    for (const source of entity.sources) this.#dropFromSource(source, "entities", id);
    this.#unindex(this.#byKind, entity.kind, id);
    this.#unindex(this.#byNamespace, entity.namespace, id);
    this.#emit({ op: "delete-entity", entity });
  }

  upsertRelation(source: GraphSource, input: RelationInput): void {
    const key = relationKey(input.fromId, input.toId, input.type);
    const now = this.#clock();
    const attrs = this.#internAttributes(input.attributes ?? {});
    const existing = this.#relations.get(key);
    if (!existing) {
      const relation: GraphRelation = {
        key,
        fromId: input.fromId,
        toId: input.toId,
        type: this.#strings.intern(input.type),
        attributes: attrs,
        sources: this.#sources([source]),
        updatedUnixMs: now,
      };
      this.#relations.set(key, relation);
      this.#adjacent(this.#out, relation.fromId).push(relation);
      this.#adjacent(this.#in, relation.toId).push(relation);
      this.#sourceIndex(source)?.relations.add(key);
      this.#emit({ op: "upsert-relation", relation });
      return;
    }
    let changed = false;
    if (!existing.sources.includes(source)) {
      existing.sources = this.#sources([...existing.sources, source]);
      this.#sourceIndex(source)?.relations.add(key);
      changed = true;
    }
    if (Object.keys(attrs).length > 0) {
      const next = { ...existing.attributes, ...attrs };
      if (!sameAttributes(next, existing.attributes)) {
        existing.attributes = next;
        changed = true;
      }
    }
    existing.updatedUnixMs = now;
    if (changed) this.#emit({ op: "upsert-relation", relation: existing });
  }

  deleteRelation(source: GraphSource, fromId: string, toId: string, type: string): void {
    const relation = this.#relations.get(relationKey(fromId, toId, type));
    if (!relation || !relation.sources.includes(source)) return;
    if (relation.sources.length > 1) {
      relation.sources = this.#sources(relation.sources.filter((s) => s !== source));
      this.#dropFromSource(source, "relations", relation.key);
      return;
    }
    this.#removeRelation(relation);
  }

  /**
   * Makes `source`'s outgoing relations of `type` from `fromId` exactly `toIds` (as for a pod's
   * owner, node or a service's endpoints, which Kubernetes reports as a whole).
   */
  setRelations(source: GraphSource, fromId: string, type: string, toIds: readonly string[]): void {
    const wanted = new Set(toIds);
    for (const r of [...this.outgoing(fromId)]) {
      if (r.type === type && r.sources.includes(source) && !wanted.has(r.toId))
        this.deleteRelation(source, fromId, r.toId, type);
    }
    for (const toId of wanted) {
      const r = this.#relations.get(relationKey(fromId, toId, type));
      if (!r || !r.sources.includes(source)) this.upsertRelation(source, { fromId, toId, type });
    }
  }

  /** Ids of entities and keys of relations that `source` reports, for full-snapshot replacement. */
  reportedBy(source: GraphSource): { entityIds: string[]; relations: GraphRelation[] } {
    const index = this.#bySource.get(source);
    if (!this.#unindexedSources.has(source)) {
      const relations: GraphRelation[] = [];
      for (const key of index?.relations ?? []) {
        const r = this.#relations.get(key);
        if (r) relations.push(r);
      }
      return { entityIds: [...(index?.entities ?? [])], relations };
    }
    const entityIds: string[] = [];
    for (const e of this.#entities.values()) if (e.sources.includes(source)) entityIds.push(e.id);
    const relations: GraphRelation[] = [];
    for (const r of this.#relations.values()) if (r.sources.includes(source)) relations.push(r);
    return { entityIds, relations };
  }

  #removeRelation(relation: GraphRelation): void {
    if (!this.#relations.delete(relation.key)) return;
    for (const source of relation.sources) this.#dropFromSource(source, "relations", relation.key);
    this.#detach(this.#out, relation.fromId, relation);
    this.#detach(this.#in, relation.toId, relation);
    this.#emit({ op: "delete-relation", relation });
  }

  #detach(map: Map<string, GraphRelation[]>, id: string, relation: GraphRelation): void {
    const list = map.get(id);
    if (!list) return;
    const i = list.indexOf(relation);
    if (i < 0) return;
    // Order does not matter: move the last one into the hole.
    const last = list.pop() as GraphRelation;
    if (i < list.length) list[i] = last;
    if (list.length === 0) map.delete(id);
  }

  #internAttributes(attrs: Readonly<Record<string, string>>): Record<string, string> {
    if (Object.keys(attrs).length === 0) return NO_ATTRIBUTES;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(attrs)) {
      const key = this.#strings.intern(k);
      out[key] = SHARED_VALUE_KEYS.has(key) ? this.#strings.intern(v) : v;
    }
    return out;
  }

  #adjacent(map: Map<string, GraphRelation[]>, id: string): GraphRelation[] {
    let list = map.get(id);
    if (!list) map.set(id, (list = []));
    return list;
  }

  #index(map: Map<string, Set<string>>, key: string, id: string): void {
    let set = map.get(key);
    if (!set) map.set(key, (set = new Set()));
    set.add(id);
  }

  #unindex(map: Map<string, Set<string>>, key: string, id: string): void {
    const set = map.get(key);
    set?.delete(id);
    if (set?.size === 0) map.delete(key);
  }

  #emit(change: GraphChange): void {
    this.#version++;
    for (const listener of this.#listeners) listener(change);
  }
}
