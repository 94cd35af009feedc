import { describe, expect, it } from "vitest";
import { GraphModel, filterMask, searchEntities } from "./graph-model.js";

const entities = [
  { id: "node/n1", kind: "node", name: "n1", namespace: "" },
  { id: "pod/shop/checkout-1", kind: "pod", name: "checkout-1", namespace: "shop" },
  { id: "pod/shop/cart-1", kind: "pod", name: "cart-1", namespace: "shop" },
  { id: "service/shop/checkout", kind: "service", name: "checkout", namespace: "shop" },
  { id: "pod/ops/checkout-tool", kind: "pod", name: "checkout-tool", namespace: "ops" },
];

describe("GraphModel", () => {
  it("indexes entities and keeps only relations between loaded entities, once each", () => {
    const model = GraphModel.build(
      [...entities, { id: "node/n1", kind: "node", name: "n1-renamed", namespace: "" }],
      [
        { fromId: "pod/shop/checkout-1", toId: "node/n1", type: "runs-on" },
        { fromId: "pod/shop/checkout-1", toId: "node/n1", type: "runs-on" },
        { fromId: "service/shop/checkout", toId: "pod/shop/checkout-1", type: "selects" },
        { fromId: "pod/shop/cart-1", toId: "node/gone", type: "runs-on" },
      ],
    );
    expect(model.size).toBe(5);
    expect(model.names[model.indexOf.get("node/n1") as number]).toBe("n1-renamed");
    expect(model.edgeCount).toBe(2);
    expect(model.danglingRelations).toBe(1);
    expect(model.edgeTypes).toEqual(["runs-on", "selects"]);
    expect(model.namespaceList()).toEqual(["", "ops", "shop"]);
    expect(model.kindCounts()).toEqual([
      { kind: "node", count: 1 },
      { kind: "pod", count: 3 },
      { kind: "service", count: 1 },
    ]);
  });

  it("filters by namespace and kind", () => {
    const model = GraphModel.build(entities, []);
    expect([...filterMask(model, {})]).toEqual([1, 1, 1, 1, 1]);
    expect([...filterMask(model, { namespace: "shop" })]).toEqual([0, 1, 1, 1, 0]);
    expect([...filterMask(model, { namespace: "" })]).toEqual([1, 0, 0, 0, 0]);
    expect([...filterMask(model, { kinds: new Set(["pod"]) })]).toEqual([0, 1, 1, 0, 1]);
    expect([...filterMask(model, { namespace: "shop", kinds: new Set(["service"]) })]).toEqual([
      0, 0, 0, 1, 0,
    ]);
  });

  it("finds by name, exact then prefix then substring, case-insensitively", () => {
    const model = GraphModel.build(entities, []);
    const names = (q: string, mask?: Uint8Array) =>
      searchEntities(model, q, 10, mask).map((i) => model.names[i]);
    expect(names("CHECKOUT")).toEqual(["checkout", "checkout-1", "checkout-tool"]);
    expect(names("art")).toEqual(["cart-1"]);
    expect(names("  ")).toEqual([]);
    expect(names("ops/")).toEqual(["checkout-tool"]);
    expect(names("checkout", filterMask(model, { namespace: "ops" }))).toEqual(["checkout-tool"]);
  });
});
