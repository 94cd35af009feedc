/** Capped exponential backoff: initial, 2x, 4x, ... up to the cap. */
export interface BackoffPolicy {
  readonly initialDelayMs: number;
  readonly maxDelayMs: number;
}

export const DEFAULT_BACKOFF: BackoffPolicy = { initialDelayMs: 500, maxDelayMs: 30_000 };

/** Delay before restart number `attempt` (0-based). */
export function backoffDelayMs(policy: BackoffPolicy, attempt: number): number {
  const exponent = Math.min(attempt, 30);
  return Math.min(policy.maxDelayMs, policy.initialDelayMs * 2 ** exponent);
}

/** Waits `ms` or until the signal aborts; injected so tests never sleep. */
export type DelayFunction = (ms: number, signal: AbortSignal) => Promise<void>;

export const realDelay: DelayFunction = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) {
      resolve();
      return;
    }
    const timer = setTimeout(done, ms);
    function done(): void {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    }
    signal.addEventListener("abort", done, { once: true });
  });
