import { SpanKind, SpanStatusCode, ROOT_CONTEXT, trace, type Span } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPMetricExporter } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPTraceExporter as GrpcTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as ProtoTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { MeterProvider, PeriodicExportingMetricReader } from "@opentelemetry/sdk-metrics";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { startVictoriaMetrics, waitFor, type VictoriaMetricsProcess } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverHarness } from "./otlp-harness.js";

const NAMESPACE = "shop";

function provider(service: string, exporter: GrpcTraceExporter | ProtoTraceExporter): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({ "service.name": service, "k8s.namespace.name": NAMESPACE }),
    spanProcessors: [new BatchSpanProcessor({ exporter, scheduledDelayMillis: 50 })],
  });
}

let vm: VictoriaMetricsProcess;
let h: ReceiverHarness;

beforeAll(async () => {
  vm = await startVictoriaMetrics();
  h = await startReceiver({
    vmUrl: vm.url,
    overrides: { thresholds: { minRequests: 10, windowMs: 60_000 } },
  });
});
afterAll(async () => {
  await h?.close();
  await vm?.dispose();
});

describe("OTLP receiver with the OpenTelemetry JS SDK exporters", () => {
  it("turns a three-service chain into call edges, RED series and an error-rate symptom", async () => {
    // frontend over gRPC, checkout over HTTP/protobuf, payment over gRPC.
    const frontend = provider("frontend", new GrpcTraceExporter({ url: h.grpcUrl }));
    const checkout = provider("checkout", new ProtoTraceExporter({ url: `${h.httpUrl}/v1/traces` }));
    const payment = provider("payment", new GrpcTraceExporter({ url: h.grpcUrl }));
    const tf = frontend.getTracer("test");
    const tc = checkout.getTracer("test");
    const tp = payment.getTracer("test");

    const request = (paymentFails: boolean): void => {
      const child = (tracer: typeof tf, parent: Span, name: string, kind: SpanKind): Span =>
        tracer.startSpan(name, { kind }, trace.setSpan(ROOT_CONTEXT, parent));
      const root = tf.startSpan("GET /cart", { kind: SpanKind.SERVER });
      const c1 = child(tf, root, "POST /checkout", SpanKind.CLIENT);
      const s1 = child(tc, c1, "POST /checkout", SpanKind.SERVER);
      const c2 = child(tc, s1, "POST /charge", SpanKind.CLIENT);
      const s2 = child(tp, c2, "POST /charge", SpanKind.SERVER);
      if (paymentFails) s2.setStatus({ code: SpanStatusCode.ERROR, message: "card declined" });
      for (const s of [s2, c2, s1, c1, root]) s.end();
    };

    for (let i = 0; i < 30; i++) request(false);
    await Promise.all([frontend.forceFlush(), checkout.forceFlush(), payment.forceFlush()]);
    await waitFor(() => h.receiver.stats.spans >= 150, { what: "150 spans received" });
    h.receiver.tick();

    expect(h.edges.map((e) => `${e.fromId} -> ${e.toId}`).sort()).toEqual([
      "service/shop/checkout -> service/shop/payment",
      "service/shop/frontend -> service/shop/checkout",
    ]);
    expect(h.symptoms).toEqual([]);

    for (let i = 0; i < 30; i++) request(true);
    await Promise.all([frontend.forceFlush(), checkout.forceFlush(), payment.forceFlush()]);
    await waitFor(() => h.receiver.stats.spans >= 300, { what: "300 spans received" });
    h.receiver.tick();

    const symptom = h.symptoms.find((s) => s.type === "high_error_rate");
    expect(symptom).toMatchObject({
      entityId: "service/shop/payment",
      active: true,
      evidence: { requests: 60, errors: 30 },
    });
    expect(h.symptoms.filter((s) => s.entityId !== "service/shop/payment")).toEqual([]);

    await h.writer?.flush();
    const requests = await vm.query(
      `sum by (service) (causeway_service_requests_total{namespace="${NAMESPACE}"})`,
    );
    expect(Object.fromEntries(requests.map((r) => [r.metric.service, r.value]))).toEqual({
      frontend: 60,
      checkout: 60,
      payment: 60,
    });
    const errors = await vm.query(`sum(causeway_service_errors_total{service="payment"})`);
    expect(errors[0]?.value).toBe(30);
    const buckets = await vm.query(
      `sum(causeway_service_request_duration_seconds_bucket{service="payment",le="+Inf"})`,
    );
    expect(buckets[0]?.value).toBe(60);

    await Promise.all([frontend.shutdown(), checkout.shutdown(), payment.shutdown()]);
  });

  it("stores SDK metrics (counter and histogram) under Prometheus names", async () => {
    const exporter = new OTLPMetricExporter({ url: h.grpcUrl });
    const meterProvider = new MeterProvider({
      resource: resourceFromAttributes({ "service.name": "checkout", "k8s.namespace.name": NAMESPACE }),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 60_000 })],
    });
    const meter = meterProvider.getMeter("test");
    const counter = meter.createCounter("orders.placed", { unit: "1" });
    const histogram = meter.createHistogram("order.value", { unit: "By" });
    for (let i = 0; i < 7; i++) counter.add(1, { region: "eu" });
    histogram.record(100);
    histogram.record(3000);
    await meterProvider.forceFlush();
    await h.writer?.flush();
    const orders = await vm.query(`orders_placed_total{service_name="checkout",region="eu"}`);
    expect(orders.map((r) => r.value)).toEqual([7]);
    const count = await vm.query(`order_value_bytes_count{service_name="checkout"}`);
    expect(count.map((r) => r.value)).toEqual([2]);
    await meterProvider.shutdown();
  });

  it("counts error logs per service and keeps masked error events", async () => {
    const exporter = new OTLPLogExporter({ url: h.grpcUrl });
    const loggerProvider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "payment", "k8s.namespace.name": NAMESPACE }),
      processors: [new BatchLogRecordProcessor({ exporter, scheduledDelayMillis: 50 })],
    });
    const logger = loggerProvider.getLogger("test");
    logger.emit({ severityNumber: 9, severityText: "INFO", body: "charged order 17" });
    logger.emit({ severityNumber: 17, severityText: "ERROR", body: "card declined for order 18" });
    await loggerProvider.forceFlush();
    await waitFor(() => h.receiver.stats.logRecords >= 2, { what: "2 log records" });
    const events = h.receiver.recentErrors("service/shop/payment");
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ severity: "ERROR", message: "card declined for order 18" });
    await loggerProvider.shutdown();
  });
});
