/** One root-cause candidate of a component, as the decoder sees it. */
export interface DecodeCandidate {
  /** log(prior / (1 − prior)). */
  readonly priorLogOdds: number;
  /** Log-probability that its expected symptoms that are not active are indeed absent. */
  readonly absent: number;
  /** Local indexes of the active symptoms in its signature. */
  readonly symptoms: readonly number[];
  /** Their probabilities given this candidate, aligned with `symptoms`, each below 1. */
  readonly probabilities: readonly number[];
  /** Score bonus for having been a primary cause last time (hysteresis). */
  readonly bonus: number;
}

export interface DecodeInput {
  readonly candidates: readonly DecodeCandidate[];
  /** Per local symptom, the probability it is active with no modelled cause. */
  readonly baseRates: readonly number[];
  /**
   * Per local symptom, the probability that causes decided elsewhere (held fixed) do not produce
   * it; 1 when absent.
   */
  readonly coverage?: readonly number[];
}

export interface DecodeOutput {
  /** Whether each candidate is in the chosen explanation. */
  readonly primary: boolean[];
  /**
   * Log-likelihood gain: for a primary, of keeping it given the other primaries; for an
   * alternative, of putting it in place of the primary it competes with.
   */
  readonly score: number[];
  /** Posterior share within its competing group (itself, its rivals and "none of them"). */
  readonly confidence: number[];
  /** For an alternative, the primary it competes with; -1 otherwise. */
  readonly rival: number[];
  /** Per local symptom, whether some primary (or a fixed cause) explains it. */
  readonly explained: boolean[];
}

const MAX_SWAP_ROUNDS = 4;

/**
 * Decodes one connected component of candidates and active symptoms under a noisy-OR model:
 * greedy maximum a posteriori selection of a set of root causes (several faults may be active at
 * once), improved by swaps and pruning, then a confidence for every candidate. Absent symptoms
 * enter through `absent`. Deterministic: ties go to the lower index.
 */
export function decodeComponent(input: DecodeInput): DecodeOutput {
  const { candidates, baseRates } = input;
  const n = candidates.length;
  const m = baseRates.length;
  const keep = baseRates.map((e) => 1 - e);
  // q[j]: probability that no selected cause produces symptom j.
  const q = Float64Array.from(input.coverage ?? new Array<number>(m).fill(1));
  const selected = new Array<boolean>(n).fill(false);

  const activeOnly = candidates.map((c) => c.priorLogOdds + c.absent);

  /** Gain of adding candidate i, with symptom j's no-cause probability given by qOf(j). */
  const gain = (i: number, qOf: (j: number) => number): number => {
    const c = candidates[i] as DecodeCandidate;
    let g = activeOnly[i] as number;
    for (let k = 0; k < c.symptoms.length; k++) {
      const j = c.symptoms[k] as number;
      const a = (keep[j] as number) * qOf(j);
      g += Math.log(1 - a * (1 - (c.probabilities[k] as number))) - Math.log(1 - a);
    }
    return g;
  };
  const current = (j: number): number => q[j] as number;
  const apply = (i: number, add: boolean): void => {
    const c = candidates[i] as DecodeCandidate;
    for (let k = 0; k < c.symptoms.length; k++) {
      const j = c.symptoms[k] as number;
      const f = 1 - (c.probabilities[k] as number);
      q[j] = add ? (q[j] as number) * f : Math.min(1, (q[j] as number) / f);
    }
    selected[i] = add;
  };
  const without = (r: number): ((j: number) => number) => {
    const c = candidates[r] as DecodeCandidate;
    const lifted = new Map<number, number>();
    for (let k = 0; k < c.symptoms.length; k++) {
      const j = c.symptoms[k] as number;
      lifted.set(j, Math.min(1, (q[j] as number) / (1 - (c.probabilities[k] as number))));
    }
    return (j) => lifted.get(j) ?? (q[j] as number);
  };

  const bySymptom: number[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < n; i++)
    for (const j of (candidates[i] as DecodeCandidate).symptoms) bySymptom[j]?.push(i);

  // Lazy greedy: marginal gains only shrink as causes are added, so a stale bound that is still
  // the largest after recomputation is the true maximum.
  const heap = new MaxHeap();
  const stamp = new Int32Array(n);
  for (let i = 0; i < n; i++) heap.push(i, gain(i, current) + (candidates[i] as DecodeCandidate).bonus);
  let round = 0;
  while (heap.size > 0) {
    const top = heap.pop();
    if (stamp[top.index] !== round) {
      stamp[top.index] = round;
      heap.push(top.index, gain(top.index, current) + (candidates[top.index] as DecodeCandidate).bonus);
      continue;
    }
    if (top.value <= 0) break;
    apply(top.index, true);
    round++;
  }

  // Swaps and pruning: replace a primary by a rival that explains the evidence better, drop a
  // primary the others make redundant. Each move strictly raises the objective.
  for (let r = 0; r < MAX_SWAP_ROUNDS; r++) {
    let improved = false;
    for (let i = 0; i < n; i++) {
      if (!selected[i]) continue;
      const lift = without(i);
      const own = gain(i, lift) + (candidates[i] as DecodeCandidate).bonus;
      let best = -1;
      let bestValue = Math.max(own, 0);
      for (const c of rivalsOf(i, candidates, bySymptom, selected)) {
        const v = gain(c, lift) + (candidates[c] as DecodeCandidate).bonus;
        if (v > bestValue + 1e-9 || (v > bestValue - 1e-9 && best >= 0 && c < best)) {
          best = c;
          bestValue = v;
        }
      }
      if (best >= 0 && bestValue > own + 1e-9) {
        apply(i, false);
        apply(best, true);
        improved = true;
      } else if (own <= 0) {
        apply(i, false);
        improved = true;
      }
    }
    if (!improved) break;
  }

  const score = new Array<number>(n).fill(0);
  const rival = new Array<number>(n).fill(-1);
  // For every symptom, the primaries explaining it.
  const primariesOf: { i: number; p: number }[][] = Array.from({ length: m }, () => []);
  for (let i = 0; i < n; i++) {
    if (!selected[i]) continue;
    const c = candidates[i] as DecodeCandidate;
    for (let k = 0; k < c.symptoms.length; k++)
      primariesOf[c.symptoms[k] as number]?.push({ i, p: c.probabilities[k] as number });
    score[i] = gain(i, without(i));
  }
  const lifts = new Map<number, (j: number) => number>();
  for (let i = 0; i < n; i++) {
    if (selected[i]) continue;
    const c = candidates[i] as DecodeCandidate;
    const overlap = new Map<number, number>();
    for (let k = 0; k < c.symptoms.length; k++)
      for (const { i: r } of primariesOf[c.symptoms[k] as number] ?? [])
        overlap.set(r, (overlap.get(r) ?? 0) + (c.probabilities[k] as number));
    let best = -1;
    let bestOverlap = 0;
    for (const [r, w] of overlap)
      if (w > bestOverlap + 1e-12 || (Math.abs(w - bestOverlap) <= 1e-12 && r < best)) {
        best = r;
        bestOverlap = w;
      }
    rival[i] = best;
    if (best >= 0) {
      let lift = lifts.get(best);
      if (!lift) lifts.set(best, (lift = without(best)));
      score[i] = gain(i, lift);
    } else score[i] = gain(i, current);
  }

  // Confidence: a softmax over each primary and its rivals, with "none of them" at score 0.
  const confidence = new Array<number>(n).fill(0);
  const groups = new Map<number, number[]>();
  for (let i = 0; i < n; i++) {
    const key = selected[i] ? i : (rival[i] as number);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push(i);
  }
  for (const members of groups.values()) {
    let top = 0;
    for (const i of members) top = Math.max(top, score[i] as number);
    let z = Math.exp(-top);
    for (const i of members) z += Math.exp((score[i] as number) - top);
    for (const i of members) confidence[i] = Math.exp((score[i] as number) - top) / z;
  }

  const explained = Array.from(q, (v) => v < 1);
  return { primary: selected, score, confidence, rival, explained };
}

