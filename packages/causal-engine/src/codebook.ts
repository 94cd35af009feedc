import {
  EFFECT_SLOTS,
  ROOT_CAUSE_SLOTS,
  SYMPTOM_SLOTS,
  type CompiledModel,
  type CompiledRootCause,
} from "./model/compile-model.js";
import { entityFact, walkForward, walkReverse } from "./path-walk.js";
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
/** Numeric key of one anchor effect's support for one root-cause instance. */
export function supportKey(candidate: number, effect: number): number {
  return candidate * EFFECT_SLOTS + effect;
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
  /** Topology facts the row depends on (`path-walk.ts`). */
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
  /**
   * @param minProbability rows keep only symptoms at least this likely: propagation that fades
   * below it (distant callers) is cut, which keeps rows and incidents small.
   */
  constructor(
    readonly graph: TopologyGraph,
    readonly model: CompiledModel,
    readonly minProbability = 0,
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
    const footprint = new Set<number>();
    const entries = new Map<number, number>();
    const groups: EffectGroup[] = [];
    for (const effect of rootCause.effects) {
      const group: EffectGroup = { keys: [], probabilities: [], silenceWeight: effect.silenceWeight };
      walkForward(
        g,
        effect.steps,
        entity,
        effect.hopDecay,
        footprint,
        (reached, factor) => {
          if (effect.excludeSelf && reached === entity) return;
          footprint.add(entityFact(reached));
          const kind = g.kinds[reached] as number;
          if (!effect.symptomKinds.includes(kind)) return;
          const key = symptomKey(reached, effect.symptom);
          const p = effect.probability * factor;
          group.keys.push(key);
          group.probabilities.push(p);
          const prior = entries.get(key);
          // Two effects reaching the same symptom combine as independent causes (noisy-OR).
          entries.set(key, prior === undefined ? p : 1 - (1 - prior) * (1 - p));
        },
        this.minProbability / effect.probability,
      );
      if (group.keys.length > 0) groups.push(group);
    }
    return { entries, groups, footprint: [...footprint] };
  }

  /**
   * The root-cause instances an active symptom anchors, as candidate keys; the support it gives
   * to anchors that need several symptoms (support keys); and the entities that derivation read.
   */
  anchors(
    symptom: number,
    entity: number,
  ): { candidates: number[]; supports: number[]; footprint: number[] } {
    const g = this.graph;
    const footprint = new Set<number>([entityFact(entity)]);
    const candidates = new Set<number>();
    const supports = new Set<number>();
    const kind = g.kinds[entity] as number;
    for (const { rootCause, effect } of this.model.reverseAnchors[symptom] ?? []) {
      if (!effect.symptomKinds.includes(kind)) continue;
      walkReverse(g, effect.steps, entity, footprint, (root) => {
        if (effect.excludeSelf && root === entity) return;
        footprint.add(entityFact(root));
        if (!this.applies(rootCause, root)) return;
        const key = candidateKey(root, rootCause.index);
        if (effect.minSupport > 1) supports.add(supportKey(key, effect.index));
        else candidates.add(key);
      });
    }
    return { candidates: [...candidates], supports: [...supports], footprint: [...footprint] };
  }
}

/** Which cached items (signatures, anchor derivations) depend on which topology fact. */
export class FootprintIndex<T> {
  readonly #byFact = new Map<number, Set<T>>();

  get size(): number {
    return this.#byFact.size;
  }

  add(item: T, footprint: readonly number[]): void {
    for (const fact of footprint) {
      let set = this.#byFact.get(fact);
      if (!set) this.#byFact.set(fact, (set = new Set()));
      set.add(item);
    }
  }

  remove(item: T, footprint: readonly number[]): void {
    for (const fact of footprint) {
      const set = this.#byFact.get(fact);
      if (!set) continue;
      set.delete(item);
      if (set.size === 0) this.#byFact.delete(fact);
    }
  }

  /** The items depending on a fact (a copy: callers invalidate while iterating). */
  dependents(fact: number): T[] {
    const set = this.#byFact.get(fact);
    return set ? [...set] : [];
  }
}
