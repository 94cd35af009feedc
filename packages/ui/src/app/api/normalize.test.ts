import { describe, expect, it } from "vitest";
import {
  normalizeAgents,
  normalizeEgress,
  normalizeEntityDetail,
  normalizeRemediations,
  normalizeRootCauses,
  normalizeSeries,
  normalizeSymptoms,
} from "./normalize.js";

describe("normalize", () => {
  it("reads the mediator's root causes (entityId, explains as `entity|type`)", () => {
    const { engine, rootCauses } = normalizeRootCauses({
      engine: "none",
      rootCauses: [
        {
          id: "rc-2",
          type: "node_pressure",
          entityId: "node/a",
          confidence: 0.1,
          explains: [],
          explanation: "weak",
        },
        {
          id: "rc-1",
          type: "memory_limit_too_low",
          entityId: "container/shop/p/app",
          confidence: 0.9,
          explains: ["container/shop/p/app|oom_killed", "pod/shop/p|crash_loop_backoff"],
          explanation: "OOM",
          remediation: { change: { action: "scale" }, reason: "raise it" },
        },
      ],
    });
    expect(engine).toBe("none");
    expect(rootCauses.map((r) => r.id)).toEqual(["rc-2", "rc-1"]);
    const r = rootCauses[1];
    expect(r).toMatchObject({
      rank: 2,
      title: "Memory limit too low",
      entityId: "container/shop/p/app",
      confidence: 0.9,
      primary: true,
      remediationSummary: "raise it",
    });
    expect(r?.explained).toEqual([
      { entityId: "container/shop/p/app", type: "oom_killed", detail: "" },
      { entityId: "pod/shop/p", type: "crash_loop_backoff", detail: "" },
    ]);
  });

  it("reads the causal engine's root causes (entity object, ranked, explained objects) in rank order", () => {
    const { rootCauses } = normalizeRootCauses({
      engine: "causal",
      rootCauses: [
        {
          id: "b",
          rank: 2,
          type: "t",
          title: "Second",
          entity: { id: "node/x", kind: "node", name: "x", namespace: "" },
          primary: false,
        },
        {
          id: "a",
          rank: 1,
          type: "container_memory_limit_too_low",
          title: "Memory limit too low",
          entity: { id: "container/s/p/app", kind: "container", name: "app", namespace: "s" },
          confidence: 0.8,
          explained: [
            {
              entityId: "container/s/p/app",
              type: "oom_killed",
              probability: 0.95,
              evidenceSummary: "3 kills",
            },
          ],
          unexplained: [{ entityId: "pod/s/q", type: "pod_pending" }],
          expectedAbsent: [{ entityId: "pod/s/p", type: "oom_killed_last_state", probability: 0.5 }],
          remediation: { summary: "Raise to 512Mi", change: { action: "set-resources" } },
        },
      ],
    });
    expect(rootCauses.map((r) => r.id)).toEqual(["a", "b"]);
    expect(rootCauses[0]).toMatchObject({
      entityId: "container/s/p/app",
      remediationSummary: "Raise to 512Mi",
      explained: [{ entityId: "container/s/p/app", type: "oom_killed", detail: "3 kills · p=0.95" }],
      unexplained: [{ entityId: "pod/s/q", type: "pod_pending", detail: "" }],
    });
    expect(rootCauses[0]?.expectedAbsent).toHaveLength(1);
    expect(rootCauses[1]).toMatchObject({ primary: false, entityId: "node/x" });
    expect(Number.isNaN(rootCauses[1]?.confidence)).toBe(true);
  });

  it("never throws on garbage", () => {
    for (const junk of [
      null,
      undefined,
      42,
      "x",
      [],
      {},
      { rootCauses: "no" },
      { rootCauses: [null, 3, "s"] },
    ]) {
      expect(() => normalizeRootCauses(junk)).not.toThrow();
      expect(() => normalizeRemediations(junk)).not.toThrow();
      expect(() => normalizeEgress(junk)).not.toThrow();
      expect(() => normalizeAgents(junk)).not.toThrow();
      expect(() => normalizeSymptoms(junk)).not.toThrow();
      expect(() => normalizeSeries(junk)).not.toThrow();
      expect(() => normalizeEntityDetail(junk)).not.toThrow();
    }
    expect(normalizeRootCauses({ rootCauses: [null] }).rootCauses[0]).toMatchObject({
      title: "Unknown root cause",
      rank: 1,
    });
  });

  it("reads remediations with their target, approval, rejection and steps", () => {
    const [r] = normalizeRemediations({
      remediations: [
        {
          id: "r-1",
          state: "rejected",
          change: {
            action: "set-resources",
            target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
          },
          changeSha256: "ab",
          reason: "OOM",
          proposedUnixMs: 5,
          rejection: { by: "alice", reason: "not now", atUnixMs: 9 },
          steps: [{ step: "dry-run", atUnixMs: 7, detail: "ok" }],
        },
      ],
    });
    expect(r).toMatchObject({
      id: "r-1",
      action: "set-resources",
      target: "Deployment shop/checkout",
      rejection: { by: "alice", reason: "not now", atUnixMs: 9 },
      steps: [{ step: "dry-run", atUnixMs: 7, detail: "ok" }],
    });
    expect(
      normalizeRemediations({ remediations: [{ change: { target: { kind: "Node", name: "n1" } } }] })[0]
        ?.target,
    ).toBe("Node n1");
  });

  it("reads the egress ledger in its known forms, newest first", () => {
    const { entries } = normalizeEgress({
      entries: [
        { seq: 1, atUnixMs: 10, category: "topology", bytes: 300, summary: "12 entities", sha256: "aa" },
        { seq: 2, atUnixMs: 20, category: "symptoms", bytes: 50, summary: "2 changes", resend: true },
      ],
    });
    expect(entries.map((e) => e.seq)).toEqual([2, 1]);
    expect(entries[0]).toMatchObject({ category: "symptoms", resend: true });
    expect(normalizeEgress([{ timeUnixMs: 5, kind: "evidence", sizeBytes: 9 }]).entries[0]).toMatchObject({
      atUnixMs: 5,
      category: "evidence",
      bytes: 9,
    });
  });

  it("reads series points, dropping non-numbers and sorting by time", () => {
    expect(
      normalizeSeries({
        series: [
          {
            name: "mem",
            unit: "bytes",
            points: [
              [3, 30],
              [1, "10"],
              [2, null],
              ["x", 1],
              [2, 20],
            ],
          },
        ],
      }),
    ).toEqual([
      {
        name: "mem",
        unit: "bytes",
        points: [
          [1, 10],
          [2, 20],
          [3, 30],
        ],
      },
    ]);
  });

  it("reads agents and entity details", () => {
    expect(
      normalizeAgents({
        agents: [{ agentId: "a", connected: true, ebpf: false, degradedReasons: ["no BTF"] }],
      })[0],
    ).toMatchObject({
      agentId: "a",
      connected: true,
      degradedReasons: ["no BTF"],
    });
    const d = normalizeEntityDetail({
      entity: { id: "pod/s/p", kind: "pod", name: "p", namespace: "s", attributes: { uid: "1", n: 3 } },
      outgoing: [{ fromId: "pod/s/p", toId: "node/n", type: "runs-on" }],
      symptoms: [{ entityId: "pod/s/p", type: "pod_pending", active: false, sinceUnixMs: 4 }],
      warningEvents: [{ reason: "BackOff", message: "back-off", count: 4, lastUnixMs: 8 }],
    });
    expect(d.entity.attributes).toEqual({ uid: "1", n: "3" });
    expect(d.outgoing).toHaveLength(1);
    expect(d.incoming).toEqual([]);
    expect(d.symptoms[0]).toMatchObject({ active: false, type: "pod_pending" });
    expect(d.warningEvents[0]).toEqual({ reason: "BackOff", message: "back-off", count: 4, lastUnixMs: 8 });
  });
});
