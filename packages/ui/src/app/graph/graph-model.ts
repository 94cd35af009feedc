/** An entity as /api/v1/topology returns it (fields the graph needs; the rest is ignored). */
export interface TopologyEntity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** A relation as /api/v1/topology returns it. */
export interface TopologyRelation {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
}

/**
 * The topology in flat arrays indexed by entity number, which the layout, the spatial index and
 * the renderer share: 10,000 entities stay a few hundred kilobytes and iterate without allocation.
 * Relations to entities that are not loaded are dropped (counted in `danglingRelations`).
 */
export class GraphModel {
  readonly ids: readonly string[];
  readonly kinds: readonly string[];
  readonly names: readonly string[];
  readonly namespaces: readonly string[];
  readonly indexOf: ReadonlyMap<string, number>;
  readonly edgeFrom: Int32Array;
  readonly edgeTo: Int32Array;
  /** Index into `edgeTypes`. */
  readonly edgeType: Uint8Array;
  readonly edgeTypes: readonly string[];
  readonly danglingRelations: number;

  private constructor(init: {
    ids: string[];
    kinds: string[];
    names: string[];
    namespaces: string[];
    indexOf: Map<string, number>;
    edgeFrom: Int32Array;
    edgeTo: Int32Array;
    edgeType: Uint8Array;
    edgeTypes: string[];
    danglingRelations: number;
  }) {
    this.ids = init.ids;
    this.kinds = init.kinds;
    this.names = init.names;
    this.namespaces = init.namespaces;
    this.indexOf = init.indexOf;
    this.edgeFrom = init.edgeFrom;
    this.edgeTo = init.edgeTo;
    this.edgeType = init.edgeType;
    this.edgeTypes = init.edgeTypes;
    this.danglingRelations = init.danglingRelations;
  }

  get size(): number {
    return this.ids.length;
  }

  get edgeCount(): number {
    return this.edgeFrom.length;
  }

  /** Builds the model; a repeated entity id keeps its last occurrence's fields. */
  static build(entities: readonly TopologyEntity[], relations: readonly TopologyRelation[]): GraphModel {
    const indexOf = new Map<string, number>();
    const ids: string[] = [];
    const kinds: string[] = [];
    const names: string[] = [];
    const namespaces: string[] = [];
    for (const e of entities) {
      const existing = indexOf.get(e.id);
      const i = existing ?? ids.length;
      if (existing === undefined) {
        indexOf.set(e.id, i);
        ids.push(e.id);
      }
      kinds[i] = String(e.kind ?? "");
      names[i] = String(e.name ?? e.id);
      namespaces[i] = String(e.namespace ?? "");
    }
    const typeIndex = new Map<string, number>();
    const edgeTypes: string[] = [];
    const from: number[] = [];
    const to: number[] = [];
    const type: number[] = [];
    const seen = new Set<string>();
    let dangling = 0;
    for (const r of relations) {
      const f = indexOf.get(r.fromId);
      const t = indexOf.get(r.toId);
      if (f === undefined || t === undefined) {
        dangling++;
        continue;
      }
      const key = `${f}\u0000${t}\u0000${r.type}`;
      if (seen.has(key)) continue;
      seen.add(key);
      let ti = typeIndex.get(r.type);
      if (ti === undefined) {
        ti = Math.min(edgeTypes.length, 255);
        if (edgeTypes.length < 256) {
          typeIndex.set(r.type, ti);
          edgeTypes.push(r.type);
        }
      }
      from.push(f);
      to.push(t);
      type.push(ti);
    }
    return new GraphModel({
      ids,
      kinds,
      names,
      namespaces,
      indexOf,
      edgeFrom: Int32Array.from(from),
      edgeTo: Int32Array.from(to),
      edgeType: Uint8Array.from(type),
      edgeTypes,
      danglingRelations: dangling,
    });
  }

  /** Sorted distinct namespaces ("" for cluster-scoped entities included when present). */
  namespaceList(): string[] {
    return [...new Set(this.namespaces)].sort();
  }

  /** Sorted distinct kinds with their counts. */
  kindCounts(): { kind: string; count: number }[] {
    const counts = new Map<string, number>();
    for (const k of this.kinds) counts.set(k, (counts.get(k) ?? 0) + 1);
    return [...counts].map(([kind, count]) => ({ kind, count })).sort((a, b) => (a.kind < b.kind ? -1 : 1));
  }
}

/** Which entities to show. `undefined` namespace means every namespace. */
export interface GraphFilter {
  readonly namespace?: string;
  /** Shown kinds; `undefined` means every kind. */
  readonly kinds?: ReadonlySet<string>;
}

/** 1 for each entity the filter keeps. */
export function filterMask(model: GraphModel, filter: GraphFilter): Uint8Array {
  const mask = new Uint8Array(model.size);
  for (let i = 0; i < model.size; i++) {
    const nsOk = filter.namespace === undefined || model.namespaces[i] === filter.namespace;
    const kindOk = !filter.kinds || filter.kinds.has(model.kinds[i] as string);
    mask[i] = nsOk && kindOk ? 1 : 0;
  }
  return mask;
}

/** Indices of entities whose name or id contains `query` (case-insensitive), best matches first. */
export function searchEntities(model: GraphModel, query: string, limit: number, mask?: Uint8Array): number[] {
  const q = query.trim().toLowerCase();
  if (q === "") return [];
  const exact: number[] = [];
  const prefix: number[] = [];
  const inner: number[] = [];
  for (let i = 0; i < model.size; i++) {
    if (mask && mask[i] === 0) continue;
    const name = (model.names[i] as string).toLowerCase();
    if (name === q) exact.push(i);
    else if (name.startsWith(q)) prefix.push(i);
    else if (name.includes(q) || (model.ids[i] as string).toLowerCase().includes(q)) inner.push(i);
    if (exact.length >= limit) break;
  }
  const byName = (a: number, b: number) => {
    const na = model.names[a] as string;
    const nb = model.names[b] as string;
    return na.length - nb.length || (na < nb ? -1 : na > nb ? 1 : 0);
  };
  return [...exact, ...prefix.sort(byName), ...inner.sort(byName)].slice(0, limit);
}
