import { mkdir, open, readdir, readFile, rm, type FileHandle } from "node:fs/promises";
import { join } from "node:path";

const PREFIX = "journal-";
const SUFFIX = ".log";

function fileName(generation: number): string {
  return `${PREFIX}${String(generation).padStart(10, "0")}${SUFFIX}`;
}

/**
 * A write-ahead journal of accepted agent messages, so that the mediator acknowledges only what
 * survives a crash. Records are length-prefixed and written with group commit: every append in a
 * flush window shares one write and one fdatasync. Each snapshot starts a new generation and the
 * generations it covers are deleted.
 */
export class Journal {
  readonly dir: string;
  readonly #flushIntervalMs: number;
  #generation: number;
  #file: FileHandle | undefined;
  #buffer: Buffer[] = [];
  #bufferBytes = 0;
  #waiters: { resolve: () => void; reject: (e: Error) => void }[] = [];
  #timer: NodeJS.Timeout | undefined;
  #flushing: Promise<void> = Promise.resolve();
  #closed = false;
  bytesWritten = 0;
  flushes = 0;

  private constructor(dir: string, generation: number, flushIntervalMs: number) {
    this.dir = dir;
    this.#generation = generation;
    this.#flushIntervalMs = flushIntervalMs;
  }

  /** Opens the journal directory, appending to a new generation after the newest one found. */
  static async open(dir: string, options: { readonly flushIntervalMs?: number } = {}): Promise<Journal> {
    await mkdir(dir, { recursive: true });
    const generations = await Journal.generations(dir);
    const journal = new Journal(dir, (generations.at(-1) ?? 0) + 1, options.flushIntervalMs ?? 10);
    journal.#file = await open(join(dir, fileName(journal.#generation)), "a");
    return journal;
  }

  static async generations(dir: string): Promise<number[]> {
    let names: string[] = [];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    return names
      .filter((n) => n.startsWith(PREFIX) && n.endsWith(SUFFIX))
      .map((n) => Number(n.slice(PREFIX.length, -SUFFIX.length)))
      .filter((g) => Number.isSafeInteger(g))
      .sort((a, b) => a - b);
  }

  /**
   * Reads every record of generations ≥ `fromGeneration`, oldest first. A torn last record (a
   * crash mid-write, never acknowledged) is ignored.
   */
  static async read(dir: string, fromGeneration: number): Promise<Buffer[]> {
    const out: Buffer[] = [];
    for (const g of await Journal.generations(dir)) {
      if (g < fromGeneration) continue;
      const data = await readFile(join(dir, fileName(g)));
      let offset = 0;
      while (offset + 4 <= data.length) {
        const length = data.readUInt32LE(offset);
        if (offset + 4 + length > data.length) break;
        out.push(data.subarray(offset + 4, offset + 4 + length));
        offset += 4 + length;
      }
    }
    return out;
  }

  get generation(): number {
    return this.#generation;
  }

  /** Bytes appended but not yet on disk. */
  get pendingBytes(): number {
    return this.#bufferBytes;
  }

  /** Appends a record; resolves once it is on disk. */
  append(record: Uint8Array): Promise<void> {
    if (this.#closed) return Promise.reject(new Error("journal is closed"));
    const header = Buffer.allocUnsafe(4);
    header.writeUInt32LE(record.length, 0);
    this.#buffer.push(header, Buffer.from(record.buffer, record.byteOffset, record.byteLength));
    this.#bufferBytes += 4 + record.length;
    const done = new Promise<void>((resolve, reject) => this.#waiters.push({ resolve, reject }));
    if (this.#bufferBytes >= 1 << 20) this.#flushSoon(0);
    else this.#flushSoon(this.#flushIntervalMs);
    return done;
  }

  /** Writes and syncs everything appended so far. */
  flush(): Promise<void> {
    const next = this.#flushing.then(() => this.#write());
    this.#flushing = next.catch(() => undefined);
    return next;
  }

  /**
   * Starts a new generation (after flushing the current one) and returns its number: records
   * appended from now on belong to it. A snapshot taken at this point covers every older one.
   */
  async rotate(): Promise<number> {
    const previous = this.#file;
    this.#generation++;
    const generation = this.#generation;
    this.#file = await open(join(this.dir, fileName(generation)), "a");
    const buffered = this.#buffer;
    const bufferedBytes = this.#bufferBytes;
    const waiters = this.#waiters;
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#waiters = [];
    if (previous) {
      await this.#flushing;
      try {
        if (buffered.length > 0) {
          await previous.write(Buffer.concat(buffered, bufferedBytes));
          await previous.datasync();
          this.bytesWritten += bufferedBytes;
        }
        for (const w of waiters) w.resolve();
      } catch (error) {
        for (const w of waiters) w.reject(error as Error);
      }
      await previous.close();
    }
    return generation;
  }

  /** Deletes generations older than `generation` (a snapshot covers them). */
  async truncateBefore(generation: number): Promise<void> {
    for (const g of await Journal.generations(this.dir)) {
      if (g < generation) await rm(join(this.dir, fileName(g)), { force: true });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    await this.flush();
    this.#closed = true;
    if (this.#timer) clearTimeout(this.#timer);
    await this.#file?.close();
    this.#file = undefined;
  }

  #flushSoon(delayMs: number): void {
    if (this.#timer && delayMs > 0) return;
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().catch(() => undefined);
    }, delayMs);
  }

  async #write(): Promise<void> {
    if (this.#buffer.length === 0) return;
    const file = this.#file;
    const chunks = this.#buffer;
    const bytes = this.#bufferBytes;
    const waiters = this.#waiters;
    this.#buffer = [];
    this.#bufferBytes = 0;
    this.#waiters = [];
    try {
      if (!file) throw new Error("journal is closed");
      await file.write(Buffer.concat(chunks, bytes));
      await file.datasync();
      this.bytesWritten += bytes;
      this.flushes++;
      for (const w of waiters) w.resolve();
    } catch (error) {
      for (const w of waiters) w.reject(error as Error);
      throw error;
    }
  }
}
