// The local kubelet against kube-sim on this machine's kernel: pods bound to the external node run
// as real processes in real cgroups (kubelet layout, limits from the spec) and network namespaces;
// OOM kills, crash loops, deletion and clean-up are reported through the API as a kubelet would.
import { existsSync, readFileSync, readdirSync, readlinkSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import {
  ImageStore,
  KubeClient,
  LocalKubelet,
  PodNetwork,
  detectCgroupHierarchies,
  hierarchyRoots,
  removeCgroupTree,
  removeNetworkLeftovers,
  type KubeObject,
} from "@causeway/local-stack";
import { createLogger } from "@causeway/runtime";
import { checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const NODE = "local-kubelet-test";
const CGROUP_ROOT = `causeway-kubelet-test-${process.pid}`;
const skip = skipUnless("local kubelet", checkRoot());

describe.skipIf(skip)("local kubelet", () => {
  let sim: RunningKubeSim;
  let kube: KubeClient;
  let kubelet: LocalKubelet;
  let dir: string;
  const h = detectCgroupHierarchies();

  beforeAll(async () => {
    await removeNetworkLeftovers();
    dir = await mkdtemp(join(tmpdir(), "causeway-kubelet-"));
    sim = await startKubeSim({ https: true });
    kube = new KubeClient({ url: sim.url, token: sim.adminToken, ca: sim.caCert as string });
    await kube.post("/api/v1/namespaces", { apiVersion: "v1", kind: "Namespace", metadata: { name: "t" } });
    const images = new ImageStore();
    images.add("test/sh", ["sh", "-c"], "TEST_VERSION");
    const network = new PodNetwork("10.250.0.0/24");
    await network.setUp();
    kubelet = new LocalKubelet({
      kube,
      nodeName: NODE,
      hierarchies: h,
      network,
      podCidr: network.cidr,
      cgroupRoot: CGROUP_ROOT,
      logDir: join(dir, "pods"),
      images,
      backoff: { initialMs: 1500, maxMs: 6000, resetAfterMs: 600_000 },
      deadCgroupRetentionMs: 100,
      maxGracePeriodMs: 2000,
      log: createLogger({ component: "kubelet-test", level: process.env.TEST_LOG ?? "silent" }),
    });
    await kubelet.registerNode();
    kubelet.start();
  });

  afterAll(async () => {
    await kubelet?.stop();
    await sim?.close();
    await removeNetworkLeftovers();
    await rm(dir, { recursive: true, force: true });
  });

  const pod = (name: string, script: string, resources: KubeObject = {}, extra: KubeObject = {}) =>
    kube.post("/api/v1/namespaces/t/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "t", labels: { app: name } },
      spec: {
        nodeName: NODE,
        terminationGracePeriodSeconds: 1,
        containers: [{ name: "app", image: "test/sh:1", args: [script], resources, ...extra }],
      },
    });
  const get = (name: string) => kube.get(`/api/v1/namespaces/t/pods/${name}`);

  it("registers the node as external and Ready", async () => {
    const node = await kube.get(`/api/v1/nodes/${NODE}`);
    expect(node.metadata.labels["kube-sim.causeway.dev/external"]).toBe("true");
    expect(node.status.conditions.find((c: KubeObject) => c.type === "Ready").status).toBe("True");
  });

  it("runs a pod in its cgroups with the spec's limits, in its own network namespace, reachable at its IP", async () => {
    await pod(
      "web",
      `test -n "$POD_NAME"; exec node -e 'require("http").createServer((q, s) => s.end("ok")).listen(8080, process.env.POD_IP)'`,
      { limits: { memory: "64Mi", cpu: "250m" }, requests: { cpu: "100m" } },
      {
        env: [
          { name: "POD_NAME", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
          { name: "POD_IP", valueFrom: { fieldRef: { fieldPath: "status.podIP" } } },
        ],
        readinessProbe: { httpGet: { path: "/", port: 8080 }, periodSeconds: 1 },
      },
    );
    const web = await waitFor(
      async () => {
        const p = await get("web");
        return p.status?.containerStatuses?.[0]?.ready === true ? p : undefined;
      },
      { what: "web to be Ready", timeoutMs: 20_000 },
    );
    expect(web.status.phase).toBe("Running");
    expect(web.status.qosClass).toBe("Burstable");
    const id = String(web.status.containerStatuses[0].containerID).replace("containerd://", "");
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const rel = `${CGROUP_ROOT}/kubepods/burstable/pod${web.metadata.uid}/${id}`;
    for (const r of hierarchyRoots(h)) expect(existsSync(join(r, rel)), join(r, rel)).toBe(true);
    const memDir = join((h.pureV2 ? h.v2 : h.memory) as string, rel);
    const limit = readFileSync(join(memDir, h.pureV2 ? "memory.max" : "memory.limit_in_bytes"), "utf8");
    expect(Number(limit)).toBe(64 * 1024 * 1024);
    const pid = Number(readFileSync(join(memDir, "cgroup.procs"), "utf8").trim().split("\n")[0]);
    expect(readlinkSync(`/proc/${pid}/ns/net`)).not.toBe(readlinkSync("/proc/self/ns/net"));
    const res = await fetch(`http://${web.status.podIP}:8080/`);
    expect(res.status).toBe(200);
    expect(web.status.podIP).toMatch(/^10\.250\.0\.\d+$/);
  });

  it("reports an OOM kill as OOMKilled (137) in lastState and restarts the container", async () => {
    await pod("oom", `exec node -e 'const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))'`, {
      limits: { memory: "48Mi" },
    });
    const oom = await waitFor(
      async () => {
        const p = await get("oom");
        const s = p.status?.containerStatuses?.[0];
        return s?.lastState?.terminated?.reason === "OOMKilled" && s.state.running ? s : undefined;
      },
      { what: "an OOMKilled last state and a new container running", timeoutMs: 30_000 },
    );
    expect(oom.lastState.terminated.exitCode).toBe(137);
    expect(oom.restartCount).toBeGreaterThanOrEqual(1);
    expect(oom.containerID).not.toBe(oom.lastState.terminated.containerID);
  });

  it("backs off restarts of a crashing container (CrashLoopBackOff)", async () => {
    await pod("crash", "sleep 0.2; exit 3");
    const s = await waitFor(
      async () => {
        const c = (await get("crash")).status?.containerStatuses?.[0];
        return c?.state?.waiting?.reason === "CrashLoopBackOff" ? c : undefined;
      },
      { what: "CrashLoopBackOff", timeoutMs: 20_000 },
    );
    expect(s.lastState.terminated).toMatchObject({ exitCode: 3, reason: "Error" });
    expect(s.restartCount).toBeGreaterThanOrEqual(2);
  });

  it("deletes a pod: processes, cgroups and network namespace go, then the object", async () => {
    const web = await get("web");
    const uid = String(web.metadata.uid);
    await kube.delete("/api/v1/namespaces/t/pods/web");
    await waitFor(async () => (await kube.find("/api/v1/namespaces/t/pods/web")) === undefined, {
      what: "web to be deleted",
      timeoutMs: 15_000,
    });
    for (const r of hierarchyRoots(h))
      expect(existsSync(join(r, `${CGROUP_ROOT}/kubepods/burstable/pod${uid}`))).toBe(false);
    expect(existsSync(`/run/netns/causeway-${uid.replace(/-/g, "").slice(0, 8)}`)).toBe(false);
  });

  it("stops every pod and leaves no process or pod cgroup behind", async () => {
    await pod("sleeper", "exec sleep 600");
    const sleeper = await waitFor(
      () => [...kubelet.workers.values()].find((w) => w.pod.metadata.name === "sleeper")?.runners[0]?.pid,
      { what: "the sleeper to run" },
    );
    const pids = [sleeper, ...[...kubelet.workers.values()].flatMap((w) => w.runners.map((r) => r.pid))];
    await kubelet.stop();
    for (const pid of pids) if (pid !== undefined) expect(existsSync(`/proc/${pid}`)).toBe(false);
    for (const r of hierarchyRoots(h)) {
      const burstable = join(r, CGROUP_ROOT, "kubepods/burstable");
      expect(existsSync(burstable) ? readdirSync(burstable).filter((d) => d.startsWith("pod")) : []).toEqual(
        [],
      );
    }
    expect(removeCgroupTree(h, CGROUP_ROOT)).toEqual([]);
    for (const r of hierarchyRoots(h)) expect(existsSync(join(r, CGROUP_ROOT))).toBe(false);
  });
});
