/**
 * The receiver's own view of OTLP data, the same whichever encoding (protobuf or JSON) it came in:
 * only what attribution, RED series, call edges, metrics mapping and log counting need.
 */
export type AttrValue = string | number | boolean;
export type Attributes = Map<string, AttrValue>;
/** Read access to attributes by key; a Map is one, and so are a span's lazily read attributes. */
export interface AttributeLookup {
  get(key: string): AttrValue | undefined;
}

export interface ResourceView {
  readonly attributes: Attributes;
}

/** Attribute values nested deeper than this are flattened to a placeholder. */
export const MAX_ANY_VALUE_DEPTH = 8;

export const SPAN_KIND = { INTERNAL: 1, SERVER: 2, CLIENT: 3, PRODUCER: 4, CONSUMER: 5 } as const;
export const STATUS_ERROR = 2;

export interface SpanView {
  /** Ids in lower-case hex ("" when absent). */
  readonly traceId: string;
  readonly spanId: string;
  readonly parentSpanId: string;
  /** Whether parent_span_id is set: false for a root span. */
  readonly hasParent: boolean;
  /**
   * (traceId, spanId) and (traceId, parentSpanId) as opaque keys (see span-keys.ts), equal for
   * equal ids whichever encoding the spans came in: they pair a client span with its server child.
   */
  readonly spanKey: string;
  readonly parentKey: string;
  readonly name: string;
  readonly kind: number;
  readonly startUnixNano: number;
  readonly endUnixNano: number;
  readonly statusCode: number;
  /** Read by key only: the pipeline looks at a few attributes of client spans. */
  readonly attributes: AttributeLookup;
}

export interface ResourceSpansView {
  readonly resource: ResourceView;
  readonly spans: SpanView[];
}

export type MetricKind = "gauge" | "sum" | "histogram" | "exponentialHistogram" | "summary";

export interface NumberPoint {
  readonly attributes: Attributes;
  readonly timeUnixNano: number;
  readonly value: number;
}
export interface HistogramPoint {
  readonly attributes: Attributes;
  readonly timeUnixNano: number;
  readonly count: number;
  readonly sum: number | undefined;
  readonly bounds: readonly number[];
  readonly bucketCounts: readonly number[];
}
export interface ExponentialHistogramPoint {
  readonly attributes: Attributes;
  readonly timeUnixNano: number;
  readonly count: number;
  readonly sum: number | undefined;
  readonly scale: number;
  readonly zeroCount: number;
  readonly positiveOffset: number;
  readonly positiveCounts: readonly number[];
  readonly negativeOffset: number;
  readonly negativeCounts: readonly number[];
}

export interface MetricView {
  readonly name: string;
  readonly unit: string;
  readonly kind: MetricKind;
  readonly monotonic: boolean;
  readonly numberPoints: NumberPoint[];
  readonly histogramPoints: HistogramPoint[];
  readonly exponentialPoints: ExponentialHistogramPoint[];
}

export interface ResourceMetricsView {
  readonly resource: ResourceView;
  readonly metrics: MetricView[];
}

export interface LogView {
  readonly timeUnixNano: number;
  readonly severityNumber: number;
  readonly severityText: string;
  readonly body: string;
  readonly attributes: Attributes;
  readonly traceId: string;
}

export interface ResourceLogsView {
  readonly resource: ResourceView;
  readonly logs: LogView[];
}
