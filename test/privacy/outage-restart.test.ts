// Upstream down for a long (time-compressed) outage while the mediator's forwarder is killed and
// restarted twice on the same queue directory: every message arrives exactly once after dedup,
// the queue never holds a plaintext canary, and a tampered or foreign segment is reported and
// counted without a crash.
import { randomBytes } from "node:crypto";
import { copyFileSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { listMessages } from "@causeway/upstream";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ForwarderChild, ReceiverHandle, filesContaining, tempDir, type Tenant } from "./privacy-harness.js";

const TENANT_A: Tenant = { tenantId: "acme", token: randomBytes(24).toString("hex") };
const TENANT_B: Tenant = { tenantId: "globex", token: randomBytes(24).toString("hex") };
const CANARY_EMAIL = "zelda.canary.q7@example.org";
const CANARY_CARD = "4539 1488 0343 6467";
/** Not PII, so not masked: it shows whether data sits on disk unencrypted. */
const MARKER = "plainmarker9x2k";

const work = tempDir("cw-privacy-restart-");
const children: ForwarderChild[] = [];
let receiver: ReceiverHandle;

beforeAll(async () => {
  receiver = new ReceiverHandle(work.path, [TENANT_A, TENANT_B]);
  await receiver.start();
});
afterAll(async () => {
  for (const c of children) await c.crash();
  await receiver.stop();
  work.remove();
});

function plan(tenant: Tenant, queueDir: string, kekHex: string, first: number, count: number) {
  return {
    url: receiver.url,
    queueDir,
    kekHex,
    token: tenant.token,
    tenantId: tenant.tenantId,
    clusterId: "prod-eu-1",
    caFile: receiver.caFile,
    first,
    count,
    marker: MARKER,
    canaryEmail: CANARY_EMAIL,
    canaryCard: CANARY_CARD,
  };
}

function child(p: ReturnType<typeof plan>): ForwarderChild {
  const c = new ForwarderChild(p);
  children.push(c);
  return c;
}

/** The message numbers the receiver stored for a tenant, from the entity ids. */
function storedNumbers(tenant: Tenant): number[] {
  const messages = listMessages(receiver.receiver!.tenant(tenant.tenantId), "prod-eu-1", "symptoms");
  return messages.flatMap((m) =>
    (m.body as { changes: { entityId: string }[] }).changes.map((c) => Number(c.entityId.split("-").pop())),
  );
}

const kekA = randomBytes(32).toString("hex");
const queueA = join(work.path, "queue-a");

