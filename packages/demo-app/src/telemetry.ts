import { type Logger as OtelLogger, type Meter, type Tracer } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";

/** The three signals of one demo process, all exported over OTLP/gRPC. */
export interface Telemetry {
  readonly tracer: Tracer;
  readonly meter: Meter;
  readonly logger: OtelLogger;
  /** Flushes and stops every exporter. */
  shutdown(): Promise<void>;
}

/** Parses OTEL_RESOURCE_ATTRIBUTES (`k=v,k=v`, values percent-encoded per the spec). */
export function parseResourceAttributes(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of text.split(",")) {
    const eq = pair.indexOf("=");
    if (eq <= 0) continue;
    const key = pair.slice(0, eq).trim();
    const raw = pair.slice(eq + 1).trim();
    let value = raw;
    try {
      value = decodeURIComponent(raw);
    } catch {
      // keep it as written
    }
    if (key !== "" && value !== "") out[key] = value;
  }
  return out;
}

/** Sets up the OpenTelemetry SDK: traces, metrics and logs to `endpoint` (OTLP/gRPC). */
export function startTelemetry(options: {
  readonly serviceName: string;
  readonly serviceVersion: string;
  readonly namespace: string;
  readonly endpoint: string;
  readonly resourceAttributes: string;
  readonly exportIntervalMs: number;
}): Telemetry {
  const resource = resourceFromAttributes({
    ...parseResourceAttributes(options.resourceAttributes),
    "service.name": options.serviceName,
    "service.version": options.serviceVersion,
    "k8s.namespace.name": options.namespace,
  });
  const tracerProvider = new TracerProvider({
    resource,
    spanProcessors: [
      new BatchSpanProcessor({
        exporter: new OTLPTraceExporter({ url: options.endpoint }),
        scheduledDelayMillis: 1000,
        maxQueueSize: 8192,
      }),
    ],
  });
  const meterProvider = new MeterProvider({
    resource,
    readers: [
      new PeriodicExportingMetricReader({
        exporter: new OTLPMetricExporter({ url: options.endpoint }),
        exportIntervalMillis: options.exportIntervalMs,
      }),
    ],
  });
  const loggerProvider = new LoggerProvider({
    resource,
    processors: [
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: options.endpoint }),
        scheduledDelayMillis: 1000,
      }),
    ],
  });
  return {
    tracer: tracerProvider.getTracer("causeway-demo", options.serviceVersion),
    meter: meterProvider.getMeter("causeway-demo", options.serviceVersion),
    logger: loggerProvider.getLogger("causeway-demo", options.serviceVersion),
    async shutdown() {
      await Promise.allSettled([
        tracerProvider.shutdown(),
        meterProvider.shutdown(),
        loggerProvider.shutdown(),
      ]);
    },
  };
}
