import { createHmac } from "node:crypto";

/** Hex characters of the HMAC kept in a keyed replacement such as `[EMAIL:3f9a1c2b]`. */
export const KEYED_HASH_HEX_CHARS = 8;

/**
 * The form of a matched value that is hashed, so that the same person's data joins across
 * formats: emails in lower case; card, phone and CPF numbers as bare digits; anything else as is.
 */
export function normalizeForHash(label: string, value: string): string {
  switch (label) {
    case "EMAIL":
      return value.toLowerCase();
    case "CREDIT_CARD":
    case "PHONE":
    case "CPF":
      return value.replace(/\D/g, "");
    default:
      return value;
  }
}

/**
 * `[LABEL:hash]` with an HMAC-SHA-256 under `key`: equal values give equal replacements, so
 * masked data can still be joined, while nobody without the key can test a guess.
 */
export function keyedReplacement(key: Uint8Array, label: string, value: string): string {
  const mac = createHmac("sha256", key)
    .update(`${label}\u0000${normalizeForHash(label, value)}`)
    .digest("hex");
  return `[${label}:${mac.slice(0, KEYED_HASH_HEX_CHARS)}]`;
}
