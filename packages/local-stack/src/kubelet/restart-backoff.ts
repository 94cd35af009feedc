/** The kubelet's container restart back-off: the first restart at once, then doubling up to a cap. */
export interface RestartBackoffOptions {
  /** Delay before the second restart (the kubelet's is 10 s). */
  readonly initialMs: number;
  /** Cap (the kubelet's is 5 min). */
  readonly maxMs: number;
  /** A container that ran this long before exiting restarts at once again (the kubelet's is 10 min). */
  readonly resetAfterMs: number;
}

/** Delay before restarting a container that exited after `ranMs`, having been restarted `restarts` times in a row. */
export function restartDelayMs(o: RestartBackoffOptions, restarts: number, ranMs: number): number {
  if (restarts === 0 || ranMs >= o.resetAfterMs) return 0;
  return Math.min(o.maxMs, o.initialMs * 2 ** (restarts - 1));
}
