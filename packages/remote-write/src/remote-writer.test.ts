import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@causeway/runtime";
import { startVictoriaMetrics, waitFor, type VictoriaMetricsProcess } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DiskBatchQueue } from "./disk-batch-queue.js";
import { MemoryBatchQueue } from "./memory-batch-queue.js";
import { RemoteWriter } from "./remote-writer.js";
import { sampleLine } from "./prom-text.js";

describe("RemoteWriter against a real VictoriaMetrics", () => {
  let vm: VictoriaMetricsProcess;
  let dir: string;
  beforeAll(async () => {
    vm = await startVictoriaMetrics();
    dir = mkdtempSync(join(tmpdir(), "cw-rw-"));
  });
  afterAll(async () => {
    await vm?.dispose();
    rmSync(dir, { recursive: true, force: true });
  });

  it("queues on disk while VictoriaMetrics is down and delivers every sample afterwards", async () => {
    const writer = new RemoteWriter({
      url: vm.url,
      queue: new DiskBatchQueue({ dir, maxBytes: 1 << 20 }),
      maxBatchLines: 100,
      initialBackoffMs: 20,
      maxBackoffMs: 100,
      log: silentLogger(),
    });
    const t0 = Date.now() - 60_000;
    const emit = (from: number, to: number): void =>
      writer.write(
        Array.from({ length: to - from }, (_, i) =>
          sampleLine("cw_rw_test", [["series", String((from + i) % 5)]], from + i, t0 + (from + i) * 10),
        ),
      );
    emit(0, 250);
    await waitFor(() => writer.sent === 250, { what: "first samples" });
    await vm.stop();
    emit(250, 700);
    await waitFor(() => writer.failedRequests > 2, { what: "failed retries" });
    expect(writer.queued).toBe(450);
    await vm.start();
    await waitFor(() => writer.queued === 0, { what: "queue drained", timeoutMs: 20_000 });
    const [count] = await vm.query(`sum(count_over_time(cw_rw_test[5m]))`, t0 + 7_000 + 1);
    expect(count?.value).toBe(700);
    expect(writer.dropped).toBe(0);
    writer.close();
  });
});

describe("RemoteWriter refusals", () => {
  let server: Server;
  let status = 400;
  let requests = 0;
  beforeAll(async () => {
    server = createServer((req, res) => {
      requests++;
      req.resume();
      req.on("end", () => res.writeHead(status).end());
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  });
  afterAll(() => new Promise<void>((r) => server.close(() => r())));

  it("drops and counts a batch refused as invalid, retries one refused as overloaded", async () => {
    const address = server.address();
    const url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    const writer = new RemoteWriter({
      url,
      queue: new MemoryBatchQueue({ maxLines: 1000 }),
      maxBatchLines: 10,
      initialBackoffMs: 10,
      maxBackoffMs: 20,
      log: silentLogger(),
    });
    writer.write(["a 1 1", "b 2 2"]);
    await waitFor(() => writer.dropped === 2, { what: "refused batch counted" });
    status = 429;
    requests = 0;
    writer.write(["c 3 3"]);
    await waitFor(() => requests >= 3, { what: "retries" });
    expect(writer.queued).toBe(1);
    status = 204;
    await waitFor(() => writer.sent === 1, { what: "sent after recovery" });
    expect(writer.dropped).toBe(2);
    writer.close();
  });
});