/** Non-selected candidates sharing a symptom with candidate i, in index order. */
function rivalsOf(
  i: number,
  candidates: readonly DecodeCandidate[],
  bySymptom: readonly (readonly number[])[],
  selected: readonly boolean[],
): number[] {
  const out = new Set<number>();
  for (const j of (candidates[i] as DecodeCandidate).symptoms)
    for (const c of bySymptom[j] ?? []) if (c !== i && !selected[c]) out.add(c);
  return [...out].sort((a, b) => a - b);
}

/** A binary max-heap of (index, value), ties to the lower index. */
class MaxHeap {
  readonly #index: number[] = [];
  readonly #value: number[] = [];

  get size(): number {
    return this.#index.length;
  }

  push(index: number, value: number): void {
    this.#index.push(index);
    this.#value.push(value);
    let at = this.#index.length - 1;
    while (at > 0) {
      const parent = (at - 1) >> 1;
      if (!this.#above(at, parent)) break;
      this.#swap(at, parent);
      at = parent;
    }
  }

  pop(): { index: number; value: number } {
    const result = { index: this.#index[0] as number, value: this.#value[0] as number };
    const lastIndex = this.#index.pop() as number;
    const lastValue = this.#value.pop() as number;
    if (this.#index.length > 0) {
      this.#index[0] = lastIndex;
      this.#value[0] = lastValue;
      let at = 0;
      for (;;) {
        const l = 2 * at + 1;
        const r = l + 1;
        let best = at;
        if (l < this.#index.length && this.#above(l, best)) best = l;
        if (r < this.#index.length && this.#above(r, best)) best = r;
        if (best === at) break;
        this.#swap(at, best);
        at = best;
      }
    }
    return result;
  }

  #above(a: number, b: number): boolean {
    const va = this.#value[a] as number;
    const vb = this.#value[b] as number;
    return va > vb || (va === vb && (this.#index[a] as number) < (this.#index[b] as number));
  }

  #swap(a: number, b: number): void {
    [this.#index[a], this.#index[b]] = [this.#index[b] as number, this.#index[a] as number];
    [this.#value[a], this.#value[b]] = [this.#value[b] as number, this.#value[a] as number];
  }
}
