// Canaries through the real mediator with upstream forwarding on: PII planted in span names and
// attributes and in log bodies (sent by the OpenTelemetry SDK exporters to the mediator's OTLP
// port), in pod labels and in a Kubernetes Warning event's message (kube-sim objects the mediator's
// informers see) flows through the informers, the OTLP receiver, a real VictoriaMetrics, the graph,
// the symptom store and the causal engine, and the mediator's feed, forwarder and evidence provider
// send topology, symptoms, root causes and evidence to the reference receiver. No canary appears
// in any byte the receiver gets, nor in the mediator's upstream queue on disk; what is allowed
// arrives (allowlisted labels, masked; the event's words, masked; series and error events).
import { randomBytes } from "node:crypto";
import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { OTLPLogExporter } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchLogRecordProcessor, LoggerProvider } from "@opentelemetry/sdk-logs";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { waitFor } from "@causeway/testkit";
import { listMessages, type StoredMessage } from "@causeway/upstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startClusterHarness, type ClusterHarness } from "../mediator/harness.js";
import { ReceiverHandle, filesContaining, tempDir, type Tenant } from "./privacy-harness.js";

const EMAIL = "olive.canary.k3@example.com";
const CARD = "4111 1111 1111 1111";
const CARD_DIGITS = CARD.replace(/ /g, "");
const CPF_DIGITS = "52998224725";
const PHONE = "+44 20 7946 0958";
const JWT =
  "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJvbGl2ZSIsInJvbGUiOiJvcHMifQ.c2lnbmF0dXJlLW9mLWFub3RoZXItY2FuYXJ5LXRva2Vu";

/** Every form in which a canary could show up. */
const NEEDLES = [
  EMAIL,
  EMAIL.toUpperCase(),
  "olive.canary",
  encodeURIComponent(EMAIL),
  CARD,
  CARD_DIGITS,
  CARD.replace(/ /g, "-"),
  CPF_DIGITS,
  "529.982.247-25",
  PHONE,
  PHONE.replace(/\D/g, ""),
  "7946 0958",
  JWT,
  JWT.split(".")[2] as string,
];

const tenant: Tenant = { tenantId: "initech", token: randomBytes(24).toString("hex") };
const CLUSTER = "staging";
const work = tempDir("cw-mediator-canary-");
let upstream: ReceiverHandle;
let h: ClusterHarness;

function stored(): StoredMessage[] {
  const receiver = upstream.receiver;
  if (!receiver) throw new Error("the receiver is not running");
  return listMessages(receiver.tenant(tenant.tenantId), CLUSTER);
}

beforeAll(async () => {
  upstream = new ReceiverHandle(work.path, [tenant]);
  await upstream.start();
  const tokenFile = join(work.path, "upstream-token");
  const kekFile = join(work.path, "upstream-kek");
  await writeFile(tokenFile, `${tenant.token}\n`);
  await writeFile(kekFile, randomBytes(32).toString("base64"));
  h = await startClusterHarness({
    otlp: {
      grpc: { host: "127.0.0.1", port: 0 },
      http: { host: "127.0.0.1", port: 0 },
      tickIntervalMs: 200,
    },
    upstream: {
      enabled: true,
      url: upstream.url,
      tenantId: tenant.tenantId,
      clusterId: CLUSTER,
      tokenFile,
      kekFile,
      caFile: upstream.caFile,
      labelAllowlist: ["app", "contact"],
      evidence: { windowMs: 10 * 60_000, stepMs: 5000 },
      reconnect: { initialDelayMs: 10, maxDelayMs: 200 },
    },
  });
  await h.kubeRequest("POST", "/api/v1/namespaces", {
    apiVersion: "v1",
    kind: "Namespace",
    metadata: { name: "shop" },
  });
  await h.kubeRequest("POST", "/api/v1/nodes", {
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "node-a" },
  });
  // Pod labels with PII: one allowlisted key (masked when it leaves), one not (never leaves).
  const labels = { app: "checkout", contact: CARD_DIGITS, owner: CPF_DIGITS };
  await h.kubeRequest("POST", "/apis/apps/v1/namespaces/shop/deployments", {
    apiVersion: "apps/v1",
    kind: "Deployment",
    metadata: { name: "checkout", namespace: "shop", labels },
    spec: {
      replicas: 1,
      selector: { matchLabels: { app: "checkout" } },
      template: {
        metadata: { labels },
        spec: { containers: [{ name: "app", image: "shop/checkout:1.0" }] },
      },
    },
  });
  await h.kubeRequest("POST", "/api/v1/namespaces/shop/services", {
    apiVersion: "v1",
    kind: "Service",
    metadata: { name: "checkout", namespace: "shop" },
    spec: { selector: { app: "checkout" }, ports: [{ port: 80, targetPort: 8080 }] },
  });
  // A pod no node can take (a Kubernetes symptom), and a Warning event about it quoting PII.
  await h.kubeRequest("POST", "/api/v1/namespaces/shop/pods", {
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name: "payments-worker",
      namespace: "shop",
      labels: { app: "payments", contact: CPF_DIGITS },
    },
    spec: { nodeSelector: { disk: "none-such" }, containers: [{ name: "w", image: "shop/payments:1.0" }] },
  });
  await h.kubeRequest("POST", "/api/v1/namespaces/shop/events", {
    apiVersion: "v1",
    kind: "Event",
    metadata: { name: "payments-worker.canary", namespace: "shop" },
    involvedObject: { kind: "Pod", name: "payments-worker", namespace: "shop" },
    type: "Warning",
    reason: "FailedMount",
    message: `secret for ${EMAIL} (card ${CARD}, token Bearer ${JWT}) not found`,
    count: 1,
    lastTimestamp: new Date().toISOString(),
  });
  await waitFor(() => h.mediator.ready || undefined, { timeoutMs: 30_000, what: "mediator ready" });
}, 120_000);

