import { type Logger } from "@causeway/runtime";
import { MemoryBatchQueue, RemoteWriter, type SeriesSink } from "@causeway/remote-write";

export type { SeriesSink };

export interface VictoriaMetricsWriterOptions {
  /** e.g. http://127.0.0.1:8428 */
  readonly url: string;
  /** Lines held while VictoriaMetrics is unreachable; beyond it the oldest are dropped and counted. */
  readonly maxQueuedLines: number;
  readonly maxBatchLines: number;
  readonly maxBackoffMs: number;
  readonly log: Logger;
}

/**
 * The receiver's writer: the shared `RemoteWriter` (batched, gzip, retried) with its queue in
 * memory, bounded by lines.
 */
export class VictoriaMetricsWriter extends RemoteWriter {
  constructor(options: VictoriaMetricsWriterOptions) {
    super({
      url: options.url,
      queue: new MemoryBatchQueue({ maxLines: options.maxQueuedLines }),
      maxBatchLines: options.maxBatchLines,
      maxBackoffMs: options.maxBackoffMs,
      log: options.log,
    });
  }
}
