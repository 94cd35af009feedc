import {
  ROOT_CAUSE_SLOTS,
  SYMPTOM_SLOTS,
  type CompiledModel,
  type CompiledRootCause,
} from "./model/compile-model.js";
import { walkForward, walkReverse } from "./path-walk.js";
import { type TopologyGraph } from "./topology-graph.js";

/** Numeric key of a symptom slot: one symptom type on one entity. */
export function symptomKey(entity: number, symptom: number): number {
  return entity * SYMPTOM_SLOTS + symptom;
}
export function symptomKeyEntity(key: number): number {
  return Math.floor(key / SYMPTOM_SLOTS);
}
export function symptomKeyType(key: number): number {
  return key % SYMPTOM_SLOTS;
}
/** Numeric key of a root-cause instance: one root-cause type on one entity. */
export function candidateKey(entity: number, rootCause: number): number {
  return entity * ROOT_CAUSE_SLOTS + rootCause;
}

/** The expected symptoms of one root-cause instance: its row of the codebook. */
export interface Signature {
  /** Symptom key → probability that the symptom shows, given the root cause. */
  readonly entries: Map<number, number>;
  /** The same symptoms grouped by the model effect that produces them (one group per effect). */
  readonly groups: readonly EffectGroup[];
  /** Entities the signature depends on. */
  readonly footprint: number[];
}

/** The symptoms one effect of a root cause reaches, with their probabilities. */
export interface EffectGroup {
  readonly keys: number[];
  readonly probabilities: number[];
  /** The effect's `silenceWeight`, 0 when unset. */
  readonly silenceWeight: number;
}

/**
 * The causal model instantiated over the live topology. Rows are computed on demand for the
 * root-cause instances that some active symptom anchors, and cached by the engine until a change
 * inside their footprint invalidates them (docs/adr/0020).
 */
export class Codebook {
  constructor(
    readonly graph: TopologyGraph,
    readonly model: CompiledModel,
  ) {}

  /** Whether a root-cause type can sit on this entity. */
  applies(rootCause: CompiledRootCause, entity: number): boolean {
    const g = this.graph;
    const kind = g.kinds[entity];
    for (const m of rootCause.matchers) {
      if (m.kind !== kind) continue;
      const attrs = g.attributes[entity] ?? {};
      if (m.attributes.every(([k, v]) => attrs[k] === v) && m.notAttributes.every(([k, v]) => attrs[k] !== v))
        return true;
    }
    return false;
  }

  /** The expected symptom signature of root-cause type `rootCause` on `entity`. */
  signature(rootCause: CompiledRootCause, entity: number): Signature {
    const g = this.graph;
    const footprint = new Set<number>([entity]);
    const entries = new Map<number, number>();
    const groups: EffectGroup[] = [];
    for (const effect of rootCause.effects) {
      const group: EffectGroup = { keys: [], probabilities: [], silenceWeight: effect.silenceWeight };
      walkForward(g, effect.steps, entity, effect.hopDecay, footprint, (reached, factor) => {
        if (effect.excludeSelf && reached === entity) return;
        const kind = g.kinds[reached] as number;
        if (!effect.symptomKinds.includes(kind)) return;
        const key = symptomKey(reached, effect.symptom);
        const p = effect.probability * factor;
        group.keys.push(key);
        group.probabilities.push(p);
        const prior = entries.get(key);
        // Two effects reaching the same symptom combine as independent causes (noisy-OR).
        entries.set(key, prior === undefined ? p : 1 - (1 - prior) * (1 - p));
      });
      if (group.keys.length > 0) groups.push(group);
    }
    return { entries, groups, footprint: [...footprint] };
  }

  /**
   * The root-cause instances an active symptom anchors, as candidate keys, and the entities that
   * derivation read.
   */
  anchors(symptom: number, entity: number): { candidates: number[]; footprint: number[] } {
    const g = this.graph;
    const footprint = new Set<number>([entity]);
    const candidates = new Set<number>();
    const kind = g.kinds[entity] as number;
    for (const { rootCause, effect } of this.model.reverseAnchors[symptom] ?? []) {
      if (!effect.symptomKinds.includes(kind)) continue;
      walkReverse(g, effect.steps, entity, footprint, (root) => {
        if (effect.excludeSelf && root === entity) return;
        if (this.applies(rootCause, root)) candidates.add(candidateKey(root, rootCause.index));
      });
    }
    return { candidates: [...candidates], footprint: [...footprint] };
  }
}

/** Which cached items (signatures, anchor derivations) depend on which entity. */
export class FootprintIndex<T> {
  readonly #byEntity = new Map<number, Set<T>>();

  get size(): number {
    return this.#byEntity.size;
  }

  add(item: T, footprint: readonly number[]): void {
    for (const e of footprint) {
      let set = this.#byEntity.get(e);
      if (!set) this.#byEntity.set(e, (set = new Set()));
      set.add(item);
    }
  }

  remove(item: T, footprint: readonly number[]): void {
    for (const e of footprint) {
      const set = this.#byEntity.get(e);
      if (!set) continue;
      set.delete(item);
      if (set.size === 0) this.#byEntity.delete(e);
    }
  }

  /** The items depending on `entity` (a copy: callers invalidate while iterating). */
  dependents(entity: number): T[] {
    const set = this.#byEntity.get(entity);
    return set ? [...set] : [];
  }
}
