import {
  closeSync,
  existsSync,
  ftruncateSync,
  mkdirSync,
  openSync,
  readFileSync,
  readdirSync,
  renameSync,
  rmSync,
  writeFileSync,
  writeSync,
} from "node:fs";
import { join } from "node:path";
import { silentLogger, type Logger } from "@causeway/runtime";
import {
  DecryptionError,
  EnvelopeCipher,
  WRAPPED_KEY_BYTES,
  type SegmentBinding,
} from "./envelope-crypto.js";
import { type UpstreamMetrics } from "./metrics.js";

/** One message as it waits in the queue (already abstracted and masked). */
export interface QueuedMessage {
  /** Random, unique: upstream deduplicates by it. */
  readonly id: string;
  readonly category: string;
  readonly createdUnixMs: number;
  readonly body: unknown;
}

/** Where a message sits in the queue; positions are totally ordered. */
export interface QueuePosition {
  readonly segment: number;
  readonly index: number;
}

export interface ReadMessage {
  readonly position: QueuePosition;
  readonly message: QueuedMessage;
}

export interface EncryptedDiskQueueOptions {
  readonly dir: string;
  readonly tenantId: string;
  readonly clusterId: string;
  /** The 32-byte key-encryption key. */
  readonly kek: Uint8Array;
  /** Bound on the bytes of all segments; beyond it the oldest segments are dropped and counted. */
  readonly maxBytes: number;
  /** A segment is closed and a new one started past this size. Default 1 MiB. */
  readonly segmentMaxBytes?: number;
  /** Acknowledged positions are persisted at most this often (and on close). Default 200 ms. */
  readonly cursorFlushIntervalMs?: number;
  readonly metrics: UpstreamMetrics;
  readonly log?: Logger;
  readonly clock?: () => number;
}

const MAGIC = Buffer.from("CWQ1", "ascii");
const SEGMENT_FILE = /^seg-(\d{12})\.cwq$/;
const CURSOR_FILE = "cursor.json";
const RECORD_LENGTH_BYTES = 4;

interface Segment {
  readonly seq: number;
  readonly path: string;
  readonly header: Buffer;
  readonly dek: Buffer;
  /** Byte offset of each record's length prefix. */
  readonly offsets: number[];
  bytes: number;
  /** Open for appending while this is the segment being written. */
  fd: number | undefined;
}

interface Cursor {
  /** Everything up to and including this position is acknowledged. */
  ackedSegment: number;
  ackedIndex: number;
  /** The next segment number to use, so numbers never repeat. */
  nextSegment: number;
}

const segmentName = (seq: number): string => `seg-${String(seq).padStart(12, "0")}.cwq`;

function comparePositions(a: QueuePosition, b: QueuePosition): number {
  return a.segment - b.segment || a.index - b.index;
}

/**
 * A durable, bounded, encrypted FIFO on disk. Messages are appended to segment files, each
 * encrypted with its own data key (see {@link EnvelopeCipher}); a reader walks them in order and
 * can rewind to the last acknowledged position after a reconnect or restart, so nothing
 * acknowledged is re-read and nothing unacknowledged is lost. When the bound is hit, the oldest
 * segments are dropped and every unacknowledged message in them is counted. A segment that fails
 * authentication (tampered with, moved from another tenant, cluster or position, or encrypted
 * under another key) is quarantined as `*.corrupt` and counted, never crashes the queue.
 *
 * All file access is synchronous: appends are small and must be ordered, and the queue is
 * consistent after every call.
 */
export class EncryptedDiskQueue {
  readonly #o: EncryptedDiskQueueOptions;
  readonly #cipher: EnvelopeCipher;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #segmentMaxBytes: number;
  readonly #segments: Segment[] = [];
  #cursor: Cursor = { ackedSegment: -1, ackedIndex: -1, nextSegment: 1 };
  #read: QueuePosition = { segment: 0, index: 0 };
  #cursorDirty = false;
  #cursorFlushedAtMs = 0;
  #cursorTimer: NodeJS.Timeout | undefined;
  #cache: { seq: number; data: Buffer } | undefined;
  #closed = false;

  private constructor(options: EncryptedDiskQueueOptions) {
    this.#o = options;
    this.#cipher = new EnvelopeCipher(options.kek);
    this.#log = options.log ?? silentLogger();
    this.#clock = options.clock ?? Date.now;
    this.#segmentMaxBytes = options.segmentMaxBytes ?? 1024 * 1024;
  }

  /** Opens (or creates) the queue in `options.dir`, recovering what a previous process left. */
  static open(options: EncryptedDiskQueueOptions): EncryptedDiskQueue {
    const queue = new EncryptedDiskQueue(options);
    queue.#recover();
    return queue;
  }

