import { verify as verifySignature, type KeyObject } from "node:crypto";
import {
  AUDIT_RECORD_TYPES,
  GENESIS_HASH,
  checkpointPayload,
  hashAuditRecord,
  type AuditRecord,
} from "./record.js";
import { keyIdOf } from "./signing-key.js";

export type AuditVerification =
  | { readonly ok: true; readonly count: number; readonly headHash: string; readonly checkpoints: number }
  | {
      readonly ok: false;
      /** 0-based position of the first bad record in the input. */
      readonly index: number;
      /** Its `seq` field, when it could be read. */
      readonly seq: number | undefined;
      readonly reason: string;
    };

export interface VerifyOptions {
  /** Checkpoint signatures are checked against these keys; without any, they are not checked. */
  readonly publicKeys?: readonly KeyObject[];
}

const HEX64 = /^[0-9a-f]{64}$/;
const TYPES = new Set<string>(AUDIT_RECORD_TYPES);

/** Checks the shape of one parsed record; returns a problem or undefined. */
function shapeProblem(r: Record<string, unknown>): string | undefined {
  if (!Number.isSafeInteger(r.seq)) return "seq is not an integer";
  if (!Number.isSafeInteger(r.timeUnixMs)) return "timeUnixMs is not an integer";
  if (typeof r.type !== "string" || !TYPES.has(r.type)) return `unknown record type ${String(r.type)}`;
  if (typeof r.actor !== "string" || typeof r.subject !== "string")
    return "actor and subject must be strings";
  if (r.data === null || typeof r.data !== "object" || Array.isArray(r.data)) return "data must be an object";
  if (typeof r.prevHash !== "string" || !HEX64.test(r.prevHash))
    return "prevHash is not a SHA-256 hex digest";
  if (typeof r.hash !== "string" || !HEX64.test(r.hash)) return "hash is not a SHA-256 hex digest";
  return undefined;
}

/** Parses NDJSON into records, leaving unparseable lines as strings for the verifier to report. */
export function parseAuditNdjson(ndjson: string): unknown[] {
  return ndjson
    .split("\n")
    .filter((line) => line.trim() !== "")
    .map((line) => {
      try {
        return JSON.parse(line) as unknown;
      } catch {
        return line;
      }
    });
}

/**
 * Verifies a whole audit trail: sequence numbers, the hash chain, every record's own hash, and
 * the signatures of checkpoints. Names the first record that is wrong, so an edited, removed or
 * reordered record is reported at its position.
 */
export function verifyAuditTrail(
  records: readonly unknown[],
  options: VerifyOptions = {},
): AuditVerification {
  const keys = new Map((options.publicKeys ?? []).map((k) => [keyIdOf(k), k]));
  let prevHash = GENESIS_HASH;
  let checkpoints = 0;
  for (let index = 0; index < records.length; index++) {
    const raw = records[index];
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
      return { ok: false, index, seq: undefined, reason: "not a JSON object" };
    }
    const r = raw as Record<string, unknown>;
    const seq = Number.isSafeInteger(r.seq) ? (r.seq as number) : undefined;
    const fail = (reason: string): AuditVerification => ({ ok: false, index, seq, reason });
    const problem = shapeProblem(r);
    if (problem) return fail(problem);
    const record = r as unknown as AuditRecord;
    if (record.seq !== index + 1) return fail(`expected seq ${index + 1}, found ${record.seq}`);
    if (record.prevHash !== prevHash) return fail("prevHash does not match the previous record's hash");
    if (hashAuditRecord(record) !== record.hash) return fail("hash does not match the record's content");
    if (record.type === "checkpoint") {
      const { coveredSeq, coveredHash, keyId, signature } = record.data as Record<string, unknown>;
      if (coveredSeq !== record.seq - 1 || coveredHash !== record.prevHash) {
        return fail("checkpoint does not cover the record before it");
      }
      if (typeof keyId !== "string" || typeof signature !== "string")
        return fail("checkpoint lacks keyId or signature");
      if (keys.size > 0) {
        const key = keys.get(keyId);
        if (!key) return fail(`checkpoint signed by unknown key ${keyId}`);
        const payload = checkpointPayload(coveredSeq, coveredHash, keyId);
        if (!verifySignature(null, payload, key, Buffer.from(signature, "base64"))) {
          return fail("checkpoint signature is invalid");
        }
      }
      checkpoints++;
    }
    prevHash = record.hash;
  }
  return { ok: true, count: records.length, headHash: prevHash, checkpoints };
}
