import { describe, expect, it } from "vitest";
import { RootCauseClearedCheck } from "./symptom-cleared.js";

const target = { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" };
const oom = (pod: string) => ({
  id: `container_memory_limit_too_low:container/shop/${pod}/app`,
  type: "container_memory_limit_too_low",
  remediation: { change: { action: "set-resources", target } },
});

describe("RootCauseClearedCheck", () => {
  it("clears once the root cause and its successors on the same workload are gone for stableMs", async () => {
    let now = 0;
    let causes: unknown[] = [oom("checkout-1")];
    const check = new RootCauseClearedCheck({
      fetchJson: (path) =>
        Promise.resolve(
          path === "/api/v1/rootcauses"
            ? { rootCauses: causes }
            : { rootCauseId: oom("checkout-1").id, change: { action: "set-resources", target } },
        ),
      stableMs: 10_000,
      clock: () => now,
    });
    expect(await check.cleared("r-1")).toBe(false);
    causes = [oom("checkout-2")]; // the fix did not help: the new pod is OOM-killed too
    expect(await check.cleared("r-1")).toBe(false);
    causes = [{ id: "node_cpu_pressure:node/a", type: "node_cpu_pressure" }];
    expect(await check.cleared("r-1")).toBe(false);
    now = 9_999;
    expect(await check.cleared("r-1")).toBe(false);
    now = 10_000;
    expect(await check.cleared("r-1")).toBe(true);
    causes = [oom("checkout-3")];
    expect(await check.cleared("r-1")).toBe(false);
  });

  it("takes the mediator's own judgement when it reports one, and never clears without a root cause", async () => {
    const check = (body: unknown) =>
      new RootCauseClearedCheck({ fetchJson: () => Promise.resolve(body), stableMs: 0 }).cleared("r");
    expect(await check({ symptomCleared: true })).toBe(true);
    expect(await check({ symptomCleared: false, rootCauseId: "x:y" })).toBe(false);
    expect(await check({})).toBe(false);
  });
});
