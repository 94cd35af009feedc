import { describe, expect, it } from "vitest";
import { sparklineGeometry } from "./sparkline.js";

function parse(points: string): [number, number][] {
  return points.split(" ").map((p) => p.split(",").map(Number) as [number, number]);
}

describe("sparklineGeometry", () => {
  it("maps time across and value up inside the box", () => {
    const g = sparklineGeometry(
      [
        [0, 10],
        [50, 30],
        [100, 20],
      ],
      101,
      21,
      0,
    );
    expect(g).toMatchObject({ min: 10, max: 30, last: 20, count: 3 });
    expect(parse(g?.points ?? "")).toEqual([
      [0, 21],
      [50.5, 0],
      [101, 10.5],
    ]);
  });

  it("draws a flat series in the middle and a single point centred", () => {
    expect(
      parse(
        sparklineGeometry(
          [
            [0, 5],
            [10, 5],
          ],
          100,
          20,
          0,
        )?.points ?? "",
      ),
    ).toEqual([
      [0, 10],
      [100, 10],
    ]);
    expect(parse(sparklineGeometry([[7, 1]], 100, 20, 0)?.points ?? "")).toEqual([[50, 10]]);
    expect(sparklineGeometry([], 100, 20)).toBeUndefined();
  });

  it("thins a long series to about two points per pixel column, keeping the extremes", () => {
    const points: [number, number][] = [];
    for (let i = 0; i < 10_000; i++) points.push([i, i === 5000 ? 1000 : Math.sin(i / 50)]);
    const g = sparklineGeometry(points, 200, 40, 0);
    const out = parse(g?.points ?? "");
    expect(out.length).toBeLessThanOrEqual(2 * 201);
    expect(Math.min(...out.map(([, y]) => y))).toBe(0);
    expect(g?.max).toBe(1000);
  });
});
