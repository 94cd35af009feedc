import { randomBytes } from "node:crypto";
import { readdirSync } from "node:fs";
import { join } from "node:path";
import {
  checkRoot,
  skipUnless,
  startVictoriaMetrics,
  waitFor,
  type VictoriaMetricsProcess,
} from "@causeway/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type AgentUnderTest } from "./support/agent-harness.js";

const skip = skipUnless("agent series across a VictoriaMetrics outage", checkRoot());
const OUTAGE_MS = 60_000;
const MAX_QUEUE_BYTES = 4 * 1024 * 1024;

describe.skipIf(skip)("agent series: a 60 s VictoriaMetrics outage loses no sample", () => {
  let vm: VictoriaMetricsProcess | undefined;
  let under: AgentUnderTest | undefined;

  afterAll(async () => {
    await under?.cleanup();
    await vm?.dispose();
  });

  it("queues on disk while VictoriaMetrics is down and writes every cycle's samples afterwards", async () => {
    vm = await startVictoriaMetrics();
    const nodeName = `outage-${randomBytes(3).toString("hex")}`;
    under = await startAgent({
      nodeName,
      intervalMs: 1000,
      ebpf: { enabled: false },
      kube: { mode: "none" },
      victoriaMetrics: {
        url: vm.url,
        maxQueueBytes: MAX_QUEUE_BYTES,
        initialBackoffMs: 200,
        maxBackoffMs: 2000,
      },
    });
    const agent = under.agent;
    const writer = agent.writer;
    if (!writer) throw new Error("no writer");
    const queueDir = join(under.dir, "queue");
    let peakQueueBytes = 0;
    let peakFiles = 0;
    agent.on("cycle", () => {
      peakQueueBytes = Math.max(peakQueueBytes, writer.queuedBytes);
      peakFiles = Math.max(peakFiles, readdirSync(queueDir).length);
    });
    await waitFor(() => writer.sent > 0, { what: "first samples written" });

    await vm.stop();
    const downAt = Date.now();
    const cyclesBefore = agent.cycles;
    await new Promise((r) => setTimeout(r, OUTAGE_MS));
    const cyclesDuring = agent.cycles - cyclesBefore;
    // a sample of every cycle of the outage waits on disk
    expect(cyclesDuring).toBeGreaterThanOrEqual(50);
    expect(writer.queued).toBeGreaterThan(0);
    expect(peakFiles).toBeGreaterThanOrEqual(50);
    expect(writer.failedRequests).toBeGreaterThan(5);
    await vm.start();
    await waitFor(() => writer.queued === 0, { what: "the disk queue to drain", timeoutMs: 30_000 });

    await agent.stop();
    const cycles = agent.cycles;
    under.agent.removeAllListeners("cycle");
    const [count] = await vm.query(
      `count_over_time(causeway_node_memory_total_bytes{node="${nodeName}"}[5m])`,
    );
    // one sample per cycle, none missing, none twice
    expect(count?.value).toBe(cycles);
    const [during] = await vm.query(
      `count_over_time(causeway_node_memory_total_bytes{node="${nodeName}"}[${Math.round((Date.now() - downAt) / 1000)}s])`,
    );
    expect(during?.value).toBeGreaterThanOrEqual(cyclesDuring);
    expect(writer.dropped).toBe(0);
    expect(peakQueueBytes).toBeLessThanOrEqual(MAX_QUEUE_BYTES);
  });
});
