import { type Entity, type Relation } from "@causeway/protocol";
import { describe, expect, it } from "vitest";
import { TopologyDiffer, relationKey, type TopologySnapshot } from "./topology-diff.js";

const entity = (id: string, attributes: Record<string, string> = {}): Entity => ({
  id,
  kind: id.split("/")[0] ?? "",
  name: id,
  namespace: "",
  attributes,
});
const snap = (entities: Entity[], relations: Relation[] = []): TopologySnapshot => ({
  entities: new Map(entities.map((e) => [e.id, e])),
  relations: new Map(relations.map((r) => [relationKey(r), r])),
});

describe("TopologyDiffer", () => {
  it("sends a full snapshot, then only changes, then nothing", () => {
    const d = new TopologyDiffer();
    const runsOn: Relation = { fromId: "pod/a/p", toId: "node/n", type: "runs-on", attributes: {} };
    const first = d.diff(snap([entity("node/n"), entity("pod/a/p", { uid: "1" })], [runsOn]), true);
    expect(first).toMatchObject({ fullSnapshot: true, deleteEntityIds: [] });
    expect(first?.upsertEntities).toHaveLength(2);
    expect(d.diff(snap([entity("node/n"), entity("pod/a/p", { uid: "1" })], [runsOn]))).toBeUndefined();
    const changed = d.diff(snap([entity("node/n"), entity("pod/a/q")]));
    expect(changed).toMatchObject({
      fullSnapshot: false,
      upsertEntities: [{ id: "pod/a/q" }],
      deleteEntityIds: ["pod/a/p"],
      deleteRelations: [{ fromId: "pod/a/p", toId: "node/n", type: "runs-on" }],
    });
    expect(d.diff(snap([entity("node/n", { cpu_cores: "4" }), entity("pod/a/q")]))?.upsertEntities).toEqual([
      entity("node/n", { cpu_cores: "4" }),
    ]);
  });
});
