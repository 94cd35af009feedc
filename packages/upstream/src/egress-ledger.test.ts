import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { handleEgressApi } from "./egress-api.js";
import { EgressLedger } from "./egress-ledger.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

function ledgerAt(dir: string, now: { t: number }, maxEntries = 10): EgressLedger {
  return EgressLedger.open({ dir, maxEntries, maxStoredFrameBytes: 64, clock: () => now.t });
}

describe("EgressLedger", () => {
  it("records what, when, size and category; survives a restart; stays bounded", () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-ledger-"));
    dirs.push(dir);
    const now = { t: 1000 };
    let ledger = ledgerAt(dir, now);
    for (let i = 0; i < 25; i++) {
      now.t += 10;
      ledger.record({
        messageId: `m${i}`,
        category: i % 2 === 0 ? "topology" : "symptoms",
        frame: i === 24 ? "x".repeat(200) : `{"n":${i}}`,
        resend: i === 3,
        summary: `message ${i}`,
      });
    }
    expect(ledger.size).toBe(10);
    ledger = ledgerAt(dir, now);
    expect(ledger.size).toBe(10);
    const all = ledger.list({ limit: 1000 });
    expect(all.map((e) => e.messageId)).toEqual(Array.from({ length: 10 }, (_, i) => `m${24 - i}`));
    expect(all[0]).toMatchObject({ bytes: 200, frameTruncated: true, atUnixMs: 1250, seq: 25 });
    expect(all[0]!.frame).toHaveLength(64);
    expect(all[0]!.sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(ledger.list({ category: "symptoms" }).every((e) => e.category === "symptoms")).toBe(true);
    expect(ledger.list({ sinceUnixMs: 1200 }).map((e) => e.messageId)).toEqual([
      "m24",
      "m23",
      "m22",
      "m21",
      "m20",
      "m19",
    ]);
    expect(ledger.list({ limit: 2 })).toHaveLength(2);
    expect(readdirSync(dir).sort()).toEqual(["egress-current.jsonl", "egress-previous.jsonl"]);
    // New entries continue the sequence after a restart.
    expect(
      ledger.record({ messageId: "m25", category: "evidence", frame: "{}", resend: false, summary: "" }).seq,
    ).toBe(26);
  });

  it("serves GET /api/v1/egress with validated parameters", () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-ledger-"));
    dirs.push(dir);
    const ledger = ledgerAt(dir, { t: 5 });
    ledger.record({ messageId: "a", category: "topology", frame: "{}", resend: false, summary: "s" });
    const get = (query: string) =>
      handleEgressApi(ledger, {
        method: "GET",
        path: "/api/v1/egress",
        searchParams: new URLSearchParams(query),
      });
    const ok = get("category=topology&limit=5&sinceUnixMs=0")!;
    expect(ok.status).toBe(200);
    expect((JSON.parse(ok.body) as { entries: unknown[] }).entries).toHaveLength(1);
    const bad = get("category=spans&limit=0&sinceUnixMs=yesterday")!;
    expect(bad.status).toBe(400);
    const body = JSON.parse(bad.body) as { error: { code: string; details: { problems: string[] } } };
    expect(body.error.code).toBe("CW_BAD_REQUEST");
    expect(body.error.details.problems).toHaveLength(3);
    expect(
      handleEgressApi(ledger, {
        method: "GET",
        path: "/api/v1/topology",
        searchParams: new URLSearchParams(),
      }),
    ).toBeUndefined();
    expect(
      JSON.parse(
        handleEgressApi(undefined, {
          method: "GET",
          path: "/api/v1/egress",
          searchParams: new URLSearchParams(),
        })!.body,
      ),
    ).toEqual({
      enabled: false,
      entries: [],
    });
  });
});
