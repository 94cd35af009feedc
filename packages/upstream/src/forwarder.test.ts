import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Masker } from "@causeway/masking";
import { waitFor } from "@causeway/testkit";
import WebSocket from "ws";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { UpstreamForwarder, type UpstreamForwarderOptions } from "./forwarder.js";
import { UpstreamReceiver, listMessages, sha256Hex } from "./reference-receiver.js";
import { generateSelfSignedCertificate, type CertificateAndKey } from "./self-signed-cert.js";
import { FileTenantStore } from "./tenant-store.js";

let tls: CertificateAndKey;
const cleanup: (() => Promise<void> | void)[] = [];
beforeAll(() => {
  tls = generateSelfSignedCertificate();
});
afterEach(async () => {
  for (const c of cleanup.splice(0).reverse()) await c();
});
afterAll(() => undefined);

const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "cw-fwd-"));
  cleanup.push(() => rmSync(d, { recursive: true, force: true }));
  return d;
};

const TOKENS = { a: "token-for-tenant-a-0123456789", b: "token-for-tenant-b-9876543210" };

async function receiver(): Promise<{ receiver: UpstreamReceiver; frames: string[] }> {
  const frames: string[] = [];
  const r = await UpstreamReceiver.start({
    tls,
    tenants: [
      { tenantId: "tenant-a", tokenSha256: sha256Hex(TOKENS.a) },
      { tenantId: "tenant-b", tokenSha256: sha256Hex(TOKENS.b) },
    ],
    store: new FileTenantStore(tempDir()),
    onFrame: (_t, raw) => frames.push(raw.toString("utf8")),
  });
  cleanup.push(() => r.close());
  return { receiver: r, frames };
}

function forwarder(url: string, overrides: Partial<UpstreamForwarderOptions> = {}): UpstreamForwarder {
  const f = new UpstreamForwarder({
    url,
    tenantId: "tenant-a",
    clusterId: "prod-1",
    token: TOKENS.a,
    kek: randomBytes(32),
    queueDir: tempDir(),
    maxQueueBytes: 8 * 1024 * 1024,
    masker: new Masker(),
    labelAllowlist: ["app", "app.kubernetes.io/*"],
    ca: tls.cert,
    reconnectInitialDelayMs: 10,
    reconnectMaxDelayMs: 50,
    ...overrides,
  });
  cleanup.push(() => f.close());
  return f;
}

