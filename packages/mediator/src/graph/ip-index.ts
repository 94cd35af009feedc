/** One holder of an IP address over a span of time. */
export interface IpTenure {
  readonly entityId: string;
  readonly fromUnixMs: number;
  /** When the holder gave the address up; undefined while it still holds it. */
  toUnixMs: number | undefined;
}

/**
 * Which entity (pod or service) held an IP address at a given time. Pod IPs are reused after a
 * pod ends, so a connection or span is resolved by the time it was observed, not by who holds
 * the address now. Ended tenures are kept for `retentionMs`, at most `maxTenuresPerIp` per IP.
 */
export class IpIndex {
  readonly #byIp = new Map<string, IpTenure[]>();
  readonly #byEntity = new Map<string, string>();
  readonly #retentionMs: number;
  readonly #maxTenuresPerIp: number;

  constructor(options: { readonly retentionMs?: number; readonly maxTenuresPerIp?: number } = {}) {
    this.#retentionMs = options.retentionMs ?? 60 * 60_000;
    this.#maxTenuresPerIp = options.maxTenuresPerIp ?? 8;
  }

  get size(): number {
    return this.#byIp.size;
  }

  /** Records that `entityId` holds `ip` from `atUnixMs` (an empty ip releases what it held). */
  assign(entityId: string, ip: string, atUnixMs: number): void {
    const current = this.#byEntity.get(entityId);
    if (current === ip) return;
    if (current !== undefined) this.release(entityId, atUnixMs);
    if (ip === "") return;
    let tenures = this.#byIp.get(ip);
    if (!tenures) this.#byIp.set(ip, (tenures = []));
    // Whoever still held this address has lost it (we missed its end).
    for (const t of tenures) if (t.toUnixMs === undefined) t.toUnixMs = atUnixMs;
    tenures.push({ entityId, fromUnixMs: atUnixMs, toUnixMs: undefined });
    if (tenures.length > this.#maxTenuresPerIp) tenures.splice(0, tenures.length - this.#maxTenuresPerIp);
    this.#byEntity.set(entityId, ip);
  }

  /** Records that `entityId` gave up its address at `atUnixMs`. */
  release(entityId: string, atUnixMs: number): void {
    const ip = this.#byEntity.get(entityId);
    if (ip === undefined) return;
    this.#byEntity.delete(entityId);
    for (const t of this.#byIp.get(ip) ?? []) {
      if (t.entityId === entityId && t.toUnixMs === undefined) t.toUnixMs = atUnixMs;
    }
  }

  /** The entity that held `ip` at `atUnixMs`, or undefined. */
  resolve(ip: string, atUnixMs: number): string | undefined {
    const tenures = this.#byIp.get(ip);
    if (!tenures) return undefined;
    for (let i = tenures.length - 1; i >= 0; i--) {
      const t = tenures[i] as IpTenure;
      if (t.fromUnixMs <= atUnixMs && (t.toUnixMs === undefined || atUnixMs < t.toUnixMs)) return t.entityId;
    }
    // Observed a little before we learnt of the holder (informer lag): the earliest holder after it.
    const first = tenures[0];
    if (first && atUnixMs < first.fromUnixMs && first.fromUnixMs - atUnixMs < 60_000) return first.entityId;
    return undefined;
  }

  /** The address `entityId` holds now. */
  ipOf(entityId: string): string | undefined {
    return this.#byEntity.get(entityId);
  }

  /** Forgets tenures that ended more than the retention ago. */
  prune(nowUnixMs: number): void {
    for (const [ip, tenures] of this.#byIp) {
      const kept = tenures.filter(
        (t) => t.toUnixMs === undefined || nowUnixMs - t.toUnixMs < this.#retentionMs,
      );
      if (kept.length === 0) this.#byIp.delete(ip);
      else if (kept.length !== tenures.length) this.#byIp.set(ip, kept);
    }
  }

  /** Every tenure, for snapshots. */
  dump(): [string, IpTenure[]][] {
    return [...this.#byIp.entries()];
  }

  load(entries: readonly [string, readonly IpTenure[]][]): void {
    for (const [ip, tenures] of entries) {
      this.#byIp.set(
        ip,
        tenures.map((t) => ({ ...t })),
      );
      for (const t of tenures) if (t.toUnixMs === undefined) this.#byEntity.set(t.entityId, ip);
    }
  }
}
