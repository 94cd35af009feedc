import { gzipSync } from "node:zlib";
import { type Logger } from "@causeway/runtime";

/** Where series go. */
export interface SeriesSink {
  write(lines: readonly string[]): void;
}

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
 * Sends Prometheus text lines to VictoriaMetrics' /api/v1/import/prometheus, gzip-compressed, in
 * batches, retrying with capped exponential backoff; a bounded queue counts exactly what it drops.
 */
export class VictoriaMetricsWriter implements SeriesSink {
  readonly #o: VictoriaMetricsWriterOptions;
  readonly #queue: string[] = [];
  #sending = false;
  #inflight: Promise<boolean> | undefined;
  #backoffMs = 0;
  #timer: NodeJS.Timeout | undefined;
  dropped = 0;
  sent = 0;

  constructor(options: VictoriaMetricsWriterOptions) {
    this.#o = options;
  }

  get queued(): number {
    return this.#queue.length;
  }

  /** True when the queue is past its high-water mark (80%): senders should back off. */
  get saturated(): boolean {
    return this.#queue.length >= this.#o.maxQueuedLines * 0.8;
  }

  write(lines: readonly string[]): void {
    for (const line of lines) this.#queue.push(line);
    const excess = this.#queue.length - this.#o.maxQueuedLines;
    if (excess > 0) {
      this.#queue.splice(0, excess);
      this.dropped += excess;
    }
    this.#schedule(0);
  }

  /** Sends everything queued now; resolves when the queue is empty or a send failed. */
  async flush(): Promise<void> {
    if (this.#inflight) await this.#inflight;
    while (this.#queue.length > 0) {
      if (!(await this.#sendBatch())) return;
    }
  }

  close(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(delayMs: number): void {
    if (this.#timer || this.#sending) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#drain();
    }, delayMs);
    this.#timer.unref();
  }

  async #drain(): Promise<void> {
    while (this.#queue.length > 0) {
      if (!(await this.#sendBatch())) {
        this.#backoffMs = Math.min(Math.max(this.#backoffMs * 2, 250), this.#o.maxBackoffMs);
        this.#schedule(this.#backoffMs);
        return;
      }
      this.#backoffMs = 0;
    }
  }

  #sendBatch(): Promise<boolean> {
    if (this.#inflight) return this.#inflight;
    this.#inflight = this.#send().finally(() => {
      this.#inflight = undefined;
    });
    return this.#inflight;
  }

  async #send(): Promise<boolean> {
    this.#sending = true;
    const batch = this.#queue.slice(0, this.#o.maxBatchLines);
    try {
      const res = await fetch(`${this.#o.url}/api/v1/import/prometheus`, {
        method: "POST",
        headers: { "content-encoding": "gzip", "content-type": "text/plain" },
        body: gzipSync(batch.join("\n") + "\n"),
      });
      if (!res.ok) {
        this.#o.log.warn({ status: res.status }, "VictoriaMetrics refused a batch");
        if (res.status >= 400 && res.status < 500) {
          // A batch VictoriaMetrics will never accept: count it as dropped rather than retry forever.
          this.#queue.splice(0, batch.length);
          this.dropped += batch.length;
          return true;
        }
        return false;
      }
      this.#queue.splice(0, batch.length);
      this.sent += batch.length;
      return true;
    } catch (error) {
      this.#o.log.debug({ err: (error as Error).message }, "VictoriaMetrics unreachable; will retry");
      return false;
    } finally {
      this.#sending = false;
    }
  }
}
