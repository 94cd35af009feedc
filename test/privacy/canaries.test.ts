// Canaries: PII planted in span attributes and names, log bodies, pod labels and Kubernetes event
// messages flows through the real pipeline parts (OpenTelemetry SDK → OTLP receiver → a real
// VictoriaMetrics; topology, symptoms and a root cause → the forwarder; evidence on request from
// VictoriaMetrics and the log-derived error events) and never appears in any byte the upstream
// receiver gets. The OTLP receiver here does not mask log bodies itself, so the forwarder is the
// only line of defence.
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { randomBytes } from "node:crypto";
import { join } from "node:path";
import { Masker } from "@causeway/masking";
import { startVictoriaMetrics, waitFor, type VictoriaMetricsProcess } from "@causeway/testkit";
import { UpstreamForwarder, VictoriaMetricsEvidenceProvider, listMessages } from "@causeway/upstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startReceiver, type ReceiverHarness } from "../otlp/otlp-harness.js";
import { ReceiverHandle, filesContaining, tempDir, type Tenant } from "./privacy-harness.js";

const EMAIL = "wanda.canary.b4@example.net";
const CARD = "5425 2334 3010 9903";
const PHONE = "+55 21 98877-6655";
const CPF = "529.982.247-25";
const JWT =
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ3YW5kYSIsInJvbGUiOiJhZG1pbiJ9.c2lnbmF0dXJlLW9mLXRoZS1jYW5hcnktdG9rZW4";

/** Every form in which a canary could show up. */
const NEEDLES = [
  EMAIL,
  EMAIL.toUpperCase(),
  "wanda.canary",
  encodeURIComponent(EMAIL),
  CARD,
  CARD.replace(/ /g, ""),
  CARD.replace(/ /g, "-"),
  PHONE,
  PHONE.replace(/\D/g, ""),
  "98877-6655",
  CPF,
  CPF.replace(/\D/g, ""),
  JWT,
  JWT.split(".")[2] as string,
];

const tenant: Tenant = { tenantId: "initech", token: randomBytes(24).toString("hex") };
const work = tempDir("cw-privacy-canary-");
let vm: VictoriaMetricsProcess;
let otlp: ReceiverHarness;
let upstream: ReceiverHandle;
let forwarder: UpstreamForwarder;

beforeAll(async () => {
  vm = await startVictoriaMetrics();
  otlp = await startReceiver({
    vmUrl: vm.url,
    overrides: { thresholds: { minRequests: 10, windowMs: 60_000 } },
  });
  upstream = new ReceiverHandle(work.path, [tenant]);
  await upstream.start();
  const evidence = new VictoriaMetricsEvidenceProvider({
    url: vm.url,
    stepMs: 5000,
    errorEvents: (rc, startUnixMs, endUnixMs) =>
      otlp.receiver
        .recentErrors(rc.entityId)
        .filter((e) => e.timeUnixMs >= startUnixMs && e.timeUnixMs <= endUnixMs),
  });
  forwarder = new UpstreamForwarder({
    url: upstream.url,
    tenantId: tenant.tenantId,
    clusterId: "staging",
    token: tenant.token,
    kek: randomBytes(32),
    queueDir: join(work.path, "queue"),
    maxQueueBytes: 16 * 1024 * 1024,
    masker: new Masker(),
    labelAllowlist: ["app", "contact"],
    ca: upstream.tls.cert,
    evidenceProvider: evidence.provide,
    evidenceWindowMs: 10 * 60_000,
    evidenceMaxBytes: 64 * 1024,
    reconnectInitialDelayMs: 10,
    reconnectMaxDelayMs: 100,
  });
  forwarder.start();
});

afterAll(async () => {
  await forwarder?.close();
  await upstream?.stop();
  await otlp?.close();
  await vm?.dispose();
  work.remove();
});

