import { type RemediationChange } from "@causeway/remediation";
import { describe, expect, it } from "vitest";
import { SafetyPolicy } from "./safety-policy.js";

const scale = (namespace: string, name: string, replicas = 3): RemediationChange => ({
  action: "scale",
  target: { apiVersion: "apps/v1", kind: "Deployment", namespace, name },
  replicas,
});

describe("SafetyPolicy", () => {
  it("refuses kube-system unless allowed, and honours allow and deny lists", () => {
    expect(new SafetyPolicy().check(scale("kube-system", "coredns"), 0)).toMatchObject({
      reason: "namespace-denied",
    });
    expect(new SafetyPolicy({ allowKubeSystem: true }).check(scale("kube-system", "coredns"), 0)).toEqual({
      ok: true,
    });
    expect(new SafetyPolicy({ denyNamespaces: ["prod"] }).check(scale("prod", "a"), 0)).toMatchObject({
      ok: false,
    });
    const allowOnly = new SafetyPolicy({ allowNamespaces: ["shop"] });
    expect(allowOnly.check(scale("shop", "a"), 0)).toEqual({ ok: true });
    expect(allowOnly.check(scale("other", "a"), 0)).toMatchObject({ reason: "namespace-denied" });
  });

  it("limits actions per target within the window", () => {
    const p = new SafetyPolicy({ maxActionsPerTarget: 1, targetWindowMs: 60_000 });
    p.record(scale("shop", "a"), 0);
    expect(p.check(scale("shop", "a"), 59_999)).toMatchObject({ reason: "blast-radius" });
    expect(p.check(scale("shop", "b"), 59_999)).toEqual({ ok: true });
    expect(p.check(scale("shop", "a"), 60_000)).toEqual({ ok: true });
  });

  it("rate-limits across targets", () => {
    const p = new SafetyPolicy({ maxActionsPerRateWindow: 2, rateWindowMs: 10_000 });
    p.record(scale("shop", "a"), 0);
    p.record(scale("shop", "b"), 1);
    expect(p.check(scale("shop", "c"), 2)).toMatchObject({ reason: "rate-limited" });
    expect(p.check(scale("shop", "c"), 10_001)).toEqual({ ok: true });
  });

  it("keeps scale within bounds and pauses globally", () => {
    const p = new SafetyPolicy({ maxReplicas: 10 });
    expect(p.check(scale("shop", "a", 11), 0)).toMatchObject({ reason: "out-of-bounds" });
    p.pause("incident review");
    expect(p.check(scale("shop", "a"), 0)).toMatchObject({ reason: "paused", message: /incident review/ });
    p.resume();
    expect(p.check(scale("shop", "a"), 0)).toEqual({ ok: true });
  });
});
