import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, generateSigningKey, parseAuditNdjson, verifyAuditTrail } from "@causeway/audit";
import { Task, TaskOutcome } from "@causeway/protocol";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { type AccessReviewer } from "./access-review.js";
import { changeSha256, type RemediationChange } from "./change.js";
import { LifecycleError, RemediationLifecycle } from "./lifecycle.js";
import { NonceStore } from "./nonce-store.js";
import { verifySignedTask } from "./task.js";

/** Tokens and RBAC as a table: who each token is, and who may approve in which namespace. */
const reviewer: AccessReviewer = {
  async authenticate(token) {
    return { alice: { username: "alice", groups: ["sre"] }, bob: { username: "bob", groups: [] } }[token];
  },
  async authorize(user, attrs) {
    const allowed = user.username === "alice" && attrs.verb === "approve" && attrs.group === "causeway.dev";
    return { allowed, reason: allowed ? "RBAC: allowed" : "no rule" };
  },
};

const change: RemediationChange = {
  action: "set-resources",
  target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "cart" },
  container: "app",
  resources: { limits: { memory: "768Mi" } },
};

let dir: string;
let audit: AuditLog;
const key = generateSigningKey();
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-lifecycle-"));
  audit = await AuditLog.open({ path: join(dir, "audit"), signingKey: key, checkpointEveryRecords: 3 });
});
afterEach(async () => {
  await audit.close();
  await rm(dir, { recursive: true, force: true });
});

describe("RemediationLifecycle", () => {
  it("goes proposed → approved → executing → verified, auditing every step", async () => {
    const lc = new RemediationLifecycle({ audit, signingKey: key, reviewer });
    const r = await lc.propose({ change, reason: "memory limit too low", rootCauseId: "rc1" });
    expect(r.state).toBe("proposed");
    const approved = await lc.approve(r.id, "alice", changeSha256(change));
    expect(approved.state).toBe("approved");

    const signed = await lc.nextTask();
    const verified = await verifySignedTask(signed, {
      publicKeys: [key.publicKey],
      nonces: NonceStore.inMemory(),
      nowMs: Date.now(),
    });
    expect(verified).toMatchObject({ ok: true, change });
    const taskId = Task.decode(signed.task).taskId;

    await lc.dispatched(taskId, "ex1");
    expect(lc.get(r.id).state).toBe("executing");
    await lc.progress(taskId, "dry-run", "{}", "ex1");
    await lc.finished(taskId, TaskOutcome.TASK_OUTCOME_VERIFIED, "cleared", "ex1");
    expect(lc.get(r.id)).toMatchObject({ state: "verified", steps: [{ step: "dry-run" }] });

    const types = audit
      .records()
      .map((x) => x.type)
      .filter((t) => t !== "checkpoint");
    expect(types).toEqual(["proposal", "approval", "dispatch", "dry-run", "verification"]);
    expect(verifyAuditTrail(parseAuditNdjson(audit.exportNdjson()), { publicKeys: [key.publicKey] }).ok).toBe(
      true,
    );

    // The state survives a restart: it is rebuilt from the audit trail.
    const rebuilt = new RemediationLifecycle({ audit, signingKey: key, reviewer });
    expect(rebuilt.get(r.id)).toMatchObject({ state: "verified", changeSha256: changeSha256(change) });
  });

  it("refuses unauthenticated and unauthorised approvers, and audits each refusal", async () => {
    const lc = new RemediationLifecycle({ audit, signingKey: key, reviewer });
    const r = await lc.propose({ change, reason: "x" });
    await expect(lc.approve(r.id, "")).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(lc.approve(r.id, "mallory")).rejects.toMatchObject({ code: "unauthenticated" });
    await expect(lc.approve(r.id, "bob")).rejects.toMatchObject({ code: "forbidden" });
    expect(lc.get(r.id).state).toBe("proposed");
    expect(audit.records().filter((x) => x.type === "approval")).toHaveLength(0);
    expect(
      audit
        .records()
        .filter((x) => x.type === "refusal")
        .map((x) => [x.actor, x.data.reason]),
    ).toEqual([
      ["anonymous", "unauthenticated"],
      ["anonymous", "unauthenticated"],
      ["bob", "forbidden"],
    ]);
  });

  it("refuses an approval of a change other than the one shown, and a second approval", async () => {
    const lc = new RemediationLifecycle({ audit, signingKey: key, reviewer });
    const r = await lc.propose({ change, reason: "x" });
    await expect(lc.approve(r.id, "alice", "00".repeat(32))).rejects.toMatchObject({ code: "conflict" });
    await lc.approve(r.id, "alice");
    await expect(lc.approve(r.id, "alice")).rejects.toBeInstanceOf(LifecycleError);
  });

  it("needs a reason to reject", async () => {
    const lc = new RemediationLifecycle({ audit, signingKey: key, reviewer });
    const r = await lc.propose({ change, reason: "x" });
    await expect(lc.reject(r.id, "alice", " ")).rejects.toMatchObject({ code: "invalid" });
    expect((await lc.reject(r.id, "alice", "we will roll forward instead")).state).toBe("rejected");
  });

  it("rejects malformed proposals with every problem listed", async () => {
    const lc = new RemediationLifecycle({ audit, signingKey: key, reviewer });
    await expect(
      lc.propose({ change: { action: "scale", replicas: "many" }, reason: "x" }),
    ).rejects.toMatchObject({
      code: "invalid",
      message: expect.stringMatching(/target.*replicas|replicas.*target/s),
    });
  });
});
