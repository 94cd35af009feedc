import { createHash } from "node:crypto";
import { appendFileSync, existsSync, mkdirSync, readFileSync, renameSync } from "node:fs";
import { join } from "node:path";
import { silentLogger, type Logger } from "@causeway/runtime";

/** One message as it left the cluster. */
export interface EgressEntry {
  /** Increases by one per entry, across restarts. */
  readonly seq: number;
  readonly atUnixMs: number;
  readonly messageId: string;
  readonly category: string;
  /** Bytes of the frame on the wire. */
  readonly bytes: number;
  /** SHA-256 of the exact frame, hex. */
  readonly sha256: string;
  /** True when this message had been sent before (after a reconnect or restart). */
  readonly resend: boolean;
  /** What it was, e.g. "topology: 12 entities, 30 relations". */
  readonly summary: string;
  /** The exact frame (already masked) when it is small enough; otherwise its first bytes. */
  readonly frame: string;
  readonly frameTruncated: boolean;
}

export interface EgressQuery {
  /** Only entries at or after this time. */
  readonly sinceUnixMs?: number;
  /** At most this many entries, newest first. Default 100, at most 1000. */
  readonly limit?: number;
  readonly category?: string;
}

export interface EgressLedgerOptions {
  readonly dir: string;
  /** Entries kept (on disk and in memory); older ones are forgotten. Default 10,000. */
  readonly maxEntries?: number;
  /** Frames longer than this are kept truncated (the hash covers the whole frame). Default 2048. */
  readonly maxStoredFrameBytes?: number;
  readonly clock?: () => number;
  readonly log?: Logger;
}

export const MAX_EGRESS_QUERY_LIMIT = 1000;

/**
 * The egress ledger: every message sent upstream, what, when, how big and which category,
 * persisted as JSON lines in two alternating files (so it is bounded) and served by the mediator
 * at /api/v1/egress.
 */
export class EgressLedger {
  readonly #dir: string;
  readonly #maxEntries: number;
  readonly #maxFrame: number;
  readonly #clock: () => number;
  readonly #log: Logger;
  readonly #entries: EgressEntry[] = [];
  #linesInCurrent = 0;
  #nextSeq = 1;

  private constructor(options: EgressLedgerOptions) {
    this.#dir = options.dir;
    this.#maxEntries = Math.max(2, options.maxEntries ?? 10_000);
    this.#maxFrame = options.maxStoredFrameBytes ?? 2048;
    this.#clock = options.clock ?? Date.now;
    this.#log = options.log ?? silentLogger();
  }

  static open(options: EgressLedgerOptions): EgressLedger {
    const ledger = new EgressLedger(options);
    ledger.#load();
    return ledger;
  }

  get #current(): string {
    return join(this.#dir, "egress-current.jsonl");
  }

  get #previous(): string {
    return join(this.#dir, "egress-previous.jsonl");
  }

  #load(): void {
    mkdirSync(this.#dir, { recursive: true, mode: 0o700 });
    for (const path of [this.#previous, this.#current]) {
      if (!existsSync(path)) continue;
      const lines = readFileSync(path, "utf8").split("\n");
      for (const line of lines) {
        if (line === "") continue;
        try {
          this.#entries.push(JSON.parse(line) as EgressEntry);
        } catch {
          // A line cut short by a crash; the rest of the file is still good.
          this.#log.warn({ path }, "skipping an unreadable egress ledger line");
        }
      }
      if (path === this.#current) this.#linesInCurrent = lines.filter((l) => l !== "").length;
    }
    this.#entries.sort((a, b) => a.seq - b.seq);
    this.#trim();
    this.#nextSeq = (this.#entries[this.#entries.length - 1]?.seq ?? 0) + 1;
  }

  #trim(): void {
    if (this.#entries.length > this.#maxEntries)
      this.#entries.splice(0, this.#entries.length - this.#maxEntries);
  }

  /** Records one frame written to the upstream connection. */
  record(input: {
    messageId: string;
    category: string;
    frame: string;
    resend: boolean;
    summary: string;
  }): EgressEntry {
    const bytes = Buffer.byteLength(input.frame);
    const truncated = bytes > this.#maxFrame;
    const entry: EgressEntry = {
      seq: this.#nextSeq++,
      atUnixMs: this.#clock(),
      messageId: input.messageId,
      category: input.category,
      bytes,
      sha256: createHash("sha256").update(input.frame).digest("hex"),
      resend: input.resend,
      summary: input.summary,
      frame: truncated ? Buffer.from(input.frame).subarray(0, this.#maxFrame).toString("utf8") : input.frame,
      frameTruncated: truncated,
    };
    if (this.#linesInCurrent >= Math.ceil(this.#maxEntries / 2)) {
      renameSync(this.#current, this.#previous);
      this.#linesInCurrent = 0;
    }
    appendFileSync(this.#current, `${JSON.stringify(entry)}\n`, { mode: 0o600 });
    this.#linesInCurrent++;
    this.#entries.push(entry);
    this.#trim();
    return entry;
  }

  /** Entries matching `query`, newest first. */
  list(query: EgressQuery = {}): EgressEntry[] {
    const limit = Math.min(MAX_EGRESS_QUERY_LIMIT, Math.max(1, Math.trunc(query.limit ?? 100)));
    const out: EgressEntry[] = [];
    for (let i = this.#entries.length - 1; i >= 0 && out.length < limit; i--) {
      const e = this.#entries[i] as EgressEntry;
      if (query.sinceUnixMs !== undefined && e.atUnixMs < query.sinceUnixMs) break;
      if (query.category !== undefined && e.category !== query.category) continue;
      out.push(e);
    }
    return out;
  }

  /** Number of entries held. */
  get size(): number {
    return this.#entries.length;
  }
}
