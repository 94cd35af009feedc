import { describe, expect, it } from "vitest";
import {
  MAX_SCALE,
  MIN_SCALE,
  fitRect,
  panBy,
  toScreen,
  toWorld,
  visibleWorldRect,
  zoomAt,
} from "./viewport.js";

describe("viewport", () => {
  it("converts between world and screen both ways", () => {
    const v = { scale: 2.5, offsetX: 40, offsetY: -10 };
    const [sx, sy] = toScreen(v, 12, 30);
    expect([sx, sy]).toEqual([70, 65]);
    expect(toWorld(v, sx, sy)).toEqual([12, 30]);
  });

  it("zooms around the pointer: the world point under it stays put", () => {
    const v = { scale: 1, offsetX: 0, offsetY: 0 };
    const before = toWorld(v, 300, 200);
    const z = zoomAt(v, 3, 300, 200);
    expect(z.scale).toBe(3);
    const after = toWorld(z, 300, 200);
    expect(after[0]).toBeCloseTo(before[0]);
    expect(after[1]).toBeCloseTo(before[1]);
    expect(zoomAt(v, 1e9, 0, 0).scale).toBe(MAX_SCALE);
    expect(zoomAt(v, 1e-9, 0, 0).scale).toBe(MIN_SCALE);
  });

  it("fits a rectangle whole and centred", () => {
    const v = fitRect({ x: 100, y: 100, width: 2000, height: 1000 }, 1000, 600, 20);
    const [x0, y0, x1, y1] = visibleWorldRect(v, 1000, 600);
    expect(x0).toBeLessThanOrEqual(100);
    expect(y0).toBeLessThanOrEqual(100);
    expect(x1).toBeGreaterThanOrEqual(2100);
    expect(y1).toBeGreaterThanOrEqual(1100);
    const [cx, cy] = toScreen(v, 1100, 600);
    expect(cx).toBeCloseTo(500);
    expect(cy).toBeCloseTo(300);
    expect(panBy(v, 5, -5).offsetX).toBe(v.offsetX + 5);
  });
});
