import { randomBytes } from "node:crypto";
import { StaticPodSource } from "@causeway/agent";
import { buildHelperForTests } from "./support/ebpf.js";
import {
  checkBtf,
  checkRoot,
  skipUnless,
  startVictoriaMetrics,
  waitFor,
  type VictoriaMetricsProcess,
} from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  ALLOCATE_FOREVER,
  BUSY_LOOP,
  FILL_TO_95_PERCENT,
  MIB,
  startAgent,
  type AgentUnderTest,
} from "./support/agent-harness.js";
import { RecordingMediator } from "./support/recording-mediator.js";
import { SimNode, type SimContainer } from "./support/sim-node.js";

const skip = skipUnless("agent symptoms on real cgroups", checkRoot(), checkBtf());

describe.skipIf(skip)("agent: symptoms from real cgroups, series in VictoriaMetrics", () => {
  const node = new SimNode();
  const pods = new StaticPodSource();
  const mediator = new RecordingMediator();
  const nodeName = `sim-${randomBytes(3).toString("hex")}`;
  let vm: VictoriaMetricsProcess;
  let under: AgentUnderTest;
  let throttled: SimContainer;
  let memhog: SimContainer;
  let oom: SimContainer;
  let idle: SimContainer;

  beforeAll(async () => {
    buildHelperForTests();
    vm = await startVictoriaMetrics();
    const target = await mediator.start();
    throttled = node.add({
      pod: "throttled",
      cpuLimitMillicores: 100,
      cpuRequestMillicores: 50,
      command: BUSY_LOOP,
    });
    memhog = node.add({ pod: "memhog", memoryLimitBytes: 160 * MIB, command: FILL_TO_95_PERCENT(160 * MIB) });
    idle = node.add({
      pod: "idle",
      cpuLimitMillicores: 1000,
      memoryLimitBytes: 256 * MIB,
      command: "sleep 600",
    });
    await Promise.all([throttled, memhog, idle].map((c) => node.joined(c)));
    pods.set(node.pods());
    under = await startAgent(
      {
        nodeName,
        mediator: { address: target },
        victoriaMetrics: { url: vm.url },
        symptoms: {
          cpuThrottled: { forMs: 1000 },
          cpuCongested: { forMs: 1000 },
          memoryNearLimit: { forMs: 0 },
        },
      },
      pods,
    );
  });

  afterAll(async () => {
    await under?.cleanup();
    mediator.kill();
    await node.cleanup();
    await vm?.dispose();
  });

  const activeOn = (entity: string, type: string): boolean =>
    under.agent.activeSymptoms().some((s) => s.entityId === entity && s.type === type);

  it("detects CPU throttling on the throttled container only", async () => {
    const entity = "container/default/throttled/app";
    await waitFor(() => activeOn(entity, "cpu_throttled"), { what: "cpu_throttled", timeoutMs: 20_000 });
    const change = await waitFor(
      () => mediator.symptoms().find((s) => s.entityId === entity && s.type === "cpu_throttled"),
      { what: "the change at the mediator" },
    );
    expect(change).toMatchObject({ active: true, evidence: { cpu_limit_millicores: 100 } });
    expect(change?.evidence.throttled_ratio).toBeGreaterThanOrEqual(0.25);
    expect(change?.sinceUnixMs).toBeGreaterThan(0);
    expect(
      under.agent
        .activeSymptoms()
        .filter((s) => s.type === "cpu_throttled")
        .map((s) => s.entityId),
    ).toEqual([entity]);
    // the busy loop also uses twice its request
    const periods = await vm.query(
      `causeway_container_cpu_cfs_throttled_periods_total{node="${nodeName}",pod="throttled",container="app",namespace="default"}`,
    );
    expect(periods[0]?.value).toBeGreaterThan(0);
    const ratio = await vm.query(
      `sum(increase(causeway_container_cpu_cfs_throttled_periods_total{node="${nodeName}",pod="throttled"}[1m])) / sum(increase(causeway_container_cpu_cfs_periods_total{node="${nodeName}",pod="throttled"}[1m]))`,
    );
    expect(ratio[0]?.value).toBeGreaterThan(0.5);
  });

  it("detects memory near the limit on the memory hog", async () => {
    const entity = "container/default/memhog/app";
    await waitFor(() => activeOn(entity, "memory_near_limit"), {
      what: "memory_near_limit",
      timeoutMs: 30_000,
    });
    const change = await waitFor(
      () => mediator.symptoms().find((s) => s.entityId === entity && s.type === "memory_near_limit"),
      { what: "the change at the mediator" },
    );
    expect(change?.evidence.limit_bytes).toBe(160 * MIB);
    expect(change?.evidence.working_set_bytes).toBeGreaterThanOrEqual(0.9 * 160 * MIB);
    expect(activeOn("container/default/idle/app", "memory_near_limit")).toBe(false);
    const ws = await vm.query(
      `causeway_container_memory_working_set_bytes{node="${nodeName}",pod="memhog"} / causeway_container_memory_limit_bytes{node="${nodeName}",pod="memhog"}`,
    );
    expect(ws[0]?.value).toBeGreaterThanOrEqual(0.9);
  });

  it("reports an OOM kill (and the crash it causes) on the right container", async () => {
    oom = node.add({ pod: "oom", memoryLimitBytes: 64 * MIB, command: ALLOCATE_FOREVER });
    pods.set(node.pods());
    expect(await oom.exited).toBe("SIGKILL");
    const entity = "container/default/oom/app";
    await waitFor(() => activeOn(entity, "oom_killed"), { what: "oom_killed", timeoutMs: 20_000 });
    const change = await waitFor(
      () => mediator.symptoms().find((s) => s.entityId === entity && s.type === "oom_killed"),
      { what: "the change at the mediator" },
    );
    expect(change?.evidence.limit_bytes).toBe(64 * MIB);
    expect(
      under.agent
        .activeSymptoms()
        .filter((s) => s.type === "oom_killed")
        .map((s) => s.entityId),
    ).toEqual([entity]);
    if (under.agent.ebpfEnabled) {
      expect(change?.evidence.victim_pid).toBe(oom.process.pid);
      await waitFor(() => activeOn(entity, "container_crashed"), { what: "container_crashed" });
    }
    await waitFor(
      async () =>
        ((await vm.query(`causeway_container_oom_kills_total{node="${nodeName}",pod="oom"}`))[0]?.value ??
          0) >= 1,
      { what: "the OOM kill counted in VictoriaMetrics" },
    );
  });

  it("detects run-queue congestion and failing connections (eBPF)", async () => {
    if (!under.agent.ebpfEnabled) return;
    // three busy loops pinned to one CPU: each waits for the other two
    const congested = node.add({
      pod: "congested",
      command: `taskset -c 0 sh -c 'for i in 1 2 3; do (while :; do :; done) & done; wait'`,
    });
    // connects to a closed port, 20 times a second
    const dialer = node.add({
      pod: "dialer",
      command: `node -e 'const net=require("net");setInterval(()=>net.connect(1,"127.0.0.1").on("error",()=>{}),50)'`,
    });
    await Promise.all([node.joined(congested), node.joined(dialer)]);
    pods.set(node.pods());
    try {
      await waitFor(() => activeOn("container/default/congested/app", "cpu_congested"), {
        what: "cpu_congested",
        timeoutMs: 20_000,
      });
      const change = await waitFor(
        () =>
          mediator
            .symptoms()
            .find((s) => s.entityId === "container/default/congested/app" && s.type === "cpu_congested"),
        { what: "the change at the mediator" },
      );
      expect(change.evidence.runq_delay_ms_per_s).toBeGreaterThanOrEqual(100);
      await waitFor(() => activeOn("pod/default/dialer", "connection_failures"), {
        what: "connection_failures",
        timeoutMs: 20_000,
      });
      const [failed] = await vm.query(
        `causeway_container_tcp_connects_total{node="${nodeName}",pod="dialer",result="failed"}`,
      );
      expect(failed?.value).toBeGreaterThan(0);
    } finally {
      await node.remove(congested);
      await node.remove(dialer);
    }
  });

  it("streamed the topology with the attributes the mediator relies on", async () => {
    await waitFor(() => mediator.messages().some((m) => m.body?.$case === "topology"), { what: "topology" });
    const entities = new Map(
      mediator
        .messages()
        .flatMap((m) => (m.body?.$case === "topology" ? m.body.value.upsertEntities : []))
        .map((e) => [e.id, e]),
    );
    expect(entities.get(`node/${nodeName}`)?.attributes).toMatchObject({
      kernel_release: expect.any(String) as string,
    });
    expect(Number(entities.get(`node/${nodeName}`)?.attributes.cpu_cores)).toBeGreaterThan(0);
    expect(entities.get("pod/default/throttled")?.attributes).toMatchObject({
      uid: throttled.podUid,
      pod_ip: throttled.pod.podIp,
      node_name: "sim-node",
    });
    expect(entities.get("container/default/throttled/app")?.attributes).toMatchObject({
      container_id: throttled.containerId,
      cpu_limit_millicores: "100",
      cpu_request_millicores: "50",
    });
    expect(entities.get("container/default/memhog/app")?.attributes.memory_limit_bytes).toBe(
      String(160 * MIB),
    );
    expect(entities.get("container/default/idle/app")?.attributes.cgroup_id).toMatch(/^\d+$/);
    const processes = [...entities.values()].filter((e) => e.kind === "process" && e.name === "sleep");
    expect(processes.length).toBeGreaterThan(0);
    const hello = mediator.messages().find((m) => m.body?.$case === "hello");
    expect(hello?.body).toMatchObject({ value: { nodeName, capabilities: { cgroupV1: true } } });
  });
});
