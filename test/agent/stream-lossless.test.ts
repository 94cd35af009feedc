import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { randomBytes } from "node:crypto";
import { checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { startAgent, type AgentUnderTest } from "./support/agent-harness.js";
import { RecordingMediator } from "./support/recording-mediator.js";
import { SimNode } from "./support/sim-node.js";

const skip = skipUnless("agent stream across mediator restarts", checkRoot());

describe.skipIf(skip)("agent → mediator stream: lossless across mediator restarts", () => {
  const node = new SimNode();
  const mediator = new RecordingMediator();
  const tokenDir = mkdtempSync(join(tmpdir(), "cw-token-"));
  let under: AgentUnderTest | undefined;

  afterAll(async () => {
    await under?.cleanup();
    mediator.kill();
    await node.cleanup();
    rmSync(tokenDir, { recursive: true, force: true });
  });

  it("delivers every sequence number exactly once after dedup while the mediator is killed and restarted three times", async () => {
    const tokenFile = join(tokenDir, "token");
    writeFileSync(tokenFile, "token-0");
    const target = await mediator.start();
    under = await startAgent({
      nodeName: `lossless-${randomBytes(3).toString("hex")}`,
      intervalMs: 100,
      topologyIntervalMs: 100,
      ebpf: { enabled: false },
      kube: { mode: "none" },
      mediator: {
        address: target,
        tokenFile,
        heartbeatIntervalMs: 100,
        reconnectInitialMs: 20,
        reconnectMaxMs: 200,
        connectTimeoutMs: 500,
      },
    });
    const agent = under.agent;
    const stream = agent.stream;
    if (!stream) throw new Error("no stream");
    const agentId = stream.agentId;

    const churned: string[] = [];
    for (let restart = 1; restart <= 3; restart++) {
      // topology changes while connected and while the mediator is down: containers come and go
      const c = node.add({ pod: `churn-${restart}`, command: "sleep 600" });
      await node.joined(c);
      churned.push(c.containerId);
      const before = stream.stats.lastSeq;
      await waitFor(() => mediator.messages(agentId).length >= before && stream.stats.lastSeq > before + 5, {
        what: `traffic before restart ${restart}`,
      });
      mediator.kill();
      await node.remove(c);
      // a few cycles' worth of deltas (the container's deletion among them) pile up unacknowledged
      const cycles = agent.cycles;
      await waitFor(() => agent.cycles >= cycles + 3, { what: "cycles while the mediator is down" });
      expect(stream.stats.unackedMessages).toBeGreaterThan(0);
      const whileDown = stream.stats.lastSeq;
      writeFileSync(tokenFile, `token-${restart}`);
      await mediator.restart();
      await waitFor(() => stream.stats.highestAckedSeq >= whileDown, {
        what: `replay after restart ${restart}`,
        timeoutMs: 20_000,
      });
    }
    const last = stream.stats.lastSeq;
    await waitFor(() => stream.stats.highestAckedSeq >= last, { what: "final acks" });

    const seqs = mediator
      .messages(agentId)
      .map((m) => m.seq)
      .sort((a, b) => a - b);
    const upTo = stream.stats.highestAckedSeq;
    // every number 1..n stored exactly once; duplicates from replays were recognised and dropped
    expect(seqs.slice(0, upTo)).toEqual(Array.from({ length: upTo }, (_, i) => i + 1));
    expect(new Set(seqs).size).toBe(seqs.length);
    expect(stream.stats.droppedMessages).toBe(0);
    expect(stream.agentId).toBe(agentId);
    expect(stream.stats.reconnects).toBeGreaterThanOrEqual(3);
    // the topology arrived intact: each churn container was added and later deleted
    const deltas = mediator
      .messages(agentId)
      .flatMap((m) => (m.body?.$case === "topology" ? [m.body.value] : []));
    const upserted = new Map(
      deltas.flatMap((d) => d.upsertEntities).map((e) => [e.attributes.container_id ?? "", e.id]),
    );
    const deleted = new Set(deltas.flatMap((d) => d.deleteEntityIds));
    for (const id of churned) {
      const entity = upserted.get(id);
      expect(entity).toMatch(/^container\/_host\//);
      expect([...deleted]).toContain(entity);
    }
    // the token was re-read on every connect
    expect(mediator.authorizations).toEqual(expect.arrayContaining(["Bearer token-0", "Bearer token-3"]));
  });
});
