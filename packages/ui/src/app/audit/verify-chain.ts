import { canonicalJson } from "./canonical-json.js";

/** What the browser could establish about an exported audit trail. */
export type ChainVerification =
  | {
      readonly ok: true;
      readonly count: number;
      /** Hash of the last record: compare with `causeway-audit-verify` or a colleague's copy. */
      readonly headHash: string;
      readonly checkpoints: number;
      /** False when no public key was given or this browser cannot verify Ed25519. */
      readonly signaturesChecked: boolean;
      readonly note?: string;
    }
  | {
      readonly ok: false;
      /** 0-based position of the first bad record. */
      readonly index: number;
      readonly seq: number | undefined;
      readonly reason: string;
    };

const GENESIS_HASH = "0".repeat(64);
const HEX64 = /^[0-9a-f]{64}$/;

function hex(bytes: ArrayBuffer): string {
  let out = "";
  for (const b of new Uint8Array(bytes)) out += b.toString(16).padStart(2, "0");
  return out;
}

function base64ToBytes(text: string): Uint8Array<ArrayBuffer> {
  const binary = atob(text.replace(/\s+/g, ""));
  const out = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) out[i] = binary.charCodeAt(i);
  return out;
}

/** The DER bytes inside a PEM block. */
export function pemToDer(pem: string): Uint8Array<ArrayBuffer> {
  const body = pem.replace(/-----BEGIN [^-]+-----|-----END [^-]+-----/g, "");
  return base64ToBytes(body);
}

function shapeProblem(r: Record<string, unknown>): string | undefined {
  if (!Number.isSafeInteger(r.seq)) return "seq is not an integer";
  if (!Number.isSafeInteger(r.timeUnixMs)) return "timeUnixMs is not an integer";
  if (typeof r.type !== "string") return "type is not a string";
  if (typeof r.actor !== "string" || typeof r.subject !== "string")
    return "actor and subject must be strings";
  if (r.data === null || typeof r.data !== "object" || Array.isArray(r.data)) return "data must be an object";
  if (typeof r.prevHash !== "string" || !HEX64.test(r.prevHash))
    return "prevHash is not a SHA-256 hex digest";
  if (typeof r.hash !== "string" || !HEX64.test(r.hash)) return "hash is not a SHA-256 hex digest";
  return undefined;
}

interface Key {
  readonly keyId: string;
  readonly key: CryptoKey;
}

async function importKey(subtle: SubtleCrypto, pem: string): Promise<Key | string> {
  try {
    const der = pemToDer(pem);
    const keyId = hex(await subtle.digest("SHA-256", der)).slice(0, 16);
    const key = await subtle.importKey("spki", der, { name: "Ed25519" }, false, ["verify"]);
    return { keyId, key };
  } catch (error) {
    return `checkpoint signatures not checked: ${(error as Error).message}`;
  }
}

/**
 * Re-checks an audit trail the way @causeway/audit does: consecutive sequence numbers, each
 * record's SHA-256 over its canonical JSON, the chain of `prevHash`, and checkpoints that cover
 * the record before them with a valid Ed25519 signature by the given key. Names the first bad
 * record. Uses Web Crypto, which browsers offer only in secure contexts (https, localhost).
 */
export async function verifyAuditChain(
  records: readonly unknown[],
  options: { readonly subtle: SubtleCrypto; readonly publicKeyPem?: string },
): Promise<ChainVerification> {
  const { subtle } = options;
  const imported = options.publicKeyPem ? await importKey(subtle, options.publicKeyPem) : undefined;
  const key = typeof imported === "object" ? imported : undefined;
  const encoder = new TextEncoder();
  let prevHash = GENESIS_HASH;
  let checkpoints = 0;
  for (let index = 0; index < records.length; index++) {
    const raw = records[index];
    if (raw === null || typeof raw !== "object" || Array.isArray(raw))
      return { ok: false, index, seq: undefined, reason: "not a JSON object" };
    const r = raw as Record<string, unknown>;
    const seq = Number.isSafeInteger(r.seq) ? (r.seq as number) : undefined;
    const fail = (reason: string): ChainVerification => ({ ok: false, index, seq, reason });
    const problem = shapeProblem(r);
    if (problem) return fail(problem);
    if (seq !== index + 1) return fail(`expected seq ${index + 1}, found ${String(seq)}`);
    if (r.prevHash !== prevHash) return fail("prevHash does not match the previous record's hash");
    const body = canonicalJson({
      seq: r.seq,
      timeUnixMs: r.timeUnixMs,
      type: r.type,
      actor: r.actor,
      subject: r.subject,
      data: r.data,
      prevHash: r.prevHash,
    });
    if (hex(await subtle.digest("SHA-256", encoder.encode(body))) !== r.hash)
      return fail("hash does not match the record's content");
    if (r.type === "checkpoint") {
      const { coveredSeq, coveredHash, keyId, signature } = r.data as Record<string, unknown>;
      if (coveredSeq !== seq - 1 || coveredHash !== r.prevHash)
        return fail("checkpoint does not cover the record before it");
      if (typeof keyId !== "string" || typeof signature !== "string")
        return fail("checkpoint lacks keyId or signature");
      if (key) {
        if (keyId !== key.keyId) return fail(`checkpoint signed by unknown key ${keyId}`);
        const payload = encoder.encode(canonicalJson({ coveredSeq, coveredHash, keyId }));
        let valid = false;
        try {
          valid = await subtle.verify({ name: "Ed25519" }, key.key, base64ToBytes(signature), payload);
        } catch {
          valid = false;
        }
        if (!valid) return fail("checkpoint signature is invalid");
      }
      checkpoints++;
    }
    prevHash = r.hash as string;
  }
  return {
    ok: true,
    count: records.length,
    headHash: prevHash,
    checkpoints,
    signaturesChecked: key !== undefined,
    ...(typeof imported === "string" ? { note: imported } : {}),
    ...(imported === undefined ? { note: "checkpoint signatures not checked: no public key" } : {}),
  };
}