describe("UpstreamForwarder with the reference receiver over WSS", () => {
  it("sends abstracted, masked topology, symptoms and root causes; the receiver stores and acks them", async () => {
    const { receiver: r, frames } = await receiver();
    const f = forwarder(r.url);
    f.start();
    f.offerTopology({
      fullSnapshot: true,
      upsertEntities: [
        {
          id: "pod/shop/checkout-1",
          kind: "pod",
          name: "checkout-1",
          namespace: "shop",
          attributes: {
            pod_ip: "10.1.2.3",
            "label.app": "checkout",
            "label.owner": "ana@example.com",
            "label.app.kubernetes.io/name": "checkout",
            uid: "0f0e",
          },
        },
        { id: "service/shop/ana@example.com", kind: "service", name: "ana@example.com", namespace: "shop" },
      ],
      upsertRelations: [
        {
          fromId: "service/shop/ana@example.com",
          toId: "pod/shop/checkout-1",
          type: "selects",
          attributes: { ip: "10.9.9.9" },
        },
      ],
    });
    f.offerSymptoms([
      {
        entityId: "pod/shop/checkout-1",
        type: "crash_loop_backoff",
        active: true,
        sinceUnixMs: 1_700_000_000_000,
        evidenceSummary: "Back-off restarting; user +55 11 99999-9999 complained",
      },
    ]);
    f.offerRootCause({
      id: "rc-1",
      type: "memory_limit_too_low",
      entityId: "container/shop/checkout-1/app",
      confidence: 0.93,
      explanation: "OOM while serving cpf 529.982.247-25",
      rawSpans: [{ attributes: { "user.email": "bia@example.com" } }],
    });
    await waitFor(() => f.pendingMessages() === 0 && r.stats.stored === 3, {
      what: "3 messages stored and acked",
    });

    const stored = listMessages(r.tenant("tenant-a"), "prod-1");
    expect(stored.map((m) => m.category)).toEqual(["topology", "symptoms", "root_cause"]);
    const topology = stored[0]!.body as {
      upsertEntities: Record<string, unknown>[];
      upsertRelations: unknown[];
    };
    expect(topology.upsertEntities[0]).toEqual({
      id: "pod/shop/checkout-1",
      kind: "pod",
      name: "checkout-1",
      namespace: "shop",
      labels: { app: "checkout", "app.kubernetes.io/name": "checkout" },
    });
    expect(topology.upsertEntities[1]).toMatchObject({ id: "service/shop/[EMAIL]", name: "[EMAIL]" });
    expect(topology.upsertRelations).toEqual([
      { fromId: "service/shop/[EMAIL]", toId: "pod/shop/checkout-1", type: "selects" },
    ]);
    const all = frames.join("\n");
    for (const secret of [
      "ana@example.com",
      "bia@example.com",
      "10.1.2.3",
      "10.9.9.9",
      "99999-9999",
      "529.982.247-25",
      "rawSpans",
    ]) {
      expect(all).not.toContain(secret);
    }
    expect(all).not.toContain(TOKENS.a);

    const ledger = f.ledger.list();
    expect(ledger.map((e) => e.category)).toEqual(["root_cause", "symptoms", "topology"]);
    expect(ledger[2]!.summary).toBe("topology: 2 entities, 1 relations, 0 deletions (snapshot part 1/1)");
    expect(ledger.every((e) => e.bytes > 0 && /^[0-9a-f]{64}$/.test(e.sha256) && !e.resend)).toBe(true);
    expect(f.ledger.list({ category: "symptoms" })).toHaveLength(1);
    expect(f.metrics.acked.get()).toBeGreaterThan(0);
    expect(f.metrics.toPrometheusText()).toMatch(
      /causeway_upstream_messages_sent_total\{category="topology"\} 1/,
    );
  });

  it("splits a large snapshot into parts", async () => {
    const { receiver: r } = await receiver();
    const f = forwarder(r.url, { maxItemsPerMessage: 100 });
    f.start();
    f.offerTopology({
      fullSnapshot: true,
      upsertEntities: Array.from({ length: 250 }, (_, i) => ({
        id: `node/n${i}`,
        kind: "node",
        name: `n${i}`,
      })),
    });
    await waitFor(() => r.stats.stored === 3, { what: "3 parts" });
    const parts = listMessages(r.tenant("tenant-a"), "prod-1", "topology").map(
      (m) => (m.body as { snapshot: { part: number; parts: number } }).snapshot,
    );
    expect(parts.map((p) => `${p.part}/${p.parts}`).sort()).toEqual(["1/3", "2/3", "3/3"]);
  });

  it("buffers while upstream is down and delivers everything once it comes up", async () => {
    const { receiver: first } = await receiver();
    const url = first.url;
    const port = first.port;
    await first.close();
    const f = forwarder(url);
    f.start();
    for (let i = 0; i < 20; i++)
      f.offerSymptoms([{ entityId: `pod/a/p${i}`, type: "pod_pending", active: true, sinceUnixMs: i }]);
    await waitFor(() => f.metrics.reconnects.get() >= 3, { what: "failed attempts" });
    expect(f.pendingMessages()).toBe(20);
    const frames: string[] = [];
    const second = await UpstreamReceiver.start({
      tls,
      port,
      tenants: [{ tenantId: "tenant-a", tokenSha256: sha256Hex(TOKENS.a) }],
      store: new FileTenantStore(tempDir()),
      onFrame: (_t, raw) => frames.push(raw.toString()),
    });
    cleanup.push(() => second.close());
    await waitFor(() => f.pendingMessages() === 0, { what: "queue drained" });
    expect(second.stats.stored).toBe(20);
  });

  it("is refused with a wrong token, and cannot write into another tenant", async () => {
    const { receiver: r } = await receiver();
    const wrong = forwarder(r.url, { token: "not-a-valid-token-123" });
    wrong.start();
    wrong.offerSymptoms([{ entityId: "x", type: "pod_pending", active: true, sinceUnixMs: 1 }]);
    await waitFor(() => r.stats.authFailures >= 2, { what: "auth failures" });
    expect(wrong.pendingMessages()).toBe(1);
    // Tenant a's token claiming tenant b.
    const claim = forwarder(r.url, { tenantId: "tenant-b" });
    claim.start();
    await waitFor(() => r.stats.authFailures >= 3, { what: "refused tenant claim" });
    expect(r.tenant("tenant-b").list([])).toEqual([]);

    // An authenticated session sending a frame tagged with another tenant is cut off.
    const ws = new WebSocket(r.url, {
      ca: tls.cert,
      headers: {
        authorization: `Bearer ${TOKENS.a}`,
        "x-causeway-tenant": "tenant-a",
        "x-causeway-cluster": "c1",
      },
    });
    await new Promise((resolve) => ws.once("open", resolve));
    const closed = new Promise<number>((resolve) => ws.once("close", (code) => resolve(code)));
    ws.send(
      JSON.stringify({
        type: "data",
        id: "m1",
        tenantId: "tenant-b",
        clusterId: "c1",
        category: "symptoms",
        createdUnixMs: 1,
        body: {},
      }),
    );
    expect(await closed).toBe(1008);
    expect(r.tenant("tenant-b").list([])).toEqual([]);
    expect(r.tenant("tenant-a").list([])).toEqual([]);
  });

  it("deduplicates a replayed message id", async () => {
    const { receiver: r } = await receiver();
    const ws = new WebSocket(r.url, {
      ca: tls.cert,
      headers: {
        authorization: `Bearer ${TOKENS.b}`,
        "x-causeway-tenant": "tenant-b",
        "x-causeway-cluster": "c2",
      },
    });
    const acks: string[] = [];
    ws.on("message", (d) => acks.push(...(JSON.parse(String(d)) as { ids: string[] }).ids));
    await new Promise((resolve) => ws.once("open", resolve));
    const frame = JSON.stringify({
      type: "data",
      id: "same-id",
      tenantId: "tenant-b",
      clusterId: "c2",
      category: "symptoms",
      createdUnixMs: 5,
      body: { changes: [] },
    });
    ws.send(frame);
    ws.send(frame);
    await waitFor(() => acks.length === 2, { what: "two acks" });
    expect(r.stats.stored).toBe(1);
    expect(r.stats.duplicates).toBe(1);
    expect(listMessages(r.tenant("tenant-b"), "c2")).toHaveLength(1);
    ws.close();
  });

  it("answers evidence requests only for root causes it forwarded, masked and bounded", async () => {
    const { receiver: r } = await receiver();
    let asked: { entityId: string } | undefined;
    const f = forwarder(r.url, {
      evidenceMaxBytes: 4096,
      evidenceProvider: async (req) => {
        asked = { entityId: req.rootCause.entityId };
        return {
          series: [
            {
              metric: { __name__: "causeway_service_errors_total", operation: "GET /u/ana@example.com" },
              points: Array.from({ length: 500 }, (_, i): [number, number] => [
                req.startUnixMs + i * 1000,
                i,
              ]),
            },
          ],
          events: [
            {
              entityId: "service/shop/ana@example.com",
              timeUnixMs: 1,
              severity: "ERROR",
              message: "card 4111 1111 1111 1111 declined",
            },
          ],
        };
      },
    });
    f.start();
    f.offerRootCause({
      id: "rc/ana@example.com",
      type: "bad_rollout",
      entityId: "service/shop/ana@example.com",
      confidence: 0.8,
    });
    await waitFor(() => r.stats.stored === 1, { what: "root cause stored" });
    const seenId = (listMessages(r.tenant("tenant-a"), "prod-1")[0]!.body as { rootCause: { id: string } })
      .rootCause.id;
    expect(seenId).toBe("rc/[EMAIL]");
    r.requestEvidence("tenant-a", "prod-1", seenId);
    r.requestEvidence("tenant-a", "prod-1", "rc-unknown");
    await waitFor(() => listMessages(r.tenant("tenant-a"), "prod-1", "evidence").length === 2, {
      what: "evidence answers",
    });
    // The provider saw the real entity (to select the right series), upstream only masked data.
    expect(asked?.entityId).toBe("service/shop/ana@example.com");
    const answers = listMessages(r.tenant("tenant-a"), "prod-1", "evidence").map(
      (m) => m.body as Record<string, unknown>,
    );
    const good = answers.find((a) => a.rootCauseId === seenId)!;
    expect(good.truncated).toBe(true);
    expect(JSON.stringify(good).length).toBeLessThanOrEqual(4096 + 200);
    expect(JSON.stringify(answers)).not.toMatch(/ana@example|4111 1111/);
    expect(answers.find((a) => a.rootCauseId === "rc-unknown")?.error).toBe("unknown root cause");
    expect(f.metrics.evidenceRequests.get("answered")).toBe(1);
  });
  it("chunks symptoms, skips unchanged root causes and drops oversize messages with a count", () => {
    const f = forwarder("wss://127.0.0.1:9", { maxItemsPerMessage: 10, maxMessageBytes: 2048 });
    f.offerSymptoms(
      Array.from({ length: 25 }, (_, i) => ({
        entityId: `pod/a/p${i}`,
        type: "pod_pending",
        active: true,
        sinceUnixMs: i,
      })),
    );
    expect(f.pendingMessages()).toBe(3);
    const rc = { id: "rc-1", type: "cpu_congestion", entityId: "node/n1", confidence: 0.5 };
    f.offerRootCause(rc);
    f.offerRootCause({ ...rc });
    expect(f.pendingMessages()).toBe(4);
    f.offerRootCause({ ...rc, confidence: 0.7 });
    expect(f.pendingMessages()).toBe(5);
    f.offerRootCause({ ...rc, id: "rc-2", explanation: "x".repeat(1990) });
    expect(f.pendingMessages()).toBe(5);
    expect(f.metrics.dropped.get("too_large")).toBe(1);
    expect(f.metrics.enqueued.get()).toBe(5);
  });
});
