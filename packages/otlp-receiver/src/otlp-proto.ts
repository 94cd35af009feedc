import { createRequire } from "node:module";

/**
 * The OTLP protobuf messages, from the OpenTelemetry JS project's own generated code (the
 * opentelemetry-proto definitions compiled with protobufjs), so the definitions are not copied
 * into this repository.
 */
interface ProtoType {
  decode(reader: Uint8Array): unknown;
  encode(message: unknown): { finish(): Uint8Array };
  fromObject(object: unknown): unknown;
}
interface ProtoRoot {
  opentelemetry: {
    proto: {
      collector: {
        trace: { v1: { ExportTraceServiceRequest: ProtoType; ExportTraceServiceResponse: ProtoType } };
        metrics: { v1: { ExportMetricsServiceRequest: ProtoType; ExportMetricsServiceResponse: ProtoType } };
        logs: { v1: { ExportLogsServiceRequest: ProtoType; ExportLogsServiceResponse: ProtoType } };
      };
    };
  };
}

const require = createRequire(import.meta.url);
const rootPath = require.resolve("@opentelemetry/otlp-transformer/build/src/generated/root.js");
// The protobufjs runtime that generated code uses. 64-bit integers decode to plain numbers, not
// Long objects: nanosecond timestamps keep ~0.25 µs precision, and decoding allocates less.
const protobufRuntime = createRequire(rootPath)("protobufjs/minimal") as {
  util: { Long: unknown };
  configure(): void;
};
protobufRuntime.util.Long = undefined;
protobufRuntime.configure();
const root = createRequire(rootPath)(rootPath) as ProtoRoot;
const collector = root.opentelemetry.proto.collector;

export type Signal = "traces" | "metrics" | "logs";

export const OTLP_TYPES: Readonly<Record<Signal, { request: ProtoType; response: ProtoType }>> = {
  traces: {
    request: collector.trace.v1.ExportTraceServiceRequest,
    response: collector.trace.v1.ExportTraceServiceResponse,
  },
  metrics: {
    request: collector.metrics.v1.ExportMetricsServiceRequest,
    response: collector.metrics.v1.ExportMetricsServiceResponse,
  },
  logs: {
    request: collector.logs.v1.ExportLogsServiceRequest,
    response: collector.logs.v1.ExportLogsServiceResponse,
  },
};

/** The partial-success field name of each signal's response. */
const REJECTED_FIELD: Readonly<Record<Signal, string>> = {
  traces: "rejectedSpans",
  metrics: "rejectedDataPoints",
  logs: "rejectedLogRecords",
};

/** Encodes an Export*ServiceResponse; partial success only when something was rejected. */
export function encodeExportResponse(signal: Signal, rejected: number, errorMessage: string): Uint8Array {
  const body =
    rejected > 0 || errorMessage !== ""
      ? { partialSuccess: { [REJECTED_FIELD[signal]]: rejected, errorMessage } }
      : {};
  const type = OTLP_TYPES[signal].response;
  return type.encode(type.fromObject(body)).finish();
}

/** The JSON form of the same response (OTLP/HTTP JSON). */
export function exportResponseJson(signal: Signal, rejected: number, errorMessage: string): string {
  return JSON.stringify(
    rejected > 0 || errorMessage !== ""
      ? { partialSuccess: { [REJECTED_FIELD[signal]]: rejected, errorMessage } }
      : {},
  );
}
