import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { AuditLog, canonicalJson as auditCanonicalJson, generateSigningKey } from "@causeway/audit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalJson } from "./canonical-json.js";
import { parseNdjson } from "./ndjson.js";
import { pemToDer, verifyAuditChain } from "./verify-chain.js";

const subtle = globalThis.crypto.subtle;
let dir: string;
let ndjson: string;
let publicKeyPem: string;

beforeAll(async () => {
  // A real trail from @causeway/audit, with signed checkpoints every 3 records.
  dir = await mkdtemp(join(tmpdir(), "causeway-ui-audit-"));
  const key = generateSigningKey();
  publicKeyPem = key.publicKey.export({ type: "spki", format: "pem" }).toString();
  const log = await AuditLog.open({
    path: join(dir, "audit.ndjson"),
    signingKey: key,
    checkpointEveryRecords: 3,
  });
  for (let i = 0; i < 8; i++) {
    await log.append({
      type: i % 2 === 0 ? "proposal" : "approval",
      actor: i % 2 === 0 ? "mediator" : "alice",
      subject: `remediation/r-${i}`,
      data: { n: i, nested: { z: [1, "two", null], a: "ünïcødé \u2028" }, empty: {} },
    });
  }
  ndjson = log.exportNdjson();
  await log.close();
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function records(): Record<string, unknown>[] {
  return parseNdjson(ndjson).values.map((v) => v.value as Record<string, unknown>);
}

describe("canonicalJson", () => {
  it("gives the same bytes as @causeway/audit's", () => {
    for (const value of [
      null,
      true,
      0,
      -1.5e-7,
      'a"b\\c\n\u2028',
      [],
      [1, undefined, { b: 2, a: 1 }],
      { z: 1, a: { y: [true, false], b: null }, é: "x", A: undefined, "10": 1, "9": 2 },
      ...records(),
    ]) {
      expect(canonicalJson(value)).toBe(auditCanonicalJson(value));
    }
    expect(() => canonicalJson(Number.NaN)).toThrow();
  });
});

describe("parseNdjson", () => {
  it("parses every line, skips blank ones and reports bad ones by number", () => {
    const parsed = parseNdjson('{"a":1}\r\n\n  \n{bad\n[2]\n"x"\n');
    expect(parsed.values).toEqual([
      { line: 1, value: { a: 1 } },
      { line: 5, value: [2] },
      { line: 6, value: "x" },
    ]);
    expect(parsed.problems).toHaveLength(1);
    expect(parsed.problems[0]).toMatchObject({ line: 4, text: "{bad" });
    expect(parseNdjson("").values).toEqual([]);
  });
});

describe("verifyAuditChain", () => {
  it("verifies a real trail: chain, hashes and checkpoint signatures", async () => {
    const all = records();
    expect(all.filter((r) => r.type === "checkpoint").length).toBeGreaterThanOrEqual(2);
    const result = await verifyAuditChain(all, { subtle, publicKeyPem });
    expect(result).toMatchObject({ ok: true, count: all.length, signaturesChecked: true });
    expect(result.ok && result.headHash).toBe(all.at(-1)?.hash);
    expect(result.ok && result.checkpoints).toBe(all.filter((r) => r.type === "checkpoint").length);
    const unsigned = await verifyAuditChain(all, { subtle });
    expect(unsigned).toMatchObject({ ok: true, signaturesChecked: false });
    expect(pemToDer(publicKeyPem).length).toBe(44);
  });

  it("names the first edited, removed, reordered or forged record", async () => {
    const edited = records();
    (edited[2] as { actor: string }).actor = "mallory";
    expect(await verifyAuditChain(edited, { subtle, publicKeyPem })).toMatchObject({
      ok: false,
      index: 2,
      seq: 3,
      reason: "hash does not match the record's content",
    });

    const removed = records();
    removed.splice(1, 1);
    expect(await verifyAuditChain(removed, { subtle, publicKeyPem })).toMatchObject({ ok: false, index: 1 });

    const swapped = records();
    [swapped[0], swapped[1]] = [swapped[1] as Record<string, unknown>, swapped[0] as Record<string, unknown>];
    expect(await verifyAuditChain(swapped, { subtle, publicKeyPem })).toMatchObject({ ok: false, index: 0 });

    const other = generateSigningKey().publicKey.export({ type: "spki", format: "pem" }).toString();
    const wrongKey = await verifyAuditChain(records(), { subtle, publicKeyPem: other });
    expect(wrongKey).toMatchObject({ ok: false, reason: expect.stringMatching(/unknown key/) });

    const forged = records();
    const cp = forged.findIndex((r) => r.type === "checkpoint");
    const data = forged[cp]?.data as Record<string, unknown>;
    const sig = Buffer.from(data.signature as string, "base64");
    sig[0] = (sig[0] as number) ^ 1;
    data.signature = sig.toString("base64");
    // The record's own hash covers the signature, so re-hash it as a forger would.
    const { hashAuditRecord } = await import("@causeway/audit");
    const r = forged[cp] as Record<string, unknown>;
    r.hash = hashAuditRecord(r as never);
    for (let i = cp + 1; i < forged.length; i++) {
      const next = forged[i] as Record<string, unknown>;
      next.prevHash = (forged[i - 1] as Record<string, unknown>).hash;
      if (next.type === "checkpoint") (next.data as Record<string, unknown>).coveredHash = next.prevHash;
      next.hash = hashAuditRecord(next as never);
    }
    expect(await verifyAuditChain(forged, { subtle, publicKeyPem })).toMatchObject({
      ok: false,
      index: cp,
      reason: "checkpoint signature is invalid",
    });
    expect(await verifyAuditChain(["not an object"], { subtle })).toMatchObject({ ok: false, index: 0 });
  });
});
