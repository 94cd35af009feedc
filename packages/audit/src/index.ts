export { canonicalJson } from "./canonical-json.js";
export {
  AUDIT_RECORD_TYPES,
  GENESIS_HASH,
  checkpointPayload,
  hashAuditRecord,
  type AuditRecord,
  type AuditRecordBody,
  type AuditRecordType,
} from "./record.js";
export {
  generateSigningKey,
  keyIdOf,
  publicKeyFromPem,
  signingKeyFromPem,
  type SigningKey,
} from "./signing-key.js";
export { parseAuditNdjson, verifyAuditTrail, type AuditVerification, type VerifyOptions } from "./verify.js";
export { AuditIntegrityError, AuditLog, type AuditEntry, type AuditLogOptions } from "./audit-log.js";
