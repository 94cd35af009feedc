/** Thresholds of a level symptom; `on` above `off` (or below, for `lowerIsWorse`). */
export interface LevelThresholds {
  readonly on: number;
  readonly off: number;
  /** The condition must hold this long before the symptom turns active. */
  readonly forMs: number;
  /** The clear condition must hold this long before it turns inactive. */
  readonly clearForMs: number;
}

export type Transition = "activated" | "deactivated" | undefined;

/**
 * A two-threshold state machine with hold times: a value must stay at or beyond `on` for `forMs`
 * to activate, and at or within `off` for `clearForMs` to deactivate. Values between the two
 * thresholds keep the current state (and reset the pending timer), so a metric that hovers at
 * the threshold does not flap.
 */
export class Hysteresis {
  readonly #t: LevelThresholds;
  readonly #lowerIsWorse: boolean;
  #active = false;
  #pendingSinceMs: number | undefined;
  #sinceMs = 0;

  constructor(thresholds: LevelThresholds, options: { readonly lowerIsWorse?: boolean } = {}) {
    this.#t = thresholds;
    this.#lowerIsWorse = options.lowerIsWorse ?? false;
  }

  get active(): boolean {
    return this.#active;
  }

  /** When the current state was entered. */
  get sinceMs(): number {
    return this.#sinceMs;
  }

  update(value: number, nowMs: number): Transition {
    const bad = this.#lowerIsWorse ? value <= this.#t.on : value >= this.#t.on;
    const good = this.#lowerIsWorse ? value >= this.#t.off : value <= this.#t.off;
    const moving = this.#active ? good : bad;
    if (!moving) {
      this.#pendingSinceMs = undefined;
      return undefined;
    }
    this.#pendingSinceMs ??= nowMs;
    const holdMs = this.#active ? this.#t.clearForMs : this.#t.forMs;
    if (nowMs - this.#pendingSinceMs < holdMs) return undefined;
    this.#active = !this.#active;
    this.#sinceMs = nowMs;
    this.#pendingSinceMs = undefined;
    return this.#active ? "activated" : "deactivated";
  }
}

/** An event symptom (OOM kill, crash): active from the event until `holdMs` after the last one. */
export class EventHold {
  readonly #holdMs: number;
  #lastEventMs: number | undefined;
  #active = false;
  #sinceMs = 0;

  constructor(holdMs: number) {
    this.#holdMs = holdMs;
  }

  get active(): boolean {
    return this.#active;
  }

  get sinceMs(): number {
    return this.#sinceMs;
  }

  trigger(atMs: number): Transition {
    this.#lastEventMs = Math.max(this.#lastEventMs ?? atMs, atMs);
    if (this.#active) return undefined;
    this.#active = true;
    this.#sinceMs = atMs;
    return "activated";
  }

  tick(nowMs: number): Transition {
    if (!this.#active || this.#lastEventMs === undefined || nowMs - this.#lastEventMs < this.#holdMs)
      return undefined;
    this.#active = false;
    this.#sinceMs = nowMs;
    return "deactivated";
  }
}

/** Least-squares slope (per second) and r² of (timeMs, value) samples. */
export function linearTrend(samples: readonly (readonly [number, number])[]): {
  slopePerS: number;
  r2: number;
} {
  const n = samples.length;
  if (n < 2) return { slopePerS: 0, r2: 0 };
  let sx = 0;
  let sy = 0;
  for (const [x, y] of samples) {
    sx += x;
    sy += y;
  }
  const mx = sx / n;
  const my = sy / n;
  let sxx = 0;
  let sxy = 0;
  let syy = 0;
  for (const [x, y] of samples) {
    sxx += (x - mx) ** 2;
    sxy += (x - mx) * (y - my);
    syy += (y - my) ** 2;
  }
  if (sxx === 0) return { slopePerS: 0, r2: 0 };
  const slope = sxy / sxx;
  const r2 = syy === 0 ? 0 : (sxy * sxy) / (sxx * syy);
  return { slopePerS: slope * 1000, r2 };
}
