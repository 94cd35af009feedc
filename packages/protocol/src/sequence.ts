/**
 * Tracks the sequence numbers received from one sender (numbers start at 1) and answers the two
 * questions the agent protocol needs: is this message new (dedup), and what is the highest
 * contiguous sequence stored (the ack). Out-of-order numbers above the contiguous prefix are kept
 * until the gap fills; `maxPendingGaps` bounds that set.
 */
export class ContiguousSequence {
  #highestContiguous: number;
  readonly #pending = new Set<number>();
  readonly #maxPending: number;

  constructor(options: { readonly highestContiguous?: number; readonly maxPending?: number } = {}) {
    this.#highestContiguous = options.highestContiguous ?? 0;
    this.#maxPending = options.maxPending ?? 100_000;
  }

  /** The highest n such that every sequence 1..n has been accepted. */
  get highestContiguous(): number {
    return this.#highestContiguous;
  }

  /** Numbers accepted above a gap. */
  get pendingCount(): number {
    return this.#pending.size;
  }

  /** True if `seq` was accepted before (a duplicate to drop). */
  has(seq: number): boolean {
    return seq <= this.#highestContiguous || this.#pending.has(seq);
  }

  /**
   * Records `seq`. Returns "new" when it was not seen before, "duplicate" when it was, and
   * "overflow" when it lies above a gap and the pending set is full (the caller must not store
   * it; the sender will replay it).
   */
  accept(seq: number): "new" | "duplicate" | "overflow" {
    if (!Number.isSafeInteger(seq) || seq < 1) throw new RangeError(`invalid sequence number ${seq}`);
    if (this.has(seq)) return "duplicate";
    if (seq === this.#highestContiguous + 1) {
      this.#highestContiguous = seq;
      while (this.#pending.delete(this.#highestContiguous + 1)) this.#highestContiguous++;
      return "new";
    }
    if (this.#pending.size >= this.#maxPending) return "overflow";
    this.#pending.add(seq);
    return "new";
  }
}
