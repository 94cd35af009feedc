// The local stack end to end on this machine: the OOM fault makes checkout's container exceed its
// memory limit in its real cgroup; the agent (eBPF and cgroups) and the mediator's causal engine
// rank "memory limit too low" on that container first within 30 s of the first kill; an approver's
// token approves the proposed higher limit; the executor applies it with a per-task token and
// verifies it; stopping leaves nothing behind.
import { checkBtf, checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  api,
  approverToken,
  firstOomKill,
  leftovers,
  podOf,
  startStackForTest,
  type RootCauseView,
  type StackUnderTest,
} from "./stack-harness.js";

const skip = skipUnless("local stack OOM remediation", checkRoot(), checkBtf());

interface RemediationView {
  readonly id: string;
  readonly state: string;
  readonly rootCauseId?: string;
  readonly changeSha256: string;
  readonly change: {
    readonly action: string;
    readonly target: { readonly name: string };
    readonly resources?: unknown;
  };
  readonly steps: readonly { readonly step: string }[];
}

describe.skipIf(skip)("local stack: OOM fault to verified remediation", () => {
  let t: StackUnderTest;

  beforeAll(async () => {
    t = await startStackForTest({ executor: { verifyStableMs: 10_000, verifyWindowMs: 120_000 } });
  });
  afterAll(async () => {
    if (!t) return;
    const pids = t.pids();
    await t.cleanup();
    expect(leftovers(t.stack, pids)).toEqual([]);
  });

  it("runs every demo service as a Ready pod with its own address", async () => {
    expect(t.stack.capabilities.mode).toBe("full");
    expect(t.progress.join("")).toMatch(/✓ demo shop\s+ready/);
    const pods = t.stack.status().pods;
    expect(pods.map((p) => p.name.split("-")[0]).sort()).toEqual([
      "shop/checkout",
      "shop/frontend",
      "shop/inventory",
      "shop/loadgen",
      "shop/payments",
    ]);
    expect(pods.every((p) => p.ready && /^10\.244\.0\.\d+$/.test(p.ip))).toBe(true);
  });

  it("ranks the memory root cause on checkout's container first within 30 s of the first OOM kill, and verifies the approved fix", async () => {
    const res = await fetch(`${t.stack.urls.control}/faults/oom`, { method: "POST", body: "{}" });
    expect(res.status).toBe(200);
    const killedAt = await firstOomKill(t.stack, "checkout");
    const pod = await podOf(t.stack, "checkout");
    const container = `container/shop/${String(pod?.metadata.name)}/app`;
    const top = await waitFor(
      async () => {
        const { rootCauses } = await api<{ rootCauses: RootCauseView[] }>(t.stack, "/rootcauses");
        const first = rootCauses[0];
        return first?.type === "container_memory_limit_too_low" && first.entity.id === container
          ? first
          : undefined;
      },
      {
        what: `container_memory_limit_too_low on ${container} ranked first`,
        timeoutMs: 30_000,
        intervalMs: 500,
      },
    );
    expect(Date.now() - killedAt).toBeLessThan(30_000);

    const remediation = await waitFor(
      async () =>
        (await api<{ remediations: RemediationView[] }>(t.stack, "/remediations")).remediations.find(
          (r) => r.rootCauseId === top.id,
        ),
      { what: "the proposed remediation", timeoutMs: 15_000 },
    );
    expect(remediation.change).toMatchObject({
      action: "set-resources",
      target: { kind: "Deployment", namespace: "shop", name: "checkout" },
      resources: { limits: { memory: "192Mi" } },
    });
    const approve = await fetch(`${t.stack.urls.api}/remediations/${remediation.id}/approve`, {
      method: "POST",
      headers: {
        authorization: `Bearer ${await approverToken(t.stack)}`,
        "content-type": "application/json",
      },
      body: JSON.stringify({ changeSha256: remediation.changeSha256 }),
    });
    expect(approve.status).toBe(200);

    const done = await waitFor(
      async () => {
        const r = await api<RemediationView>(t.stack, `/remediations/${remediation.id}`);
        return ["verified", "rolled-back", "failed", "refused"].includes(r.state) ? r : undefined;
      },
      { what: "the remediation to be verified", timeoutMs: 150_000, intervalMs: 1000 },
    );
    expect(done.state).toBe("verified");
    expect(done.steps.map((s) => s.step)).toEqual(
      expect.arrayContaining(["credential-issue", "scope-check", "dry-run", "execution", "verification"]),
    );
    const deployment = await t.stack.kube.get("/apis/apps/v1/namespaces/shop/deployments/checkout");
    expect(deployment.spec.template.spec.containers[0].resources.limits.memory).toBe("192Mi");
    const fixed = await podOf(t.stack, "checkout");
    expect(fixed?.spec.containers[0].resources.limits.memory).toBe("192Mi");
    expect(fixed?.status.containerStatuses[0].restartCount).toBe(0);
  });
});
