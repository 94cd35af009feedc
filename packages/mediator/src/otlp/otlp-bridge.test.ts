import { describe, expect, it } from "vitest";
import { IpIndex } from "../graph/ip-index.js";
import { TopologyGraph } from "../graph/topology-graph.js";
import { SymptomStore } from "../symptoms/symptom-store.js";
import { OtlpBridge } from "./otlp-bridge.js";

describe("OtlpBridge", () => {
  it("resolves a sender's IP, by time, to the service selecting its pod or else its top workload", () => {
    const graph = new TopologyGraph();
    const ips = new IpIndex();
    const k = "kubernetes";
    graph.upsertRelation(k, { fromId: "service/shop/cart", toId: "pod/shop/cart-1", type: "selects" });
    graph.upsertRelation(k, {
      fromId: "pod/shop/worker-1",
      toId: "replicaset/shop/worker-7d",
      type: "member-of",
    });
    graph.upsertRelation(k, {
      fromId: "replicaset/shop/worker-7d",
      toId: "deployment/shop/worker",
      type: "member-of",
    });
    ips.assign("pod/shop/cart-1", "10.0.0.1", 1000);
    ips.release("pod/shop/cart-1", 2000);
    ips.assign("pod/shop/worker-1", "10.0.0.1", 3000);
    ips.assign("service/shop/cart", "10.96.0.1", 0);
    const bridge = new OtlpBridge({ graph, symptoms: new SymptomStore(), ips });
    expect(bridge.resolvePeer("10.0.0.1", 1500)).toEqual({ namespace: "shop", name: "cart" });
    expect(bridge.resolvePeer("::ffff:10.0.0.1", 3500)).toEqual({ namespace: "shop", name: "worker" });
    expect(bridge.resolvePeer("10.96.0.1", 3500)).toEqual({ namespace: "shop", name: "cart" });
    expect(bridge.resolvePeer("10.9.9.9", 3500)).toBeUndefined();
  });

  it("adds call edges as `calls` relations and service symptoms to the store", () => {
    const graph = new TopologyGraph();
    const symptoms = new SymptomStore();
    const bridge = new OtlpBridge({ graph, symptoms, ips: new IpIndex() });
    bridge.onEdge({
      fromId: "service/shop/web",
      toId: "external/api.example.com:443",
      from: { namespace: "shop", name: "web" },
      to: undefined,
      address: "api.example.com:443",
    });
    expect(graph.getEntity("service/shop/web")).toMatchObject({ kind: "service", sources: ["otlp"] });
    expect(graph.getEntity("external/api.example.com:443")?.kind).toBe("external");
    expect(graph.targets("service/shop/web", "calls")).toEqual(["external/api.example.com:443"]);
    bridge.onSymptom({
      entityId: "service/shop/web",
      type: "high_error_rate",
      active: true,
      sinceUnixMs: 5,
      evidenceSummary: "12% errors",
      evidence: { requests: 100, errors: 12 },
    });
    expect(symptoms.get("service/shop/web", "high_error_rate", "otlp")).toMatchObject({
      active: true,
      sinceUnixMs: 5,
    });
  });
});
