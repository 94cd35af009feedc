import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseConfig, silentLogger } from "@causeway/runtime";
import { afterEach, describe, expect, it } from "vitest";
import { parseKek } from "./envelope-crypto.js";
import { upstreamConfigSchema } from "./forwarder-config.js";
import { createUpstreamForwarder } from "./from-config.js";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe("createUpstreamForwarder", () => {
  it("reads the token, KEK and hash key from their Secret files", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cw-from-config-"));
    dirs.push(dir);
    writeFileSync(join(dir, "token"), "  secret-token-value\n");
    writeFileSync(join(dir, "kek"), `${randomBytes(32).toString("base64")}\n`);
    writeFileSync(join(dir, "hash-key"), "a-hash-key-of-at-least-16-bytes");
    const config = parseConfig("mediator", upstreamConfigSchema, {
      enabled: true,
      url: "wss://127.0.0.1:9/ingest",
      tenantId: "acme",
      clusterId: "prod",
      tokenFile: join(dir, "token"),
      kekFile: join(dir, "kek"),
      queue: { dir: join(dir, "queue") },
      masking: { hashKeyFile: join(dir, "hash-key") },
    });
    const forwarder = createUpstreamForwarder(config, { log: silentLogger() });
    forwarder.offerSymptoms([
      { entityId: "pod/a/ana@example.com", type: "pod_pending", active: true, sinceUnixMs: 1 },
    ]);
    expect(forwarder.pendingMessages()).toBe(1);
    await forwarder.close();
    expect(() => createUpstreamForwarder({ ...config, enabled: false }, { log: silentLogger() })).toThrow(
      /not enabled/,
    );
  });

  it("accepts a KEK as 32 raw bytes, 64 hex or base64 characters, nothing else", () => {
    const key = randomBytes(32);
    expect(parseKek(key)).toEqual(key);
    expect(parseKek(Buffer.from(`${key.toString("hex")}\n`))).toEqual(key);
    expect(parseKek(Buffer.from(key.toString("base64")))).toEqual(key);
    expect(() => parseKek(Buffer.from("too-short"))).toThrow(RangeError);
  });
});
