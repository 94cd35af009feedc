import { randomBytes } from "node:crypto";
import { checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, describe, expect, it } from "vitest";
import { BUSY_LOOP, startAgent, type AgentUnderTest } from "./support/agent-harness.js";
import { RecordingMediator } from "./support/recording-mediator.js";
import { SimNode } from "./support/sim-node.js";

const skip = skipUnless("agent degraded host mode", checkRoot());

describe.skipIf(skip)("agent without eBPF and without a cluster", () => {
  const node = new SimNode();
  const mediator = new RecordingMediator();
  const logLines: string[] = [];
  let under: AgentUnderTest | undefined;

  afterAll(async () => {
    await under?.cleanup();
    mediator.kill();
    await node.cleanup();
  });

  it("runs degraded on cgroups and /proc, says so once, in its metrics and its hello, and still detects throttling", async () => {
    const throttled = node.add({ pod: "host-throttled", cpuLimitMillicores: 100, command: BUSY_LOOP });
    await node.joined(throttled);
    const nodeName = `host-${randomBytes(3).toString("hex")}`;
    under = await startAgent(
      {
        nodeName,
        kube: { mode: "none" },
        ebpf: { enabled: true, helperPath: "/nonexistent/causeway-helper" },
        mediator: { address: await mediator.start() },
        symptoms: { cpuThrottled: { forMs: 1000 } },
      },
      undefined,
      logLines,
    );
    const agent = under.agent;
    expect(agent.hostMode).toBe(true);
    // host mode: the container cgroup is an entity of its own, named after its id, on the node
    const entity = `container/_host/${nodeName}/container-${throttled.containerId.slice(0, 12)}`;
    await waitFor(
      () => agent.activeSymptoms().some((s) => s.entityId === entity && s.type === "cpu_throttled"),
      {
        what: "cpu_throttled in host mode",
        timeoutMs: 20_000,
      },
    );
    expect(agent.ebpfEnabled).toBe(false);

    const base = `http://127.0.0.1:${agent.httpPort}`;
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/^causeway_agent_ebpf_enabled 0$/m);
    expect(metrics).toMatch(/^causeway_agent_cycle_duration_seconds_count [1-9]/m);
    expect(metrics).toMatch(/^causeway_agent_stream_unacked_messages \d+$/m);
    expect(metrics).toMatch(/^causeway_agent_helper_restarts_total 0$/m);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const notFound = await fetch(`${base}/nope`);
    expect(notFound.status).toBe(404);
    expect(await notFound.json()).toMatchObject({ error: { code: "CW_NOT_FOUND" } });

    const degradedLogs = logLines.filter((l) => l.includes("running degraded without eBPF"));
    expect(degradedLogs).toHaveLength(1);
    const hello = await waitFor(() => mediator.messages().find((m) => m.body?.$case === "hello"), {
      what: "hello",
    });
    // the first hello may precede the helper's failure; a later one (or the node entity) says it
    const capabilities = hello.body?.$case === "hello" ? hello.body.value.capabilities : undefined;
    expect(capabilities?.ebpf).toBe(false);
    const nodeEntity = await waitFor(
      () =>
        mediator
          .messages()
          .flatMap((m) => (m.body?.$case === "topology" ? m.body.value.upsertEntities : []))
          .filter((e) => e.id === `node/${nodeName}`)
          .at(-1),
      { what: "node entity" },
    );
    expect(nodeEntity.attributes.ebpf).toBe("false");
    const relations = mediator
      .messages()
      .flatMap((m) => (m.body?.$case === "topology" ? m.body.value.upsertRelations : []));
    expect(relations).toContainEqual(
      expect.objectContaining({ fromId: entity, toId: `node/${nodeName}`, type: "runs-on" }),
    );
    expect(agent.capabilities().degradedReasons[0]).toMatch(/eBPF unavailable/);

    // the mediator pushes a new collection interval: cycles follow it
    expect(agent.intervalMs).toBe(500);
    mediator.broadcast({
      body: {
        $case: "config",
        value: { version: 2, collectionIntervalMs: 150, heartbeatIntervalMs: 0, settings: {} },
      },
    });
    await waitFor(() => agent.intervalMs === 150, { what: "the new interval" });
    const before = agent.cycles;
    const since = Date.now();
    await waitFor(() => agent.cycles >= before + 6, { what: "faster cycles" });
    expect(Date.now() - since).toBeLessThan(6 * 500);
  });
});
