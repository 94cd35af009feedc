import { randomBytes, randomUUID } from "node:crypto";
import { copyFileSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { EncryptedDiskQueue, type QueuedMessage } from "./disk-queue.js";
import { UpstreamMetrics } from "./metrics.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});
const tempDir = (): string => {
  const d = mkdtempSync(join(tmpdir(), "cw-queue-"));
  dirs.push(d);
  return d;
};

const kek = randomBytes(32);
const CANARY = "canary-7f3e9c@secret.example";

function open(dir: string, overrides: Partial<Parameters<typeof EncryptedDiskQueue.open>[0]> = {}) {
  const metrics = new UpstreamMetrics();
  const queue = EncryptedDiskQueue.open({
    dir,
    tenantId: "tenant-a",
    clusterId: "prod-1",
    kek,
    maxBytes: 10 * 1024 * 1024,
    segmentMaxBytes: 4096,
    metrics,
    ...overrides,
  });
  return { queue, metrics };
}

const message = (n: number): QueuedMessage => ({
  id: randomUUID(),
  category: "symptoms",
  createdUnixMs: 1_700_000_000_000 + n,
  body: { n, note: `${CANARY} ${"x".repeat(100)}` },
});

function drain(queue: EncryptedDiskQueue): number[] {
  const out: number[] = [];
  for (let r = queue.next(); r; r = queue.next()) out.push((r.message.body as { n: number }).n);
  return out;
}

const segmentFiles = (dir: string): string[] => readdirSync(dir).filter((f) => f.endsWith(".cwq"));

describe("EncryptedDiskQueue", () => {
  it("reads back in order across segments, and keeps no plaintext on disk", () => {
    const dir = tempDir();
    const { queue } = open(dir);
    for (let n = 0; n < 100; n++) queue.append(message(n));
    expect(segmentFiles(dir).length).toBeGreaterThan(3);
    expect(drain(queue)).toEqual(Array.from({ length: 100 }, (_, n) => n));
    for (const f of readdirSync(dir)) {
      const bytes = readFileSync(join(dir, f));
      expect(bytes.includes(Buffer.from(CANARY))).toBe(false);
      expect(bytes.includes(Buffer.from("canary"))).toBe(false);
    }
    queue.close();
  });

  it("replays everything unacknowledged after a rewind and after a restart, nothing acknowledged", () => {
    const dir = tempDir();
    let { queue } = open(dir);
    for (let n = 0; n < 50; n++) queue.append(message(n));
    const read = [];
    for (let i = 0; i < 30; i++) read.push(queue.next());
    queue.ack(read[19]!.position);
    queue.rewind();
    expect(drain(queue)).toEqual(Array.from({ length: 30 }, (_, n) => n + 20));
    queue.close();
    ({ queue } = open(dir));
    expect(queue.pending()).toBe(30);
    expect(drain(queue)).toEqual(Array.from({ length: 30 }, (_, n) => n + 20));
    queue.append(message(50));
    expect(drain(queue)).toEqual([50]);
    queue.close();
  });

  it("deletes fully acknowledged segments", () => {
    const dir = tempDir();
    const { queue, metrics } = open(dir);
    for (let n = 0; n < 60; n++) queue.append(message(n));
    let last;
    for (let r = queue.next(); r; r = queue.next()) last = r;
    queue.ack(last!.position);
    expect(queue.pending()).toBe(0);
    expect(segmentFiles(dir).length).toBe(1);
    expect(metrics.queueMessages.get()).toBe(0);
    queue.close();
  });

  it("when full drops the oldest segments and counts exactly the unacknowledged messages lost", () => {
    const dir = tempDir();
    const { queue, metrics } = open(dir, { maxBytes: 20_000, segmentMaxBytes: 4096 });
    for (let n = 0; n < 500; n++) queue.append(message(n));
    const remaining = drain(queue);
    expect(queue.bytes()).toBeLessThanOrEqual(20_000);
    expect(metrics.dropped.get("queue_full") + remaining.length).toBe(500);
    // What is left is the newest, in order.
    expect(remaining).toEqual(Array.from({ length: remaining.length }, (_, i) => 500 - remaining.length + i));
    queue.close();
  });

  it("a tampered record is counted and skipped; the rest is delivered", () => {
    const dir = tempDir();
    let { queue } = open(dir, { segmentMaxBytes: 1024 * 1024 });
    for (let n = 0; n < 10; n++) queue.append(message(n));
    queue.close();
    const file = join(dir, segmentFiles(dir)[0]!);
    const bytes = readFileSync(file);
    bytes[bytes.length - 40]! ^= 0x01; // inside the last record's ciphertext
    writeFileSync(file, bytes);
    const reopened = open(dir, { segmentMaxBytes: 1024 * 1024 });
    queue = reopened.queue;
    const metrics = reopened.metrics;
    expect(drain(queue)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8]);
    expect(metrics.decryptFailures.get("record")).toBe(1);
    queue.close();
  });

  it("a segment with a tampered header, one moved from another tenant, and one under another KEK are quarantined and counted", () => {
    const source = tempDir();
    const { queue: other } = open(source, { tenantId: "tenant-b" });
    other.append(message(1));
    other.close();
    const dir = tempDir();
    let { queue } = open(dir);
    queue.append(message(2));
    queue.close();
    // Another tenant's segment copied in under a plausible name.
    copyFileSync(join(source, segmentFiles(source)[0]!), join(dir, "seg-000000000100.cwq"));
    // Our own segment with one header byte changed.
    const own = join(dir, segmentFiles(dir)[0]!);
    const tampered = readFileSync(own);
    tampered[8] = (tampered[8] as number) ^ 0x20;
    writeFileSync(join(dir, "seg-000000000101.cwq"), tampered);
    // A segment encrypted under a different KEK.
    const foreign = tempDir();
    const { queue: f } = open(foreign, { kek: randomBytes(32) });
    f.append(message(3));
    f.close();
    copyFileSync(join(foreign, segmentFiles(foreign)[0]!), join(dir, "seg-000000000102.cwq"));

    const reopened = open(dir);
    queue = reopened.queue;
    const metrics = reopened.metrics;
    expect(drain(queue)).toEqual([2]);
    expect(metrics.decryptFailures.get("segment")).toBe(3);
    expect(readdirSync(dir).filter((n) => n.endsWith(".corrupt"))).toHaveLength(3);
    queue.close();
  });

  it("drops a torn record at the end of the last segment (a crash mid-write)", () => {
    const dir = tempDir();
    let { queue } = open(dir, { segmentMaxBytes: 1024 * 1024 });
    for (let n = 0; n < 5; n++) queue.append(message(n));
    queue.close();
    const file = join(dir, segmentFiles(dir)[0]!);
    const bytes = readFileSync(file);
    writeFileSync(file, bytes.subarray(0, bytes.length - 17));
    const reopened = open(dir);
    queue = reopened.queue;
    const metrics = reopened.metrics;
    expect(drain(queue)).toEqual([0, 1, 2, 3]);
    expect(metrics.decryptFailures.get()).toBe(0);
    queue.close();
  });
});
