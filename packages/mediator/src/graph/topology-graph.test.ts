import { describe, expect, it } from "vitest";
import { TopologyGraph, type GraphChange } from "./topology-graph.js";
import { IpIndex } from "./ip-index.js";

describe("TopologyGraph", () => {
  it("keeps an entity while any source reports it and merges attributes", () => {
    const g = new TopologyGraph();
    g.upsertEntity("kubernetes", {
      id: "pod/a/p",
      kind: "pod",
      name: "p",
      namespace: "a",
      attributes: { uid: "u1" },
    });
    g.upsertEntity("agent:n1", {
      id: "pod/a/p",
      kind: "pod",
      name: "p",
      namespace: "a",
      attributes: { cgroup: "x" },
    });
    expect(g.getEntity("pod/a/p")?.attributes).toEqual({ uid: "u1", cgroup: "x" });
    expect(g.getEntity("pod/a/p")?.sources).toEqual(["kubernetes", "agent:n1"]);
    g.deleteEntity("kubernetes", "pod/a/p");
    expect(g.hasEntity("pod/a/p")).toBe(true);
    g.deleteEntity("agent:n1", "pod/a/p");
    expect(g.hasEntity("pod/a/p")).toBe(false);
    expect(g.idsOfKind("pod").size).toBe(0);
    expect(g.idsInNamespace("a").size).toBe(0);
  });

  it("replaces attributes for a sole source, removes incident relations with an entity, and emits changes", () => {
    const g = new TopologyGraph();
    const changes: string[] = [];
    g.onChange((c: GraphChange) => changes.push(c.op));
    g.upsertEntity("kubernetes", { id: "node/n", kind: "node", name: "n", attributes: { a: "1", b: "2" } });
    g.upsertEntity(
      "kubernetes",
      { id: "node/n", kind: "node", name: "n", attributes: { a: "1" } },
      { replaceAttributes: true },
    );
    expect(g.getEntity("node/n")?.attributes).toEqual({ a: "1" });
    g.upsertEntity("kubernetes", { id: "pod/x/p", kind: "pod", name: "p", namespace: "x" });
    g.upsertRelation("kubernetes", { fromId: "pod/x/p", toId: "node/n", type: "runs-on" });
    expect(g.targets("pod/x/p", "runs-on")).toEqual(["node/n"]);
    expect(g.sourcesOf("node/n", "runs-on")).toEqual(["pod/x/p"]);
    // Unchanged upserts emit nothing.
    const before = changes.length;
    g.upsertRelation("kubernetes", { fromId: "pod/x/p", toId: "node/n", type: "runs-on" });
    g.upsertEntity("kubernetes", { id: "node/n", kind: "node", name: "n", attributes: { a: "1" } });
    expect(changes.length).toBe(before);
    g.removeEntity("node/n");
    expect(g.relationCount).toBe(0);
    expect(g.incoming("node/n")).toHaveLength(0);
    expect(changes).toEqual([
      "upsert-entity",
      "upsert-entity",
      "upsert-entity",
      "upsert-relation",
      "delete-relation",
      "delete-entity",
    ]);
  });

  it("sets a source's relations of one type to exactly a list, leaving others' alone", () => {
    const g = new TopologyGraph();
    g.upsertRelation("agent:a", { fromId: "service/s/web", toId: "pod/s/p1", type: "selects" });
    g.setRelations("kubernetes", "service/s/web", "selects", ["pod/s/p1", "pod/s/p2"]);
    expect(g.targets("service/s/web", "selects").sort()).toEqual(["pod/s/p1", "pod/s/p2"]);
    g.setRelations("kubernetes", "service/s/web", "selects", []);
    expect(g.targets("service/s/web", "selects")).toEqual(["pod/s/p1"]);
    expect(g.getRelation("service/s/web", "pod/s/p1", "selects")?.sources).toEqual(["agent:a"]);
  });

  it("indexes what each non-Kubernetes source reports", () => {
    const g = new TopologyGraph();
    g.upsertEntity("agent:a", { id: "process/n/1/2", kind: "process", name: "x" });
    g.upsertEntity("kubernetes", { id: "node/n", kind: "node", name: "n" });
    g.upsertRelation("agent:a", { fromId: "process/n/1/2", toId: "node/n", type: "runs-on" });
    const r = g.reportedBy("agent:a");
    expect(r.entityIds).toEqual(["process/n/1/2"]);
    expect(r.relations.map((x) => x.toId)).toEqual(["node/n"]);
    g.deleteRelation("agent:a", "process/n/1/2", "node/n", "runs-on");
    g.deleteEntity("agent:a", "process/n/1/2");
    expect(g.reportedBy("agent:a")).toEqual({ entityIds: [], relations: [] });
    expect(g.reportedBy("kubernetes").entityIds).toEqual(["node/n"]);
  });
});

describe("IpIndex", () => {
  it("resolves a reused pod IP by the time it was seen", () => {
    const ips = new IpIndex();
    ips.assign("pod/a/old", "10.0.0.5", 1000);
    ips.release("pod/a/old", 5000);
    ips.assign("pod/a/new", "10.0.0.5", 6000);
    expect(ips.resolve("10.0.0.5", 2000)).toBe("pod/a/old");
    expect(ips.resolve("10.0.0.5", 5500)).toBeUndefined();
    expect(ips.resolve("10.0.0.5", 7000)).toBe("pod/a/new");
    expect(ips.ipOf("pod/a/new")).toBe("10.0.0.5");
    // A new holder without a seen release ends the old tenure.
    ips.assign("pod/a/third", "10.0.0.5", 9000);
    expect(ips.resolve("10.0.0.5", 8000)).toBe("pod/a/new");
    expect(ips.resolve("10.0.0.5", 9500)).toBe("pod/a/third");
  });

  it("forgets ended tenures after the retention", () => {
    const ips = new IpIndex({ retentionMs: 1000 });
    ips.assign("pod/a/p", "10.0.0.9", 0);
    ips.release("pod/a/p", 100);
    ips.prune(500);
    expect(ips.resolve("10.0.0.9", 50)).toBe("pod/a/p");
    ips.prune(2000);
    expect(ips.resolve("10.0.0.9", 50)).toBeUndefined();
    expect(ips.size).toBe(0);
  });
});
