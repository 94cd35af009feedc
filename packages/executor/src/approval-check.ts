import { type KeyObject } from "node:crypto";
import { parseAuditNdjson, verifyAuditTrail, type AuditRecord } from "@causeway/audit";
import { type Task } from "@causeway/protocol";

/**
 * Checks that `task` was approved in the audit trail: the trail verifies (chain and checkpoint
 * signatures), and holds an approval record with the task's hash that binds the same change,
 * approver and nonce.
 */
export function checkApprovalInTrail(
  ndjson: string,
  task: Task,
  publicKeys: readonly KeyObject[],
): { ok: true } | { ok: false; message: string } {
  const records = parseAuditNdjson(ndjson);
  const verification = verifyAuditTrail(records, { publicKeys });
  if (!verification.ok) {
    return {
      ok: false,
      message: `audit trail fails verification at record ${verification.index + 1}: ${verification.reason}`,
    };
  }
  const approval = (records as AuditRecord[]).find((r) => r.hash === task.approvalRecordHash);
  if (!approval) return { ok: false, message: "no approval record with the task's hash in the audit trail" };
  const data = approval.data as Record<string, unknown>;
  if (
    approval.type !== "approval" ||
    data.changeSha256 !== task.changeSha256 ||
    data.nonce !== task.nonce ||
    approval.actor !== task.approver ||
    data.remediationId !== task.remediationId
  ) {
    return { ok: false, message: "the audit record does not approve this exact change" };
  }
  return { ok: true };
}
