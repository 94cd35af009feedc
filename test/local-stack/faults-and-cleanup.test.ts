// The local stack's other faults and its clean-up, on this machine's kernel: a crash loop, a bad
// rollout answering 500s, CPU throttling, nftables packet loss between two pods; the control
// endpoint's errors; the CLI against the running stack; a second start refused; and a run killed
// with SIGKILL whose processes, cgroups and namespaces the next start removes.
import { spawn } from "node:child_process";
import { existsSync, readFileSync, readdirSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { execFile, execFileSync } from "node:child_process";
import { promisify } from "node:util";
import { localStackConfigSchema, startLocalStack, type KubeObject } from "@causeway/local-stack";
import { silentLogger } from "@causeway/runtime";
import { checkBtf, checkRoot, findFreePort, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  TEST_CGROUP_ROOT,
  api,
  leftovers,
  podOf,
  startStackForTest,
  type StackUnderTest,
} from "./stack-harness.js";

const skip = skipUnless("local stack faults and clean-up", checkRoot(), checkBtf());
const CLI = fileURLToPath(new URL("../../packages/local-stack/dist/cli/main.js", import.meta.url));

async function control(t: StackUnderTest, method: string, path: string, body?: string) {
  const res = await fetch(`${t.stack.urls.control}${path}`, {
    method,
    ...(body !== undefined ? { body } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any
}

/** The v1 memory hierarchy on hybrid hosts, the unified one on pure v2 hosts. */
const memoryRoot = (): string =>
  existsSync("/sys/fs/cgroup/cgroup.controllers") ? "/sys/fs/cgroup" : "/sys/fs/cgroup/memory";

/** Every pid in a cgroup tree. */
function cgroupTreePids(dir: string): number[] {
  if (!existsSync(dir)) return [];
  const pids = readFileSync(join(dir, "cgroup.procs"), "utf8")
    .split("\n")
    .filter((l) => l !== "")
    .map(Number);
  for (const e of readdirSync(dir, { withFileTypes: true }))
    if (e.isDirectory()) pids.push(...cgroupTreePids(join(dir, e.name)));
  return pids;
}

const containerStatus = async (t: StackUnderTest, app: string): Promise<KubeObject | undefined> =>
  ((await podOf(t.stack, app))?.status?.containerStatuses ?? [])[0] as KubeObject | undefined;

describe.skipIf(skip)("local stack faults and clean-up", () => {
  let t: StackUnderTest;

  beforeAll(async () => {
    t = await startStackForTest();
  });
  afterAll(async () => {
    if (!t) return;
    const pids = t.pids();
    await t.cleanup();
    expect(leftovers(t.stack, pids)).toEqual([]);
  });

  it("answers bad fault requests with stable error codes", async () => {
    expect(await control(t, "POST", "/faults/bogus", "{}")).toMatchObject({
      status: 404,
      body: { error: { code: "CW_NOT_FOUND" } },
    });
    expect(await control(t, "POST", "/faults/oom", '{"service":"nope"}')).toMatchObject({
      status: 400,
      body: { error: { code: "CW_BAD_REQUEST" } },
    });
    expect(await control(t, "POST", "/faults/loss", "[1,2")).toMatchObject({ status: 400 });
    expect(await control(t, "POST", "/faults/loss", '{"percent":500}')).toMatchObject({ status: 400 });
    expect(await control(t, "GET", "/nowhere")).toMatchObject({ status: 404 });
  });

  it("crash: the container exits at start and backs off (CrashLoopBackOff); clear lets it run again", async () => {
    expect((await control(t, "POST", "/faults/crash", "{}")).status).toBe(200);
    const s = await waitFor(
      async () => {
        const c = await containerStatus(t, "inventory");
        return c?.state?.waiting?.reason === "CrashLoopBackOff" && c.restartCount >= 2 ? c : undefined;
      },
      { what: "inventory in CrashLoopBackOff", timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(s.lastState.terminated).toMatchObject({ exitCode: 1, reason: "Error" });
    await control(t, "DELETE", "/faults/crash");
    await waitFor(async () => (await containerStatus(t, "inventory"))?.ready === true || undefined, {
      what: "inventory Ready again",
      timeoutMs: 60_000,
      intervalMs: 500,
    });
  });

  it("rollout: the bad release rolls out as a new ReplicaSet whose pod answers 500s; clear rolls back", async () => {
    const before = await podOf(t.stack, "payments");
    expect((await control(t, "POST", "/faults/rollout", "{}")).status).toBe(200);
    const pod = await waitFor(
      async () => {
        const p = await podOf(t.stack, "payments");
        return p && p.metadata.uid !== before?.metadata.uid && p.status?.containerStatuses?.[0]?.ready
          ? p
          : undefined;
      },
      { what: "the new payments pod", timeoutMs: 60_000, intervalMs: 500 },
    );
    expect(pod.spec.containers[0].image).toBe("causeway.dev/demo-app:1.1.0");
    expect(pod.metadata.labels["pod-template-hash"]).not.toBe(before?.metadata.labels["pod-template-hash"]);
    const res = await waitFor(
      async () => {
        const r = await fetch(`http://${String(pod.status.podIP)}:8080/charge`, { method: "POST" });
        return r.status === 500 ? r : undefined;
      },
      { what: "a 500 from payments 1.1.0", timeoutMs: 10_000 },
    );
    expect(await res.text()).toContain("migration 0042");
    await waitFor(
      async () => {
        const { symptoms } = await api<{ symptoms: { entityId: string; type: string }[] }>(
          t.stack,
          "/symptoms?active=true&type=high_error_rate",
        );
        return symptoms.some((s) => s.entityId === "service/shop/payments") || undefined;
      },
      { what: "high_error_rate on service/shop/payments from OTLP", timeoutMs: 60_000, intervalMs: 1000 },
    );
    await control(t, "DELETE", "/faults/rollout");
    await waitFor(
      async () =>
        (await podOf(t.stack, "payments"))?.spec.containers[0].image === "causeway.dev/demo-app:1.0.0" ||
        undefined,
      { what: "payments back on 1.0.0", timeoutMs: 30_000 },
    );
  });

  it("cpu: payments is throttled in its cgroup", async () => {
    const h = t.stack.hierarchies;
    const pod = await waitFor(
      async () => {
        const p = await podOf(t.stack, "payments");
        return p?.status?.containerStatuses?.[0]?.ready ? p : undefined;
      },
      { what: "payments Ready", timeoutMs: 30_000 },
    );
    const id = String(pod?.status.containerStatuses[0].containerID).replace("containerd://", "");
    const rel = `${TEST_CGROUP_ROOT}/kubepods/burstable/pod${String(pod?.metadata.uid)}/${id}`;
    const statFile = h?.pureV2 ? join(String(h.v2), rel, "cpu.stat") : join(String(h?.cpu), rel, "cpu.stat");
    const throttled = () => Number(/nr_throttled (\d+)/.exec(readFileSync(statFile, "utf8"))?.[1] ?? 0);
    const start = throttled();
    expect((await control(t, "POST", "/faults/cpu", "{}")).status).toBe(200);
    try {
      // Each request over the 100m limit is throttled about once; under a loaded CI machine the
      // load generator sends fewer requests, so the wait is generous and the bar is 10 periods.
      await waitFor(() => throttled() > start + 10 || undefined, {
        what: "CFS throttling of payments",
        timeoutMs: 90_000,
        intervalMs: 500,
      });
    } finally {
      // A failure here must not leave the fault on for the tests after it.
      await control(t, "DELETE", "/faults/cpu");
    }
  });

  it("loss: nftables drops packets between frontend and checkout; clear removes the table", async () => {
    const r = await control(t, "POST", "/faults/loss", '{"percent":40}');
    expect(r.body.fault.description).toBe("40% of packets between frontend and checkout are dropped");
    const dropped = () => {
      try {
        const out = execFileSync("nft", ["list", "table", "bridge", "causeway_local"], {
          encoding: "utf8",
          stdio: ["ignore", "pipe", "pipe"],
        });
        return [...out.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
      } catch {
        return -1;
      }
    };
    const ruleset = execFileSync("nft", ["list", "table", "bridge", "causeway_local"], { encoding: "utf8" });
    expect(ruleset).toContain("numgen random mod 100 < 40");
    expect(ruleset).toContain(String((await podOf(t.stack, "checkout"))?.status.podIP));
    await waitFor(() => dropped() > 0 || undefined, {
      what: "dropped packets",
      timeoutMs: 30_000,
      intervalMs: 500,
    });
    expect((await control(t, "DELETE", "/faults")).body.cleared.map((f: { kind: string }) => f.kind)).toEqual(
      ["loss"],
    );
    expect(dropped()).toBe(-1);
  });

  it("the CLI reports the running stack's status, and a second start with the same data dir is refused", async () => {
    // Not execFileSync: the control endpoint answers from this very process.
    const { stdout: out } = await promisify(execFile)(process.execPath, [
      CLI,
      "status",
      `--dataDir=${t.dataDir}`,
    ]);
    expect(out).toMatch(/^mode: full/);
    expect(out).toMatch(/ready\s+shop\/checkout-/);
    await expect(
      startLocalStack(localStackConfigSchema.parse({ dataDir: t.dataDir }), silentLogger()),
    ).rejects.toThrow(/already runs/);
  });
});

describe.skipIf(skip)("local stack in degraded mode", () => {
  it("runs the demo on loopback addresses without cgroups, namespaces or eBPF, and says what is missing", async () => {
    const t = await startStackForTest({ mode: "degraded" });
    const pids = t.pids();
    try {
      expect(t.stack.capabilities).toMatchObject({ mode: "degraded", ebpf: false });
      expect(t.progress.join("")).toContain("degraded: degraded mode requested");
      expect(t.stack.urls.otlpGrpc).toMatch(/^http:\/\/127\.0\.0\.1:/);
      const pods = t.stack.status().pods;
      expect(pods).toHaveLength(5);
      expect(pods.every((p) => p.ready && /^127\.0\.1\.\d+$/.test(p.ip))).toBe(true);
      const { agents } = await api<{ agents: { ebpf: boolean; connected: boolean }[] }>(t.stack, "/agents");
      expect(agents).toMatchObject([{ ebpf: false, connected: true }]);
      expect(await control(t, "POST", "/faults/loss", "{}")).toMatchObject({
        status: 503,
        body: { error: { code: "CW_UNAVAILABLE" } },
      });
      expect(existsSync("/sys/class/net/causeway0")).toBe(false);
    } finally {
      await t.cleanup();
    }
    expect(leftovers(t.stack, pids)).toEqual([]);
  });
});

describe.skipIf(skip)("local stack after a crash", () => {
  it("removes the processes, cgroups and namespaces a SIGKILLed run left behind, at the next start", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "causeway-crash-"));
    const ports = {
      vm: await findFreePort(),
      kube: await findFreePort(),
      grpc: await findFreePort(),
      http: await findFreePort(),
      otlpGrpc: await findFreePort(),
      otlpHttp: await findFreePort(),
      agent: await findFreePort(),
      control: await findFreePort(),
    };
    const flags = [
      `--dataDir=${dataDir}`,
      `--victoriaMetrics.listenAddress=127.0.0.1:${ports.vm}`,
      `--kubeSim.port=${ports.kube}`,
      `--mediator.grpcPort=${ports.grpc}`,
      `--mediator.httpPort=${ports.http}`,
      `--mediator.otlpGrpcPort=${ports.otlpGrpc}`,
      `--mediator.otlpHttpPort=${ports.otlpHttp}`,
      `--agent.metricsPort=${ports.agent}`,
      `--control.port=${ports.control}`,
      `--node.cgroupRoot=${TEST_CGROUP_ROOT}`,
    ];
    const first = spawn(process.execPath, [CLI, "start", ...flags], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    first.stdout.on("data", (c: Buffer) => (output += c.toString()));
    first.stderr.on("data", (c: Buffer) => (output += c.toString()));
    try {
      await waitFor(() => output.includes("Causeway local stack is up") || undefined, {
        what: `the first run to be up:\n${output}`,
        timeoutMs: 120_000,
        intervalMs: 250,
      });
      const registry = JSON.parse(readFileSync(join(dataDir, "run", "processes.json"), "utf8")) as {
        pid: number;
      }[];
      const podPids = cgroupTreePids(join(memoryRoot(), TEST_CGROUP_ROOT));
      expect(podPids.length).toBeGreaterThanOrEqual(5);
      first.kill("SIGKILL");
      await new Promise((r) => first.once("exit", r));
      const orphans = [...registry.map((e) => e.pid), ...podPids].filter((pid) => existsSync(`/proc/${pid}`));
      expect(orphans.length).toBeGreaterThanOrEqual(10);
      expect(existsSync("/sys/class/net/causeway0")).toBe(true);

      const progress: string[] = [];
      const config = localStackConfigSchema.parse({
        dataDir,
        victoriaMetrics: { listenAddress: `127.0.0.1:${ports.vm}` },
        kubeSim: { port: ports.kube },
        mediator: {
          grpcPort: ports.grpc,
          httpPort: ports.http,
          otlpGrpcPort: ports.otlpGrpc,
          otlpHttpPort: ports.otlpHttp,
        },
        agent: { metricsPort: ports.agent },
        control: { port: ports.control },
        node: { cgroupRoot: TEST_CGROUP_ROOT },
        demo: { enabled: false },
      });
      const second = await startLocalStack(config, silentLogger(), { write: (s) => void progress.push(s) });
      try {
        const note = progress.find((l) => l.includes("removed leftovers of a previous run")) ?? "";
        expect(note).toContain("process kube-sim");
        expect(note).toContain(`cgroups ${TEST_CGROUP_ROOT}`);
        expect(note).toMatch(/netns causeway-/);
        expect(note).toContain("bridge causeway0");
        for (const pid of orphans) expect(existsSync(`/proc/${pid}`)).toBe(false);
      } finally {
        const pids = [...second.componentPids];
        await second.stop();
        expect(leftovers(second, pids)).toEqual([]);
      }
    } finally {
      if (first.exitCode === null) first.kill("SIGKILL");
      await rm(dataDir, { recursive: true, force: true });
    }
  });
});
