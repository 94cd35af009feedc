import { createHash } from "node:crypto";
import { canonicalJson } from "./canonical-json.js";

/** Every kind of event the audit trail records. */
export const AUDIT_RECORD_TYPES = [
  "proposal",
  "approval",
  "rejection",
  "refusal",
  "dispatch",
  "credential-issue",
  "credential-revoke",
  "scope-check",
  "dry-run",
  "execution",
  "verification",
  "rollback",
  "pause",
  "resume",
  "checkpoint",
] as const;
export type AuditRecordType = (typeof AUDIT_RECORD_TYPES)[number];

/** The hash that the first record chains to. */
export const GENESIS_HASH = "0".repeat(64);

export interface AuditRecord {
  /** 1 for the first record, then one more per record. */
  readonly seq: number;
  readonly timeUnixMs: number;
  readonly type: AuditRecordType;
  /** Who caused it: an approver's username, "mediator", "executor/<id>". */
  readonly actor: string;
  /** What it is about, e.g. "remediation/r-42". */
  readonly subject: string;
  readonly data: Readonly<Record<string, unknown>>;
  /** `hash` of the previous record, or GENESIS_HASH. */
  readonly prevHash: string;
  /** Hex SHA-256 of the canonical JSON of every other field. */
  readonly hash: string;
}

export type AuditRecordBody = Omit<AuditRecord, "hash">;

/** The hash of a record: SHA-256 over the canonical JSON of all its fields but `hash`. */
export function hashAuditRecord(body: AuditRecordBody): string {
  const { seq, timeUnixMs, type, actor, subject, data, prevHash } = body;
  return createHash("sha256")
    .update(canonicalJson({ seq, timeUnixMs, type, actor, subject, data, prevHash }))
    .digest("hex");
}

/** The bytes a checkpoint signs: the sequence and hash of the record it vouches for. */
export function checkpointPayload(coveredSeq: number, coveredHash: string, keyId: string): Buffer {
  return Buffer.from(canonicalJson({ coveredSeq, coveredHash, keyId }), "utf8");
}
