import { type AbstractRootCause } from "./abstraction.js";

/** One series over the evidence window. */
export interface EvidenceSeries {
  readonly metric: Record<string, string>;
  /** [unix ms, value] pairs. */
  readonly points: [number, number][];
}

/** A log-derived error event (shaped like `LogErrorEvent` in @causeway/otlp-receiver). */
export interface EvidenceEvent {
  readonly entityId: string;
  readonly timeUnixMs: number;
  readonly severity: string;
  readonly message: string;
}

export interface Evidence {
  readonly series: EvidenceSeries[];
  readonly events: EvidenceEvent[];
  /** True when something was left out to respect the size limit. */
  readonly truncated?: boolean;
}

export interface EvidenceRequest {
  /** The root cause as it was forwarded (abstracted), looked up by the id upstream asked for. */
  readonly rootCause: AbstractRootCause;
  readonly startUnixMs: number;
  readonly endUnixMs: number;
  /** The provider should stay under this; the forwarder enforces it anyway. */
  readonly maxBytes: number;
}

/**
 * Supplies the evidence for a root cause. The mediator provides it (usually a
 * {@link VictoriaMetricsEvidenceProvider} plus its recent log-derived error events); the selection
 * is decided in the cluster from the root cause, never by upstream.
 */
export type EvidenceProvider = (request: EvidenceRequest) => Promise<Evidence>;

export interface VictoriaMetricsEvidenceProviderOptions {
  /** VictoriaMetrics base URL, e.g. http://victoria-metrics:8428. */
  readonly url: string;
  /** The series selectors relevant to a root cause; default {@link defaultEvidenceSelectors}. */
  readonly selectorsFor?: (rootCause: AbstractRootCause) => string[];
  /** Log-derived error events for the root cause's entity within the window. */
  readonly errorEvents?: (
    rootCause: AbstractRootCause,
    startUnixMs: number,
    endUnixMs: number,
  ) => EvidenceEvent[];
  /** Resolution of the returned series. Default 30 s. */
  readonly stepMs?: number;
  /** At most this many series per selector. Default 20. */
  readonly maxSeriesPerSelector?: number;
  readonly timeoutMs?: number;
  readonly fetch?: typeof fetch;
}

const quote = (v: string): string => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`;

/**
 * Series selectors for a root cause's entity, by the label names Causeway's series use
 * (namespace, service, pod, container, node), restricted to Causeway's own metrics.
 */
export function defaultEvidenceSelectors(rc: AbstractRootCause): string[] {
  const parts = rc.entityId.split("/");
  const kind = rc.entityKind ?? parts[0];
  const name = `__name__=~"causeway_.*"`;
  switch (kind) {
    case "service":
      return [`{${name},namespace=${quote(parts[1] ?? "")},service=${quote(parts[2] ?? "")}}`];
    case "pod":
      return [`{${name},namespace=${quote(parts[1] ?? "")},pod=${quote(parts[2] ?? "")}}`];
    case "container":
      return [
        `{${name},namespace=${quote(parts[1] ?? "")},pod=${quote(parts[2] ?? "")},container=${quote(parts[3] ?? "")}}`,
      ];
    case "node":
      return [`{${name},node=${quote(parts[1] ?? "")}}`];
    default:
      if (parts.length === 3)
        return [`{${name},namespace=${quote(parts[1] ?? "")},${kind}=${quote(parts[2] ?? "")}}`];
      return [];
  }
}

interface QueryRangeResponse {
  status: string;
  error?: string;
  data?: { resultType: string; result: { metric: Record<string, string>; values: [number, string][] }[] };
}

/**
 * Evidence from a real VictoriaMetrics: `/api/v1/query_range` for each selector over the window,
 * plus the caller's log-derived error events. Size is bounded by the forwarder afterwards.
 */
export class VictoriaMetricsEvidenceProvider {
  readonly #o: VictoriaMetricsEvidenceProviderOptions;

  constructor(options: VictoriaMetricsEvidenceProviderOptions) {
    this.#o = options;
  }

  /** The {@link EvidenceProvider} function. */
  readonly provide: EvidenceProvider = async (request) => {
    const selectors = (this.#o.selectorsFor ?? defaultEvidenceSelectors)(request.rootCause);
    const series: EvidenceSeries[] = [];
    for (const selector of selectors) series.push(...(await this.#queryRange(selector, request)));
    const events = this.#o.errorEvents?.(request.rootCause, request.startUnixMs, request.endUnixMs) ?? [];
    return { series, events };
  };

  async #queryRange(selector: string, request: EvidenceRequest): Promise<EvidenceSeries[]> {
    const stepMs = this.#o.stepMs ?? 30_000;
    // Points sit on a grid from the start: align it on the end so that the newest samples (just
    // before the evidence was asked for) have a point. VictoriaMetrics leaves out the points of
    // the last two steps before a query's end when that end is about now, so ask for two steps
    // more and drop what lies past the end.
    const steps = Math.max(1, Math.ceil((request.endUnixMs - request.startUnixMs) / stepMs));
    const params = new URLSearchParams({
      query: selector,
      start: ((request.endUnixMs - steps * stepMs) / 1000).toFixed(3),
      end: ((request.endUnixMs + 2 * stepMs) / 1000).toFixed(3),
      step: `${Math.max(1, Math.round(stepMs / 1000))}s`,
      nocache: "1",
    });
    const doFetch = this.#o.fetch ?? fetch;
    const res = await doFetch(`${this.#o.url}/api/v1/query_range?${params.toString()}`, {
      signal: AbortSignal.timeout(this.#o.timeoutMs ?? 10_000),
    });
    const body = (await res.json()) as QueryRangeResponse;
    if (!res.ok || body.status !== "success" || !body.data) {
      throw new Error(`query_range ${selector}: HTTP ${res.status}: ${body.error ?? "no data"}`);
    }
    return body.data.result.slice(0, this.#o.maxSeriesPerSelector ?? 20).map((r) => ({
      metric: r.metric,
      points: r.values
        .map(([t, v]): [number, number] => [Math.round(t * 1000), Number(v)])
        .filter(([t]) => t <= request.endUnixMs),
    }));
  }
}

/**
 * `evidence` cut down to at most `maxBytes` of JSON: series thinned (every other point) and then
 * dropped from the end, events dropped oldest first, until it fits. Marks the result truncated.
 */
export function boundEvidence(evidence: Evidence, maxBytes: number): Evidence {
  const size = (e: Evidence): number => Buffer.byteLength(JSON.stringify(e));
  let current: Evidence = {
    series: evidence.series.map((s) => ({ metric: s.metric, points: [...s.points] })),
    events: [...evidence.events].sort((a, b) => a.timeUnixMs - b.timeUnixMs),
  };
  if (size(current) <= maxBytes) return current;
  let series = current.series;
  let events = current.events;
  for (let round = 0; round < 64; round++) {
    current = { series, events, truncated: true };
    if (size(current) <= maxBytes) return current;
    const thinnable = series.some((s) => s.points.length > 8);
    if (thinnable) {
      series = series.map((s) => ({
        metric: s.metric,
        points: s.points.length > 8 ? s.points.filter((_, i) => i % 2 === 0) : s.points,
      }));
    } else if (events.length > series.length && events.length > 0) {
      events = events.slice(Math.ceil(events.length / 2));
    } else if (series.length > 0) {
      series = series.slice(0, Math.floor(series.length / 2));
    } else if (events.length > 0) {
      events = events.slice(Math.ceil(events.length / 2));
    } else break;
  }
  return { series: [], events: [], truncated: true };
}
