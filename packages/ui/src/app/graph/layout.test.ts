import { describe, expect, it } from "vitest";
import { GraphModel, filterMask, type TopologyEntity, type TopologyRelation } from "./graph-model.js";
import { CELL_SIZE, computeLayout } from "./layout.js";

function cluster(namespaces: number, deploymentsPer: number, podsPer: number) {
  const entities: TopologyEntity[] = [{ id: "node/n1", kind: "node", name: "n1", namespace: "" }];
  const relations: TopologyRelation[] = [];
  for (let n = 0; n < namespaces; n++) {
    const ns = `ns-${n}`;
    for (let d = 0; d < deploymentsPer; d++) {
      const dep = `deployment/${ns}/d${d}`;
      const rs = `replicaset/${ns}/d${d}-1`;
      entities.push({ id: dep, kind: "deployment", name: `d${d}`, namespace: ns });
      entities.push({ id: rs, kind: "replicaset", name: `d${d}-1`, namespace: ns });
      relations.push({ fromId: rs, toId: dep, type: "member-of" });
      for (let p = 0; p < podsPer; p++) {
        const pod = `pod/${ns}/d${d}-1-${p}`;
        const c = `container/${ns}/d${d}-1-${p}/app`;
        const proc = `process/n1/${n}-${d}-${p}/1`;
        entities.push({ id: pod, kind: "pod", name: `d${d}-1-${p}`, namespace: ns });
        entities.push({ id: c, kind: "container", name: "app", namespace: ns });
        entities.push({ id: proc, kind: "process", name: "java", namespace: "" });
        relations.push({ fromId: pod, toId: rs, type: "member-of" });
        relations.push({ fromId: pod, toId: "node/n1", type: "runs-on" });
        relations.push({ fromId: c, toId: pod, type: "part-of" });
        relations.push({ fromId: proc, toId: c, type: "runs-on" });
      }
    }
  }
  return { entities, relations };
}

function positions(model: GraphModel, layout: ReturnType<typeof computeLayout>) {
  const out = new Map<string, [number, number]>();
  model.ids.forEach((id, i) => out.set(id, [layout.x[i] as number, layout.y[i] as number]));
  return out;
}

describe("computeLayout", () => {
  it("places every entity once, on distinct cells, inside its namespace's box", () => {
    const { entities, relations } = cluster(3, 4, 3);
    const model = GraphModel.build(entities, relations);
    const layout = computeLayout(model);
    expect(layout.placed).toBe(model.size);
    const cells = new Set<string>();
    for (let i = 0; i < model.size; i++) {
      const x = layout.x[i] as number;
      const y = layout.y[i] as number;
      expect(Number.isFinite(x) && Number.isFinite(y)).toBe(true);
      cells.add(`${Math.floor(x / CELL_SIZE)},${Math.floor(y / CELL_SIZE)}`);
    }
    expect(cells.size).toBe(model.size);
    expect(layout.groups.map((g) => g.key)).toEqual(["", "ns-0", "ns-1", "ns-2"]);
    expect(layout.groups[0]?.label).toBe("cluster-scoped");
    const inside = (id: string, key: string) => {
      const [x, y] = positions(model, layout).get(id) as [number, number];
      const g = layout.groups.find((b) => b.key === key);
      return !!g && x > g.x && x < g.x + g.width && y > g.y && y < g.y + g.height;
    };
    expect(inside("pod/ns-1/d2-1-0", "ns-1")).toBe(true);
    expect(inside("node/n1", "")).toBe(true);
    // A process is cluster-scoped in the data but drawn inside its container's namespace.
    expect(inside("process/n1/1-2-1/1", "ns-1")).toBe(true);
    // Group counts cover what is drawn inside them.
    expect(layout.groups.reduce((s, g) => s + g.count, 0)).toBe(model.size);
    expect(layout.groups.find((g) => g.key === "ns-0")?.count).toBe(4 * 2 + 4 * 3 * 3);
  });

  it("nests children below their parent: deployment over replica set over pods over containers over processes", () => {
    const { entities, relations } = cluster(1, 1, 3);
    const model = GraphModel.build(entities, relations);
    const p = positions(model, computeLayout(model));
    const y = (id: string) => (p.get(id) as [number, number])[1];
    expect(y("deployment/ns-0/d0")).toBeLessThan(y("replicaset/ns-0/d0-1"));
    expect(y("replicaset/ns-0/d0-1")).toBeLessThan(y("pod/ns-0/d0-1-0"));
    expect(y("pod/ns-0/d0-1-0")).toBeLessThan(y("container/ns-0/d0-1-0/app"));
    expect(y("container/ns-0/d0-1-0/app")).toBeLessThan(y("process/n1/0-0-0/1"));
    // Siblings share a row, in name order.
    expect(y("pod/ns-0/d0-1-0")).toBe(y("pod/ns-0/d0-1-2"));
    expect((p.get("pod/ns-0/d0-1-0") as [number, number])[0]).toBeLessThan(
      (p.get("pod/ns-0/d0-1-2") as [number, number])[0],
    );
  });

  it("is deterministic and independent of input order", () => {
    const { entities, relations } = cluster(2, 3, 2);
    const a = GraphModel.build(entities, relations);
    const b = GraphModel.build([...entities].reverse(), [...relations].reverse());
    const pa = positions(a, computeLayout(a));
    const pb = positions(b, computeLayout(b));
    for (const [id, xy] of pa) expect(pb.get(id), id).toEqual(xy);
  });

  it("lays out only what the filter keeps, compactly", () => {
    const { entities, relations } = cluster(3, 4, 3);
    const model = GraphModel.build(entities, relations);
    const all = computeLayout(model);
    const mask = filterMask(model, { namespace: "ns-1", kinds: new Set(["pod", "container"]) });
    const some = computeLayout(model, mask);
    expect(some.placed).toBe(4 * 3 * 2);
    for (let i = 0; i < model.size; i++) expect(Number.isFinite(some.x[i] as number)).toBe(mask[i] === 1);
    expect(some.groups.map((g) => g.key)).toEqual(["ns-1"]);
    expect(some.width * some.height).toBeLessThan(all.width * all.height);
  });

  it("survives cycles and self-relations in the nesting relations", () => {
    const entities: TopologyEntity[] = [
      { id: "pod/a/x", kind: "pod", name: "x", namespace: "a" },
      { id: "pod/a/y", kind: "pod", name: "y", namespace: "a" },
      { id: "pod/a/z", kind: "pod", name: "z", namespace: "a" },
    ];
    const relations: TopologyRelation[] = [
      { fromId: "pod/a/x", toId: "pod/a/y", type: "member-of" },
      { fromId: "pod/a/y", toId: "pod/a/z", type: "member-of" },
      { fromId: "pod/a/z", toId: "pod/a/x", type: "member-of" },
      { fromId: "pod/a/x", toId: "pod/a/x", type: "part-of" },
    ];
    const model = GraphModel.build(entities, relations);
    const layout = computeLayout(model);
    expect(layout.placed).toBe(3);
  });

  it("lays out 10,000 entities quickly", () => {
    const { entities, relations } = cluster(20, 25, 6);
    const model = GraphModel.build(entities, relations);
    expect(model.size).toBeGreaterThan(10_000);
    const layout = computeLayout(model);
    expect(layout.placed).toBe(model.size);
    // Not a speed assertion (bench:ui measures); a guard against an accidental quadratic.
    const started = performance.now();
    computeLayout(model);
    expect(performance.now() - started).toBeLessThan(2000);
  });
});
