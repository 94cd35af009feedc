/* eslint-disable @typescript-eslint/no-explicit-any -- free-form API objects in assertions */
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { generateCluster } from "./generator.js";
import { TYPES, startKubeSim, type RunningKubeSim } from "./index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim({});
});
afterAll(async () => {
  await sim?.close();
});

describe("cluster generator", () => {
  it("fills the store with a consistent, already reconciled cluster", async () => {
    await waitFor(() => sim.controllers?.pending === 0, { what: "start-up reconciles" });
    const result = generateCluster(sim.server, { nodes: 40, pods: 1200, seed: 7 }, sim.controllers);
    expect(result).toMatchObject({ nodes: 40, pods: 1200, namespaces: 3 });
    const store = sim.server.store;
    expect(store.count(TYPES.nodes)).toBe(40);
    expect(store.count(TYPES.pods)).toBe(1200);
    expect(store.count(TYPES.deployments)).toBe(result.deployments);
    const nodes = new Set(store.list(TYPES.nodes).map((n) => n.metadata.name));
    const ips = new Set<string>();
    const perNode = new Map<string, number>();
    for (const p of store.list(TYPES.pods) as any[]) {
      expect(nodes.has(p.spec.nodeName)).toBe(true);
      expect(p.status.phase).toBe("Running");
      ips.add(p.status.podIP);
      perNode.set(p.spec.nodeName, (perNode.get(p.spec.nodeName) ?? 0) + 1);
      const rs = store.get(
        TYPES.replicaSets,
        p.metadata.namespace,
        p.metadata.ownerReferences[0].name,
      ) as any;
      expect(rs.metadata.uid).toBe(p.metadata.ownerReferences[0].uid);
    }
    expect(ips.size).toBe(1200);
    expect(Math.max(...perNode.values())).toBeLessThanOrEqual(110);
    const endpoints = (store.list(TYPES.endpointSlices) as any[]).reduce((n, s) => n + s.endpoints.length, 0);
    expect(endpoints).toBe(1200);

    // The controllers agree with it: a full resync changes nothing.
    const before = store.revision;
    sim.controllers?.resyncAll();
    await waitFor(() => sim.controllers?.pending === 0, { what: "resync" });
    expect(store.revision).toBe(before);
  });

  it("is reproducible for a seed, and refuses sizes beyond the Kubernetes limits", async () => {
    const other = await startKubeSim({ controllers: false });
    try {
      generateCluster(other.server, { nodes: 40, pods: 1200, seed: 7 });
      const names = (s: RunningKubeSim) => s.server.store.list(TYPES.pods).map((p) => p.metadata.name);
      expect(names(other)).toEqual(names(sim));
      expect(() => generateCluster(other.server, { nodes: 5001, pods: 0 })).toThrow(RangeError);
      expect(() => generateCluster(other.server, { nodes: 1, pods: 111 })).toThrow(RangeError);
    } finally {
      await other.close();
    }
  });
});