describe("PII canaries", () => {
  it("never reach the upstream receiver, through topology, symptoms, root causes and evidence", async () => {
    // Spans with PII in their names and attributes, some failing.
    const tracerProvider = new TracerProvider({
      resource: resourceFromAttributes({ "service.name": "checkout", "k8s.namespace.name": "shop" }),
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: new OTLPTraceExporter({ url: otlp.grpcUrl }),
          scheduledDelayMillis: 50,
        }),
      ],
    });
    const tracer = tracerProvider.getTracer("canary");
    for (let i = 0; i < 40; i++) {
      const span = tracer.startSpan(`GET /users/${EMAIL}/cart`, {
        kind: SpanKind.SERVER,
        attributes: {
          "user.email": EMAIL,
          "payment.card": CARD,
          "http.url": `https://shop/x?phone=${PHONE}`,
        },
      });
      if (i % 2 === 0) span.setStatus({ code: SpanStatusCode.ERROR, message: `declined ${CARD}` });
      span.end();
    }
    // Log bodies with PII.
    const loggerProvider = new LoggerProvider({
      resource: resourceFromAttributes({ "service.name": "checkout", "k8s.namespace.name": "shop" }),
      processors: [
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: otlp.grpcUrl }),
          scheduledDelayMillis: 50,
        }),
      ],
    });
    const logger = loggerProvider.getLogger("canary");
    for (let i = 0; i < 5; i++) {
      logger.emit({
        severityNumber: 17,
        severityText: "ERROR",
        body: `payment failed for ${EMAIL} card ${CARD} cpf ${CPF} phone ${PHONE} auth Bearer ${JWT}`,
      });
    }
    await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
    await waitFor(() => otlp.receiver.stats.spans >= 40 && otlp.receiver.stats.logRecords >= 5, {
      what: "OTLP data",
    });
    otlp.receiver.tick();
    await otlp.writer?.flush();
    const errors = otlp.receiver.recentErrors("service/shop/checkout");
    expect(errors.length).toBe(5);
    expect(errors[0]?.message).toContain(EMAIL); // unmasked so far: the forwarder must do it

    // Topology: the OTLP service, a pod with PII in labels (one allowlisted, one not) and an IP.
    forwarder.offerTopology({
      fullSnapshot: true,
      upsertEntities: [
        { id: "service/shop/checkout", kind: "service", name: "checkout", namespace: "shop" },
        {
          id: "pod/shop/checkout-7d9f8-abcde",
          kind: "pod",
          name: "checkout-7d9f8-abcde",
          namespace: "shop",
          attributes: {
            "label.app": "checkout",
            "label.contact": PHONE,
            "label.owner": EMAIL,
            pod_ip: "10.244.1.17",
            "annotation.note": `card ${CARD}`,
          },
        },
      ],
      upsertRelations: [
        { fromId: "service/shop/checkout", toId: "pod/shop/checkout-7d9f8-abcde", type: "selects" },
      ],
    });
    // Symptoms: the OTLP receiver's, and one carrying a Kubernetes warning event message.
    const symptom = otlp.symptoms.find((s) => s.type === "high_error_rate");
    expect(symptom).toBeDefined();
    forwarder.offerSymptoms([
      ...otlp.symptoms.map((s) => ({ ...s })),
      {
        entityId: "pod/shop/checkout-7d9f8-abcde",
        type: "crash_loop_backoff",
        active: true,
        sinceUnixMs: Date.now(),
        evidenceSummary: `Warning BackOff: container exited: user ${EMAIL} card ${CARD} cpf ${CPF}`,
      },
    ]);
    // A root cause whose explanation quotes a log line and an event.
    forwarder.offerRootCause({
      id: "rc-checkout-1",
      type: "bad_rollout",
      entityId: "service/shop/checkout",
      entityKind: "service",
      confidence: 0.91,
      detectedAtUnixMs: Date.now(),
      explanation: `errors since rollout: "payment failed for ${EMAIL}"; event: token Bearer ${JWT}`,
      explainedSymptoms: [
        { entityId: "service/shop/checkout", type: "high_error_rate", evidence: { card: CARD } },
      ],
    });
    const view = (): ReturnType<typeof listMessages> =>
      listMessages(upstream.receiver!.tenant(tenant.tenantId), "staging");
    await waitFor(() => view().some((m) => m.category === "root_cause"), { what: "root cause upstream" });

    // Upstream asks for the evidence (once VictoriaMetrics has made the samples searchable).
    await vm.flush();
    upstream.receiver!.requestEvidence(tenant.tenantId, "staging", "rc-checkout-1");
    await waitFor(() => view().some((m) => m.category === "evidence"), {
      what: "evidence upstream",
      timeoutMs: 30_000,
    });
    const answer = view().find((m) => m.category === "evidence")!.body as {
      series: { metric: Record<string, string>; points: unknown[] }[];
      events: { message: string }[];
      error?: string;
    };
    expect(answer.error).toBeUndefined();
    // The evidence is real: series from VictoriaMetrics (their operation label held the email)
    // and the error events, masked.
    expect(answer.series.length).toBeGreaterThan(0);
    expect(answer.series.some((s) => s.metric.operation === "GET /users/[EMAIL]/cart")).toBe(true);
    expect(answer.series.every((s) => s.points.length > 0)).toBe(true);
    expect(answer.events).toHaveLength(5);
    expect(answer.events[0]?.message).toBe(
      "payment failed for [EMAIL] card [CREDIT_CARD] cpf [CPF] phone [PHONE] auth [TOKEN]",
    );

    const stored = view();
    const pod = (stored.find((m) => m.category === "topology")!.body as { upsertEntities: unknown[] })
      .upsertEntities[1];
    expect(pod).toEqual({
      id: "pod/shop/checkout-7d9f8-abcde",
      kind: "pod",
      name: "checkout-7d9f8-abcde",
      namespace: "shop",
      labels: { app: "checkout", contact: "[PHONE]" },
    });

    // Every byte the receiver got.
    const received = Buffer.concat(upstream.frames.map((f) => f.raw));
    expect(upstream.frames.length).toBeGreaterThanOrEqual(4);
    const leaks = NEEDLES.filter((n) => received.includes(Buffer.from(n)));
    expect(leaks).toEqual([]);
    expect(received.includes(Buffer.from("10.244.1.17"))).toBe(false);
    // Nor anything the mediator keeps on disk for upstream (queue, ledger).
    for (const needle of NEEDLES)
      expect(filesContaining(join(work.path, "queue"), needle), needle).toEqual([]);
    // The ledger lists all of it.
    expect(
      forwarder.ledger
        .list()
        .map((e) => e.category)
        .sort(),
    ).toEqual(["evidence", "root_cause", "symptoms", "topology"]);

    await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
  });
});
