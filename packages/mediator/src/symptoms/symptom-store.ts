/** Where a symptom was detected: "kubernetes", "otlp" or "agent:<agent id>". */
export type SymptomSource = string;

export interface Symptom {
  readonly entityId: string;
  readonly type: string;
  readonly source: SymptomSource;
  readonly active: boolean;
  /** When it entered its current state. */
  readonly sinceUnixMs: number;
  readonly updatedUnixMs: number;
  readonly evidenceSummary: string;
  readonly evidence: Readonly<Record<string, number>>;
}

export interface SymptomInput {
  readonly entityId: string;
  readonly type: string;
  readonly active: boolean;
  readonly sinceUnixMs?: number;
  readonly evidenceSummary?: string;
  readonly evidence?: Readonly<Record<string, number>>;
}

export type SymptomListener = (symptom: Symptom, previous: Symptom | undefined) => void;

export interface SymptomFilter {
  readonly entityId?: string;
  readonly type?: string;
  readonly source?: string;
  readonly active?: boolean;
  readonly namespace?: string;
}

function keyOf(entityId: string, type: string, source: string): string {
  return `${entityId}\u0000${type}\u0000${source}`;
}

/** The namespace part of an entity id (`kind/namespace/name…`), or "" for cluster-scoped kinds. */
export function namespaceOfId(entityId: string): string {
  const parts = entityId.split("/");
  if (parts[0] === "node" || parts[0] === "cluster" || parts[0] === "namespace" || parts[0] === "external")
    return "";
  return parts.length >= 3 ? (parts[1] ?? "") : "";
}

/**
 * Every symptom, from agents, Kubernetes state and OTLP, as (entity, type, source) → state and
 * since. Each source owns its own entries, so one source clearing a symptom never clears another
 * source's. Inactive symptoms are kept for `inactiveRetentionMs` so that clients see them clear.
 */
export class SymptomStore {
  readonly #items = new Map<string, Symptom>();
  readonly #byEntity = new Map<string, Set<string>>();
  readonly #listeners: SymptomListener[] = [];
  readonly #clock: () => number;
  readonly #inactiveRetentionMs: number;

  constructor(options: { readonly clock?: () => number; readonly inactiveRetentionMs?: number } = {}) {
    this.#clock = options.clock ?? Date.now;
    this.#inactiveRetentionMs = options.inactiveRetentionMs ?? 60 * 60_000;
  }

  get size(): number {
    return this.#items.size;
  }

  get activeCount(): number {
    let n = 0;
    for (const s of this.#items.values()) if (s.active) n++;
    return n;
  }

  onChange(listener: SymptomListener): () => void {
    this.#listeners.push(listener);
    return () => {
      const i = this.#listeners.indexOf(listener);
      if (i >= 0) this.#listeners.splice(i, 1);
    };
  }

  /**
   * Records a symptom's state from `source`. Returns true when its state changed (turned on or
   * off); repeated reports of the same state only refresh the evidence.
   */
  set(source: SymptomSource, input: SymptomInput): boolean {
    const key = keyOf(input.entityId, input.type, source);
    const previous = this.#items.get(key);
    if (!previous && !input.active) return false;
    const now = this.#clock();
    const changed = previous?.active !== input.active;
    const symptom: Symptom = {
      entityId: input.entityId,
      type: input.type,
      source,
      active: input.active,
      sinceUnixMs: changed ? (input.sinceUnixMs ?? now) : (previous?.sinceUnixMs ?? now),
      updatedUnixMs: now,
      evidenceSummary: input.evidenceSummary ?? previous?.evidenceSummary ?? "",
      evidence: input.evidence ?? previous?.evidence ?? {},
    };
    this.#items.set(key, symptom);
    let set = this.#byEntity.get(input.entityId);
    if (!set) this.#byEntity.set(input.entityId, (set = new Set()));
    set.add(key);
    if (changed) for (const l of this.#listeners) l(symptom, previous);
    return changed;
  }

  get(entityId: string, type: string, source: SymptomSource): Symptom | undefined {
    return this.#items.get(keyOf(entityId, type, source));
  }

  /** The symptoms of one entity. */
  ofEntity(entityId: string): Symptom[] {
    const out: Symptom[] = [];
    for (const key of this.#byEntity.get(entityId) ?? []) {
      const s = this.#items.get(key);
      if (s) out.push(s);
    }
    return out;
  }

  /** Active symptoms a source reports (to re-check them). */
  activeFrom(source: SymptomSource, type?: string): Symptom[] {
    const out: Symptom[] = [];
    for (const s of this.#items.values())
      if (s.active && s.source === source && (!type || s.type === type)) out.push(s);
    return out;
  }

  list(filter: SymptomFilter = {}): Symptom[] {
    const candidates =
      filter.entityId !== undefined ? this.ofEntity(filter.entityId) : [...this.#items.values()];
    return candidates.filter(
      (s) =>
        (filter.type === undefined || s.type === filter.type) &&
        (filter.source === undefined ||
          s.source === filter.source ||
          s.source.startsWith(`${filter.source}:`)) &&
        (filter.active === undefined || s.active === filter.active) &&
        (filter.namespace === undefined || namespaceOfId(s.entityId) === filter.namespace),
    );
  }

  /** Turns off every active symptom of an entity from `source` (the entity is gone). */
  clearEntity(source: SymptomSource, entityId: string): void {
    for (const s of this.ofEntity(entityId)) {
      if (s.source === source && s.active) this.set(source, { entityId, type: s.type, active: false });
    }
  }

  /** Drops inactive symptoms older than the retention. */
  prune(): void {
    const now = this.#clock();
    for (const [key, s] of this.#items) {
      if (!s.active && now - s.sinceUnixMs > this.#inactiveRetentionMs) {
        this.#items.delete(key);
        const set = this.#byEntity.get(s.entityId);
        set?.delete(key);
        if (set?.size === 0) this.#byEntity.delete(s.entityId);
      }
    }
  }

  all(): IterableIterator<Symptom> {
    return this.#items.values();
  }

  /** Restores entries from a snapshot without notifying listeners. */
  load(symptoms: readonly Symptom[]): void {
    for (const s of symptoms) {
      const key = keyOf(s.entityId, s.type, s.source);
      this.#items.set(key, s);
      let set = this.#byEntity.get(s.entityId);
      if (!set) this.#byEntity.set(s.entityId, (set = new Set()));
      set.add(key);
    }
  }
}
