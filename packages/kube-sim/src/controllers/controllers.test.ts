/* eslint-disable @typescript-eslint/no-explicit-any -- free-form API objects in assertions */
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EXTERNAL_NODE_LABEL, FAULT_API_PATH, TYPES, startKubeSim, type RunningKubeSim } from "../index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ controllers: { crashLoopRestartMs: 100, kubeletTickMs: 20, jobPodRunMs: 50 } });
  sim.server.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "app" } });
  for (const name of ["n1", "n2"]) sim.server.seed({ apiVersion: "v1", kind: "Node", metadata: { name } });
  sim.server.seed({
    apiVersion: "v1",
    kind: "Node",
    metadata: { name: "ext", labels: { [EXTERNAL_NODE_LABEL]: "true" } },
  });
});
afterAll(async () => {
  await sim?.close();
});

const store = () => sim.server.store;
const pods = (selector: (p: any) => boolean = () => true): any[] =>
  store().list(TYPES.pods, "app").filter(selector);
const get = (type: (typeof TYPES)[keyof typeof TYPES], name: string): any => store().get(type, "app", name);
const node = (name: string): any => store().get(TYPES.nodes, undefined, name);
const settled = () => waitFor(() => sim.controllers?.pending === 0, { what: "controllers to settle" });

const template = (labels: Record<string, string>, extra: Record<string, unknown> = {}) => ({
  metadata: { labels },
  spec: {
    containers: [{ name: "main", image: "app:1", ports: [{ name: "http", containerPort: 8080 }] }],
    ...extra,
  },
});

