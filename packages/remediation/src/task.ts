import { randomBytes, randomUUID, sign, verify, type KeyObject } from "node:crypto";
import { keyIdOf, type SigningKey } from "@causeway/audit";
import { SignedTask, Task } from "@causeway/protocol";
import { canonicalChange, changeSha256, parseRemediationChange, type RemediationChange } from "./change.js";
import { type NonceStore } from "./nonce-store.js";

/** An approval may be valid for at most 15 minutes. */
export const MAX_APPROVAL_TTL_MS = 15 * 60_000;

/** What a human approved: the exact change (by hash), who, until when, and a single-use nonce. */
export interface Approval {
  readonly remediationId: string;
  readonly changeSha256: string;
  readonly approver: string;
  readonly approvedUnixMs: number;
  readonly expiresUnixMs: number;
  readonly nonce: string;
}

export function createApproval(options: {
  readonly remediationId: string;
  readonly change: RemediationChange;
  readonly approver: string;
  readonly nowMs: number;
  readonly ttlMs?: number;
}): Approval {
  const ttlMs = options.ttlMs ?? MAX_APPROVAL_TTL_MS;
  if (!(ttlMs > 0 && ttlMs <= MAX_APPROVAL_TTL_MS)) {
    throw new RangeError(`approval lifetime must be in (0, ${MAX_APPROVAL_TTL_MS}] ms, got ${ttlMs}`);
  }
  return {
    remediationId: options.remediationId,
    changeSha256: changeSha256(options.change),
    approver: options.approver,
    approvedUnixMs: options.nowMs,
    expiresUnixMs: options.nowMs + ttlMs,
    nonce: randomBytes(16).toString("hex"),
  };
}

/** Builds the task for an approval; `approvalRecordHash` is the approval's audit record hash. */
export function buildTask(approval: Approval, change: RemediationChange, approvalRecordHash: string): Task {
  const changeJson = canonicalChange(change);
  if (changeSha256(change) !== approval.changeSha256) {
    throw new Error("the change differs from the one approved");
  }
  return Task.fromPartial({
    taskId: randomUUID(),
    remediationId: approval.remediationId,
    action: change.action,
    target: {
      apiVersion: change.target.apiVersion,
      kind: change.target.kind,
      namespace: "namespace" in change.target ? change.target.namespace : "",
      name: change.target.name,
    },
    changeJson,
    changeSha256: approval.changeSha256,
    approver: approval.approver,
    approvedUnixMs: approval.approvedUnixMs,
    expiresUnixMs: approval.expiresUnixMs,
    nonce: approval.nonce,
    approvalRecordHash,
  });
}

/** Serialises `task` and signs exactly those bytes with Ed25519. */
export function signTask(task: Task, key: SigningKey): SignedTask {
  const bytes = Task.encode(task).finish();
  return SignedTask.fromPartial({
    task: Buffer.from(bytes),
    signature: sign(null, bytes, key.privateKey),
    keyId: key.keyId,
  });
}

export type TaskRefusalReason =
  | "unknown-key"
  | "bad-signature"
  | "malformed"
  | "change-mismatch"
  | "expired"
  | "lifetime-too-long"
  | "replayed";

export type TaskVerification =
  | { readonly ok: true; readonly task: Task; readonly change: RemediationChange }
  | {
      readonly ok: false;
      readonly reason: TaskRefusalReason;
      readonly message: string;
      readonly task?: Task;
    };

/**
 * Everything the executor checks before it touches anything: a known key, a valid signature over
 * the exact bytes, a well-formed change whose hash is the approved one, not expired, a lifetime
 * of at most 15 minutes, and a nonce never seen before (consumed only when all else passed).
 */
export async function verifySignedTask(
  signed: SignedTask,
  context: { readonly publicKeys: readonly KeyObject[]; readonly nonces: NonceStore; readonly nowMs: number },
): Promise<TaskVerification> {
  const key = context.publicKeys.find((k) => keyIdOf(k) === signed.keyId);
  if (!key)
    return { ok: false, reason: "unknown-key", message: `task signed by unknown key ${signed.keyId}` };
  let signatureOk = false;
  try {
    signatureOk = verify(null, signed.task, key, signed.signature);
  } catch {
    signatureOk = false;
  }
  if (!signatureOk) return { ok: false, reason: "bad-signature", message: "task signature does not verify" };
  let task: Task;
  try {
    task = Task.decode(signed.task);
  } catch (error) {
    return {
      ok: false,
      reason: "malformed",
      message: `task bytes do not decode: ${(error as Error).message}`,
    };
  }
  let parsedJson: unknown;
  try {
    parsedJson = JSON.parse(task.changeJson);
  } catch {
    return { ok: false, reason: "malformed", message: "change is not JSON", task };
  }
  const parsed = parseRemediationChange(parsedJson);
  if (!parsed.ok) return { ok: false, reason: "malformed", message: parsed.problems.join("; "), task };
  const change = parsed.change;
  if (canonicalChange(change) !== task.changeJson || changeSha256(change) !== task.changeSha256) {
    return { ok: false, reason: "change-mismatch", message: "change does not match its approved hash", task };
  }
  if (change.action !== task.action || change.target.name !== task.target?.name) {
    return { ok: false, reason: "change-mismatch", message: "task header does not match its change", task };
  }
  if (task.expiresUnixMs <= context.nowMs) {
    return {
      ok: false,
      reason: "expired",
      message: `approval expired at ${new Date(task.expiresUnixMs).toISOString()}`,
      task,
    };
  }
  if (task.expiresUnixMs - task.approvedUnixMs > MAX_APPROVAL_TTL_MS) {
    return { ok: false, reason: "lifetime-too-long", message: "approval lifetime exceeds 15 minutes", task };
  }
  if (!(await context.nonces.consume(task.nonce, task.expiresUnixMs, context.nowMs))) {
    return { ok: false, reason: "replayed", message: `task nonce ${task.nonce} was used before`, task };
  }
  return { ok: true, task, change };
}
