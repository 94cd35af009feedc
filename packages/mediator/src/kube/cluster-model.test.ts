import { describe, expect, it } from "vitest";
import { IpIndex } from "../graph/ip-index.js";
import { TopologyGraph } from "../graph/topology-graph.js";
import { SymptomStore } from "../symptoms/symptom-store.js";
import { ClusterModel, KUBERNETES_SOURCE } from "./cluster-model.js";
import {
  parseQuantity,
  slimEndpointSlice,
  slimHpa,
  slimNode,
  slimPod,
  slimService,
  slimWorkload,
} from "./slim.js";

const T0 = Date.parse("2026-01-01T00:00:00Z");

function setup(windows = {}) {
  let now = T0;
  const graph = new TopologyGraph({ clock: () => now });
  const symptoms = new SymptomStore({ clock: () => now });
  const ips = new IpIndex();
  const model = new ClusterModel({
    graph,
    symptoms,
    ips,
    clock: () => now,
    windows: {
      podPendingAfterMs: 30_000,
      oomKilledWindowMs: 60_000,
      rolloutWindowMs: 120_000,
      unavailableReplicasAfterMs: 0,
      ...windows,
    },
  });
  const active = (id: string) =>
    symptoms
      .list({ entityId: id, active: true })
      .map((s) => s.type)
      .sort();
  return { graph, symptoms, ips, model, active, advance: (ms: number) => (now += ms), now: () => now };
}

const iso = (ms: number) => new Date(ms).toISOString();

function pod(
  name: string,
  extra: {
    node?: string;
    ip?: string;
    phase?: string;
    uid?: string;
    statuses?: unknown[];
    conditions?: unknown[];
    created?: number;
  } = {},
) {
  return slimPod({
    apiVersion: "v1",
    kind: "Pod",
    metadata: {
      name,
      namespace: "shop",
      uid: extra.uid ?? `uid-${name}`,
      resourceVersion: "1",
      creationTimestamp: iso(extra.created ?? T0),
      labels: { app: "cart", "pod-template-hash": "7d9f8" },
      ownerReferences: [
        { apiVersion: "apps/v1", kind: "ReplicaSet", name: "cart-7d9f8", uid: "rs-uid", controller: true },
      ],
    },
    spec: {
      nodeName: extra.node,
      containers: [
        {
          name: "app",
          image: "shop/cart:1.2",
          resources: { limits: { memory: "512Mi", cpu: "500m" }, requests: { memory: "256Mi", cpu: "0.25" } },
          env: [{ name: "HUGE", value: "x".repeat(1000) }],
        },
        { name: "sidecar", image: "envoy:1" },
      ],
    },
    status: {
      phase: extra.phase ?? "Running",
      podIP: extra.ip,
      conditions: extra.conditions ?? [{ type: "Ready", status: "True" }],
      containerStatuses: extra.statuses ?? [],
    },
  });
}

describe("slim objects", () => {
  it("keep only what the mediator reads", () => {
    const p = pod("cart-1", { node: "n1", ip: "10.1.0.4" });
    expect(JSON.stringify(p)).not.toContain("HUGE");
    expect(p.metadata.labels).toBeUndefined();
    expect(p.containers[0]).toEqual({
      name: "app",
      image: "shop/cart:1.2",
      limits: { memory: "512Mi", cpu: "500m" },
      requests: { memory: "256Mi", cpu: "0.25" },
    });
  });

  it("parse quantities", () => {
    expect(parseQuantity("512Mi")).toBe(512 * 1024 * 1024);
    expect(parseQuantity("500m")).toBe(0.5);
    expect(parseQuantity("1.5G")).toBe(1.5e9);
    expect(parseQuantity("2")).toBe(2);
    expect(parseQuantity("lots")).toBeUndefined();
  });
});

