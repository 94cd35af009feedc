/**
 * A cache that never evicts: what the memory-leak fault adds to a service. It keeps growing by
 * `bytesPerRequest` until `maxBytes`, touching every page so the memory is resident (and counted
 * by the cgroup), then stays at that size: a limit raised above it ends the OOM kills.
 */
export class LeakyCache {
  readonly #chunks: Buffer[] = [];
  #bytes = 0;

  get bytes(): number {
    return this.#bytes;
  }

  /** Retains up to `bytes` more, without going over `maxBytes` in total. */
  retain(bytes: number, maxBytes: number): void {
    const n = Math.min(bytes, maxBytes - this.#bytes);
    if (n <= 0) return;
    this.#chunks.push(Buffer.alloc(n, 0x5a));
    this.#bytes += n;
  }
}

/** Spins for `ms` on this thread: the CPU a slow code path costs. */
export function burnCpu(ms: number, now: () => number = () => performance.now()): void {
  const end = now() + ms;
  let x = 0;
  while (now() < end) x = (x * 31 + 7) % 1_000_003;
  if (x < 0) throw new Error("unreachable");
}