describe("simulated controllers and kubelet", () => {
  it("initializes nodes and leaves external ones alone", async () => {
    await settled();
    const n1 = node("n1");
    expect(n1.status.conditions.find((c: any) => c.type === "Ready").status).toBe("True");
    expect(n1.spec.podCIDR).toMatch(/^10\.\d+\.\d+\.0\/24$/);
    expect(n1.status.nodeInfo.kubeletVersion).toBe("v1.33.0");
    expect(node("ext").status).toBeUndefined();
  });

  it("runs a Deployment: ReplicaSet with pod-template-hash, Running pods with IPs, EndpointSlices, status", async () => {
    sim.server.seed({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "api", namespace: "app" },
      spec: { replicas: 3, selector: { matchLabels: { app: "api" } }, template: template({ app: "api" }) },
    });
    sim.server.seed({
      apiVersion: "v1",
      kind: "Service",
      metadata: { name: "api", namespace: "app" },
      spec: { selector: { app: "api" }, ports: [{ port: 80, targetPort: "http" }] },
    });
    await waitFor(() => get(TYPES.deployments, "api").status?.availableReplicas === 3, {
      what: "3 available replicas",
    });
    const d = get(TYPES.deployments, "api");
    expect(d.metadata.annotations["deployment.kubernetes.io/revision"]).toBe("1");
    expect(d.status).toMatchObject({
      observedGeneration: 1,
      replicas: 3,
      updatedReplicas: 3,
      readyReplicas: 3,
    });
    expect(d.status.conditions.map((c: any) => `${c.type}=${c.status}/${c.reason}`)).toEqual([
      "Available=True/MinimumReplicasAvailable",
      "Progressing=True/NewReplicaSetAvailable",
    ]);
    const [rs, ...more] = store().list(TYPES.replicaSets, "app") as any[];
    expect(more).toHaveLength(0);
    const hash = rs.metadata.labels["pod-template-hash"];
    expect(rs.metadata.name).toBe(`api-${hash}`);
    expect(rs.metadata.ownerReferences[0]).toMatchObject({
      kind: "Deployment",
      name: "api",
      controller: true,
    });
    const running = pods((p) => p.metadata.labels?.app === "api");
    expect(running).toHaveLength(3);
    const ips = new Set(running.map((p) => p.status.podIP));
    expect(ips.size).toBe(3);
    for (const p of running) {
      expect(p.metadata.name).toMatch(new RegExp(`^api-${hash}-[a-z0-9]{5}$`));
      expect(["n1", "n2"]).toContain(p.spec.nodeName); // never the external node... unless chosen: see below
      expect(p.status.containerStatuses[0]).toMatchObject({
        ready: true,
        restartCount: 0,
        state: { running: {} },
      });
    }
    await settled();
    const slices = store().list(TYPES.endpointSlices, "app") as any[];
    expect(slices).toHaveLength(1);
    expect(slices[0].metadata.labels["kubernetes.io/service-name"]).toBe("api");
    expect(new Set(slices[0].endpoints.map((e: any) => e.addresses[0]))).toEqual(ips);
    expect(slices[0].ports).toEqual([{ name: "", port: 8080, protocol: "TCP" }]);
  });

  it("applies fault hooks: crash loops, OOM kills, image pull failures, node NotReady and pressure", async () => {
    const [victim, oom] = pods((p) => p.metadata.labels?.app === "api").map((p) => p.metadata.name as string);
    const faults = sim.controllers!.faults;
    faults.crashLoop({ namespace: "app", pod: victim as string, exitCode: 2 });
    await waitFor(() => get(TYPES.pods, victim as string).status.containerStatuses[0].restartCount >= 3, {
      what: "restarts",
    });
    const crashing = get(TYPES.pods, victim as string);
    expect(crashing.status.containerStatuses[0]).toMatchObject({
      ready: false,
      state: { waiting: { reason: "CrashLoopBackOff" } },
      lastState: { terminated: { exitCode: 2, reason: "Error" } },
    });
    expect(crashing.status.conditions.find((c: any) => c.type === "Ready").status).toBe("False");
    await waitFor(
      () => {
        const s = store().list(TYPES.endpointSlices, "app")[0] as any;
        return s.endpoints.some((e: any) => e.targetRef.name === victim && e.conditions.ready === false);
      },
      { what: "the endpoint to turn not ready" },
    );
    expect(get(TYPES.deployments, "api").status.availableReplicas).toBe(2);
    const events = store().list(TYPES.events, "app") as any[];
    expect(
      events.some((e) => e.reason === "BackOff" && e.type === "Warning" && e.involvedObject.name === victim),
    ).toBe(true);

    faults.oomKill({ namespace: "app", pod: oom as string });
    await waitFor(() => get(TYPES.pods, oom as string).status.containerStatuses[0].restartCount === 1, {
      what: "OOM restart",
    });
    expect(get(TYPES.pods, oom as string).status.containerStatuses[0]).toMatchObject({
      ready: true,
      state: { running: {} },
      lastState: { terminated: { exitCode: 137, reason: "OOMKilled" } },
    });

    faults.clearPod("app", victim as string);
    await waitFor(() => get(TYPES.pods, victim as string).status.containerStatuses[0].ready === true, {
      what: "recovery",
    });

    // Over the admin HTTP API, as the local stack does it.
    const post = (body: unknown, token = sim.adminToken) =>
      fetch(`${sim.url}${FAULT_API_PATH}`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify(body),
      });
    expect((await post({ action: "nodeNotReady", node: "n1" })).status).toBe(200);
    await waitFor(
      () => node("n1").status.conditions.find((c: any) => c.type === "Ready").status === "False",
      { what: "NotReady" },
    );
    const n1 = node("n1");
    expect(n1.spec.taints.map((t: any) => `${t.key}:${t.effect}`)).toContain(
      "node.kubernetes.io/not-ready:NoSchedule",
    );
    await waitFor(
      () =>
        pods((p) => p.spec.nodeName === "n1").every(
          (p) => p.status.conditions.find((c: any) => c.type === "Ready").status === "False",
        ),
      { what: "pods on n1 not ready" },
    );
    expect((await post({ action: "nodePressure", node: "n2", condition: "MemoryPressure" })).status).toBe(
      200,
    );
    await waitFor(
      () => node("n2").status.conditions.find((c: any) => c.type === "MemoryPressure").status === "True",
      { what: "pressure" },
    );
    const listed = (await (
      await fetch(`${sim.url}${FAULT_API_PATH}`, { headers: { authorization: `Bearer ${sim.adminToken}` } })
    ).json()) as { items: unknown[] };
    expect(listed.items).toEqual(
      expect.arrayContaining([
        { kind: "NodeNotReady", node: "n1" },
        { kind: "MemoryPressure", node: "n2" },
      ]),
    );
    expect((await post({ action: "explode" })).status).toBe(422);
    const user = sim.createUserToken({ username: "dev", groups: [] });
    expect((await post({ action: "clearAll" }, user)).status).toBe(403);
    expect((await post({ action: "clearAll" })).status).toBe(200);
    await waitFor(() => node("n1").status.conditions.find((c: any) => c.type === "Ready").status === "True", {
      what: "Ready again",
    });
    expect(node("n1").spec.taints).toBeUndefined();
  });

  it("fails image pulls, leaves pods on external nodes to their owner, runs StatefulSets, DaemonSets and Jobs", async () => {
    sim.server.seed({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "bad-image", namespace: "app" },
      spec: { containers: [{ name: "c", image: "registry/does-not-exist:1" }] },
    });
    await waitFor(
      () =>
        get(TYPES.pods, "bad-image").status.containerStatuses?.[0].state.waiting?.reason ===
        "ImagePullBackOff",
      { what: "ImagePullBackOff" },
    );
    expect(get(TYPES.pods, "bad-image").status.phase).toBe("Pending");

    sim.server.seed({
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "on-ext", namespace: "app" },
      spec: { nodeName: "ext", containers: [{ name: "c", image: "i" }] },
    });
    sim.server.seed({
      apiVersion: "apps/v1",
      kind: "StatefulSet",
      metadata: { name: "db", namespace: "app" },
      spec: {
        replicas: 2,
        serviceName: "db",
        selector: { matchLabels: { app: "db" } },
        template: template({ app: "db" }),
      },
    });
    sim.server.seed({
      apiVersion: "apps/v1",
      kind: "DaemonSet",
      metadata: { name: "agent", namespace: "app" },
      spec: { selector: { matchLabels: { app: "agent" } }, template: template({ app: "agent" }) },
    });
    sim.server.seed({
      apiVersion: "batch/v1",
      kind: "Job",
      metadata: { name: "migrate", namespace: "app" },
      spec: { completions: 2, parallelism: 1, template: template({}, { restartPolicy: "Never" }) },
    });
    await waitFor(() => get(TYPES.statefulSets, "db").status?.readyReplicas === 2, {
      what: "StatefulSet ready",
    });
    expect(
      pods((p) => p.metadata.labels?.app === "db")
        .map((p) => p.metadata.name)
        .sort(),
    ).toEqual(["db-0", "db-1"]);
    await waitFor(() => get(TYPES.daemonSets, "agent").status?.numberReady === 2, {
      what: "DaemonSet ready on simulated nodes",
    });
    // One pod per node; the external node's pod is created but left Pending for its owner to run.
    const agents = pods((p) => p.metadata.labels?.app === "agent");
    expect(agents.map((p) => p.spec.nodeName).sort()).toEqual(["ext", "n1", "n2"]);
    expect(agents.find((p) => p.spec.nodeName === "ext").status.phase).toBe("Pending");
    expect(get(TYPES.pods, "on-ext").status.phase).toBe("Pending");
    await waitFor(() => get(TYPES.jobs, "migrate").status?.succeeded === 2, { what: "Job complete" });
    expect(
      get(TYPES.jobs, "migrate").status.conditions.some(
        (c: any) => c.type === "Complete" && c.status === "True",
      ),
    ).toBe(true);
  });

  it("rolls out a template change to a new ReplicaSet, scales the old one down, and garbage-collects on delete", async () => {
    const d = get(TYPES.deployments, "api");
    d.spec.template.spec.containers[0].image = "app:2";
    await fetch(`${sim.url}/apis/apps/v1/namespaces/app/deployments/api`, {
      method: "PUT",
      headers: { authorization: `Bearer ${sim.adminToken}`, "content-type": "application/json" },
      body: JSON.stringify(d),
    });
    await waitFor(
      () => {
        const now = get(TYPES.deployments, "api");
        return (
          now.status.observedGeneration === 2 &&
          now.status.updatedReplicas === 3 &&
          now.status.replicas === 3 &&
          now.status.availableReplicas === 3
        );
      },
      { what: "rollout to app:2" },
    );
    const sets = store().list(TYPES.replicaSets, "app") as any[];
    expect(
      sets
        .map((rs) => [rs.metadata.annotations["deployment.kubernetes.io/revision"], rs.spec.replicas])
        .sort(),
    ).toEqual([
      ["1", 0],
      ["2", 3],
    ]);
    await settled();
    expect(
      pods((p) => p.metadata.labels?.app === "api").every((p) => p.spec.containers[0].image === "app:2"),
    ).toBe(true);

    await fetch(`${sim.url}/apis/apps/v1/namespaces/app/deployments/api`, {
      method: "DELETE",
      headers: { authorization: `Bearer ${sim.adminToken}` },
    });
    await waitFor(() => pods((p) => p.metadata.labels?.app === "api").length === 0, { what: "pods gone" });
    expect(store().list(TYPES.replicaSets, "app")).toHaveLength(0);
  });

  it("keeps an HPA's target within its bounds and reports when it is at its maximum", async () => {
    sim.server.seed({
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "web", namespace: "app" },
      spec: { replicas: 5, selector: { matchLabels: { app: "web" } }, template: template({ app: "web" }) },
    });
    sim.server.seed({
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "app" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 2,
        maxReplicas: 4,
      },
    });
    await waitFor(
      () =>
        get(TYPES.deployments, "web").status?.availableReplicas === 4 &&
        get(TYPES.hpas, "web").status?.currentReplicas === 4,
      { what: "scaled to the maximum" },
    );
    const hpa = get(TYPES.hpas, "web");
    expect(hpa.status).toMatchObject({ currentReplicas: 4, desiredReplicas: 4 });
    expect(hpa.status.conditions.find((c: any) => c.type === "ScalingLimited")).toMatchObject({
      status: "True",
      reason: "TooManyReplicas",
    });
  });

  it("settles: with faults active and time passing, a full resync writes nothing", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const quiet = await startKubeSim({ clock: () => now, controllers: { kubeletTickMs: 10_000 } });
    try {
      quiet.server.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "q" } });
      for (const name of ["a", "b"])
        quiet.server.seed({ apiVersion: "v1", kind: "Node", metadata: { name } });
      quiet.server.seed({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "d", namespace: "q" },
        spec: { replicas: 2, selector: { matchLabels: { app: "d" } }, template: template({ app: "d" }) },
      });
      quiet.server.seed({
        apiVersion: "v1",
        kind: "Service",
        metadata: { name: "d", namespace: "q" },
        spec: { selector: { app: "d" }, ports: [{ port: 80 }] },
      });
      const settle = () => waitFor(() => quiet.controllers?.pending === 0, { what: "settled" });
      await settle();
      await waitFor(
        () => (quiet.server.store.get(TYPES.deployments, "q", "d") as any)?.status?.availableReplicas === 2,
        { what: "available" },
      );
      quiet.controllers?.faults.nodeNotReady("a");
      quiet.controllers?.faults.nodePressure("b", "DiskPressure");
      await settle();
      const before = quiet.server.store.revision;
      now += 10_000;
      quiet.controllers?.resyncAll();
      await settle();
      expect(quiet.server.store.revision).toBe(before);
    } finally {
      await quiet.close();
    }
  });
});
