import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";

/** AES-256-GCM parameters: 32-byte keys, random 12-byte IVs, 16-byte tags. */
export const KEY_BYTES = 32;
export const IV_BYTES = 12;
export const TAG_BYTES = 16;
/** A wrapped data key on disk: IV, the encrypted key, the tag. */
export const WRAPPED_KEY_BYTES = IV_BYTES + KEY_BYTES + TAG_BYTES;

/** What a segment's ciphertext is bound to: moving it to another tenant, cluster or position fails. */
export interface SegmentBinding {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly segment: number;
}

/** Raised when a wrapped key or a record fails authentication (tampered, moved, or wrong key). */
export class DecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "DecryptionError";
  }
}

function aad(kind: "dek" | "record", binding: SegmentBinding, extra: Buffer | string): Buffer {
  // NUL separators: tenant and cluster ids cannot contain NUL (validated in config).
  return Buffer.concat([
    Buffer.from(
      `causeway-upstream/v1/${kind}\u0000${binding.tenantId}\u0000${binding.clusterId}\u0000${binding.segment}\u0000`,
      "utf8",
    ),
    typeof extra === "string" ? Buffer.from(extra, "utf8") : extra,
  ]);
}

function seal(key: Uint8Array, plaintext: Uint8Array, additional: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(additional);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, body, cipher.getAuthTag()]);
}

function open(key: Uint8Array, sealed: Uint8Array, additional: Buffer, what: string): Buffer {
  if (sealed.length < IV_BYTES + TAG_BYTES) throw new DecryptionError(`${what}: too short`);
  const buf = Buffer.from(sealed.buffer, sealed.byteOffset, sealed.byteLength);
  const iv = buf.subarray(0, IV_BYTES);
  const tag = buf.subarray(buf.length - TAG_BYTES);
  const decipher = createDecipheriv("aes-256-gcm", key, iv, { authTagLength: TAG_BYTES });
  decipher.setAAD(additional);
  decipher.setAuthTag(tag);
  try {
    return Buffer.concat([decipher.update(buf.subarray(IV_BYTES, buf.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new DecryptionError(`${what}: authentication failed`);
  }
}

/**
 * Envelope encryption for queue segments: each segment gets a random AES-256-GCM data key
 * (DEK), stored wrapped by the key-encryption key (KEK). The wrap is bound to tenant, cluster,
 * segment number and the segment header; each record to the same plus its index.
 */
export class EnvelopeCipher {
  readonly #kek: Buffer;

  constructor(kek: Uint8Array) {
    if (kek.length !== KEY_BYTES) throw new RangeError(`the key-encryption key must be ${KEY_BYTES} bytes`);
    this.#kek = Buffer.from(kek);
  }

  /** A fresh data key and its wrapped form for the segment's header. */
  newDataKey(binding: SegmentBinding, header: Buffer): { dek: Buffer; wrapped: Buffer } {
    const dek = randomBytes(KEY_BYTES);
    return { dek, wrapped: seal(this.#kek, dek, aad("dek", binding, header)) };
  }

  unwrapDataKey(binding: SegmentBinding, header: Buffer, wrapped: Uint8Array): Buffer {
    return open(this.#kek, wrapped, aad("dek", binding, header), `segment ${binding.segment} data key`);
  }

  sealRecord(dek: Uint8Array, binding: SegmentBinding, index: number, plaintext: Uint8Array): Buffer {
    return seal(dek, plaintext, aad("record", binding, String(index)));
  }

  openRecord(dek: Uint8Array, binding: SegmentBinding, index: number, sealed: Uint8Array): Buffer {
    return open(
      dek,
      sealed,
      aad("record", binding, String(index)),
      `segment ${binding.segment} record ${index}`,
    );
  }

  /** Overwrites the KEK in memory. */
  destroy(): void {
    this.#kek.fill(0);
  }
}

/**
 * Reads a KEK from the contents of a mounted Secret: 32 raw bytes, or 64 hex or 44 base64
 * characters (surrounding whitespace ignored).
 */
export function parseKek(contents: Buffer): Buffer {
  if (contents.length === KEY_BYTES) return Buffer.from(contents);
  const text = contents.toString("utf8").trim();
  if (/^[0-9a-fA-F]{64}$/.test(text)) return Buffer.from(text, "hex");
  const b64 = Buffer.from(text, "base64");
  if (b64.length === KEY_BYTES && /^[A-Za-z0-9+/]+={0,2}$/.test(text)) return b64;
  throw new RangeError("the key-encryption key must be 32 bytes: raw, 64 hex or base64 characters");
}
