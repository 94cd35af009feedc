import {
  mkdirSync,
  readFileSync,
  readdirSync,
  renameSync,
  statSync,
  unlinkSync,
  writeFileSync,
} from "node:fs";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { type Logger } from "@causeway/runtime";
import { type BatchQueue, type BatchQueueStats, type QueuedBatch } from "./batch-queue.js";

export interface DiskBatchQueueOptions {
  /** Directory owned by this queue; created if missing. */
  readonly dir: string;
  /** Bound on the compressed bytes kept on disk. */
  readonly maxBytes: number;
  readonly log?: Logger;
}

interface DiskBatch extends QueuedBatch {
  readonly path: string;
}

const BATCH_FILE = /^(\d{16})-(\d+)\.prom\.gz$/;

/**
 * A batch queue on disk: one gzip file per batch, named `<id>-<lines>.prom.gz`, written to a
 * temporary name and renamed so a crash never leaves a half batch. Survives restarts (the files
 * are re-read on open) and is bounded by the compressed bytes it keeps.
 */
export class DiskBatchQueue implements BatchQueue {
  readonly #o: DiskBatchQueueOptions;
  readonly #batches: DiskBatch[] = [];
  #inflight: DiskBatch | undefined;
  #nextId = 1;
  #lines = 0;
  #bytes = 0;
  #droppedLines = 0;
  #droppedBatches = 0;

  constructor(options: DiskBatchQueueOptions) {
    this.#o = options;
    mkdirSync(options.dir, { recursive: true });
    for (const name of readdirSync(options.dir).sort()) {
      const path = join(options.dir, name);
      const match = BATCH_FILE.exec(name);
      if (!match) {
        if (name.endsWith(".tmp")) unlinkSync(path);
        continue;
      }
      const batch = this.#entry(Number(match[1]), Number(match[2]), statSync(path).size);
      this.#batches.push(batch);
      this.#account(batch, 1);
      this.#nextId = Math.max(this.#nextId, batch.id + 1);
    }
    if (this.#batches.length > 0)
      options.log?.info(
        { dir: options.dir, batches: this.#batches.length, lines: this.#lines },
        "resuming samples queued on disk",
      );
  }

  push(lines: readonly string[]): void {
    if (lines.length === 0) return;
    const gz = gzipSync(lines.join("\n") + "\n");
    while (this.#bytes + gz.length > this.#o.maxBytes) {
      const victim = this.#batches.find((b) => b !== this.#inflight);
      if (!victim) break;
      this.#delete(victim);
      this.#droppedLines += victim.lines;
      this.#droppedBatches++;
    }
    if (this.#bytes + gz.length > this.#o.maxBytes) {
      this.#droppedLines += lines.length;
      this.#droppedBatches++;
      return;
    }
    const batch = this.#entry(this.#nextId++, lines.length, gz.length);
    const tmp = `${batch.path}.tmp`;
    writeFileSync(tmp, gz);
    renameSync(tmp, batch.path);
    this.#batches.push(batch);
    this.#account(batch, 1);
  }

  take(): QueuedBatch | undefined {
    this.#inflight = this.#batches[0];
    return this.#inflight;
  }

  remove(batch: QueuedBatch): void {
    const entry = this.#batches.find((b) => b.id === batch.id);
    if (entry) this.#delete(entry);
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
    return this.#bytes / this.#o.maxBytes;
  }

  #entry(id: number, lines: number, bytes: number): DiskBatch {
    const path = join(this.#o.dir, `${String(id).padStart(16, "0")}-${lines}.prom.gz`);
    return { id, lines, bytes, path, body: () => readFileSync(path) };
  }

  #delete(batch: DiskBatch): void {
    const i = this.#batches.indexOf(batch);
    if (i >= 0) this.#batches.splice(i, 1);
    this.#account(batch, -1);
    try {
      unlinkSync(batch.path);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
  }

  #account(batch: DiskBatch, sign: 1 | -1): void {
    this.#lines += sign * batch.lines;
    this.#bytes += sign * batch.bytes;
  }
}
