// The reference receiver as users run it: `causeway-upstream-receiver` from its CLI entry point, with
// a forwarder sending to it, and a clear error listing every missing setting.
import { spawn, spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { Masker } from "@causeway/masking";
import { findFreePort, waitFor } from "@causeway/testkit";
import { UpstreamForwarder, generateSelfSignedCertificate, sha256Hex } from "@causeway/upstream";
import { afterAll, describe, expect, it } from "vitest";
import { filesUnder, tempDir } from "./privacy-harness.js";

const CLI = join(import.meta.dirname, "..", "..", "packages", "upstream", "src", "cli", "receiver.ts");
const work = tempDir("cw-receiver-cli-");
afterAll(() => work.remove());

const run = (args: string[]) =>
  spawn(process.execPath, ["--conditions=source", "--import", "tsx", CLI, ...args], {
    cwd: join(import.meta.dirname, "..", ".."),
    stdio: ["ignore", "pipe", "pipe"],
  });

describe("causeway-upstream-receiver", () => {
  it("fails at start listing every missing setting", () => {
    const result = spawnSync(process.execPath, ["--conditions=source", "--import", "tsx", CLI], {
      cwd: join(import.meta.dirname, "..", ".."),
      encoding: "utf8",
    });
    expect(result.status).toBe(1);
    for (const key of ["tlsCertFile", "tlsKeyFile", "tenantsFile"]) expect(result.stderr).toContain(key);
  });

  it("receives and stores a forwarder's messages under the tenant's prefix", async () => {
    const tls = generateSelfSignedCertificate();
    const token = randomBytes(16).toString("hex");
    writeFileSync(join(work.path, "cert.pem"), tls.cert);
    writeFileSync(join(work.path, "key.pem"), tls.key);
    writeFileSync(
      join(work.path, "tenants.json"),
      JSON.stringify([{ tenantId: "hooli", tokenSha256: sha256Hex(token) }]),
    );
    const port = await findFreePort();
    const dataDir = join(work.path, "data");
    const child = run([
      `--listenAddress=127.0.0.1:${port}`,
      `--tlsCertFile=${join(work.path, "cert.pem")}`,
      `--tlsKeyFile=${join(work.path, "key.pem")}`,
      `--tenantsFile=${join(work.path, "tenants.json")}`,
      `--dataDir=${dataDir}`,
    ]);
    let out = "";
    child.stdout.on("data", (c: Buffer) => (out += c.toString()));
    try {
      await waitFor(() => out.includes("upstream receiver listening"), {
        what: "receiver started",
        timeoutMs: 30_000,
      });
      const forwarder = new UpstreamForwarder({
        url: `wss://127.0.0.1:${port}`,
        tenantId: "hooli",
        clusterId: "c1",
        token,
        kek: randomBytes(32),
        queueDir: join(work.path, "queue"),
        maxQueueBytes: 1024 * 1024,
        masker: new Masker(),
        labelAllowlist: [],
        ca: tls.cert,
      });
      forwarder.start();
      forwarder.offerSymptoms([
        { entityId: "node/n1", type: "node_not_ready", active: true, sinceUnixMs: 1 },
      ]);
      await waitFor(() => forwarder.pendingMessages() === 0, { what: "acknowledged" });
      await forwarder.close();
      const files = filesUnder(dataDir).map((f) => f.slice(dataDir.length + 1));
      expect(files).toHaveLength(1);
      expect(files[0]).toMatch(new RegExp(`^t-${Buffer.from("hooli").toString("hex")}/c1/symptoms/`));
      expect(out).not.toContain(token);
    } finally {
      child.kill("SIGTERM");
      await new Promise((resolve) => child.once("exit", resolve));
    }
  });
});
