import { describe, expect, it } from "vitest";
import { decodeComponent, type DecodeCandidate } from "./decode.js";

const PRIOR = Math.log(0.001 / 0.999);

function candidate(symptoms: number[], probabilities: number[], absent = 0, bonus = 0): DecodeCandidate {
  return { priorLogOdds: PRIOR, absent, symptoms, probabilities, bonus };
}

describe("decodeComponent", () => {
  it("picks the cause that explains the evidence and ranks its rival below it", () => {
    // Symptoms 0, 1, 2 active. A explains all three, B only the first two.
    const out = decodeComponent({
      candidates: [candidate([0, 1, 2], [0.9, 0.8, 0.7]), candidate([0, 1], [0.9, 0.8])],
      baseRates: [0.002, 0.002, 0.002],
    });
    expect(out.primary).toEqual([true, false]);
    expect(out.rival).toEqual([-1, 0]);
    expect(out.score[0]).toBeGreaterThan(out.score[1] as number);
    expect(out.confidence[0]).toBeGreaterThan(0.9);
    expect((out.confidence[0] as number) + (out.confidence[1] as number)).toBeLessThanOrEqual(1);
    expect(out.explained).toEqual([true, true, true]);
  });

  it("selects two causes for two independent faults", () => {
    const out = decodeComponent({
      candidates: [
        candidate([0, 1], [0.9, 0.9]),
        candidate([2, 3], [0.9, 0.9]),
        // A cause that would explain one symptom of each: worse than either.
        candidate([1, 2], [0.3, 0.3]),
      ],
      baseRates: [0.002, 0.002, 0.002, 0.002],
    });
    expect(out.primary).toEqual([true, true, false]);
  });

  it("does not make a cause of one weak spurious symptom", () => {
    const out = decodeComponent({
      candidates: [candidate([0], [0.2], Math.log(0.2))],
      baseRates: [0.01],
    });
    expect(out.primary).toEqual([false]);
    expect(out.score[0]).toBeLessThan(0);
    expect(out.confidence[0]).toBeLessThan(0.5);
    expect(out.explained).toEqual([false]);
  });

  it("penalises expected symptoms that are absent", () => {
    const full = decodeComponent({ candidates: [candidate([0], [0.9])], baseRates: [0.002] });
    const missing = decodeComponent({
      candidates: [candidate([0], [0.9], Math.log(0.1))],
      baseRates: [0.002],
    });
    expect((full.score[0] as number) - (missing.score[0] as number)).toBeCloseTo(Math.log(10), 6);
  });

  it("finds the most likely set of causes on small random incidents", () => {
    // Objective: log-likelihood of the active symptoms given a set of causes, plus their priors
    // and absences. Brute force over every subset is the reference.
    const objective = (cs: DecodeCandidate[], eps: number[], chosen: boolean[]): number => {
      let total = 0;
      const q = eps.map(() => 1);
      cs.forEach((c, i) => {
        if (!chosen[i]) return;
        total += c.priorLogOdds + c.absent;
        c.symptoms.forEach((j, k) => (q[j] = (q[j] as number) * (1 - (c.probabilities[k] as number))));
      });
      eps.forEach((e, j) => (total += Math.log((1 - (1 - e) * (q[j] as number)) / e)));
      return total;
    };
    let seed = 7;
    const rand = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    let optimal = 0;
    const trials = 300;
    for (let t = 0; t < trials; t++) {
      const m = 2 + Math.floor(rand() * 5);
      const n = 2 + Math.floor(rand() * 5);
      const eps = Array.from({ length: m }, () => 0.001 + rand() * 0.01);
      const cs = Array.from({ length: n }, () => {
        const symptoms = [...Array(m).keys()].filter(() => rand() < 0.5);
        if (symptoms.length === 0) symptoms.push(Math.floor(rand() * m));
        return candidate(
          symptoms,
          symptoms.map(() => 0.1 + rand() * 0.85),
          -rand() * 4,
        );
      });
      const out = decodeComponent({ candidates: cs, baseRates: eps });
      let best = -Infinity;
      for (let mask = 0; mask < 1 << n; mask++)
        best = Math.max(
          best,
          objective(
            cs,
            eps,
            cs.map((_, i) => ((mask >> i) & 1) === 1),
          ),
        );
      const got = objective(cs, eps, out.primary);
      expect(got).toBeLessThanOrEqual(best + 1e-9);
      if (got >= best - 1e-9) optimal++;
      // Never far from the optimum.
      expect(best - got).toBeLessThan(3);
    }
    expect(optimal / trials).toBeGreaterThan(0.9);
  });

  it("keeps an incumbent with its bonus when a rival is level, and breaks exact ties by index", () => {
    const twins = [candidate([0, 1], [0.9, 0.9]), candidate([0, 1], [0.9, 0.9])];
    expect(decodeComponent({ candidates: twins, baseRates: [0.002, 0.002] }).primary).toEqual([true, false]);
    const incumbent = [candidate([0, 1], [0.9, 0.9]), candidate([0, 1], [0.9, 0.9], 0, 1)];
    expect(decodeComponent({ candidates: incumbent, baseRates: [0.002, 0.002] }).primary).toEqual([
      false,
      true,
    ]);
  });

  it("counts symptoms already explained by fixed causes elsewhere", () => {
    const alone = decodeComponent({ candidates: [candidate([0], [0.9])], baseRates: [0.002] });
    const covered = decodeComponent({
      candidates: [candidate([0], [0.9])],
      baseRates: [0.002],
      coverage: [0.05],
    });
    expect(covered.score[0]).toBeLessThan(alone.score[0] as number);
    expect(covered.primary).toEqual([false]);
    expect(covered.explained).toEqual([true]);
  });
});
