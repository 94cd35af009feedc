import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import { type Logger } from "@causeway/runtime";
import { type BatchQueue, type QueuedBatch } from "./batch-queue.js";

/** Where series go. */
export interface SeriesSink {
  write(lines: readonly string[]): void;
}

/** Waits `ms` or until the signal aborts; injected so tests can compress time. */
export type RetryDelay = (ms: number, signal: AbortSignal) => Promise<void>;

const abortableDelay: RetryDelay = (ms, signal) =>
  new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const done = (): void => {
      clearTimeout(timer);
      signal.removeEventListener("abort", done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener("abort", done, { once: true });
  });

export interface RemoteWriterOptions {
  /** VictoriaMetrics base URL, e.g. http://127.0.0.1:8428 */
  readonly url: string;
  readonly queue: BatchQueue;
  /** Lines per request; writes are coalesced up to this many before they are queued. */
  readonly maxBatchLines: number;
  readonly initialBackoffMs?: number;
  readonly maxBackoffMs: number;
  readonly requestTimeoutMs?: number;
  readonly log: Logger;
  readonly delay?: RetryDelay;
}

/**
 * Sends Prometheus text lines to VictoriaMetrics' /api/v1/import/prometheus, gzip-compressed, in
 * batches, oldest first, retrying with capped exponential backoff. Lines wait in a bounded queue
 * (memory or disk) that counts exactly what it drops; a batch VictoriaMetrics refuses as invalid
 * (4xx) is dropped and counted too rather than retried forever.
 */
export class RemoteWriter implements SeriesSink {
  readonly #o: RemoteWriterOptions;
  readonly #delay: RetryDelay;
  readonly #closed = new AbortController();
  #pending: string[] = [];
  #coalesce: NodeJS.Immediate | undefined;
  #draining: Promise<void> | undefined;
  #refusedLines = 0;
  #sentLines = 0;
  #sentBatches = 0;
  #failedRequests = 0;
  #backoffMs = 0;

  constructor(options: RemoteWriterOptions) {
    this.#o = options;
    this.#delay = options.delay ?? abortableDelay;
  }

  /** Lines dropped: by the queue bound plus batches VictoriaMetrics refused as invalid. */
  get dropped(): number {
    return this.#o.queue.stats.droppedLines + this.#refusedLines;
  }

  get sent(): number {
    return this.#sentLines;
  }

  get sentBatches(): number {
    return this.#sentBatches;
  }

  /** Requests that failed and were retried. */
  get failedRequests(): number {
    return this.#failedRequests;
  }

  /** Lines waiting (queued plus not yet batched). */
  get queued(): number {
    return this.#o.queue.stats.lines + this.#pending.length;
  }

  get queuedBytes(): number {
    return this.#o.queue.stats.bytes;
  }

  /** True when the queue is past its high-water mark (80%): producers should back off. */
  get saturated(): boolean {
    return this.#o.queue.fill >= 0.8;
  }

  write(lines: readonly string[]): void {
    if (this.#closed.signal.aborted) return;
    for (const line of lines) {
      this.#pending.push(line);
      if (this.#pending.length >= this.#o.maxBatchLines) this.#enqueuePending();
    }
    // Writes made in the same tick share a batch.
    this.#coalesce ??= setImmediate(() => {
      this.#coalesce = undefined;
      this.#enqueuePending();
      this.#kick();
    });
  }

  /** Queues what is pending and sends until the queue is empty or one send fails. */
  async flush(): Promise<void> {
    this.#enqueuePending();
    if (this.#draining) await this.#draining;
    while (this.#o.queue.stats.batches > 0) {
      if (!(await this.#sendOne())) return;
    }
  }

  /** Stops sending; queued batches stay in the queue (on disk they survive a restart). */
  close(): void {
    if (this.#coalesce) clearImmediate(this.#coalesce);
    this.#coalesce = undefined;
    this.#enqueuePending();
    this.#closed.abort();
  }

  #enqueuePending(): void {
    if (this.#pending.length === 0) return;
    const lines = this.#pending;
    this.#pending = [];
    this.#o.queue.push(lines);
  }

  #kick(): void {
    if (this.#draining || this.#closed.signal.aborted) return;
    this.#draining = this.#drain().finally(() => {
      this.#draining = undefined;
    });
  }

  async #drain(): Promise<void> {
    const signal = this.#closed.signal;
    while (!signal.aborted && this.#o.queue.stats.batches > 0) {
      if (await this.#sendOne()) {
        this.#backoffMs = 0;
        continue;
      }
      this.#backoffMs = Math.min(
        Math.max(this.#backoffMs * 2, this.#o.initialBackoffMs ?? 250),
        this.#o.maxBackoffMs,
      );
      await this.#delay(this.#backoffMs, signal);
    }
  }

  async #sendOne(): Promise<boolean> {
    const batch = this.#o.queue.take();
    if (!batch) return true;
    const outcome = await this.#post(batch);
    if (outcome === "retry") {
      this.#failedRequests++;
      this.#o.queue.release(batch);
      return false;
    }
    this.#o.queue.remove(batch);
    if (outcome === "sent") {
      this.#sentLines += batch.lines;
      this.#sentBatches++;
    } else {
      this.#refusedLines += batch.lines;
    }
    return true;
  }

  async #post(batch: QueuedBatch): Promise<"sent" | "refused" | "retry"> {
    try {
      const status = await this.#postBody(batch.body());
      if (status >= 200 && status < 300) return "sent";
      this.#o.log.warn({ status, lines: batch.lines }, "VictoriaMetrics refused a batch");
      // 4xx: VictoriaMetrics will never accept it; 429 and 5xx are worth retrying.
      return status >= 400 && status < 500 && status !== 429 ? "refused" : "retry";
    } catch (error) {
      this.#o.log.debug({ err: (error as Error).message }, "VictoriaMetrics unreachable; will retry");
      return "retry";
    }
  }

  /** POSTs with node:http(s) rather than fetch: loading undici would cost the agent ~10 MiB. */
  #postBody(body: Buffer): Promise<number> {
    const url = new URL(`${this.#o.url}/api/v1/import/prometheus`);
    const request = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = request(
        url,
        {
          method: "POST",
          headers: {
            "content-encoding": "gzip",
            "content-type": "text/plain",
            "content-length": body.length,
          },
          timeout: this.#o.requestTimeoutMs ?? 30_000,
        },
        (res) => {
          res.resume();
          res.on("end", () => resolve(res.statusCode ?? 0));
          res.on("error", reject);
        },
      );
      req.on("timeout", () => req.destroy(new Error("request timed out")));
      req.on("error", reject);
      req.end(body);
    });
  }
}
