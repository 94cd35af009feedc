import { describe, expect, it } from "vitest";
import { TopologyGraph } from "../graph/topology-graph.js";
import { parseTopologyQuery, queryTopology } from "./topology-query.js";

function graph(): TopologyGraph {
  const g = new TopologyGraph();
  g.upsertEntity("kubernetes", { id: "node/n1", kind: "node", name: "n1" });
  for (let i = 0; i < 25; i++) {
    const ns = i % 2 === 0 ? "a" : "b";
    const pod = `pod/${ns}/p${String(i).padStart(2, "0")}`;
    g.upsertEntity("kubernetes", { id: pod, kind: "pod", name: `p${i}`, namespace: ns });
    g.upsertRelation("kubernetes", { fromId: pod, toId: "node/n1", type: "runs-on" });
    const c = `container/${ns}/p${String(i).padStart(2, "0")}/app`;
    g.upsertEntity("kubernetes", { id: c, kind: "container", name: "app", namespace: ns });
    g.upsertRelation("kubernetes", { fromId: c, toId: pod, type: "part-of" });
  }
  return g;
}

describe("queryTopology", () => {
  it("pages a filtered listing with continue tokens, each relation once", () => {
    const g = graph();
    const seen: string[] = [];
    let relations = 0;
    let token: string | undefined;
    do {
      const page = queryTopology(
        g,
        parseTopologyQuery(
          new URLSearchParams({
            kind: "pod,container",
            namespace: "a",
            limit: "5",
            ...(token ? { continue: token } : {}),
          }),
        ),
      );
      expect(page.total).toBe(26);
      seen.push(...page.entities.map((e) => e.id));
      relations += page.relations.length;
      token = page.continue;
    } while (token);
    expect(seen).toHaveLength(26);
    expect(new Set(seen).size).toBe(26);
    expect(seen.every((id) => id.split("/")[1] === "a")).toBe(true);
    expect(relations).toBe(26);
  });

  it("returns a bounded neighbourhood in both directions", () => {
    const g = graph();
    const one = queryTopology(
      g,
      parseTopologyQuery(new URLSearchParams({ entity: "pod/a/p00", depth: "1" })),
    );
    expect(one.entities.map((e) => e.id).sort()).toEqual(["container/a/p00/app", "node/n1", "pod/a/p00"]);
    expect(one.relations).toHaveLength(2);
    const two = queryTopology(
      g,
      parseTopologyQuery(new URLSearchParams({ entity: "pod/a/p00", depth: "2", limit: "10" })),
    );
    expect(two.entities).toHaveLength(10);
    expect(two.truncated).toBe(true);
    const pods = queryTopology(
      g,
      parseTopologyQuery(new URLSearchParams({ entity: "node/n1", kind: "pod", namespace: "b" })),
    );
    expect(pods.entities.filter((e) => e.kind === "pod")).toHaveLength(12);
  });

  it("refuses bad parameters with CW_BAD_REQUEST and unknown entities with CW_NOT_FOUND", () => {
    const g = graph();
    expect(() => parseTopologyQuery(new URLSearchParams({ limit: "0" }))).toThrow(/limit/);
    expect(() => parseTopologyQuery(new URLSearchParams({ limit: "100000" }))).toThrow(/limit/);
    expect(() => parseTopologyQuery(new URLSearchParams({ depth: "x" }))).toThrow(/depth/);
    expect(() => queryTopology(g, parseTopologyQuery(new URLSearchParams({ continue: "garbage" })))).toThrow(
      /continue/,
    );
    expect(() => queryTopology(g, parseTopologyQuery(new URLSearchParams({ entity: "pod/none/x" })))).toThrow(
      expect.objectContaining({ code: "CW_NOT_FOUND" }),
    );
  });
});
