import { describe, expect, it } from "vitest";
import { SpatialIndex } from "./spatial-index.js";

function randomPoints(n: number, seed: number): [Float32Array, Float32Array] {
  let s = seed;
  const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648) * 1000;
  const x = new Float32Array(n);
  const y = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    x[i] = rand();
    y[i] = rand();
  }
  return [x, y];
}

describe("SpatialIndex", () => {
  it("finds exactly the points inside a rectangle (checked against a scan)", () => {
    const [x, y] = randomPoints(5000, 7);
    const index = new SpatialIndex(x, y, 37);
    expect(index.size).toBe(5000);
    for (const [x0, y0, x1, y1] of [
      [0, 0, 1000, 1000],
      [100, 200, 180, 260],
      [999, 999, 2000, 2000],
      [-50, -50, 10, 10],
      [500, 500, 500, 500],
    ] as const) {
      const found: number[] = [];
      index.forEachInRect(x0, y0, x1, y1, (i) => found.push(i));
      const expected: number[] = [];
      for (let i = 0; i < 5000; i++)
        if (
          (x[i] as number) >= x0 &&
          (x[i] as number) <= x1 &&
          (y[i] as number) >= y0 &&
          (y[i] as number) <= y1
        )
          expected.push(i);
      expect(found.sort((a, b) => a - b)).toEqual(expected);
    }
  });

  it("returns the nearest point within the radius, or -1", () => {
    const [x, y] = randomPoints(2000, 11);
    const index = new SpatialIndex(x, y, 25);
    for (const [px, py, r] of [
      [500, 500, 30],
      [10, 990, 50],
      [250, 250, 5],
      [-100, -100, 20],
    ] as const) {
      let best = -1;
      let bestD = r * r;
      for (let i = 0; i < 2000; i++) {
        const d = ((x[i] as number) - px) ** 2 + ((y[i] as number) - py) ** 2;
        if (d < bestD) {
          bestD = d;
          best = i;
        }
      }
      expect(index.nearest(px, py, r)).toBe(best);
    }
  });

  it("leaves out points without coordinates and copes with none at all", () => {
    const x = Float32Array.from([1, Number.NaN, 3]);
    const y = Float32Array.from([1, 2, Number.NaN]);
    const index = new SpatialIndex(x, y, 10);
    expect(index.size).toBe(1);
    expect(index.nearest(2, 2, 5)).toBe(0);
    const empty = new SpatialIndex(new Float32Array(0), new Float32Array(0), 10);
    expect(empty.nearest(0, 0, 100)).toBe(-1);
  });
});
