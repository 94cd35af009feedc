import { type Logger } from "@causeway/runtime";
import { type PeerResolver } from "./attribution.js";
import { type DecodedRequest } from "./decode.js";
import { LogsProcessor, type LogErrorEvent } from "./logs-processor.js";
import { DEFAULT_RESOURCE_ATTRIBUTE_LABELS, MetricsMapper } from "./metrics-mapper.js";
import {
  ServiceSymptomDetector,
  type ServiceSymptomChange,
  type ServiceSymptomThresholds,
} from "./service-symptoms.js";
import { TracesProcessor, type CallEdge } from "./traces-processor.js";
import { type SeriesSink } from "./vm-writer.js";

export interface OtlpReceiverOptions {
  readonly series: SeriesSink;
  readonly onEdge: (edge: CallEdge) => void;
  readonly onSymptom: (change: ServiceSymptomChange) => void;
  readonly resolvePeer?: PeerResolver;
  /** Applied to log bodies before they are kept (the PII masker). */
  readonly maskBody?: (body: string) => string;
  readonly thresholds?: Partial<ServiceSymptomThresholds>;
  /** Requests being decoded and processed at once, in bytes; above it requests are refused (retry later). */
  readonly maxInFlightBytes?: number;
  /** Downstream backpressure (e.g. the VictoriaMetrics queue is nearly full): refuse new data. */
  readonly backpressure?: () => boolean;
  /** Advertised to refused clients. */
  readonly retryAfterMs?: number;
  readonly resourceAttributeLabels?: readonly string[];
  readonly maxLabelsPerSeries?: number;
  readonly maxOperationsPerService?: number;
  readonly log: Logger;
  readonly clock?: () => number;
}

export interface IngestResult {
  readonly rejected: number;
  readonly errorMessage: string;
}

/** Counters for /metrics. */
export interface ReceiverStats {
  requests: number;
  refusedOverload: number;
  malformed: number;
  tooLarge: number;
  spans: number;
  dataPoints: number;
  logRecords: number;
}

/**
 * The signal-independent core of the OTLP receiver: admission control, then traces into RED
 * series and call edges, metrics into Prometheus series, logs into error counts and masked error
 * events; `tick()` writes series and evaluates symptoms.
 */
export class OtlpReceiver {
  readonly #o: OtlpReceiverOptions;
  readonly #clock: () => number;
  readonly traces: TracesProcessor;
  readonly metrics: MetricsMapper;
  readonly logs: LogsProcessor;
  readonly #symptoms: ServiceSymptomDetector;
  readonly stats: ReceiverStats = {
    requests: 0,
    refusedOverload: 0,
    malformed: 0,
    tooLarge: 0,
    spans: 0,
    dataPoints: 0,
    logRecords: 0,
  };
  #inFlightBytes = 0;
  #timer: NodeJS.Timeout | undefined;

  constructor(options: OtlpReceiverOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.traces = new TracesProcessor({
      ...(options.resolvePeer ? { resolvePeer: options.resolvePeer } : {}),
      maxOperationsPerService: options.maxOperationsPerService ?? 200,
      maxPendingClientSpans: 100_000,
      onEdge: options.onEdge,
    });
    this.metrics = new MetricsMapper({
      resourceAttributeLabels: options.resourceAttributeLabels ?? DEFAULT_RESOURCE_ATTRIBUTE_LABELS,
      maxLabelsPerSeries: options.maxLabelsPerSeries ?? 32,
      maxLabelValueLength: 256,
    });
    this.logs = new LogsProcessor({
      ...(options.resolvePeer ? { resolvePeer: options.resolvePeer } : {}),
      maskBody: options.maskBody ?? ((b) => b),
      maxEventsKept: 1000,
      maxMessageLength: 2048,
    });
    this.#symptoms = new ServiceSymptomDetector(options.thresholds);
  }

  get retryAfterMs(): number {
    return this.#o.retryAfterMs ?? 1000;
  }

  /** Reserves room for a request of `bytes`; false means overloaded: refuse with retry information. */
  admit(bytes: number): boolean {
    const max = this.#o.maxInFlightBytes ?? 64 * 1024 * 1024;
    if ((this.#inFlightBytes + bytes > max && this.#inFlightBytes > 0) || this.#o.backpressure?.()) {
      this.stats.refusedOverload++;
      return false;
    }
    this.#inFlightBytes += bytes;
    return true;
  }

  release(bytes: number): void {
    this.#inFlightBytes = Math.max(0, this.#inFlightBytes - bytes);
  }

  ingest(request: DecodedRequest, peerIp: string | undefined): IngestResult {
    this.stats.requests++;
    const now = this.#clock();
    switch (request.signal) {
      case "traces": {
        for (const rs of request.data) this.stats.spans += rs.spans.length;
        return { rejected: this.traces.process(request.data, peerIp, now), errorMessage: "" };
      }
      case "metrics": {
        const { lines, rejected } = this.metrics.map(request.data, now);
        this.stats.dataPoints += lines.length;
        this.#o.series.write(lines);
        return {
          rejected,
          errorMessage: rejected > 0 ? `${rejected} summary metric(s) are not supported` : "",
        };
      }
      case "logs": {
        for (const rl of request.data) this.stats.logRecords += rl.logs.length;
        return { rejected: this.logs.process(request.data, peerIp, now), errorMessage: "" };
      }
    }
  }

  /** Writes RED and log series and evaluates service symptoms. */
  tick(): void {
    const now = this.#clock();
    for (const w of this.traces.drainWindow()) {
      this.#symptoms.add(w.service, now, { requests: w.requests, errors: w.errors, durations: w.durations });
    }
    for (const w of this.logs.drainWindow()) this.#symptoms.add(w.service, now, { logErrors: w.errors });
    for (const change of this.#symptoms.evaluate(now)) this.#o.onSymptom(change);
    this.traces.expire(now, 5 * 60_000);
    this.#o.series.write([...this.traces.seriesLines(now), ...this.logs.seriesLines(now)]);
  }

  start(intervalMs: number): void {
    this.#timer = setInterval(() => this.tick(), intervalMs);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
  }

  recentErrors(entityId?: string): LogErrorEvent[] {
    return this.logs.recentErrors(entityId);
  }
}
