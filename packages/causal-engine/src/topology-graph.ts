import { RELATION_TYPES } from "@causeway/protocol";
import { kindIndex } from "./model/compile-model.js";

/** An entity as the engine takes it: structurally the protocol's `Entity`. */
export interface EngineEntity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace?: string;
  readonly attributes?: Readonly<Record<string, string>>;
}

/** A relation as the engine takes it: structurally the protocol's `Relation`. */
export interface EngineRelation {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
}

const NO_ATTRIBUTES: Readonly<Record<string, string>> = Object.freeze({});

/**
 * The live topology as integer-indexed adjacency lists, one per relation type and direction, so
 * that paths are walked without string lookups. Only relation types the model follows are kept.
 * Indexes of removed entities are reused.
 */
export class TopologyGraph {
  readonly #index = new Map<string, number>();
  readonly ids: (string | undefined)[] = [];
  readonly kinds: number[] = [];
  readonly kindNames: string[] = [];
  readonly names: string[] = [];
  readonly namespaces: string[] = [];
  readonly attributes: Readonly<Record<string, string>>[] = [];
  /** Created by a relation before the entity itself arrived. */
  readonly placeholder: boolean[] = [];
  readonly #out: (number[] | undefined)[][];
  readonly #in: (number[] | undefined)[][];
  readonly #free: number[] = [];
  readonly #used: ReadonlySet<number>;
  #relationCount = 0;

  constructor(usedRelations: ReadonlySet<number>) {
    this.#used = usedRelations;
    this.#out = RELATION_TYPES.map(() => []);
    this.#in = RELATION_TYPES.map(() => []);
  }

  get entityCount(): number {
    return this.#index.size;
  }

  get relationCount(): number {
    return this.#relationCount;
  }

  indexOf(id: string): number {
    return this.#index.get(id) ?? -1;
  }

  /** Whether the graph keeps relations of this type index. */
  keeps(relation: number): boolean {
    return this.#used.has(relation);
  }

  /**
   * Adds or replaces an entity. Returns its index and whether anything the model can read
   * (kind, attributes) changed.
   */
  upsertEntity(e: EngineEntity): { index: number; created: boolean; changed: boolean } {
    const existing = this.#index.get(e.id);
    const attributes =
      e.attributes && Object.keys(e.attributes).length > 0 ? { ...e.attributes } : NO_ATTRIBUTES;
    if (existing !== undefined) {
      const changed =
        this.placeholder[existing] === true ||
        this.kindNames[existing] !== e.kind ||
        !sameAttributes(this.attributes[existing] ?? NO_ATTRIBUTES, attributes);
      this.kinds[existing] = kindIndex(e.kind);
      this.kindNames[existing] = e.kind;
      this.names[existing] = e.name;
      this.namespaces[existing] = e.namespace ?? "";
      this.attributes[existing] = attributes;
      this.placeholder[existing] = false;
      return { index: existing, created: false, changed };
    }
    const index = this.#allocate(e.id);
    this.kinds[index] = kindIndex(e.kind);
    this.kindNames[index] = e.kind;
    this.names[index] = e.name;
    this.namespaces[index] = e.namespace ?? "";
    this.attributes[index] = attributes;
    this.placeholder[index] = false;
    return { index, created: true, changed: true };
  }

  /** The index of `id`, creating a placeholder (kind from the id's prefix, docs/adr/0002) if unknown. */
  ensure(id: string): number {
    const existing = this.#index.get(id);
    if (existing !== undefined) return existing;
    const index = this.#allocate(id);
    const slash = id.indexOf("/");
    const kind = slash > 0 ? id.slice(0, slash) : "unknown";
    const parts = id.split("/");
    this.kinds[index] = kindIndex(kind);
    this.kindNames[index] = kind;
    this.names[index] = parts.at(-1) ?? id;
    this.namespaces[index] = parts.length > 2 ? (parts[1] ?? "") : "";
    this.attributes[index] = NO_ATTRIBUTES;
    this.placeholder[index] = true;
    return index;
  }

  /** Removes an entity and its relations; returns its index (-1 if unknown) and the relations removed. */
  removeEntity(id: string): { index: number; removed: { from: number; to: number; relation: number }[] } {
    const index = this.#index.get(id);
    if (index === undefined) return { index: -1, removed: [] };
    const removed: { from: number; to: number; relation: number }[] = [];
    for (const relation of this.#used) {
      for (const to of [...(this.#out[relation]?.[index] ?? [])]) {
        this.removeRelation(index, to, relation);
        removed.push({ from: index, to, relation });
      }
      for (const from of [...(this.#in[relation]?.[index] ?? [])]) {
        this.removeRelation(from, index, relation);
        removed.push({ from, to: index, relation });
      }
    }
    this.#index.delete(id);
    this.ids[index] = undefined;
    this.attributes[index] = NO_ATTRIBUTES;
    this.#free.push(index);
    return { index, removed };
  }

  /** Adds a relation; false if it was already there or its type is not kept. */
  addRelation(from: number, to: number, relation: number): boolean {
    if (!this.#used.has(relation)) return false;
    const outs = this.#out[relation] as (number[] | undefined)[];
    const list = outs[from];
    if (list === undefined) outs[from] = [to];
    else if (list.includes(to)) return false;
    else list.push(to);
    const ins = this.#in[relation] as (number[] | undefined)[];
    const back = ins[to];
    if (back === undefined) ins[to] = [from];
    else back.push(from);
    this.#relationCount++;
    return true;
  }

  /** Removes a relation; false if it was not there. */
  removeRelation(from: number, to: number, relation: number): boolean {
    if (!this.#used.has(relation)) return false;
    if (!removeFrom(this.#out[relation] as (number[] | undefined)[], from, to)) return false;
    removeFrom(this.#in[relation] as (number[] | undefined)[], to, from);
    this.#relationCount--;
    return true;
  }

  /** Entities `index` has `relation` to. */
  out(relation: number, index: number): readonly number[] | undefined {
    return this.#out[relation]?.[index];
  }

  /** Entities that have `relation` to `index`. */
  in(relation: number, index: number): readonly number[] | undefined {
    return this.#in[relation]?.[index];
  }

  attribute(index: number, key: string): string | undefined {
    return this.attributes[index]?.[key];
  }

  #allocate(id: string): number {
    const index = this.#free.pop() ?? this.ids.length;
    this.ids[index] = id;
    this.#index.set(id, index);
    return index;
  }
}

function removeFrom(lists: (number[] | undefined)[], at: number, value: number): boolean {
  const list = lists[at];
  if (list === undefined) return false;
  const i = list.indexOf(value);
  if (i < 0) return false;
  const last = list.pop() as number;
  if (i < list.length) list[i] = last;
  if (list.length === 0) lists[at] = undefined;
  return true;
}

function sameAttributes(a: Readonly<Record<string, string>>, b: Readonly<Record<string, string>>): boolean {
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (const k of ka) if (a[k] !== b[k]) return false;
  return true;
}
