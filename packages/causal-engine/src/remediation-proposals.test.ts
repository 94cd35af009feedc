import { remediationChangeSchema } from "@causeway/remediation";
import { describe, expect, it } from "vitest";
import { CausalEngine } from "./engine.js";
import { EvalBench } from "./eval/evaluate.js";
import { generateTopology } from "./eval/topology-generator.js";
import { type RootCause, type SymptomInput } from "./root-cause.js";
import { SHOP, shopTopology } from "./testing/shop-topology.js";

const T0 = Date.UTC(2025, 0, 2, 3, 4, 5);
const MIB = 1024 * 1024;

function shop(): CausalEngine {
  const engine = new CausalEngine({ now: () => T0 });
  const t = shopTopology();
  engine.applyTopologyDelta({ upsertEntities: t.entities, upsertRelations: t.relations });
  return engine;
}
const on = (entityId: string, type: string, evidence?: Record<string, number>): SymptomInput => ({
  entityId,
  type,
  active: true,
  sinceUnixMs: T0,
  ...(evidence ? { evidence } : {}),
});
function cause(engine: CausalEngine, id: string): RootCause | undefined {
  return engine.rootCauses().rootCauses.find((r) => r.id === id);
}
const CHECKOUT = { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" };

describe("remediation proposals", () => {
  it("every proposal the engine makes is a valid remediation change", () => {
    const topology = generateTopology({ services: 50, seed: 9 });
    const bench = new EvalBench("proposals", topology.entities, topology.relations);
    const actions = new Map<string, Set<string>>();
    let proposals = 0;
    for (const type of bench.engine.rootCauseTypes)
      for (let k = 0; k < 5; k++) {
        const s = bench.scenario(type, k, 0, 4);
        if (!s) continue;
        bench.rank(s.fault, s.symptoms);
        for (const r of bench.engine.rootCauses().rootCauses) {
          if (!r.remediation) continue;
          proposals++;
          const parsed = remediationChangeSchema.safeParse(r.remediation.change);
          expect(parsed.success, JSON.stringify(r.remediation.change)).toBe(true);
          expect(r.remediation.summary.length).toBeGreaterThan(20);
          let set = actions.get(r.type);
          if (!set) actions.set(r.type, (set = new Set()));
          set.add(r.remediation.change.action);
        }
      }
    expect(proposals).toBeGreaterThan(50);
    expect(actions.get("container_memory_limit_too_low")).toEqual(new Set(["set-resources"]));
    expect(actions.get("container_cpu_limit_too_low")).toEqual(new Set(["set-resources"]));
    expect(actions.get("noisy_neighbour")).toEqual(new Set(["set-resources"]));
    expect(actions.get("bad_rollout")).toEqual(new Set(["rollout-undo"]));
    expect(actions.get("under_provisioned")).toEqual(new Set(["scale"]));
    expect(actions.get("pod_crash_looping")).toEqual(new Set(["delete-pod"]));
    expect(actions.get("node_disk_pressure")).toEqual(new Set(["cordon"]));
    expect(actions.get("service_malfunction")).toEqual(new Set(["rollout-restart"]));
    expect(actions.has("network_loss_pod")).toBe(false);
    expect(actions.has("external_dependency_failure")).toBe(false);
  });

  it("raises a memory limit by half, or to a quarter above the observed peak when that is more", () => {
    const engine = shop();
    const id = `container_memory_limit_too_low:${SHOP.checkoutApp}`;
    engine.applySymptoms([on(SHOP.checkoutApp, "oom_killed"), on(SHOP.checkoutApp, "memory_near_limit")]);
    // No evidence: the container's memory_limit_bytes attribute (256Mi).
    expect(cause(engine, id)?.remediation?.change).toEqual({
      action: "set-resources",
      target: CHECKOUT,
      container: "app",
      resources: { limits: { memory: "384Mi" } },
    });
    engine.applySymptom(
      on(SHOP.checkoutApp, "oom_killed", { limit_bytes: 256 * MIB, peak_bytes: 400 * MIB }),
    );
    const r = cause(engine, id)?.remediation;
    expect(r?.change).toMatchObject({ resources: { limits: { memory: "500Mi" } } });
    expect(r?.summary).toContain("from 256Mi to 500Mi");
  });

  it("doubles a throttling CPU limit and caps a noisy neighbour at twice its request", () => {
    const engine = shop();
    engine.applySymptom(on(SHOP.checkoutApp, "cpu_throttled"));
    expect(cause(engine, `container_cpu_limit_too_low:${SHOP.checkoutApp}`)?.remediation?.change).toEqual({
      action: "set-resources",
      target: CHECKOUT,
      container: "app",
      resources: { limits: { cpu: "1000m" } },
    });
    engine.clearSymptoms();
    engine.applySymptoms([
      on(SHOP.checkoutApp, "cpu_usage_high"),
      on("container/shop/frontend-7d9f8-ax0/app", "cpu_congested"),
      on("container/shop/payments-7d9f8-ax0/app", "cpu_congested"),
    ]);
    expect(cause(engine, `noisy_neighbour:${SHOP.checkoutApp}`)?.remediation?.change).toMatchObject({
      container: "app",
      resources: { limits: { cpu: "500m" } },
    });
  });

  it("rolls a bad rollout back to the previous ReplicaSet's revision, and undoes an image pull failure only after a rollout", () => {
    const engine = shop();
    engine.applySymptoms([
      on(SHOP.checkoutDeployment, "recent_rollout"),
      on(SHOP.checkoutService, "high_error_rate"),
    ]);
    const undo = cause(engine, `bad_rollout:${SHOP.checkoutDeployment}`)?.remediation;
    expect(undo?.change).toEqual({ action: "rollout-undo", target: CHECKOUT, toRevision: 3 });
    expect(undo?.summary).toContain("from revision 4 to revision 3");
    engine.clearSymptoms();
    engine.applySymptoms([on(SHOP.checkoutPod, "image_pull_backoff"), on(SHOP.checkoutPod, "pod_pending")]);
    const pull = `image_pull_failure:${SHOP.checkoutPod}`;
    expect(cause(engine, pull)).toBeDefined();
    expect(cause(engine, pull)?.remediation).toBeUndefined();
    engine.applySymptom(on(SHOP.checkoutDeployment, "recent_rollout"));
    expect(cause(engine, pull)?.remediation?.change.action).toBe("rollout-undo");
  });

  it("scales out by half, restarts a malfunctioning service's workload at its first sighting, deletes a crash-looping pod, cordons a node", () => {
    const engine = shop();
    engine.applySymptoms([on(SHOP.checkoutHpa, "hpa_at_max"), on(SHOP.checkoutService, "high_latency")]);
    const scale = cause(engine, `under_provisioned:${SHOP.checkoutDeployment}`)?.remediation;
    expect(scale?.change).toEqual({ action: "scale", target: CHECKOUT, replicas: 3 });
    expect(scale?.summary).toContain("maxReplicas");
    engine.clearSymptoms();
    engine.applySymptoms([
      on(SHOP.paymentsService, "high_error_rate"),
      on(SHOP.paymentsService, "log_error_spike"),
    ]);
    expect(cause(engine, `service_malfunction:${SHOP.paymentsService}`)?.remediation?.change).toEqual({
      action: "rollout-restart",
      target: { ...CHECKOUT, name: "payments" },
      restartedAt: "2025-01-02T03:04:05.000Z",
    });
    engine.clearSymptoms();
    engine.applySymptom(on(SHOP.checkoutPod, "crash_loop_backoff"));
    expect(cause(engine, `pod_crash_looping:${SHOP.checkoutPod}`)?.remediation?.change).toEqual({
      action: "delete-pod",
      target: { apiVersion: "v1", kind: "Pod", namespace: "shop", name: "checkout-7d9f8-ax0" },
    });
    engine.clearSymptoms();
    engine.applySymptom(on(SHOP.nodeA, "node_memory_pressure"));
    expect(cause(engine, `node_memory_pressure:${SHOP.nodeA}`)?.remediation?.change).toEqual({
      action: "cordon",
      target: { apiVersion: "v1", kind: "Node", name: "node-a" },
    });
  });
});
