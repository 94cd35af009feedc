import { execFile } from "node:child_process";
import { mkdtemp, readFile, rm, writeFile, appendFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { AuditIntegrityError, AuditLog } from "./audit-log.js";
import { hashAuditRecord, type AuditRecord } from "./record.js";
import { generateSigningKey, type SigningKey } from "./signing-key.js";
import { parseAuditNdjson, verifyAuditTrail } from "./verify.js";

let dir: string;
let key: SigningKey;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-audit-"));
  key = generateSigningKey();
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function filledTrail(
  records: number,
  checkpointEveryRecords = 0,
): Promise<{ path: string; lines: string[] }> {
  const path = join(dir, "audit.ndjson");
  const log = await AuditLog.open({
    path,
    signingKey: key,
    checkpointEveryRecords,
    clock: () => 1_700_000_000_000,
  });
  for (let i = 0; i < records; i++) {
    await log.append({ type: "proposal", actor: "mediator", subject: `remediation/r${i}`, data: { i } });
  }
  await log.close();
  const lines = (await readFile(path, "utf8")).trimEnd().split("\n");
  return { path, lines };
}

function verifyLines(lines: readonly string[]): ReturnType<typeof verifyAuditTrail> {
  return verifyAuditTrail(parseAuditNdjson(lines.join("\n")), { publicKeys: [key.publicKey] });
}

describe("AuditLog", () => {
  it("chains records, persists them and reopens verified", async () => {
    const { path } = await filledTrail(5);
    const log = await AuditLog.open({ path, signingKey: key });
    expect(log.size).toBe(5);
    const r = await log.append({
      type: "approval",
      actor: "alice",
      subject: "remediation/r1",
      data: { nonce: "n" },
    });
    expect(r.seq).toBe(6);
    expect(r.prevHash).toBe(log.records()[4]?.hash);
    const result = verifyAuditTrail(parseAuditNdjson(log.exportNdjson()), { publicKeys: [key.publicKey] });
    expect(result).toMatchObject({ ok: true, count: 6 });
    await log.close();
  });

  it("serialises concurrent appends in call order", async () => {
    const log = await AuditLog.open({
      path: join(dir, "a.ndjson"),
      signingKey: key,
      checkpointEveryRecords: 0,
    });
    const appended = await Promise.all(
      Array.from({ length: 20 }, (_, i) => log.append({ type: "dispatch", actor: "m", subject: `t${i}` })),
    );
    expect(appended.map((r) => r.subject)).toEqual(Array.from({ length: 20 }, (_, i) => `t${i}`));
    expect(appended.map((r) => r.seq)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    await log.close();
  });

  it("writes signed checkpoints periodically", async () => {
    const { lines } = await filledTrail(10, 4);
    const types = lines.map((l) => (JSON.parse(l) as AuditRecord).type);
    expect(types.filter((t) => t === "checkpoint")).toHaveLength(2);
    expect(verifyLines(lines)).toMatchObject({ ok: true, checkpoints: 2 });
  });

  it("names the record that was edited", async () => {
    const { lines } = await filledTrail(6);
    const edited = [...lines];
    edited[3] = (edited[3] as string).replace('"i":3', '"i":33');
    expect(verifyLines(edited)).toMatchObject({ ok: false, index: 3, reason: expect.stringMatching(/hash/) });
  });

  it("names the position of a removed record", async () => {
    const { lines } = await filledTrail(6);
    const removed = lines.filter((_, i) => i !== 2);
    expect(verifyLines(removed)).toMatchObject({ ok: false, index: 2, seq: 4 });
  });

  it("names the first of two reordered records", async () => {
    const { lines } = await filledTrail(6);
    const reordered = [...lines];
    [reordered[1], reordered[4]] = [reordered[4] as string, reordered[1] as string];
    expect(verifyLines(reordered)).toMatchObject({ ok: false, index: 1, seq: 5 });
  });

  it("catches a forger who re-hashes the chain, through the checkpoint signature", async () => {
    const { lines } = await filledTrail(6, 3);
    const records = lines.map((l) => JSON.parse(l) as AuditRecord & { data: Record<string, unknown> });
    // Rewrite record 2 and recompute every hash after it so the chain itself is consistent again.
    records[1] = { ...records[1]!, data: { i: 999 } };
    for (let i = 1; i < records.length; i++) {
      const prevHash = records[i - 1]!.hash;
      const body = { ...records[i]!, prevHash };
      if (body.type === "checkpoint") body.data = { ...body.data, coveredHash: prevHash };
      records[i] = { ...body, hash: hashAuditRecord(body) };
    }
    const result = verifyLines(records.map((r) => JSON.stringify(r)));
    expect(result).toMatchObject({ ok: false, index: 3, reason: "checkpoint signature is invalid" });
  });

  it("rejects checkpoints signed by another key", async () => {
    const { lines } = await filledTrail(4, 2);
    const other = generateSigningKey();
    const result = verifyAuditTrail(parseAuditNdjson(lines.join("\n")), { publicKeys: [other.publicKey] });
    expect(result).toMatchObject({ ok: false, index: 2, reason: expect.stringMatching(/unknown key/) });
  });

  it("refuses to open, and so to append to, a tampered trail", async () => {
    const { path, lines } = await filledTrail(4);
    await writeFile(path, lines.filter((_, i) => i !== 1).join("\n") + "\n");
    await expect(AuditLog.open({ path, signingKey: key })).rejects.toBeInstanceOf(AuditIntegrityError);
  });

  it("drops an incomplete last line left by a crash and keeps going", async () => {
    const { path } = await filledTrail(3);
    await appendFile(path, '{"seq":4,"timeUnix');
    const log = await AuditLog.open({ path, signingKey: key });
    expect(log.size).toBe(3);
    expect((await log.append({ type: "pause", actor: "bob", subject: "executor" })).seq).toBe(4);
    await log.close();
    expect(verifyLines((await readFile(path, "utf8")).trimEnd().split("\n"))).toMatchObject({
      ok: true,
      count: 4,
    });
  });

  it("has a CLI that exits non-zero on a bad trail", async () => {
    const { path, lines } = await filledTrail(3, 2);
    const pub = join(dir, "pub.pem");
    await writeFile(pub, key.publicKey.export({ type: "spki", format: "pem" }));
    const cli = fileURLToPath(new URL("./cli/verify.ts", import.meta.url));
    const run = (file: string) =>
      promisify(execFile)(process.execPath, ["--import", "tsx", cli, file, "--public-key", pub]).then(
        (r) => ({ code: 0, out: r.stdout }),
        (e: { code: number; stderr: string }) => ({ code: e.code, out: e.stderr }),
      );
    expect(await run(path)).toMatchObject({
      code: 0,
      out: expect.stringMatching(/^ok: 4 records, 1 checkpoints/),
    });
    await writeFile(path, [lines[0], lines[2], lines[1]].join("\n") + "\n");
    expect(await run(path)).toMatchObject({ code: 1, out: expect.stringMatching(/FAILED at record 2/) });
  });
});
