import { sign } from "node:crypto";
import { mkdir, open, readFile, truncate, type FileHandle } from "node:fs/promises";
import { dirname } from "node:path";
import { silentLogger, type Logger } from "@causeway/runtime";
import {
  GENESIS_HASH,
  checkpointPayload,
  hashAuditRecord,
  type AuditRecord,
  type AuditRecordType,
} from "./record.js";
import { type SigningKey } from "./signing-key.js";
import { verifyAuditTrail } from "./verify.js";

/** Raised when the trail on disk fails verification: the log refuses to append to it. */
export class AuditIntegrityError extends Error {
  readonly index: number;
  constructor(path: string, index: number, reason: string) {
    super(`audit trail ${path} fails verification at record ${index + 1}: ${reason}`);
    this.name = "AuditIntegrityError";
    this.index = index;
  }
}

export interface AuditLogOptions {
  /** The NDJSON file holding the trail; created if missing. */
  readonly path: string;
  /** Signs checkpoints. */
  readonly signingKey: SigningKey;
  /** A signed checkpoint is appended after this many records (0 turns automatic ones off). */
  readonly checkpointEveryRecords?: number;
  readonly clock?: () => number;
  readonly log?: Logger;
}

export interface AuditEntry {
  readonly type: Exclude<AuditRecordType, "checkpoint">;
  readonly actor: string;
  readonly subject: string;
  readonly data?: Record<string, unknown>;
}

/**
 * The append-only, hash-chained audit trail. Each append is written and flushed to disk
 * (fdatasync) before it resolves; appends are serialised. On open the whole file is verified,
 * and a trail that fails verification is never appended to.
 */
export class AuditLog {
  readonly path: string;
  readonly #file: FileHandle;
  readonly #key: SigningKey;
  readonly #checkpointEvery: number;
  readonly #clock: () => number;
  readonly #records: AuditRecord[];
  #sinceCheckpoint = 0;
  #tail: Promise<unknown> = Promise.resolve();
  #closed = false;

  private constructor(path: string, file: FileHandle, records: AuditRecord[], options: AuditLogOptions) {
    this.path = path;
    this.#file = file;
    this.#records = records;
    this.#key = options.signingKey;
    this.#checkpointEvery = options.checkpointEveryRecords ?? 100;
    this.#clock = options.clock ?? Date.now;
    const lastCheckpoint = records.findLastIndex((r) => r.type === "checkpoint");
    this.#sinceCheckpoint = records.length - (lastCheckpoint + 1);
  }

  static async open(options: AuditLogOptions): Promise<AuditLog> {
    const log = options.log ?? silentLogger();
    await mkdir(dirname(options.path), { recursive: true });
    let text = "";
    try {
      text = await readFile(options.path, "utf8");
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "ENOENT") throw error;
    }
    // A crash during an append can leave a partial last line; it was never acknowledged.
    if (text !== "" && !text.endsWith("\n")) {
      const keep = text.lastIndexOf("\n") + 1;
      log.warn(
        { path: options.path, droppedBytes: text.length - keep },
        "truncating an incomplete last audit record",
      );
      await truncate(options.path, Buffer.byteLength(text.slice(0, keep)));
      text = text.slice(0, keep);
    }
    const lines = text.split("\n").filter((l) => l !== "");
    const parsed: unknown[] = lines.map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return line;
      }
    });
    const result = verifyAuditTrail(parsed, { publicKeys: [options.signingKey.publicKey] });
    if (!result.ok) throw new AuditIntegrityError(options.path, result.index, result.reason);
    const file = await open(options.path, "a");
    log.info({ path: options.path, records: parsed.length }, "audit trail opened and verified");
    return new AuditLog(options.path, file, parsed as AuditRecord[], options);
  }

  /** The newest record's sequence number and hash (0 and GENESIS_HASH when empty). */
  get head(): { readonly seq: number; readonly hash: string } {
    const last = this.#records.at(-1);
    return last ? { seq: last.seq, hash: last.hash } : { seq: 0, hash: GENESIS_HASH };
  }

  get size(): number {
    return this.#records.length;
  }

  /** Appends one record and, when due, a signed checkpoint after it. Resolves once on disk. */
  append(entry: AuditEntry): Promise<AuditRecord> {
    const next = this.#tail.then(async () => {
      const record = await this.#write(entry.type, entry.actor, entry.subject, entry.data ?? {});
      this.#sinceCheckpoint++;
      if (this.#checkpointEvery > 0 && this.#sinceCheckpoint >= this.#checkpointEvery)
        await this.#writeCheckpoint();
      return record;
    });
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Appends a signed checkpoint vouching for everything so far. */
  checkpoint(): Promise<AuditRecord> {
    const next = this.#tail.then(() => this.#writeCheckpoint());
    this.#tail = next.catch(() => undefined);
    return next;
  }

  /** Records matching a filter, oldest first. */
  records(filter?: (r: AuditRecord) => boolean): readonly AuditRecord[] {
    return filter ? this.#records.filter(filter) : [...this.#records];
  }

  /** The whole trail as NDJSON, exactly as stored. */
  exportNdjson(): string {
    return this.#records.map((r) => JSON.stringify(r)).join("\n") + (this.#records.length > 0 ? "\n" : "");
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#tail;
    await this.#file.close();
  }

  async #writeCheckpoint(): Promise<AuditRecord> {
    const { seq, hash } = this.head;
    const keyId = this.#key.keyId;
    const signature = sign(null, checkpointPayload(seq, hash, keyId), this.#key.privateKey).toString(
      "base64",
    );
    const record = await this.#write("checkpoint", "mediator", "audit", {
      coveredSeq: seq,
      coveredHash: hash,
      keyId,
      signature,
    });
    this.#sinceCheckpoint = 0;
    return record;
  }

  async #write(
    type: AuditRecordType,
    actor: string,
    subject: string,
    data: Record<string, unknown>,
  ): Promise<AuditRecord> {
    if (this.#closed) throw new Error("audit trail is closed");
    const { seq, hash: prevHash } = this.head;
    const body = { seq: seq + 1, timeUnixMs: this.#clock(), type, actor, subject, data, prevHash };
    const record: AuditRecord = { ...body, hash: hashAuditRecord(body) };
    await this.#file.write(JSON.stringify(record) + "\n");
    await this.#file.datasync();
    this.#records.push(record);
    return record;
  }
}