describe("ClusterModel", () => {
  it("builds node → pod → containers, owners and the attributes the causal engine reads", () => {
    const { graph, model } = setup();
    model.apply(
      "node",
      "upsert",
      slimNode({
        metadata: { name: "n1", uid: "node-uid", creationTimestamp: iso(T0) },
        status: { conditions: [{ type: "Ready", status: "True" }], capacity: { cpu: "4", memory: "16Gi" } },
      }),
    );
    model.apply("pod", "upsert", pod("cart-1", { node: "n1", ip: "10.1.0.4" }));
    const p = graph.getEntity("pod/shop/cart-1");
    expect(p?.attributes).toMatchObject({
      uid: "uid-cart-1",
      created_unix_ms: String(T0),
      pod_ip: "10.1.0.4",
      node_name: "n1",
      phase: "Running",
    });
    expect(graph.targets("pod/shop/cart-1", "runs-on")).toEqual(["node/n1"]);
    expect(graph.targets("pod/shop/cart-1", "member-of")).toEqual(["replicaset/shop/cart-7d9f8"]);
    expect(graph.sourcesOf("pod/shop/cart-1", "part-of").sort()).toEqual([
      "container/shop/cart-1/app",
      "container/shop/cart-1/sidecar",
    ]);
    expect(graph.getEntity("container/shop/cart-1/app")?.attributes).toEqual({
      image: "shop/cart:1.2",
      memory_limit_bytes: String(512 * 1024 * 1024),
      memory_request_bytes: String(256 * 1024 * 1024),
      cpu_limit_millicores: "500",
      cpu_request_millicores: "250",
    });
    expect(graph.getEntity("node/n1")?.attributes).toMatchObject({
      cpu_capacity_millicores: "4000",
      memory_capacity_bytes: String(16 * 2 ** 30),
    });
    model.apply("pod", "delete", pod("cart-1", { node: "n1" }));
    expect(graph.hasEntity("pod/shop/cart-1")).toBe(false);
    expect(graph.hasEntity("container/shop/cart-1/app")).toBe(false);
  });

  it("joins services to pods through endpoint slices and tracks pod IPs by time", () => {
    const { graph, model, ips, advance, now } = setup();
    model.apply("pod", "upsert", pod("cart-1", { node: "n1", ip: "10.1.0.4" }));
    model.apply("pod", "upsert", pod("cart-2", { node: "n1", ip: "10.1.0.5" }));
    model.apply(
      "service",
      "upsert",
      slimService({
        metadata: { name: "cart", namespace: "shop", uid: "svc" },
        spec: { clusterIP: "10.96.0.10", type: "ClusterIP" },
      }),
    );
    const slice = (name: string, pods: string[]) =>
      slimEndpointSlice({
        metadata: { name, namespace: "shop", uid: name, labels: { "kubernetes.io/service-name": "cart" } },
        endpoints: pods.map((p) => ({
          addresses: ["x"],
          targetRef: { kind: "Pod", name: p, namespace: "shop" },
        })),
      });
    model.apply("endpointslice", "upsert", slice("cart-a", ["cart-1"]));
    model.apply("endpointslice", "upsert", slice("cart-b", ["cart-2"]));
    expect(graph.targets("service/shop/cart", "selects").sort()).toEqual([
      "pod/shop/cart-1",
      "pod/shop/cart-2",
    ]);
    model.apply("endpointslice", "delete", slice("cart-b", ["cart-2"]));
    expect(graph.targets("service/shop/cart", "selects")).toEqual(["pod/shop/cart-1"]);
    expect(ips.resolve("10.96.0.10", now())).toBe("service/shop/cart");
    const seen = now();
    advance(1000);
    model.apply("pod", "delete", pod("cart-1"));
    advance(1000);
    model.apply("pod", "upsert", pod("cart-9", { node: "n1", ip: "10.1.0.4" }));
    expect(ips.resolve("10.1.0.4", seen)).toBe("pod/shop/cart-1");
    expect(ips.resolve("10.1.0.4", now())).toBe("pod/shop/cart-9");
  });

  it("derives pod symptoms and clears them", () => {
    const { model, active, advance } = setup();
    model.apply(
      "pod",
      "upsert",
      pod("p", {
        phase: "Pending",
        conditions: [{ type: "PodScheduled", status: "False", reason: "Unschedulable" }],
      }),
    );
    expect(active("pod/shop/p")).toEqual(["pod_unschedulable"]);
    advance(31_000);
    model.tick();
    expect(active("pod/shop/p")).toEqual(["pod_pending", "pod_unschedulable"]);
    const crashing = [
      {
        name: "app",
        restartCount: 5,
        ready: false,
        state: { waiting: { reason: "CrashLoopBackOff" } },
        lastState: { terminated: { reason: "OOMKilled", finishedAt: iso(T0 + 30_000) } },
      },
    ];
    model.apply("pod", "upsert", pod("p", { statuses: crashing }));
    expect(active("pod/shop/p")).toEqual(["crash_loop_backoff", "oom_killed_last_state"]);
    model.apply(
      "pod",
      "upsert",
      pod("p", {
        statuses: [
          { name: "app", restartCount: 5, ready: false, state: { waiting: { reason: "ImagePullBackOff" } } },
        ],
      }),
    );
    expect(active("pod/shop/p")).toEqual(["image_pull_backoff"]);
    model.apply(
      "pod",
      "upsert",
      pod("p", {
        statuses: [
          {
            name: "app",
            restartCount: 5,
            ready: true,
            state: { running: {} },
            lastState: { terminated: { reason: "OOMKilled", finishedAt: iso(T0 + 30_000) } },
          },
        ],
      }),
    );
    expect(active("pod/shop/p")).toEqual(["oom_killed_last_state"]);
    advance(60_000);
    model.tick();
    expect(active("pod/shop/p")).toEqual([]);
  });

  it("derives node, deployment, rollout and HPA symptoms", () => {
    const { model, active, advance, graph, symptoms } = setup();
    const node = (ready: string, memory: string) =>
      slimNode({
        metadata: { name: "n1", uid: "u" },
        status: {
          conditions: [
            { type: "Ready", status: ready, reason: "KubeletNotReady" },
            { type: "MemoryPressure", status: memory },
          ],
        },
      });
    model.apply("node", "upsert", node("False", "True"));
    expect(active("node/n1")).toEqual(["node_memory_pressure", "node_not_ready"]);
    model.apply("node", "upsert", node("True", "False"));
    expect(active("node/n1")).toEqual([]);
    expect(symptoms.list({ entityId: "node/n1", active: false })).toHaveLength(2);

    const deployment = (unavailable: number) =>
      slimWorkload({
        kind: "Deployment",
        metadata: { name: "cart", namespace: "shop", uid: "d" },
        spec: { replicas: 3 },
        status: { unavailableReplicas: unavailable, availableReplicas: 3 - unavailable },
      });
    model.apply("deployment", "upsert", deployment(2));
    expect(active("deployment/shop/cart")).toEqual(["deployment_unavailable_replicas"]);
    expect(graph.getEntity("deployment/shop/cart")?.attributes.replicas).toBe("3");
    model.apply("deployment", "upsert", deployment(0));
    expect(active("deployment/shop/cart")).toEqual([]);

    const rs = (name: string, revision: string, created: number) =>
      slimWorkload({
        kind: "ReplicaSet",
        metadata: {
          name,
          namespace: "shop",
          uid: name,
          creationTimestamp: iso(created),
          annotations: { "deployment.kubernetes.io/revision": revision },
          ownerReferences: [{ kind: "Deployment", name: "cart", uid: "d" }],
        },
        spec: { replicas: 3 },
      });
    model.apply("replicaset", "upsert", rs("cart-old", "1", T0 - 3_600_000));
    expect(active("deployment/shop/cart")).toEqual([]);
    model.apply("replicaset", "upsert", rs("cart-new", "2", T0));
    expect(active("deployment/shop/cart")).toEqual(["recent_rollout"]);
    expect(graph.getEntity("replicaset/shop/cart-new")?.attributes.revision).toBe("2");
    expect(graph.targets("replicaset/shop/cart-new", "member-of")).toEqual(["deployment/shop/cart"]);
    advance(120_000);
    model.tick();
    expect(active("deployment/shop/cart")).toEqual([]);

    const hpa = (current: number) =>
      slimHpa({
        metadata: { name: "cart", namespace: "shop", uid: "h" },
        spec: { scaleTargetRef: { kind: "Deployment", name: "cart" }, minReplicas: 1, maxReplicas: 5 },
        status: { currentReplicas: current, desiredReplicas: current },
      });
    model.apply("hpa", "upsert", hpa(5));
    expect(active("hpa/shop/cart")).toEqual(["hpa_at_max"]);
    expect(graph.targets("hpa/shop/cart", "scales")).toEqual(["deployment/shop/cart"]);
    expect(graph.getEntity("hpa/shop/cart")?.attributes).toMatchObject({
      max_replicas: "5",
      current_replicas: "5",
    });
    model.apply("hpa", "upsert", hpa(3));
    expect(active("hpa/shop/cart")).toEqual([]);
  });

  it("after a relist removes Kubernetes entities that were deleted while not watching", () => {
    const { graph, model } = setup();
    model.apply("pod", "upsert", pod("gone", { node: "n1" }));
    model.apply("pod", "upsert", pod("kept", { node: "n1" }));
    graph.upsertEntity("agent:a", { id: "pod/shop/gone", kind: "pod", name: "gone", namespace: "shop" });
    model.beginResync("pod");
    model.apply("pod", "upsert", pod("kept", { node: "n1" }));
    expect(model.endResync("pod")).toBe(3);
    expect(graph.hasEntity("pod/shop/kept")).toBe(true);
    // Still reported by an agent: only the Kubernetes source is withdrawn.
    expect(graph.getEntity("pod/shop/gone")?.sources).toEqual(["agent:a"]);
    expect(graph.hasEntity("container/shop/gone/app")).toBe(false);
  });

  it("treats a pod name reused with a new UID as a new incarnation", () => {
    const { graph, model, symptoms } = setup();
    model.apply(
      "pod",
      "upsert",
      pod("db-0", {
        uid: "one",
        statuses: [
          { name: "app", restartCount: 3, ready: false, state: { waiting: { reason: "CrashLoopBackOff" } } },
        ],
      }),
    );
    expect(symptoms.get("pod/shop/db-0", "crash_loop_backoff", KUBERNETES_SOURCE)?.active).toBe(true);
    model.apply("pod", "upsert", pod("db-0", { uid: "two" }));
    // The old incarnation's late delete does not remove the new one.
    model.apply("pod", "delete", pod("db-0", { uid: "one" }));
    expect(graph.getEntity("pod/shop/db-0")?.attributes.uid).toBe("two");
    expect(symptoms.get("pod/shop/db-0", "crash_loop_backoff", KUBERNETES_SOURCE)?.active).toBe(false);
  });
});