afterAll(async () => {
  await h?.close();
  await upstream?.stop();
  work.remove();
});

describe("PII canaries through the mediator", () => {
  it("never reach the upstream receiver or the queue on disk; what may leave does", async () => {
    const otlp = `http://127.0.0.1:${h.mediator.ports.otlpGrpc}`;
    const resource = resourceFromAttributes({ "service.name": "checkout", "k8s.namespace.name": "shop" });
    const tracerProvider = new TracerProvider({
      resource,
      spanProcessors: [
        new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url: otlp }), scheduledDelayMillis: 50 }),
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
    const loggerProvider = new LoggerProvider({
      resource,
      processors: [
        new BatchLogRecordProcessor({
          exporter: new OTLPLogExporter({ url: otlp }),
          scheduledDelayMillis: 50,
        }),
      ],
    });
    const logger = loggerProvider.getLogger("canary");
    for (let i = 0; i < 25; i++) {
      logger.emit({
        severityNumber: 17,
        severityText: "ERROR",
        body: `payment failed for ${EMAIL} card ${CARD} cpf ${CPF_DIGITS} phone ${PHONE} auth Bearer ${JWT}`,
      });
    }
    await Promise.all([tracerProvider.forceFlush(), loggerProvider.forceFlush()]);
    const receiver = h.mediator.otlpReceiver;
    if (!receiver) throw new Error("no OTLP receiver");
    await waitFor(() => (receiver.stats.spans >= 40 && receiver.stats.logRecords >= 25) || undefined, {
      what: "OTLP data at the mediator",
    });
    // Log bodies are masked on arrival: what the mediator keeps (and the UI could show) holds no PII.
    const kept = receiver.recentErrors("service/shop/checkout");
    expect(kept).toHaveLength(25);
    expect(kept[0]?.message).toBe(
      "payment failed for [EMAIL] card [CREDIT_CARD] cpf [CPF] phone [PHONE] auth [TOKEN]",
    );

    // The engine ranks a root cause for the failing service; it goes upstream.
    await waitFor(() => stored().some((m) => m.category === "root_cause") || undefined, {
      what: "a root cause upstream",
      timeoutMs: 60_000,
    });
    const rootCause = stored().find((m) => m.category === "root_cause")?.body as {
      rootCause: { id: string; type: string; entityId: string };
    };
    // Upstream asks for its evidence once VictoriaMetrics has the series.
    await h.mediator.flushSeries();
    await h.vm.flush();
    upstream.receiver?.requestEvidence(tenant.tenantId, CLUSTER, rootCause.rootCause.id);
    await waitFor(() => stored().some((m) => m.category === "evidence") || undefined, {
      what: "evidence upstream",
      timeoutMs: 30_000,
    });
    const evidence = stored().find((m) => m.category === "evidence")?.body as {
      error?: string;
      series: { metric: Record<string, string>; points: unknown[] }[];
      events: { message: string }[];
    };
    expect(evidence.error).toBeUndefined();
    expect(evidence.series.some((s) => s.metric.operation === "GET /users/[EMAIL]/cart")).toBe(true);
    expect(evidence.events.length).toBeGreaterThan(0);
    expect(evidence.events[0]?.message).toBe(
      "payment failed for [EMAIL] card [CREDIT_CARD] cpf [CPF] phone [PHONE] auth [TOKEN]",
    );

    // The pending pod's Kubernetes symptom carries the Warning event's words, masked.
    await waitFor(
      () =>
        stored().some(
          (m) =>
            m.category === "symptoms" &&
            JSON.stringify(m.body).includes(
              "FailedMount: secret for [EMAIL] (card [CREDIT_CARD], token [TOKEN])",
            ),
        ) || undefined,
      { what: "the event's words upstream", timeoutMs: 30_000 },
    );
    // Pods travel with allowlisted labels only, masked.
    const entities = stored()
      .filter((m) => m.category === "topology")
      .flatMap(
        (m) =>
          (m.body as { upsertEntities: { id: string; labels?: Record<string, string> }[] }).upsertEntities,
      );
    const checkoutPod = entities.find((e) => e.id.startsWith("pod/shop/checkout-"));
    expect(checkoutPod?.labels).toEqual({ app: "checkout", contact: "[CREDIT_CARD]" });
    expect(entities.find((e) => e.id === "pod/shop/payments-worker")?.labels).toEqual({
      app: "payments",
      contact: "[CPF]",
    });

    // Every byte the receiver got, and every file of the mediator's upstream queue and ledger.
    const received = Buffer.concat(upstream.frames.map((f) => f.raw));
    expect(upstream.frames.length).toBeGreaterThanOrEqual(4);
    expect(NEEDLES.filter((n) => received.includes(Buffer.from(n)))).toEqual([]);
    const queueDir = h.mediator.config.upstream.queue.dir;
    for (const needle of NEEDLES) expect(filesContaining(queueDir, needle), needle).toEqual([]);

    // The mediator's own egress ledger and metrics say what left.
    const egress = await h.api<{ enabled: boolean; entries: { category: string }[] }>("/api/v1/egress");
    expect(egress.body.enabled).toBe(true);
    expect(new Set(egress.body.entries.map((e) => e.category))).toEqual(
      new Set(["topology", "symptoms", "root_cause", "evidence"]),
    );
    const metrics = await (await fetch(`http://127.0.0.1:${h.mediator.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/causeway_upstream_messages_sent_total\{category="evidence"\} 1/);
    expect(metrics).toMatch(/causeway_upstream_connected 1/);

    await Promise.all([tracerProvider.shutdown(), loggerProvider.shutdown()]);
  }, 180_000);
});
