import {
  MAX_ANY_VALUE_DEPTH,
  type AttributeLookup,
  type AttrValue,
  type Attributes,
  type ExponentialHistogramPoint,
  type HistogramPoint,
  type LogView,
  type MetricView,
  type NumberPoint,
  type ResourceLogsView,
  type ResourceMetricsView,
  type ResourceSpansView,
  type SpanView,
} from "./model.js";
import { OtlpDecodeError } from "./otlp-decode-error.js";
import { OTLP_TYPES, type Signal } from "./otlp-proto.js";
import { pairKeyOfHex } from "./span-keys.js";
import { decodeTraceRequest } from "./trace-wire-decoder.js";

type Loose = Record<string, unknown>;

function obj(v: unknown): Loose {
  return v !== null && typeof v === "object" ? (v as Loose) : {};
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

/** int64/fixed64 arrive as numbers, protobufjs Longs, or (in JSON) decimal strings. */
function num(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v === "string") return v === "" ? 0 : Number(v);
  if (v !== null && typeof v === "object" && "low" in v && "high" in v) {
    const l = v as { low: number; high: number; unsigned?: boolean };
    return l.high * 4294967296 + (l.low >>> 0);
  }
  return 0;
}

/** Trace and span ids: bytes from protobuf, hex strings from JSON. */
function id(v: unknown): string {
  if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString("hex");
  if (typeof v === "string") return v.toLowerCase();
  return "";
}

function anyValue(v: unknown, depth: number): AttrValue {
  const a = obj(v);
  if (typeof a.stringValue === "string") return a.stringValue;
  if (a.boolValue !== undefined && a.boolValue !== null) return Boolean(a.boolValue);
  if (a.intValue !== undefined && a.intValue !== null) return num(a.intValue);
  if (a.doubleValue !== undefined && a.doubleValue !== null) return Number(a.doubleValue);
  if (depth >= MAX_ANY_VALUE_DEPTH) return "[nested]";
  if (a.arrayValue) return JSON.stringify(arr(obj(a.arrayValue).values).map((x) => anyValue(x, depth + 1)));
  if (a.kvlistValue) {
    const out: Record<string, AttrValue> = {};
    for (const kv of arr(obj(a.kvlistValue).values))
      out[String(obj(kv).key)] = anyValue(obj(kv).value, depth + 1);
    return JSON.stringify(out);
  }
  // protobufjs leaves unset oneof members null: an AnyValue with no value is "", not bytes.
  if (a.bytesValue !== undefined && a.bytesValue !== null) return "[bytes]";
  return "";
}

function attributes(list: unknown): Attributes {
  const out: Attributes = new Map();
  for (const kv of arr(list)) {
    const k = obj(kv).key;
    if (typeof k === "string") out.set(k, anyValue(obj(kv).value, 0));
  }
  return out;
}

/**
 * A span's attributes, converted only when one is asked for: spans carry many attributes and the
 * pipeline reads a few, of client spans only. The last of duplicate keys wins, as in a Map.
 */
class LazyAttributes implements AttributeLookup {
  readonly #list: unknown[];
  constructor(list: unknown) {
    this.#list = arr(list);
  }
  get(key: string): AttrValue | undefined {
    let found: unknown;
    let seen = false;
    for (const kv of this.#list) {
      const o = obj(kv);
      if (o.key === key) {
        found = o.value;
        seen = true;
      }
    }
    return seen ? anyValue(found, 0) : undefined;
  }
}

function spansOf(request: Loose): ResourceSpansView[] {
  return arr(request.resourceSpans).map((rs) => {
    const r = obj(rs);
    const spans: SpanView[] = [];
    for (const ss of arr(r.scopeSpans ?? r.instrumentationLibrarySpans)) {
      for (const s of arr(obj(ss).spans)) {
        const span = obj(s);
        const traceId = id(span.traceId);
        const spanId = id(span.spanId);
        const parentSpanId = id(span.parentSpanId);
        spans.push({
          traceId,
          spanId,
          parentSpanId,
          hasParent: parentSpanId !== "",
          spanKey: pairKeyOfHex(traceId, spanId),
          parentKey: pairKeyOfHex(traceId, parentSpanId),
          name: typeof span.name === "string" ? span.name : "",
          kind: num(span.kind),
          startUnixNano: num(span.startTimeUnixNano),
          endUnixNano: num(span.endTimeUnixNano),
          statusCode: num(obj(span.status).code),
          attributes: new LazyAttributes(span.attributes),
        });
      }
    }
    return { resource: { attributes: attributes(obj(r.resource).attributes) }, spans };
  });
}

function numberPoints(list: unknown): NumberPoint[] {
  return arr(list).map((p) => {
    const d = obj(p);
    return {
      attributes: attributes(d.attributes),
      timeUnixNano: num(d.timeUnixNano),
      value: d.asDouble !== undefined && d.asDouble !== null ? Number(d.asDouble) : num(d.asInt),
    };
  });
}

function histogramPoints(list: unknown): HistogramPoint[] {
  return arr(list).map((p) => {
    const d = obj(p);
    return {
      attributes: attributes(d.attributes),
      timeUnixNano: num(d.timeUnixNano),
      count: num(d.count),
      sum: d.sum === undefined || d.sum === null ? undefined : Number(d.sum),
      bounds: arr(d.explicitBounds).map(Number),
      bucketCounts: arr(d.bucketCounts).map(num),
    };
  });
}

