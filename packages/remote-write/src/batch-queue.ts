/** One batch of samples waiting to be sent: Prometheus text lines, gzip-compressed. */
export interface QueuedBatch {
  readonly id: number;
  readonly lines: number;
  /** Compressed size. */
  readonly bytes: number;
  /** The gzip-compressed request body. */
  body(): Buffer;
}

/** What a queue holds and what it has dropped since it was opened. */
export interface BatchQueueStats {
  readonly batches: number;
  readonly lines: number;
  readonly bytes: number;
  /** Sample lines dropped because the queue was full (exact). */
  readonly droppedLines: number;
  readonly droppedBatches: number;
}

/**
 * A bounded FIFO of compressed batches. When a new batch does not fit, the oldest batches are
 * dropped (never the one being sent) and counted; a batch that cannot fit even into an empty
 * queue is dropped itself.
 */
export interface BatchQueue {
  /** Compresses and stores `lines` as one batch. */
  push(lines: readonly string[]): void;
  /** The oldest batch, marked as in flight until `remove` or `release`. */
  take(): QueuedBatch | undefined;
  /** Forgets a batch that was sent or refused for good. */
  remove(batch: QueuedBatch): void;
  /** Returns an in-flight batch to the head of the queue (send failed; retry later). */
  release(batch: QueuedBatch): void;
  readonly stats: BatchQueueStats;
  /** Capacity used, 0..1 (for backpressure). */
  readonly fill: number;
}
