import { describe, expect, it } from "vitest";
import { TopologyGraph } from "../graph/topology-graph.js";
import { SymptomStore } from "../symptoms/symptom-store.js";
import { CausalEngineAdapter } from "./causal-engine-adapter.js";

function cluster(): { graph: TopologyGraph; symptoms: SymptomStore } {
  const graph = new TopologyGraph();
  const k = "kubernetes";
  graph.upsertEntity(k, { id: "node/n1", kind: "node", name: "n1" });
  graph.upsertEntity(k, {
    id: "deployment/shop/cart",
    kind: "deployment",
    name: "cart",
    namespace: "shop",
    attributes: { replicas: "1" },
  });
  graph.upsertEntity(k, {
    id: "replicaset/shop/cart-1",
    kind: "replicaset",
    name: "cart-1",
    namespace: "shop",
    attributes: { revision: "1" },
  });
  graph.upsertEntity(k, {
    id: "pod/shop/cart-1-a",
    kind: "pod",
    name: "cart-1-a",
    namespace: "shop",
    attributes: { node_name: "n1" },
  });
  graph.upsertEntity(k, {
    id: "container/shop/cart-1-a/app",
    kind: "container",
    name: "app",
    namespace: "shop",
    attributes: { memory_limit_bytes: String(256 * 2 ** 20), memory_request_bytes: String(128 * 2 ** 20) },
  });
  graph.upsertRelation(k, {
    fromId: "container/shop/cart-1-a/app",
    toId: "pod/shop/cart-1-a",
    type: "part-of",
  });
  graph.upsertRelation(k, { fromId: "pod/shop/cart-1-a", toId: "node/n1", type: "runs-on" });
  graph.upsertRelation(k, { fromId: "pod/shop/cart-1-a", toId: "replicaset/shop/cart-1", type: "member-of" });
  graph.upsertRelation(k, {
    fromId: "replicaset/shop/cart-1",
    toId: "deployment/shop/cart",
    type: "member-of",
  });
  return { graph, symptoms: new SymptomStore() };
}

describe("CausalEngineAdapter", () => {
  it("ranks root causes from the live graph and merged symptoms, and follows changes", () => {
    const { graph, symptoms } = cluster();
    const adapter = new CausalEngineAdapter();
    // A symptom present before start is seeded.
    symptoms.set("agent:n1/a", {
      entityId: "container/shop/cart-1-a/app",
      type: "oom_killed",
      active: true,
      evidence: { limit_bytes: 268435456 },
    });
    adapter.start({ graph, symptoms });
    symptoms.set("agent:n1/a", {
      entityId: "container/shop/cart-1-a/app",
      type: "memory_near_limit",
      active: true,
    });
    symptoms.set("kubernetes", {
      entityId: "pod/shop/cart-1-a",
      type: "oom_killed_last_state",
      active: true,
    });
    const report = adapter.report();
    expect(report.activeSymptoms).toBe(3);
    const top = report.rootCauses[0];
    expect(top).toMatchObject({
      type: "container_memory_limit_too_low",
      entityId: "container/shop/cart-1-a/app",
      primary: true,
    });
    expect(top?.remediation?.change).toMatchObject({ action: "set-resources" });
    expect(adapter.report()).toBe(adapter.report());

    // Two sources report one symptom: it stays active for the engine until both clear it.
    symptoms.set("kubernetes", { entityId: "container/shop/cart-1-a/app", type: "oom_killed", active: true });
    symptoms.set("agent:n1/a", {
      entityId: "container/shop/cart-1-a/app",
      type: "oom_killed",
      active: false,
    });
    expect(adapter.report().activeSymptoms).toBe(3);
    symptoms.set("kubernetes", {
      entityId: "container/shop/cart-1-a/app",
      type: "oom_killed",
      active: false,
    });
    expect(adapter.report().activeSymptoms).toBe(2);

    // Graph changes reach the engine: without the container, its symptoms wait for it.
    graph.removeEntity("container/shop/cart-1-a/app");
    expect(adapter.report().rootCauses.some((r) => r.entityId === "container/shop/cart-1-a/app")).toBe(false);
    adapter.stop();
  });
});
