import { describe, expect, it } from "vitest";
import { Poller } from "./poller.js";

/** Timers under the test's control. */
function manualTimers() {
  const pending = new Map<number, { f: () => void; ms: number }>();
  let next = 1;
  return {
    setTimer: (f: () => void, ms: number) => {
      pending.set(next, { f, ms });
      return next++;
    },
    clearTimer: (h: unknown) => {
      pending.delete(h as number);
    },
    pending,
    fire() {
      const first = [...pending][0];
      if (!first) throw new Error("no timer pending");
      pending.delete(first[0]);
      first[1].f();
    },
  };
}

const settle = () => new Promise((r) => setTimeout(r, 0));

describe("Poller", () => {
  it("ticks at start, then once per interval after each tick settles", async () => {
    const timers = manualTimers();
    let ticks = 0;
    const p = new Poller({ intervalMs: 5000, tick: async () => void ticks++, ...timers });
    p.start();
    await settle();
    expect(ticks).toBe(1);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([5000]);
    timers.fire();
    await settle();
    expect(ticks).toBe(2);
    expect(timers.pending.size).toBe(1);
  });

  it("pauses (no timer), resumes with a refresh, and refreshes on demand even when paused", async () => {
    const timers = manualTimers();
    let ticks = 0;
    const p = new Poller({ intervalMs: 1000, tick: async () => void ticks++, ...timers });
    p.start();
    await settle();
    p.pause();
    expect(p.paused).toBe(true);
    expect(timers.pending.size).toBe(0);
    await p.refreshNow();
    expect(ticks).toBe(2);
    expect(timers.pending.size).toBe(0);
    p.resume();
    await settle();
    expect(ticks).toBe(3);
    expect(timers.pending.size).toBe(1);
    p.setIntervalMs(30_000);
    expect([...timers.pending.values()].map((t) => t.ms)).toEqual([30_000]);
    p.stop();
    expect(timers.pending.size).toBe(0);
  });

  it("never overlaps ticks: a refresh during a tick runs once after it, and failures do not stop it", async () => {
    const timers = manualTimers();
    let running = 0;
    let maxRunning = 0;
    let ticks = 0;
    let release: () => void = () => undefined;
    const p = new Poller({
      intervalMs: 1000,
      tick: async () => {
        running++;
        maxRunning = Math.max(maxRunning, running);
        ticks++;
        await new Promise<void>((r) => (release = r));
        running--;
        if (ticks === 1) throw new Error("mediator down");
      },
      ...timers,
    });
    p.start();
    void p.refreshNow();
    void p.refreshNow();
    release();
    await settle();
    release();
    await settle();
    expect(ticks).toBe(2);
    expect(maxRunning).toBe(1);
    expect(timers.pending.size).toBe(1);
  });
});
