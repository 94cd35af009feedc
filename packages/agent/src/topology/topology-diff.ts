import { type Entity, type Relation, type RelationKey, type TopologyDelta } from "@causeway/protocol";

/** The agent's share of the topology at one moment. */
export interface TopologySnapshot {
  readonly entities: ReadonlyMap<string, Entity>;
  /** Keyed by `from|to|type`. */
  readonly relations: ReadonlyMap<string, Relation>;
}

export function relationKey(r: RelationKey): string {
  return `${r.fromId}|${r.toId}|${r.type}`;
}

function fingerprint(value: Entity | Relation): string {
  const attrs = Object.entries(value.attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return JSON.stringify([value, attrs].map((v, i) => (i === 0 ? { ...value, attributes: undefined } : v)));
}

/**
 * Remembers what was last sent and turns the next snapshot into a delta: upserts for new or
 * changed entities and relations, deletes for vanished ones. Ids are stable (derived from names),
 * so an unchanged object is never re-sent.
 */
export class TopologyDiffer {
  #entities = new Map<string, string>();
  #relations = new Map<string, string>();

  /** Forgets what was sent: the next delta is a full snapshot. */
  reset(): void {
    this.#entities = new Map();
    this.#relations = new Map();
  }

  /** Returns the delta from the last snapshot (undefined when nothing changed). */
  diff(next: TopologySnapshot, full = false): TopologyDelta | undefined {
    if (full) this.reset();
    const upsertEntities: Entity[] = [];
    const upsertRelations: Relation[] = [];
    const entities = new Map<string, string>();
    const relations = new Map<string, string>();
    for (const [id, entity] of next.entities) {
      const fp = fingerprint(entity);
      entities.set(id, fp);
      if (this.#entities.get(id) !== fp) upsertEntities.push(entity);
    }
    for (const [key, relation] of next.relations) {
      const fp = fingerprint(relation);
      relations.set(key, fp);
      if (this.#relations.get(key) !== fp) upsertRelations.push(relation);
    }
    const deleteEntityIds = [...this.#entities.keys()].filter((id) => !entities.has(id));
    const deleteRelations: RelationKey[] = [...this.#relations.keys()]
      .filter((k) => !relations.has(k))
      .map((k) => {
        const [fromId, toId, type] = k.split("|") as [string, string, string];
        return { fromId, toId, type };
      });
    this.#entities = entities;
    this.#relations = relations;
    if (
      !full &&
      upsertEntities.length + upsertRelations.length + deleteEntityIds.length + deleteRelations.length === 0
    ) {
      return undefined;
    }
    return { upsertEntities, deleteEntityIds, upsertRelations, deleteRelations, fullSnapshot: full };
  }
}
