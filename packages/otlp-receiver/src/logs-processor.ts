import { entityId } from "@causeway/protocol";
import { attributeResource, type PeerResolver, type ServiceKey } from "./attribution.js";
import { type ResourceLogsView } from "./model.js";
import { sampleLine } from "./prom-text.js";

/** OTLP SeverityNumber 17 (ERROR) and above are errors. */
export const ERROR_SEVERITY_MIN = 17;

/** A log-derived error event: what the UI and the causal engine see of a log line. */
export interface LogErrorEvent {
  readonly entityId: string;
  readonly timeUnixMs: number;
  readonly severity: string;
  /** The body after masking. */
  readonly message: string;
  readonly traceId: string;
}

export interface LogsProcessorOptions {
  readonly resolvePeer?: PeerResolver;
  /** Applied to every body before it is kept; the PII masker plugs in here. */
  readonly maskBody: (body: string) => string;
  readonly maxEventsKept: number;
  readonly maxMessageLength: number;
}

/** Counts error-severity logs per service and keeps the most recent error events, masked. */
export class LogsProcessor {
  readonly #o: LogsProcessorOptions;
  readonly #counts = new Map<string, { service: ServiceKey; total: number; errors: number }>();
  readonly #window = new Map<string, { service: ServiceKey; errors: number }>();
  readonly #events: LogErrorEvent[] = [];

  constructor(options: LogsProcessorOptions) {
    this.#o = options;
  }

  process(data: readonly ResourceLogsView[], peerIp: string | undefined, nowMs: number): number {
    for (const rl of data) {
      const service = attributeResource(rl.resource.attributes, peerIp, this.#o.resolvePeer, nowMs);
      const id = entityId.service(service.namespace, service.name);
      let c = this.#counts.get(id);
      if (!c) this.#counts.set(id, (c = { service, total: 0, errors: 0 }));
      for (const log of rl.logs) {
        c.total++;
        if (log.severityNumber < ERROR_SEVERITY_MIN) continue;
        c.errors++;
        let w = this.#window.get(id);
        if (!w) this.#window.set(id, (w = { service, errors: 0 }));
        w.errors++;
        this.#events.push({
          entityId: id,
          timeUnixMs: log.timeUnixNano > 0 ? Math.round(log.timeUnixNano / 1e6) : nowMs,
          severity: log.severityText || `SEVERITY_${log.severityNumber}`,
          message: this.#o.maskBody(log.body.slice(0, this.#o.maxMessageLength)),
          traceId: log.traceId,
        });
        if (this.#events.length > this.#o.maxEventsKept) this.#events.shift();
      }
    }
    return 0;
  }

  seriesLines(nowMs: number): string[] {
    const lines: string[] = [];
    for (const { service, total, errors } of this.#counts.values()) {
      const labels: [string, string][] = [
        ["namespace", service.namespace],
        ["service", service.name],
      ];
      lines.push(sampleLine("causeway_service_log_records_total", labels, total, nowMs));
      lines.push(sampleLine("causeway_service_log_errors_total", labels, errors, nowMs));
    }
    return lines;
  }

  drainWindow(): { service: ServiceKey; errors: number }[] {
    const out = [...this.#window.values()];
    this.#window.clear();
    return out;
  }

  /** The most recent error events, newest last. */
  recentErrors(entity?: string): LogErrorEvent[] {
    return entity ? this.#events.filter((e) => e.entityId === entity) : [...this.#events];
  }
}
