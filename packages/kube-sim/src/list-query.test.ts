import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeSim, type RunningKubeSim } from "./index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ controllers: false, watchHistorySize: 10 });
  sim.server.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "l" } });
  // Inserted out of order: lists come back sorted by name anyway.
  for (const i of [...Array(25).keys()].reverse())
    sim.server.seed({
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: {
        name: `cm-${String(i).padStart(2, "0")}`,
        namespace: "l",
        labels: { even: String(i % 2 === 0) },
      },
    });
});
afterAll(async () => {
  await sim?.close();
});

const get = async (path: string) => {
  const res = await fetch(`${sim.url}${path}`, { headers: { authorization: `Bearer ${sim.adminToken}` } });
  return { status: res.status, body: (await res.json()) as Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- API objects
};

describe("list", () => {
  it("pages with limit and continue from one resourceVersion, sorted, with remainingItemCount", async () => {
    const names: string[] = [];
    let cont = "";
    const rvs = new Set<string>();
    const remaining: number[] = [];
    do {
      const page = await get(`/api/v1/namespaces/l/configmaps?limit=10${cont ? `&continue=${cont}` : ""}`);
      expect(page.status).toBe(200);
      names.push(...page.body.items.map((i: { metadata: { name: string } }) => i.metadata.name));
      rvs.add(page.body.metadata.resourceVersion);
      if (page.body.metadata.remainingItemCount !== undefined)
        remaining.push(page.body.metadata.remainingItemCount);
      cont = page.body.metadata.continue ?? "";
      // A write between pages does not change the pages' resourceVersion.
      sim.server.seed({
        apiVersion: "v1",
        kind: "Secret",
        metadata: { name: `s-${names.length}`, namespace: "l" },
      });
    } while (cont);
    expect(names).toEqual([...Array(25).keys()].map((i) => `cm-${String(i).padStart(2, "0")}`));
    expect(rvs.size).toBe(1);
    expect(remaining).toEqual([15, 5]);
  });

  it("filters by label and field selectors and rejects unsupported field labels", async () => {
    const even = await get(
      "/api/v1/namespaces/l/configmaps?labelSelector=even%3Dtrue,even%20notin%20(false)",
    );
    expect(even.body.items).toHaveLength(13);
    const one = await get("/api/v1/configmaps?fieldSelector=metadata.name%3Dcm-03,metadata.namespace%3Dl");
    expect(one.body.items.map((i: { metadata: { name: string } }) => i.metadata.name)).toEqual(["cm-03"]);
    const bad = await get("/api/v1/configmaps?fieldSelector=spec.nodeName%3Dx");
    expect(bad).toMatchObject({
      status: 400,
      body: { reason: "BadRequest", message: "field label not supported: spec.nodeName" },
    });
    const badLabel = await get("/api/v1/configmaps?labelSelector=a%3D%3D%3Db");
    expect(badLabel.status).toBe(400);
  });

  it("expires a continue token older than the event window (410), and refuses a malformed one (400)", async () => {
    const first = await get("/api/v1/namespaces/l/configmaps?limit=5");
    for (let i = 0; i < 12; i++)
      sim.server.seed({
        apiVersion: "v1",
        kind: "ConfigMap",
        metadata: { name: `late-${i}`, namespace: "l" },
      });
    const stale = await get(
      `/api/v1/namespaces/l/configmaps?limit=5&continue=${first.body.metadata.continue}`,
    );
    expect(stale).toMatchObject({ status: 410, body: { kind: "Status", reason: "Expired", code: 410 } });
    expect((await get("/api/v1/namespaces/l/configmaps?limit=5&continue=garbage")).status).toBe(400);
  });

  it("serves Tables to clients that ask for them, as kubectl get does", async () => {
    const res = await fetch(`${sim.url}/api/v1/namespaces/l/configmaps?limit=2`, {
      headers: {
        authorization: `Bearer ${sim.adminToken}`,
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      },
    });
    const table = (await res.json()) as {
      kind: string;
      columnDefinitions: { name: string }[];
      rows: { cells: unknown[]; object: { kind: string } }[];
      metadata: { continue?: string };
    };
    expect(table.kind).toBe("Table");
    expect(table.columnDefinitions.map((c) => c.name)).toEqual(["Name", "Data", "Age"]);
    expect(table.rows[0]?.cells.slice(0, 2)).toEqual(["cm-00", 0]);
    expect(table.rows[0]?.object.kind).toBe("PartialObjectMetadata");
    expect(table.metadata.continue).toBeTruthy();
  });
});
