import { SYMPTOM_TYPES } from "@causeway/protocol";
import { type SymptomInput } from "../root-cause.js";
import { type Rng } from "./rng.js";
import { type TopologyView } from "./topology-view.js";

/** Symptom types observable on each entity kind (service symptoms also on external dependencies). */
const TYPES_BY_KIND = new Map<string, string[]>();
for (const [type, { on }] of Object.entries(SYMPTOM_TYPES)) {
  for (const kind of on === "service" ? ["service", "external"] : [on]) {
    let list = TYPES_BY_KIND.get(kind);
    if (!list) TYPES_BY_KIND.set(kind, (list = []));
    list.push(type);
  }
}

/** How noisy the observed symptoms are. */
export interface NoiseOptions {
  /** Probability that each true symptom is dropped (a missed detection). */
  readonly dropRate: number;
  /** Spurious symptoms added, as a share of the true symptoms (fractions round randomly). */
  readonly spuriousRate: number;
  /** Share of spurious symptoms placed within two relations of the fault; the rest anywhere. */
  readonly localShare?: number;
}

/**
 * Applies noise to a fault's symptoms: drops each with `dropRate`, then adds spurious active
 * symptoms of types that fit their entity, half of them near the fault (where they can mislead)
 * and half anywhere in the cluster. Never adds a symptom that is already present.
 */
export class NoiseGenerator {
  #anywhere: string[] | undefined;

  constructor(readonly view: TopologyView) {}

  apply(
    symptoms: readonly SymptomInput[],
    faultEntityId: string,
    noise: NoiseOptions,
    rng: Rng,
  ): SymptomInput[] {
    const kept = symptoms.filter(() => !rng.chance(noise.dropRate));
    const exact = noise.spuriousRate * symptoms.length;
    const count = Math.floor(exact) + (rng.chance(exact - Math.floor(exact)) ? 1 : 0);
    if (count === 0) return kept;
    const present = new Set(symptoms.map((s) => `${s.entityId}\u0000${s.type}`));
    const near = this.#near(faultEntityId);
    const anywhere = (this.#anywhere ??= [...this.view.entities.keys()].filter((id) =>
      TYPES_BY_KIND.has(this.view.kind(id) ?? ""),
    ));
    const start = Math.min(...symptoms.map((s) => s.sinceUnixMs), 1_700_000_000_000);
    const out = [...kept];
    for (let i = 0, attempts = 0; i < count && attempts < count * 20; attempts++) {
      const pool = near.length > 0 && rng.chance(noise.localShare ?? 0.5) ? near : anywhere;
      if (pool.length === 0) break;
      const entityId = rng.pick(pool);
      const types = TYPES_BY_KIND.get(this.view.kind(entityId) ?? "") ?? [];
      if (types.length === 0) continue;
      const type = rng.pick(types);
      const key = `${entityId}\u0000${type}`;
      if (present.has(key)) continue;
      present.add(key);
      out.push({ entityId, type, active: true, sinceUnixMs: start + rng.int(600_000) });
      i++;
    }
    return out.sort((a, b) => a.sinceUnixMs - b.sinceUnixMs);
  }

  /** Entities within two relations of `id`, in either direction, that can carry a symptom. */
  #near(id: string): string[] {
    const seen = new Set<string>([id]);
    let frontier = [id];
    for (let hop = 0; hop < 2; hop++) {
      const next: string[] = [];
      for (const x of frontier)
        for (const y of this.view.neighbours(x))
          if (!seen.has(y)) {
            seen.add(y);
            next.push(y);
          }
      frontier = next;
    }
    return [...seen].filter((x) => TYPES_BY_KIND.has(this.view.kind(x) ?? "")).sort();
  }
}
