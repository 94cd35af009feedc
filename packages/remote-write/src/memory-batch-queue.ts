import { gzipSync } from "node:zlib";
import { type BatchQueue, type BatchQueueStats, type QueuedBatch } from "./batch-queue.js";

interface MemoryBatch extends QueuedBatch {
  readonly gz: Buffer;
}

/** A batch queue in memory, bounded by the number of sample lines it holds. */
export class MemoryBatchQueue implements BatchQueue {
  readonly #maxLines: number;
  readonly #batches: MemoryBatch[] = [];
  #inflight: MemoryBatch | undefined;
  #nextId = 1;
  #lines = 0;
  #bytes = 0;
  #droppedLines = 0;
  #droppedBatches = 0;

  constructor(options: { readonly maxLines: number }) {
    this.#maxLines = options.maxLines;
  }

  push(lines: readonly string[]): void {
    if (lines.length === 0) return;
    if (lines.length > this.#maxLines) {
      this.#droppedLines += lines.length;
      this.#droppedBatches++;
      return;
    }
    while (this.#lines + lines.length > this.#maxLines) {
      const victim = this.#batches.findIndex((b) => b !== this.#inflight);
      if (victim < 0) {
        this.#droppedLines += lines.length;
        this.#droppedBatches++;
        return;
      }
      const [dropped] = this.#batches.splice(victim, 1) as [MemoryBatch];
      this.#account(dropped, -1);
      this.#droppedLines += dropped.lines;
      this.#droppedBatches++;
    }
    const gz = gzipSync(lines.join("\n") + "\n");
    const batch: MemoryBatch = {
      id: this.#nextId++,
      lines: lines.length,
      bytes: gz.length,
      gz,
      body: () => gz,
    };
    this.#batches.push(batch);
    this.#account(batch, 1);
  }

  take(): QueuedBatch | undefined {
    this.#inflight = this.#batches[0];
    return this.#inflight;
  }

  remove(batch: QueuedBatch): void {
    const i = this.#batches.findIndex((b) => b.id === batch.id);
    if (i >= 0) this.#account(this.#batches.splice(i, 1)[0] as MemoryBatch, -1);
    if (this.#inflight?.id === batch.id) this.#inflight = undefined;
  }

  release(batch: QueuedBatch): void {
    if (this.#inflight?.id === batch.id) this.#inflight = undefined;
  }

  get stats(): BatchQueueStats {
    return {
      batches: this.#batches.length,
      lines: this.#lines,
      bytes: this.#bytes,
      droppedLines: this.#droppedLines,
      droppedBatches: this.#droppedBatches,
    };
  }

  get fill(): number {
    return this.#lines / this.#maxLines;
  }

  #account(batch: MemoryBatch, sign: 1 | -1): void {
    this.#lines += sign * batch.lines;
    this.#bytes += sign * batch.bytes;
  }
}
