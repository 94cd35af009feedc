// Upstream down for a long (time-compressed) outage while the real mediator (the CLI, configured
// through CAUSEWAY_UPSTREAM_* variables) is crashed once and stopped once, restarting on the same
// data directory: every topology change an agent reported reaches the reference receiver in
// exactly one delta message after dedup by id, every full snapshot the three mediator runs sent is
// complete, and neither the PII nor a harmless marker is ever readable in the upstream queue on disk.
import { randomBytes } from "node:crypto";
import { readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { AgentServiceClient, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { waitFor } from "@causeway/testkit";
import { listMessages } from "@causeway/upstream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MediatorChild, ReceiverHandle, filesContaining, tempDir, type Tenant } from "./privacy-harness.js";

const TENANT: Tenant = { tenantId: "acme", token: randomBytes(24).toString("hex") };
const CLUSTER = "prod-eu-1";
const EMAIL = "zara.canary.w5@example.org";
const CARD_DIGITS = "4539148803436467";
/** Not PII, so not masked: it shows whether data sits on disk unencrypted. */
const MARKER = "plainmarker4q8z";
const PER_BATCH = 20;

const work = tempDir("cw-mediator-restart-");
const dataDir = join(work.path, "mediator-data");
const children: MediatorChild[] = [];
let receiver: ReceiverHandle;
let env: Record<string, string>;

beforeAll(async () => {
  receiver = new ReceiverHandle(work.path, [TENANT]);
  await receiver.start();
  writeFileSync(join(work.path, "token"), TENANT.token);
  writeFileSync(join(work.path, "kek"), randomBytes(32).toString("hex"));
  env = {
    CAUSEWAY_UPSTREAM_ENABLED: "true",
    CAUSEWAY_UPSTREAM_URL: receiver.url,
    CAUSEWAY_UPSTREAM_TENANT_ID: TENANT.tenantId,
    CAUSEWAY_UPSTREAM_CLUSTER_ID: CLUSTER,
    CAUSEWAY_UPSTREAM_TOKEN_FILE: join(work.path, "token"),
    CAUSEWAY_UPSTREAM_KEK_FILE: join(work.path, "kek"),
    CAUSEWAY_UPSTREAM_CA_FILE: receiver.caFile,
    CAUSEWAY_UPSTREAM_LABEL_ALLOWLIST: "app,contact",
    CAUSEWAY_DATA_DIR: dataDir,
    CAUSEWAY_LOG_LEVEL: "info",
  };
});

afterAll(async () => {
  for (const c of children) await c.crash();
  await receiver.stop();
  work.remove();
});

async function startMediator(): Promise<MediatorChild> {
  const child = new MediatorChild(
    [
      "--kube.enabled=false",
      "--auth.enabled=false",
      "--otlp.enabled=false",
      "--grpc.host=127.0.0.1",
      "--grpc.port=0",
      "--http.host=127.0.0.1",
      "--http.port=0",
      // Time compressed: a backoff capped at 100 ms stands for one capped at a minute.
      "--upstream.reconnect.initialDelayMs=10",
      "--upstream.reconnect.maxDelayMs=100",
      "--upstream.queue.segmentMaxBytes=16384",
    ],
    env,
  );
  children.push(child);
  await child.listening();
  return child;
}

/** An agent on node-a reporting batches of numbered pods, each with a symptom quoting PII. */
async function report(child: MediatorChild, agentId: string, batches: readonly number[]): Promise<void> {
  const client = new AgentServiceClient(`127.0.0.1:${child.grpcPort}`, credentials.createInsecure());
  const call = client.connect();
  let acked = 0;
  call.on("data", (m: MediatorMessage) => {
    if (m.body?.$case === "ack") acked = m.body.value.highestContiguousSeq;
  });
  call.on("error", () => undefined);
  let seq = 0;
  const send = (body: AgentMessage["body"]) => call.write({ seq: ++seq, createdUnixMs: Date.now(), body });
  send({ $case: "hello", value: { agentId, nodeName: "node-a", version: "test", capabilities: undefined } });
  for (const batch of batches) {
    const numbers = Array.from({ length: PER_BATCH }, (_, i) => batch * PER_BATCH + i);
    const enqueued = await child.metric("causeway_upstream_messages_enqueued_total", 'category="topology"');
    send({
      $case: "topology",
      value: {
        upsertEntities: numbers.map((n) => ({
          id: `pod/shop/${MARKER}-${n}`,
          kind: "pod",
          name: `${MARKER}-${n}`,
          namespace: "shop",
          attributes: { "label.app": "shop", "label.contact": CARD_DIGITS, pod_ip: `10.1.0.${n % 250}` },
        })),
        deleteEntityIds: [],
        upsertRelations: [],
        deleteRelations: [],
        fullSnapshot: false,
      },
    });
    send({
      $case: "symptoms",
      value: {
        changes: numbers.map((n) => ({
          entityId: `pod/shop/${MARKER}-${n}`,
          type: "crash_loop_backoff",
          active: true,
          sinceUnixMs: 1_700_000_000_000 + n,
          evidenceSummary: `Back-off restarting; owner ${EMAIL} card ${CARD_DIGITS}`,
          evidence: {},
        })),
      },
    });
    // Journalled and acknowledged by the mediator, and offered to the upstream queue.
    const last = seq;
    await waitFor(() => acked >= last || undefined, { what: `batch ${batch} acknowledged` });
    await waitFor(
      async () =>
        (await child.metric("causeway_upstream_messages_enqueued_total", 'category="topology"')) > enqueued ||
        undefined,
      { what: `batch ${batch} in the upstream queue` },
    );
  }
  call.end();
  client.close();
}

function queueDir(): string {
  return join(dataDir, "upstream");
}

describe("upstream outage with two mediator restarts", () => {
  it("delivers every change exactly once after dedup, with no plaintext on disk", async () => {
    // Run 1: upstream up; crashed (SIGKILL) the moment its last batch is queued, while it is being
    // sent: what was stored but whose acknowledgement was not yet persisted is sent again later.
    const first = await startMediator();
    await report(first, "node-a/1", [0, 1, 2]);
    await waitFor(() => (receiver.receiver?.stats.stored ?? 0) >= 3 || undefined, { what: "some stored" });
    await report(first, "node-a/1b", [3]);
    await first.crash();

    // The long outage. Run 2 restarts on the same data dir (the journal replays run 1's reports).
    await receiver.stop();
    const second = await startMediator();
    await report(second, "node-a/2", [4, 5, 6, 7]);
    await waitFor(
      async () =>
        (await second.metric("causeway_upstream_connection_attempts_failed_total")) >= 20 || undefined,
      { what: "20 failed connection attempts" },
    );
    expect(await second.metric("causeway_upstream_connected")).toBe(0);
    expect(await second.metric("causeway_upstream_queue_messages")).toBeGreaterThan(8);
    // Encrypted at rest: no PII in any file of the queue (the ledger holds sent, masked frames), and
    // not even the harmless marker in its segments.
    const segments = readdirSync(queueDir()).filter((f) => f.endsWith(".cwq"));
    expect(segments.length).toBeGreaterThan(1);
    for (const needle of [EMAIL, "zara.canary", CARD_DIGITS])
      expect(filesContaining(queueDir(), needle), needle).toEqual([]);
    for (const segment of segments)
      expect(readFileSync(join(queueDir(), segment)).includes(Buffer.from(MARKER)), segment).toBe(false);
    expect(await second.stop()).toBe(0);

    // Run 3: still down for a while, then upstream comes back and the queue drains.
    const third = await startMediator();
    await report(third, "node-a/3", [8, 9]);
    await waitFor(
      async () =>
        (await third.metric("causeway_upstream_connection_attempts_failed_total")) >= 10 || undefined,
      { what: "10 more failed attempts" },
    );
    await receiver.start();
    await waitFor(
      async () =>
        ((await third.metric("causeway_upstream_connected")) === 1 &&
          (await third.metric("causeway_upstream_queue_messages")) === 0) ||
        undefined,
      { what: "the queue drained", timeoutMs: 120_000 },
    );

    const stored = listMessages(receiver.receiver!.tenant(TENANT.tenantId), CLUSTER);
    type Topology = {
      snapshot?: { id: string; part: number; parts: number };
      upsertEntities: { id: string; labels?: Record<string, string> }[];
    };
    const topology = stored.filter((m) => m.category === "topology").map((m) => m.body as Topology);
    // Each numbered pod in exactly one delta message: nothing lost, nothing stored twice.
    const deltaCounts = new Map<string, number>();
    for (const t of topology.filter((x) => !x.snapshot))
      for (const e of t.upsertEntities) deltaCounts.set(e.id, (deltaCounts.get(e.id) ?? 0) + 1);
    const expected = Array.from({ length: 10 * PER_BATCH }, (_, n) => `pod/shop/${MARKER}-${n}`);
    expect(expected.filter((id) => !deltaCounts.has(id))).toEqual([]);
    expect(expected.filter((id) => (deltaCounts.get(id) ?? 0) > 1)).toEqual([]);
    // Each run's snapshot arrived whole; the last one holds every pod.
    const snapshots = new Map<string, { parts: number; seen: number[]; ids: string[] }>();
    for (const t of topology.filter((x) => x.snapshot)) {
      const s = t.snapshot!;
      const entry = snapshots.get(s.id) ?? { parts: s.parts, seen: [], ids: [] };
      entry.seen.push(s.part);
      entry.ids.push(...t.upsertEntities.map((e) => e.id));
      snapshots.set(s.id, entry);
    }
    expect(snapshots.size).toBeGreaterThanOrEqual(3);
    for (const s of snapshots.values())
      expect(s.seen.sort((a, b) => a - b)).toEqual(Array.from({ length: s.parts }, (_, i) => i + 1));
    expect(Math.max(...[...snapshots.values()].map((s) => s.ids.length))).toBeGreaterThanOrEqual(
      8 * PER_BATCH,
    );
    // Labels arrived allowlisted and masked; the IP attribute did not.
    const pod = topology.flatMap((t) => t.upsertEntities).find((e) => e.id === `pod/shop/${MARKER}-0`);
    expect(pod?.labels).toEqual({ app: "shop", contact: "[CREDIT_CARD]" });

    // Resends after the crash were dropped by id; no byte received holds the PII.
    const frameIds = receiver.frames.map((f) => (JSON.parse(f.raw.toString("utf8")) as { id: string }).id);
    expect(new Set(frameIds).size).toBe(stored.length);
    const received = Buffer.concat(receiver.frames.map((f) => f.raw)).toString("utf8");
    expect(received).toContain(MARKER);
    for (const needle of [EMAIL, "zara.canary", CARD_DIGITS, "10.1.0."])
      expect(received.includes(needle), needle).toBe(false);
    const ledger = readFileSync(join(queueDir(), "ledger", "egress-current.jsonl"), "utf8");
    expect(ledger).not.toContain(EMAIL);
    console.log(
      `mediator restart test: ${stored.length} messages stored once each from ${receiver.frames.length} frames ` +
        `(${receiver.frames.length - stored.length} resent after the crash); ${snapshots.size} snapshots`,
    );
    expect(await third.stop()).toBe(0);
  }, 300_000);
});
