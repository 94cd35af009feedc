/** A monotonically increasing count, optionally split by one label (prom-client style). */
export class Counter {
  readonly name: string;
  readonly help: string;
  readonly labelName: string | undefined;
  readonly #values = new Map<string, number>();

  constructor(name: string, help: string, labelName?: string) {
    this.name = name;
    this.help = help;
    this.labelName = labelName;
  }

  inc(amount = 1, labelValue = ""): void {
    this.#values.set(labelValue, (this.#values.get(labelValue) ?? 0) + amount);
  }

  /** The count for one label value, or the total over all of them. */
  get(labelValue?: string): number {
    if (labelValue !== undefined) return this.#values.get(labelValue) ?? 0;
    let total = 0;
    for (const v of this.#values.values()) total += v;
    return total;
  }

  entries(): [string, number][] {
    return [...this.#values.entries()];
  }
}

/** A value that goes up and down. */
export class Gauge {
  readonly name: string;
  readonly help: string;
  #value = 0;

  constructor(name: string, help: string) {
    this.name = name;
    this.help = help;
  }

  set(value: number): void {
    this.#value = value;
  }

  get(): number {
    return this.#value;
  }
}

/** The upstream forwarder's counters, for the mediator's /metrics. */
export class UpstreamMetrics {
  readonly enqueued = new Counter(
    "causeway_upstream_messages_enqueued_total",
    "Messages written to the encrypted queue, by category.",
    "category",
  );
  readonly sent = new Counter(
    "causeway_upstream_messages_sent_total",
    "Messages written to the upstream connection (resends included), by category.",
    "category",
  );
  readonly acked = new Counter(
    "causeway_upstream_messages_acked_total",
    "Messages acknowledged by upstream.",
  );
  readonly dropped = new Counter(
    "causeway_upstream_messages_dropped_total",
    "Messages dropped before reaching upstream, by reason.",
    "reason",
  );
  readonly decryptFailures = new Counter(
    "causeway_upstream_decrypt_failures_total",
    "Queue segments or records that failed authenticated decryption (tampered, moved or wrong key).",
    "what",
  );
  readonly reconnects = new Counter(
    "causeway_upstream_connection_attempts_failed_total",
    "Connection attempts that failed or connections that ended.",
  );
  readonly evidenceRequests = new Counter(
    "causeway_upstream_evidence_requests_total",
    "Evidence requests from upstream, by outcome.",
    "outcome",
  );
  readonly queueBytes = new Gauge("causeway_upstream_queue_bytes", "Bytes of encrypted segments on disk.");
  readonly queueMessages = new Gauge(
    "causeway_upstream_queue_messages",
    "Messages in the queue not yet acknowledged.",
  );
  readonly connected = new Gauge("causeway_upstream_connected", "1 while connected to upstream.");

  /** Every counter and gauge, in Prometheus text exposition format. */
  toPrometheusText(): string {
    const lines: string[] = [];
    for (const c of [
      this.enqueued,
      this.sent,
      this.acked,
      this.dropped,
      this.decryptFailures,
      this.reconnects,
      this.evidenceRequests,
    ]) {
      lines.push(`# HELP ${c.name} ${c.help}`, `# TYPE ${c.name} counter`);
      const entries = c.entries();
      if (entries.length === 0) lines.push(`${c.name} 0`);
      for (const [label, value] of entries) {
        lines.push(
          c.labelName && label !== ""
            ? `${c.name}{${c.labelName}="${label}"} ${value}`
            : `${c.name} ${value}`,
        );
      }
    }
    for (const g of [this.queueBytes, this.queueMessages, this.connected]) {
      lines.push(`# HELP ${g.name} ${g.help}`, `# TYPE ${g.name} gauge`, `${g.name} ${g.get()}`);
    }
    return `${lines.join("\n")}\n`;
  }
}
