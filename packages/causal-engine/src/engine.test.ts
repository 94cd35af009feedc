import { describe, expect, it } from "vitest";
import { CausalEngine } from "./engine.js";
import { SHOP, shopTopology } from "./testing/shop-topology.js";
import { type SymptomInput } from "./root-cause.js";

const T0 = 1_700_000_000_000;

function loaded(options: ConstructorParameters<typeof CausalEngine>[0] = {}): CausalEngine {
  const engine = new CausalEngine({ now: () => T0, ...options });
  const t = shopTopology();
  engine.applyTopologyDelta({ upsertEntities: t.entities, upsertRelations: t.relations });
  return engine;
}

const on = (
  entityId: string,
  type: string,
  sinceUnixMs = T0,
  evidence?: Record<string, number>,
): SymptomInput => ({
  entityId,
  type,
  active: true,
  sinceUnixMs,
  ...(evidence ? { evidence } : {}),
});

describe("CausalEngine", () => {
  it("ranks an OOM-killed container's memory limit first, with explanation and a memory proposal", () => {
    const engine = loaded();
    engine.applySymptoms([
      on(SHOP.checkoutApp, "oom_killed", T0 + 1000, { limit_bytes: 268435456, peak_bytes: 268435456 }),
      on(SHOP.checkoutApp, "memory_near_limit", T0),
      on(SHOP.checkoutPod, "oom_killed_last_state", T0 + 2000),
      on(SHOP.checkoutService, "high_error_rate", T0 + 3000),
    ]);
    const report = engine.rootCauses();
    const top = report.rootCauses[0];
    expect(top?.id).toBe(`container_memory_limit_too_low:${SHOP.checkoutApp}`);
    expect(top?.primary).toBe(true);
    expect(top?.rank).toBe(1);
    expect(top?.confidence).toBeGreaterThan(0.8);
    expect(top?.entity).toEqual({ id: SHOP.checkoutApp, kind: "container", name: "app", namespace: "shop" });
    expect(top?.explained.map((s) => s.type).sort()).toEqual(
      ["high_error_rate", "memory_near_limit", "oom_killed", "oom_killed_last_state"].sort(),
    );
    expect(top?.startedUnixMs).toBe(T0);
    expect(top?.firstSeenUnixMs).toBe(T0);
    expect(top?.remediation?.change).toEqual({
      action: "set-resources",
      target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
      container: "app",
      resources: { limits: { memory: "384Mi" } },
    });
    expect(top?.explanation).toContain("shop/checkout-7d9f8-ax0/app");
    expect(report.unexplainedCount).toBe(0);
    expect(JSON.parse(JSON.stringify(report))).toEqual(report);
  });
});
