import { describe, expect, it } from "vitest";
import { EventHold, Hysteresis, linearTrend } from "./hysteresis.js";

describe("Hysteresis", () => {
  it("activates after the hold, ignores values between thresholds and clears after its own hold", () => {
    const h = new Hysteresis({ on: 0.5, off: 0.2, forMs: 20, clearForMs: 30 });
    expect(h.update(0.6, 0)).toBeUndefined();
    expect(h.update(0.6, 10)).toBeUndefined();
    expect(h.update(0.6, 20)).toBe("activated");
    expect(h.sinceMs).toBe(20);
    // between the thresholds: stays active
    expect(h.update(0.3, 30)).toBeUndefined();
    expect(h.update(0.1, 40)).toBeUndefined();
    // back up resets the clear timer
    expect(h.update(0.3, 60)).toBeUndefined();
    expect(h.update(0.1, 70)).toBeUndefined();
    expect(h.update(0.1, 99)).toBeUndefined();
    expect(h.update(0.1, 100)).toBe("deactivated");
    expect(h.active).toBe(false);
  });

  it("supports lower-is-worse values and zero hold times", () => {
    const h = new Hysteresis({ on: 0.1, off: 0.15, forMs: 0, clearForMs: 0 }, { lowerIsWorse: true });
    expect(h.update(0.12, 0)).toBeUndefined();
    expect(h.update(0.05, 1)).toBe("activated");
    expect(h.update(0.14, 2)).toBeUndefined();
    expect(h.update(0.2, 3)).toBe("deactivated");
  });
});

describe("EventHold", () => {
  it("stays active until the hold after the last event", () => {
    const e = new EventHold(100);
    expect(e.trigger(0)).toBe("activated");
    expect(e.trigger(50)).toBeUndefined();
    expect(e.tick(120)).toBeUndefined();
    expect(e.tick(150)).toBe("deactivated");
  });
});

describe("linearTrend", () => {
  it("fits a slope per second", () => {
    const t = linearTrend([0, 1, 2, 3, 4].map((i) => [i * 1000, 100 + i * 50] as const));
    expect(t.slopePerS).toBeCloseTo(50);
    expect(t.r2).toBeCloseTo(1);
    expect(linearTrend([[0, 1]])).toEqual({ slopePerS: 0, r2: 0 });
  });
});
