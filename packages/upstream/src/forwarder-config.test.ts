import { parseConfig } from "@causeway/runtime";
import { describe, expect, it } from "vitest";
import { abstractEntity, abstractRootCause } from "./abstraction.js";
import { upstreamConfigSchema } from "./forwarder-config.js";

describe("upstreamConfigSchema", () => {
  it("is off by default with documented defaults", () => {
    const config = parseConfig("mediator", upstreamConfigSchema, {});
    expect(config.enabled).toBe(false);
    expect(config.queue).toEqual({
      dir: "/var/lib/causeway/upstream",
      maxBytes: 256 * 1024 * 1024,
      segmentMaxBytes: 1024 * 1024,
    });
    expect(config.labelAllowlist).toContain("app.kubernetes.io/name");
    expect(config.attributeAllowlist).toEqual([]);
    expect(config.masking.customPatterns).toEqual([]);
  });

  it("reports every problem at once when enabled", () => {
    let problems: readonly string[] = [];
    try {
      parseConfig("mediator", upstreamConfigSchema, {
        enabled: "true",
        url: "https://upstream.example.com",
        tenantId: "bad tenant/id",
        masking: { customPatterns: [{ name: "evil", pattern: "(a*)*b", label: "EVIL" }] },
      });
    } catch (error) {
      problems = (error as { problems: readonly string[] }).problems;
    }
    const text = problems.join("\n");
    expect(text).toMatch(/url: must be a wss:\/\/ URL/);
    expect(text).toMatch(/tenantId:/);
    expect(text).toMatch(/clusterId: required when upstream is enabled/);
    expect(text).toMatch(/masking\.customPatterns\.0\.pattern: custom pattern "evil": nested quantifiers/);
  });

  it("takes lists comma-separated from env and flags", () => {
    const config = parseConfig("mediator", upstreamConfigSchema, {
      enabled: "true",
      url: "wss://upstream.example.com/ingest",
      tenantId: "acme",
      clusterId: "prod-1",
      labelAllowlist: "app, team",
      queue: { maxBytes: "4194304" },
    });
    expect(config.labelAllowlist).toEqual(["app", "team"]);
    expect(config.queue.maxBytes).toBe(4 * 1024 * 1024);
  });
});

describe("abstraction", () => {
  it("keeps only kind, name, namespace, allowlisted labels and attributes", () => {
    const e = abstractEntity(
      {
        id: "pod/a/p",
        kind: "pod",
        name: "p",
        namespace: "a",
        attributes: {
          "label.app": "x",
          "label.team": "y",
          "label.app.kubernetes.io/name": "z",
          pod_ip: "10.0.0.1",
          phase: "Running",
        },
      },
      { labelAllowlist: ["app", "app.kubernetes.io/*"], attributeAllowlist: ["phase"] },
    );
    expect(e).toEqual({
      id: "pod/a/p",
      kind: "pod",
      name: "p",
      namespace: "a",
      labels: { app: "x", "app.kubernetes.io/name": "z" },
      attributes: { phase: "Running" },
    });
  });

  it("forwards only known root-cause fields, bounded", () => {
    const rc = abstractRootCause({
      id: "rc",
      type: "t",
      entityId: "e",
      confidence: 7,
      explanation: "x".repeat(5000),
      explainedSymptoms: [{ entityId: "e", type: "s", evidence: { raw: 1 } }],
      remediation: { action: "rollout_restart", change: { patch: "..." } },
      spans: ["raw"],
    });
    expect(rc.confidence).toBe(1);
    expect(rc.explanation).toHaveLength(2000);
    expect(rc.explainedSymptoms).toEqual([{ entityId: "e", type: "s" }]);
    expect(rc.remediation).toEqual({ action: "rollout_restart" });
    expect(Object.keys(rc)).not.toContain("spans");
  });
});
