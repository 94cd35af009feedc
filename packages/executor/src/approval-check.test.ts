import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, generateSigningKey } from "@causeway/audit";
import { buildTask, createApproval, type RemediationChange } from "@causeway/remediation";
import { describe, expect, it } from "vitest";
import { checkApprovalInTrail } from "./approval-check.js";

const change: RemediationChange = {
  action: "scale",
  target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" },
  replicas: 4,
};

describe("checkApprovalInTrail", () => {
  it("accepts only a task whose exact approval is in a verified trail", async () => {
    const dir = await mkdtemp(join(tmpdir(), "causeway-approval-"));
    const key = generateSigningKey();
    const log = await AuditLog.open({ path: join(dir, "audit"), signingKey: key, checkpointEveryRecords: 2 });
    try {
      const approval = createApproval({ remediationId: "r1", change, approver: "alice", nowMs: Date.now() });
      await log.append({ type: "proposal", actor: "mediator", subject: "remediation/r1", data: { change } });
      const record = await log.append({
        type: "approval",
        actor: "alice",
        subject: "remediation/r1",
        data: { ...approval },
      });
      const task = buildTask(approval, change, record.hash);
      expect(checkApprovalInTrail(log.exportNdjson(), task, [key.publicKey])).toEqual({ ok: true });

      const otherTask = { ...task, approvalRecordHash: "00".repeat(32) };
      expect(checkApprovalInTrail(log.exportNdjson(), otherTask, [key.publicKey])).toMatchObject({
        ok: false,
      });

      const proposalHash = log.records()[0]!.hash;
      expect(
        checkApprovalInTrail(log.exportNdjson(), { ...task, approvalRecordHash: proposalHash }, [
          key.publicKey,
        ]),
      ).toMatchObject({ ok: false, message: /does not approve/ });

      const tampered = log.exportNdjson().replace('"replicas":4', '"replicas":40');
      expect(checkApprovalInTrail(tampered, task, [key.publicKey])).toMatchObject({
        ok: false,
        message: /record 1/,
      });
    } finally {
      await log.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
