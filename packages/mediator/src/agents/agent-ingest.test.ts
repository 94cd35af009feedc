import { describe, expect, it } from "vitest";
import { IpIndex } from "../graph/ip-index.js";
import { TopologyGraph } from "../graph/topology-graph.js";
import { SymptomStore } from "../symptoms/symptom-store.js";
import { AgentIngest, parseExternalId } from "./agent-ingest.js";

const calls = (seq: number, createdUnixMs: number, toId: string, fullSnapshot = false) => ({
  seq,
  createdUnixMs,
  body: {
    $case: "topology" as const,
    value: {
      upsertEntities: [{ id: toId, kind: "external", name: toId.slice(9), namespace: "", attributes: {} }],
      deleteEntityIds: [],
      upsertRelations: [{ fromId: "pod/a/client", toId, type: "calls", attributes: {} }],
      deleteRelations: [],
      fullSnapshot,
    },
  },
});

describe("AgentIngest", () => {
  it("parses external ids", () => {
    expect(parseExternalId("external/10.0.0.1:80")).toEqual({ ip: "10.0.0.1", port: "80" });
    expect(parseExternalId("external/[fd00::1]:443")).toEqual({ ip: "fd00::1", port: "443" });
    expect(parseExternalId("external/fd00::1:443")).toEqual({ ip: "fd00::1", port: "443" });
    expect(parseExternalId("pod/a/b")).toBeUndefined();
  });

  it("resolves a connection's remote IP to the pod that held it when the agent saw it", () => {
    const graph = new TopologyGraph();
    const ips = new IpIndex();
    const ingest = new AgentIngest({ graph, symptoms: new SymptomStore(), ips });
    ips.assign("pod/a/old", "10.1.0.7", 1000);
    ips.release("pod/a/old", 2000);
    ips.assign("pod/a/new", "10.1.0.7", 3000);
    ingest.apply("n1/x", calls(1, 1500, "external/10.1.0.7:8080"));
    ingest.apply("n1/x", calls(2, 3500, "external/10.1.0.7:8080"));
    ingest.apply("n1/x", calls(3, 3500, "external/93.184.216.34:443"));
    expect(graph.targets("pod/a/client", "calls").sort()).toEqual([
      "external/93.184.216.34:443",
      "pod/a/new",
      "pod/a/old",
    ]);
    expect(graph.getRelation("pod/a/client", "pod/a/new", "calls")?.attributes.port).toBe("8080");
    expect(graph.hasEntity("external/10.1.0.7:8080")).toBe(false);
    expect(graph.hasEntity("external/93.184.216.34:443")).toBe(true);
    // The agent deletes the relation by the key it sent; the resolved one goes.
    ingest.apply("n1/x", {
      seq: 4,
      createdUnixMs: 4000,
      body: {
        $case: "topology",
        value: {
          upsertEntities: [],
          deleteEntityIds: [],
          upsertRelations: [],
          deleteRelations: [{ fromId: "pod/a/client", toId: "external/10.1.0.7:8080", type: "calls" }],
          fullSnapshot: false,
        },
      },
    });
    expect(graph.targets("pod/a/client", "calls").sort()).toEqual([
      "external/93.184.216.34:443",
      "pod/a/old",
    ]);
    // A full snapshot replaces everything this agent reported.
    ingest.apply("n1/x", calls(5, 5000, "external/93.184.216.34:443", true));
    expect(graph.targets("pod/a/client", "calls")).toEqual(["external/93.184.216.34:443"]);
  });
});
