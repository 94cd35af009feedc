import { type ServerResponse } from "node:http";

/** Bytes gathered before a write; one syscall per batch instead of one per object. */
const BATCH_BYTES = 256 * 1024;

/**
 * Writes many small buffers to a response in batches, and lets a producer wait for the socket to
 * drain so that a large list or an initial watch replay never buffers the whole table.
 */
export class BatchedWriter {
  readonly #res: ServerResponse;
  #parts: Buffer[] = [];
  #bytes = 0;
  #scheduled = false;
  #closed = false;

  constructor(res: ServerResponse) {
    this.#res = res;
    res.once("close", () => {
      this.#closed = true;
    });
  }

  get closed(): boolean {
    return this.#closed || this.#res.destroyed;
  }

  /** Bytes handed to the socket and not yet sent, plus bytes still batched here. */
  get pendingBytes(): number {
    return this.#res.writableLength + this.#bytes;
  }

  write(part: Buffer | string): void {
    if (this.closed) return;
    const buf = typeof part === "string" ? Buffer.from(part) : part;
    this.#parts.push(buf);
    this.#bytes += buf.length;
    if (this.#bytes >= BATCH_BYTES) this.flush();
    else if (!this.#scheduled) {
      this.#scheduled = true;
      setImmediate(() => this.flush());
    }
  }

  flush(): boolean {
    this.#scheduled = false;
    if (this.#parts.length === 0 || this.closed) return true;
    const chunk =
      this.#parts.length === 1 ? (this.#parts[0] as Buffer) : Buffer.concat(this.#parts, this.#bytes);
    this.#parts = [];
    this.#bytes = 0;
    return this.#res.write(chunk);
  }

  /** Flushes, then resolves once the socket wants more (or is gone). */
  async drain(): Promise<void> {
    if (this.flush() || this.closed) return;
    await new Promise<void>((resolve) => {
      const done = () => {
        this.#res.off("drain", done);
        this.#res.off("close", done);
        resolve();
      };
      this.#res.on("drain", done);
      this.#res.on("close", done);
    });
  }

  end(): void {
    this.flush();
    if (!this.#res.writableEnded) this.#res.end();
  }
}