  get #binding(): Omit<SegmentBinding, "segment"> {
    return { tenantId: this.#o.tenantId, clusterId: this.#o.clusterId };
  }

  #recover(): void {
    mkdirSync(this.#o.dir, { recursive: true, mode: 0o700 });
    const cursorPath = join(this.#o.dir, CURSOR_FILE);
    if (existsSync(cursorPath)) {
      try {
        const c = JSON.parse(readFileSync(cursorPath, "utf8")) as Partial<Cursor>;
        if (
          Number.isInteger(c.ackedSegment) &&
          Number.isInteger(c.ackedIndex) &&
          Number.isInteger(c.nextSegment)
        ) {
          this.#cursor = c as Cursor;
        }
      } catch (error) {
        this.#log.warn({ err: error }, "unreadable upstream queue cursor; replaying every segment");
      }
    }
    const files = readdirSync(this.#o.dir)
      .map((f) => SEGMENT_FILE.exec(f))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => ({ seq: Number(m[1]), path: join(this.#o.dir, m[0]) }))
      .sort((a, b) => a.seq - b.seq);
    files.forEach((file, i) => {
      const segment = this.#loadSegment(file.seq, file.path, i === files.length - 1);
      if (!segment) return;
      const fullyAcked =
        segment.seq < this.#cursor.ackedSegment ||
        (segment.seq === this.#cursor.ackedSegment && this.#cursor.ackedIndex >= segment.offsets.length - 1);
      if (segment.offsets.length === 0 || fullyAcked) {
        rmSync(segment.path, { force: true });
        return;
      }
      this.#segments.push(segment);
    });
    const maxSeq = files.length > 0 ? (files[files.length - 1] as { seq: number }).seq : 0;
    this.#cursor.nextSegment = Math.max(this.#cursor.nextSegment, maxSeq + 1);
    this.rewind();
    this.#startSegment();
    this.#enforceBound(0);
    this.#updateGauges();
    this.#log.info(
      { segments: this.#segments.length, pending: this.pending(), bytes: this.bytes() },
      "upstream queue opened",
    );
  }

  /** Parses and authenticates a segment file; quarantines it and returns undefined on failure. */
  #loadSegment(seq: number, path: string, isLast: boolean): Segment | undefined {
    let data: Buffer;
    try {
      data = readFileSync(path);
    } catch (error) {
      this.#log.error({ err: error, path }, "cannot read upstream queue segment");
      return undefined;
    }
    try {
      if (data.length < MAGIC.length + 2 || !data.subarray(0, MAGIC.length).equals(MAGIC)) {
        throw new DecryptionError(`segment ${seq}: not a queue segment`);
      }
      const headerLength = data.readUInt16BE(MAGIC.length);
      const headerEnd = MAGIC.length + 2 + headerLength;
      if (data.length < headerEnd + WRAPPED_KEY_BYTES)
        throw new DecryptionError(`segment ${seq}: truncated header`);
      const header = Buffer.from(data.subarray(MAGIC.length + 2, headerEnd));
      const wrapped = data.subarray(headerEnd, headerEnd + WRAPPED_KEY_BYTES);
      const dek = this.#cipher.unwrapDataKey({ ...this.#binding, segment: seq }, header, wrapped);
      const offsets: number[] = [];
      let offset = headerEnd + WRAPPED_KEY_BYTES;
      while (offset + RECORD_LENGTH_BYTES <= data.length) {
        const length = data.readUInt32BE(offset);
        if (offset + RECORD_LENGTH_BYTES + length > data.length) break;
        offsets.push(offset);
        offset += RECORD_LENGTH_BYTES + length;
      }
      if (offset < data.length) {
        if (isLast) {
          // A write cut short by a crash: drop the torn tail.
          this.#log.warn(
            { segment: seq, bytes: data.length - offset },
            "dropping a torn record at the end of the queue",
          );
          const fd = openSync(path, "r+");
          ftruncateSync(fd, offset);
          closeSync(fd);
        } else {
          this.#o.metrics.decryptFailures.inc(1, "record");
          this.#log.error(
            { segment: seq, bytes: data.length - offset },
            "malformed data at the end of a queue segment",
          );
        }
      }
      return { seq, path, header, dek, offsets, bytes: offset, fd: undefined };
    } catch (error) {
      if (!(error instanceof DecryptionError)) throw error;
      this.#quarantine(path, seq, error.message);
      return undefined;
    }
  }

  #quarantine(path: string, seq: number, reason: string): void {
    this.#o.metrics.decryptFailures.inc(1, "segment");
    this.#log.error({ segment: seq, reason }, "upstream queue segment failed authentication; quarantined");
    try {
      renameSync(path, `${path}.corrupt`);
    } catch (error) {
      this.#log.error({ err: error, path }, "cannot quarantine a corrupt queue segment");
    }
  }

  #startSegment(): void {
    const seq = this.#cursor.nextSegment++;
    const path = join(this.#o.dir, segmentName(seq));
    const header = Buffer.from(JSON.stringify({ v: 1, segment: seq, createdUnixMs: this.#clock() }), "utf8");
    const { dek, wrapped } = this.#cipher.newDataKey({ ...this.#binding, segment: seq }, header);
    const length = Buffer.alloc(2);
    length.writeUInt16BE(header.length);
    const fd = openSync(path, "wx", 0o600);
    const prelude = Buffer.concat([MAGIC, length, header, wrapped]);
    writeSync(fd, prelude);
    this.#segments.push({ seq, path, header, dek, offsets: [], bytes: prelude.length, fd });
    this.#writeCursor();
  }

  get #writer(): Segment {
    return this.#segments[this.#segments.length - 1] as Segment;
  }

  /**
   * Appends `message`. Returns false when the message alone exceeds the bound and was dropped;
   * older messages dropped to make room are counted in the `dropped` metric.
   */
  append(message: QueuedMessage): boolean {
    if (this.#closed) throw new Error("the upstream queue is closed");
    const plaintext = Buffer.from(JSON.stringify(message), "utf8");
    let writer = this.#writer;
    const recordBytes = RECORD_LENGTH_BYTES + plaintext.length + 28;
    if (recordBytes + writer.bytes > this.#segmentMaxBytes && writer.offsets.length > 0) {
      this.#sealWriter();
      this.#startSegment();
      writer = this.#writer;
    }
    if (!this.#enforceBound(recordBytes)) {
      this.#o.metrics.dropped.inc(1, "queue_full");
      this.#log.warn(
        { bytes: recordBytes, maxBytes: this.#o.maxBytes },
        "upstream message larger than the queue; dropped",
      );
      return false;
    }
    writer = this.#writer;
    const index = writer.offsets.length;
    const sealed = this.#cipher.sealRecord(
      writer.dek,
      { ...this.#binding, segment: writer.seq },
      index,
      plaintext,
    );
    const frame = Buffer.alloc(RECORD_LENGTH_BYTES + sealed.length);
    frame.writeUInt32BE(sealed.length, 0);
    sealed.copy(frame, RECORD_LENGTH_BYTES);
    writeSync(writer.fd as number, frame);
    writer.offsets.push(writer.bytes);
    writer.bytes += frame.length;
    this.#o.metrics.enqueued.inc(1, message.category);
    this.#updateGauges();
    return true;
  }

  #sealWriter(): void {
    const writer = this.#writer;
    if (writer.fd !== undefined) closeSync(writer.fd);
    writer.fd = undefined;
  }

  /** Drops the oldest segments until `extraBytes` more fit; false if they cannot fit at all. */
  #enforceBound(extraBytes: number): boolean {
    while (this.bytes() + extraBytes > this.#o.maxBytes) {
      if (this.#segments.length === 1) {
        const writer = this.#writer;
        if (writer.offsets.length === 0) return false;
        // Only the open segment is left: start a new one so the old one can go.
        this.#sealWriter();
        this.#startSegment();
      }
      const oldest = this.#segments.shift() as Segment;
      if (oldest.fd !== undefined) closeSync(oldest.fd);
      const acked = oldest.seq === this.#cursor.ackedSegment ? this.#cursor.ackedIndex + 1 : 0;
      const lost = Math.max(0, oldest.offsets.length - acked);
      if (lost > 0) this.#o.metrics.dropped.inc(lost, "queue_full");
      this.#log.warn(
        { segment: oldest.seq, messages: lost },
        "upstream queue full; dropped its oldest segment",
      );
      rmSync(oldest.path, { force: true });
      if (this.#read.segment <= oldest.seq) this.#read = { segment: this.#segments[0]?.seq ?? 0, index: 0 };
    }
    return true;
  }

  /**
   * The next unread message, or undefined when everything has been read. Records that fail
   * authentication are counted and skipped.
   */
  next(): ReadMessage | undefined {
    for (;;) {
      const i = this.#segments.findIndex((s) => s.seq >= this.#read.segment);
      if (i < 0) return undefined;
      const segment = this.#segments[i] as Segment;
      if (segment.seq > this.#read.segment) this.#read = { segment: segment.seq, index: 0 };
      if (this.#read.index >= segment.offsets.length) {
        if (i === this.#segments.length - 1) return undefined;
        this.#read = { segment: (this.#segments[i + 1] as Segment).seq, index: 0 };
        continue;
      }
      const position = this.#read;
      this.#read = { segment: position.segment, index: position.index + 1 };
      const message = this.#decryptAt(segment, position.index);
      if (message) return { position, message };
    }
  }

  #decryptAt(segment: Segment, index: number): QueuedMessage | undefined {
    try {
      const data = this.#segmentData(segment, index);
      const offset = segment.offsets[index] as number;
      const length = data.readUInt32BE(offset);
      const sealed = data.subarray(offset + RECORD_LENGTH_BYTES, offset + RECORD_LENGTH_BYTES + length);
      const plaintext = this.#cipher.openRecord(
        segment.dek,
        { ...this.#binding, segment: segment.seq },
        index,
        sealed,
      );
      return JSON.parse(plaintext.toString("utf8")) as QueuedMessage;
    } catch (error) {
      this.#o.metrics.decryptFailures.inc(1, "record");
      this.#log.error(
        { segment: segment.seq, index, reason: (error as Error).message },
        "upstream queue record failed authentication; skipped",
      );
      return undefined;
    }
  }

  #segmentData(segment: Segment, index: number): Buffer {
    const needed = (segment.offsets[index] as number) + RECORD_LENGTH_BYTES;
    const cached = this.#cache;
    if (cached && cached.seq === segment.seq && cached.data.length >= needed) {
      const length = cached.data.readUInt32BE(segment.offsets[index] as number);
      if (cached.data.length >= needed + length) return cached.data;
    }
    const data = readFileSync(segment.path);
    this.#cache = { seq: segment.seq, data };
    return data;
  }

  /** Moves the reader back to the first unacknowledged message (after a reconnect). */
  rewind(): void {
    const c = this.#cursor;
    this.#read =
      c.ackedSegment >= 0 ? { segment: c.ackedSegment, index: c.ackedIndex + 1 } : { segment: 0, index: 0 };
  }

  /** Marks everything up to and including `position` as delivered; deletes segments no longer needed. */
  ack(position: QueuePosition): void {
    const acked = { segment: this.#cursor.ackedSegment, index: this.#cursor.ackedIndex };
    if (comparePositions(position, acked) <= 0) return;
    this.#cursor.ackedSegment = position.segment;
    this.#cursor.ackedIndex = position.index;
    while (this.#segments.length > 1) {
      const oldest = this.#segments[0] as Segment;
      const done =
        oldest.seq < position.segment ||
        (oldest.seq === position.segment && position.index >= oldest.offsets.length - 1);
      if (!done) break;
      this.#segments.shift();
      rmSync(oldest.path, { force: true });
      if (this.#cache?.seq === oldest.seq) this.#cache = undefined;
    }
    this.#o.metrics.acked.inc();
    this.#updateGauges();
    this.#scheduleCursorWrite();
  }

  #scheduleCursorWrite(): void {
    const interval = this.#o.cursorFlushIntervalMs ?? 200;
    const now = this.#clock();
    if (now - this.#cursorFlushedAtMs >= interval) {
      this.#writeCursor();
      return;
    }
    this.#cursorDirty = true;
    if (!this.#cursorTimer) {
      this.#cursorTimer = setTimeout(() => {
        this.#cursorTimer = undefined;
        if (this.#cursorDirty && !this.#closed) this.#writeCursor();
      }, interval);
      this.#cursorTimer.unref();
    }
  }

  #writeCursor(): void {
    const path = join(this.#o.dir, CURSOR_FILE);
    writeFileSync(`${path}.tmp`, JSON.stringify(this.#cursor), { mode: 0o600 });
    renameSync(`${path}.tmp`, path);
    this.#cursorDirty = false;
    this.#cursorFlushedAtMs = this.#clock();
  }

  /** Messages not yet acknowledged (including any that will turn out corrupt). */
  pending(): number {
    let total = 0;
    for (const s of this.#segments) {
      const acked =
        s.seq === this.#cursor.ackedSegment
          ? this.#cursor.ackedIndex + 1
          : s.seq < this.#cursor.ackedSegment
            ? s.offsets.length
            : 0;
      total += s.offsets.length - acked;
    }
    return total;
  }

  /** Bytes of all segments on disk. */
  bytes(): number {
    let total = 0;
    for (const s of this.#segments) total += s.bytes;
    return total;
  }

  #updateGauges(): void {
    this.#o.metrics.queueBytes.set(this.bytes());
    this.#o.metrics.queueMessages.set(this.pending());
  }

  /** Persists the cursor, closes the open segment and forgets the keys. */
  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#cursorTimer) clearTimeout(this.#cursorTimer);
    this.#writeCursor();
    this.#sealWriter();
    for (const s of this.#segments) s.dek.fill(0);
    this.#cipher.destroy();
  }
}
