/** Upper bounds, in seconds, of the request-duration histogram buckets (Prometheus `le`). */
export const DURATION_BUCKETS_SECONDS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10] as const;

/** Cumulative request, error and duration counters for one series. */
export class RedCounters {
  requests = 0;
  errors = 0;
  durationSumSeconds = 0;
  /** Per-bucket (non-cumulative) counts; the last slot is +Inf. */
  readonly buckets = new Array<number>(DURATION_BUCKETS_SECONDS.length + 1).fill(0);

  observe(durationSeconds: number, isError: boolean): void {
    this.requests++;
    if (isError) this.errors++;
    this.durationSumSeconds += durationSeconds;
    let i = 0;
    while (i < DURATION_BUCKETS_SECONDS.length && durationSeconds > (DURATION_BUCKETS_SECONDS[i] as number))
      i++;
    this.buckets[i] = (this.buckets[i] ?? 0) + 1;
  }
}
