import { type AgentMessage } from "@causeway/protocol";

/** One sequenced message waiting for the mediator's acknowledgement. */
export interface PendingMessage {
  readonly message: AgentMessage;
  readonly sizeBytes: number;
  /** Generation of the stream it was last written on (0: never written). */
  writtenOnStream: number;
}

export interface ReplayBufferLimits {
  readonly maxMessages: number;
  readonly maxBytes: number;
}

/**
 * The agent's unacknowledged messages in sequence order, bounded by count and bytes. Messages
 * leave it only when acknowledged (`ackUpTo`) or when the whole buffer is discarded after an
 * overflow (`clear`), which the caller counts.
 */
export class ReplayBuffer {
  readonly #limits: ReplayBufferLimits;
  #items: PendingMessage[] = [];
  #head = 0;
  #bytes = 0;
  /** Index of the next item to consider for writing on the current stream. */
  #cursor = 0;

  constructor(limits: ReplayBufferLimits) {
    this.#limits = limits;
  }

  get size(): number {
    return this.#items.length - this.#head;
  }

  get bytes(): number {
    return this.#bytes;
  }

  /** True when one more message of `sizeBytes` would exceed a bound. */
  wouldOverflow(sizeBytes: number): boolean {
    return this.size + 1 > this.#limits.maxMessages || this.#bytes + sizeBytes > this.#limits.maxBytes;
  }

  push(message: AgentMessage, sizeBytes: number): PendingMessage {
    const pending: PendingMessage = { message, sizeBytes, writtenOnStream: 0 };
    this.#items.push(pending);
    this.#bytes += sizeBytes;
    return pending;
  }

  /** Drops every message with seq ≤ `seq`; returns how many were dropped. */
  ackUpTo(seq: number): number {
    let n = 0;
    while (this.#head < this.#items.length) {
      const item = this.#items[this.#head] as PendingMessage;
      if (item.message.seq > seq) break;
      this.#bytes -= item.sizeBytes;
      this.#head++;
      n++;
    }
    // compact now and then so the array does not grow without bound
    if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items = this.#items.slice(this.#head);
      this.#cursor = Math.max(0, this.#cursor - this.#head);
      this.#head = 0;
    }
    return n;
  }

  /** Discards everything; returns how many messages were discarded. */
  clear(): number {
    const n = this.size;
    this.#items = [];
    this.#head = 0;
    this.#bytes = 0;
    this.#cursor = 0;
    return n;
  }

  /** Starts writing from the oldest unacknowledged message again (a new stream). */
  rewind(): void {
    this.#cursor = this.#head;
  }

  /** The next message not yet written on stream `generation`, in sequence order. */
  nextUnwritten(generation: number): PendingMessage | undefined {
    if (this.#cursor < this.#head) this.#cursor = this.#head;
    while (this.#cursor < this.#items.length) {
      const item = this.#items[this.#cursor] as PendingMessage;
      if (item.writtenOnStream !== generation) return item;
      this.#cursor++;
    }
    return undefined;
  }

  /** Highest sequence number held, or undefined when empty. */
  get lastSeq(): number | undefined {
    return this.size > 0 ? this.#items[this.#items.length - 1]?.message.seq : undefined;
  }
}