describe("upstream outage with two mediator restarts", () => {
  it("delivers every message exactly once after dedup, with no plaintext on disk", async () => {
    // Phase 1: upstream up; the forwarder is killed in the middle of sending (some messages
    // sent and stored but their acknowledgement not yet persisted: they will be sent again).
    const first = child(plan(TENANT_A, queueA, kekA, 0, 300));
    await first.until("some messages stored", () => receiver.receiver!.stats.stored >= 50);
    await first.crash();
    const storedBeforeOutage = receiver.receiver!.stats.stored;
    expect(storedBeforeOutage).toBeLessThan(300);

    // Phase 2: the long outage. Restart 1 offers more while upstream is unreachable.
    await receiver.stop();
    const second = child(plan(TENANT_A, queueA, kekA, 300, 300));
    await second.until("20 failed connection attempts", (s) => (s.failed ?? 0) >= 20);
    expect(second.status.connected).toBe(0);
    expect(second.status.pending).toBeGreaterThanOrEqual(600 - storedBeforeOutage);
    // The queue is encrypted at rest: neither the PII nor a harmless marker is readable on disk.
    const segmentsDuringOutage = readdirSync(queueA).filter((f) => f.endsWith(".cwq"));
    expect(segmentsDuringOutage.length).toBeGreaterThan(2);
    for (const needle of [CANARY_EMAIL, CANARY_CARD, CANARY_CARD.replace(/ /g, ""), "zelda"]) {
      expect(filesContaining(queueA, needle), needle).toEqual([]);
    }
    for (const segment of segmentsDuringOutage) {
      expect(readFileSync(join(queueA, segment)).includes(Buffer.from(MARKER)), segment).toBe(false);
    }
    await second.crash();

    // Phase 3: restart 2, still down for a while, then upstream comes back.
    const third = child(plan(TENANT_A, queueA, kekA, 600, 200));
    await third.until("10 more failed attempts", (s) => (s.failed ?? 0) >= 10);
    await receiver.start();
    await third.until("queue drained", (s) => s.pending === 0 && s.connected === 1, 120_000);

    const numbers = storedNumbers(TENANT_A);
    const counts = new Map<number, number>();
    for (const n of numbers) counts.set(n, (counts.get(n) ?? 0) + 1);
    const missing = Array.from({ length: 800 }, (_, n) => n).filter((n) => !counts.has(n));
    const twice = [...counts.entries()].filter(([, c]) => c > 1).map(([n]) => n);
    expect(missing).toEqual([]);
    expect(twice).toEqual([]);
    expect(numbers).toHaveLength(800);
    console.log(
      `restart test: 800 messages stored exactly once; the receiver got ${receiver.frames.length} data frames (${receiver.frames.length - 800} resent after the crash, dropped as duplicates by id); attempts failed during outage: ${second.status.failed} + ${third.status.failed}`,
    );

    // Nothing the receiver ever got holds the PII; the ledger recorded resends after the crash.
    const received = Buffer.concat(receiver.frames.map((f) => f.raw)).toString("utf8");
    expect(received).toContain(MARKER);
    for (const needle of [CANARY_EMAIL, CANARY_CARD, CANARY_CARD.replace(/ /g, "")]) {
      expect(received.includes(needle), needle).toBe(false);
    }
    const ledger = readFileSync(join(queueA, "ledger", "egress-current.jsonl"), "utf8")
      .trim()
      .split("\n");
    expect(ledger.length).toBeGreaterThanOrEqual(800);
    const resends = ledger.filter((l) => (JSON.parse(l) as { resend: boolean }).resend).length;
    expect(resends).toBeGreaterThanOrEqual(receiver.frames.length - 800);
    expect(ledger.join("\n")).not.toContain(CANARY_EMAIL);
    await third.stop();
  });

  it("reports and counts a tampered segment and one moved from another tenant, and keeps delivering", async () => {
    // Tenant B's own queue, written while upstream is down.
    await receiver.stop();
    const kekB = randomBytes(32).toString("hex");
    const queueB = join(work.path, "queue-b");
    const writer = child(plan(TENANT_B, queueB, kekB, 0, 40));
    await writer.until("queued", (s) => s.pending === 40);
    await writer.stop();

    // Tenant A writes a segment under the same KEK as B (so only the binding protects it)...
    const queueA2 = join(work.path, "queue-a2");
    const stray = child(plan(TENANT_A, queueA2, kekB, 1000, 10));
    await stray.until("queued", (s) => s.pending === 10);
    await stray.stop();
    // ...which is moved into B's queue, and one of B's segments is tampered with.
    const aSegment = readdirSync(queueA2).find((f) => f.endsWith(".cwq"))!;
    copyFileSync(join(queueA2, aSegment), join(queueB, "seg-000000000900.cwq"));
    const bSegments = readdirSync(queueB)
      .filter((f) => f.endsWith(".cwq") && f !== "seg-000000000900.cwq")
      .sort();
    const victim = join(queueB, bSegments[0]!);
    const bytes = readFileSync(victim);
    bytes[bytes.length - 30] = (bytes[bytes.length - 30] as number) ^ 0xff;
    writeFileSync(victim, bytes);

    await receiver.start();
    const reader = child(plan(TENANT_B, queueB, kekB, 100, 1));
    await reader.until("drained", (s) => s.pending === 0 && s.connected === 1);
    expect(reader.status.decryptFailures).toBe(2); // the moved segment and the tampered record
    expect(readdirSync(queueB).filter((f) => f.endsWith(".corrupt"))).toEqual([
      "seg-000000000900.cwq.corrupt",
    ]);
    const numbers = storedNumbers(TENANT_B).sort((a, b) => a - b);
    // 40 + 1 offered, one record lost to tampering; nothing of tenant A's leaked into B.
    expect(numbers).toHaveLength(40);
    expect(numbers.every((n) => n < 1000)).toBe(true);
    expect(storedNumbers(TENANT_A).some((n) => n >= 1000)).toBe(false);
    await waitFor(() => reader.process.exitCode === null, { what: "still running" });
    await reader.stop();
  });
});