function exponentialPoints(list: unknown): ExponentialHistogramPoint[] {
  return arr(list).map((p) => {
    const d = obj(p);
    const pos = obj(d.positive);
    const neg = obj(d.negative);
    return {
      attributes: attributes(d.attributes),
      timeUnixNano: num(d.timeUnixNano),
      count: num(d.count),
      sum: d.sum === undefined || d.sum === null ? undefined : Number(d.sum),
      scale: num(d.scale),
      zeroCount: num(d.zeroCount),
      positiveOffset: num(pos.offset),
      positiveCounts: arr(pos.bucketCounts).map(num),
      negativeOffset: num(neg.offset),
      negativeCounts: arr(neg.bucketCounts).map(num),
    };
  });
}

function metricsOf(request: Loose): ResourceMetricsView[] {
  return arr(request.resourceMetrics).map((rm) => {
    const r = obj(rm);
    const metrics: MetricView[] = [];
    for (const sm of arr(r.scopeMetrics)) {
      for (const m of arr(obj(sm).metrics)) {
        const metric = obj(m);
        const base = { name: String(metric.name ?? ""), unit: String(metric.unit ?? "") };
        const empty = { numberPoints: [], histogramPoints: [], exponentialPoints: [] };
        if (metric.gauge) {
          metrics.push({
            ...base,
            ...empty,
            kind: "gauge",
            monotonic: false,
            numberPoints: numberPoints(obj(metric.gauge).dataPoints),
          });
        } else if (metric.sum) {
          const sum = obj(metric.sum);
          metrics.push({
            ...base,
            ...empty,
            kind: "sum",
            monotonic: Boolean(sum.isMonotonic),
            numberPoints: numberPoints(sum.dataPoints),
          });
        } else if (metric.histogram) {
          metrics.push({
            ...base,
            ...empty,
            kind: "histogram",
            monotonic: true,
            histogramPoints: histogramPoints(obj(metric.histogram).dataPoints),
          });
        } else if (metric.exponentialHistogram) {
          metrics.push({
            ...base,
            ...empty,
            kind: "exponentialHistogram",
            monotonic: true,
            exponentialPoints: exponentialPoints(obj(metric.exponentialHistogram).dataPoints),
          });
        } else if (metric.summary) {
          metrics.push({ ...base, ...empty, kind: "summary", monotonic: false });
        }
      }
    }
    return { resource: { attributes: attributes(obj(r.resource).attributes) }, metrics };
  });
}

function logsOf(request: Loose): ResourceLogsView[] {
  return arr(request.resourceLogs).map((rl) => {
    const r = obj(rl);
    const logs: LogView[] = [];
    for (const sl of arr(r.scopeLogs)) {
      for (const l of arr(obj(sl).logRecords)) {
        const log = obj(l);
        const body = anyValue(log.body, 0);
        logs.push({
          timeUnixNano: num(log.timeUnixNano) || num(log.observedTimeUnixNano),
          severityNumber: num(log.severityNumber),
          severityText: typeof log.severityText === "string" ? log.severityText : "",
          body: typeof body === "string" ? body : String(body),
          attributes: attributes(log.attributes),
          traceId: id(log.traceId),
        });
      }
    }
    return { resource: { attributes: attributes(obj(r.resource).attributes) }, logs };
  });
}

export type DecodedRequest =
  | { readonly signal: "traces"; readonly data: ResourceSpansView[] }
  | { readonly signal: "metrics"; readonly data: ResourceMetricsView[] }
  | { readonly signal: "logs"; readonly data: ResourceLogsView[] };

function fromLoose(signal: Signal, request: Loose): DecodedRequest {
  switch (signal) {
    case "traces":
      return { signal, data: spansOf(request) };
    case "metrics":
      return { signal, data: metricsOf(request) };
    case "logs":
      return { signal, data: logsOf(request) };
  }
}

/** Decodes an OTLP protobuf request; throws OtlpDecodeError when it is not one. */
export function decodeProtobuf(signal: Signal, bytes: Uint8Array): DecodedRequest {
  let decoded: unknown;
  try {
    decoded = OTLP_TYPES[signal].request.decode(bytes);
  } catch (error) {
    throw new OtlpDecodeError(`malformed OTLP ${signal} protobuf: ${(error as Error).message}`);
  }
  return fromLoose(signal, obj(decoded));
}

/**
 * Decodes an OTLP protobuf request as the servers do: traces with the purpose-built wire reader,
 * metrics and logs with protobufjs (`decodeProtobuf`).
 */
export function decodeProtobufRequest(signal: Signal, bytes: Uint8Array): DecodedRequest {
  return signal === "traces" ? { signal, data: decodeTraceRequest(bytes) } : decodeProtobuf(signal, bytes);
}

/** Decodes an OTLP/JSON request; throws OtlpDecodeError when it is not one. */
export function decodeJson(signal: Signal, text: string): DecodedRequest {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new OtlpDecodeError(`malformed OTLP ${signal} JSON: ${(error as Error).message}`);
  }
  if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
    throw new OtlpDecodeError(`OTLP ${signal} JSON must be an object`);
  }
  return fromLoose(signal, parsed as Loose);
}
