import { mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { DiskBatchQueue } from "./disk-batch-queue.js";
import { MemoryBatchQueue } from "./memory-batch-queue.js";

const lines = (prefix: string, n: number): string[] =>
  Array.from({ length: n }, (_, i) => `m{k="${prefix}"} ${i} ${1_700_000_000_000 + i}`);

describe("DiskBatchQueue", () => {
  const dirs: string[] = [];
  const newDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), "cw-queue-"));
    dirs.push(d);
    return d;
  };
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it("keeps batches in order across a reopen and cleans half-written files", () => {
    const dir = newDir();
    const q = new DiskBatchQueue({ dir, maxBytes: 1 << 20 });
    q.push(lines("a", 3));
    q.push(lines("b", 2));
    writeFileSync(join(dir, "0000000000000099-1.prom.gz.tmp"), "partial");
    const reopened = new DiskBatchQueue({ dir, maxBytes: 1 << 20 });
    expect(reopened.stats).toMatchObject({ batches: 2, lines: 5, droppedLines: 0 });
    expect(readdirSync(dir).some((n) => n.endsWith(".tmp"))).toBe(false);
    const first = reopened.take();
    expect(gunzipSync(first?.body() ?? Buffer.alloc(0)).toString()).toContain('k="a"');
    if (first) reopened.remove(first);
    reopened.push(lines("c", 1));
    expect(reopened.take()?.lines).toBe(2);
    expect(readdirSync(dir)).toHaveLength(2);
  });

  it("drops the oldest batches when full, never the one in flight, and counts every line", () => {
    const dir = newDir();
    const probe = new DiskBatchQueue({ dir: newDir(), maxBytes: 1 << 20 });
    probe.push(lines("x", 50));
    const batchBytes = probe.stats.bytes;
    const q = new DiskBatchQueue({ dir, maxBytes: batchBytes * 3 + 10 });
    for (let i = 0; i < 3; i++) q.push(lines("x", 50));
    const inflight = q.take();
    expect(inflight?.id).toBe(1);
    q.push(lines("x", 50));
    q.push(lines("x", 50));
    // batches 2 and 3 made room; batch 1 is being sent and stays
    expect(q.stats).toMatchObject({ batches: 3, lines: 150, droppedLines: 100, droppedBatches: 2 });
    expect(q.stats.bytes).toBeLessThanOrEqual(batchBytes * 3 + 10);
    if (inflight) q.remove(inflight);
    expect(q.take()?.id).toBe(4);
    // a batch larger than the whole bound is dropped by itself
    const tiny = new DiskBatchQueue({ dir: newDir(), maxBytes: 20 });
    tiny.push(lines("y", 40));
    expect(tiny.stats).toMatchObject({ batches: 0, droppedLines: 40, droppedBatches: 1 });
  });
});

describe("MemoryBatchQueue", () => {
  it("bounds lines and counts what it drops", () => {
    const q = new MemoryBatchQueue({ maxLines: 100 });
    q.push(lines("a", 60));
    q.push(lines("b", 60));
    expect(q.stats).toMatchObject({ batches: 1, lines: 60, droppedLines: 60 });
    q.push(lines("c", 101));
    expect(q.stats.droppedLines).toBe(161);
  });
});
