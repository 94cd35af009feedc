import { mkdtempSync, rmSync } from "node:fs";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { waitFor } from "@causeway/testkit";
import WebSocket from "ws";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { UpstreamReceiver, sha256Hex } from "./reference-receiver.js";
import { generateSelfSignedCertificate, type CertificateAndKey } from "./self-signed-cert.js";
import { FileTenantStore } from "./tenant-store.js";

const TOKEN_A = "tenant-a-token-aaaaaaaaaaaa";
const TOKEN_B = "tenant-b-token-bbbbbbbbbbbb";
let tls: CertificateAndKey;
let receiver: UpstreamReceiver;
let dir: string;

beforeAll(async () => {
  tls = generateSelfSignedCertificate();
  dir = mkdtempSync(join(tmpdir(), "cw-receiver-"));
  receiver = await UpstreamReceiver.start({
    tls,
    tenants: [
      { tenantId: "a", tokenSha256: sha256Hex(TOKEN_A) },
      { tenantId: "b", tokenSha256: sha256Hex(TOKEN_B) },
    ],
    store: new FileTenantStore(dir),
  });
  // Tenant a stores one message for cluster "shared-name".
  const ws = new WebSocket(receiver.url, {
    ca: tls.cert,
    headers: {
      authorization: `Bearer ${TOKEN_A}`,
      "x-causeway-tenant": "a",
      "x-causeway-cluster": "shared-name",
    },
  });
  await new Promise((resolve) => ws.once("open", resolve));
  const acked = new Promise((resolve) => ws.once("message", resolve));
  ws.send(
    JSON.stringify({
      type: "data",
      id: "msg-1",
      tenantId: "a",
      clusterId: "shared-name",
      category: "topology",
      createdUnixMs: 1,
      body: { upsertEntities: [{ id: "node/secret-of-a" }] },
    }),
  );
  await acked;
  ws.close();
});
afterAll(async () => {
  await receiver.close();
  rmSync(dir, { recursive: true, force: true });
});

function call(
  method: string,
  path: string,
  token?: string,
  body?: unknown,
): Promise<{ status: number; json: unknown }> {
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: "127.0.0.1",
        port: receiver.port,
        method,
        path,
        ca: tls.cert,
        headers: {
          ...(token ? { authorization: `Bearer ${token}` } : {}),
          "content-type": "application/json",
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () =>
          resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString()) }),
        );
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

describe("reference receiver query API", () => {
  it("returns a tenant's own messages only; the same cluster name under another tenant is empty", async () => {
    const a = await call("GET", "/api/v1/clusters/shared-name/messages", TOKEN_A);
    expect(a.status).toBe(200);
    expect(JSON.stringify(a.json)).toContain("secret-of-a");
    const b = await call("GET", "/api/v1/clusters/shared-name/messages", TOKEN_B);
    expect(b).toEqual({ status: 200, json: { messages: [] } });
  });

  it("answers errors with stable codes", async () => {
    expect(await call("GET", "/api/v1/clusters/shared-name/messages")).toMatchObject({
      status: 401,
      json: { error: { code: "CW_UNAUTHENTICATED" } },
    });
    expect(await call("GET", "/api/v1/clusters/shared-name/messages?category=spans", TOKEN_A)).toMatchObject({
      status: 400,
      json: { error: { code: "CW_BAD_REQUEST" } },
    });
    expect(await call("GET", "/api/v1/clusters/..%2F..%2Fetc/messages", TOKEN_A)).toMatchObject({
      status: 404,
    });
    expect(
      await call("POST", "/api/v1/clusters/offline/evidence-requests", TOKEN_A, { rootCauseId: "rc" }),
    ).toMatchObject({
      status: 503,
      json: { error: { code: "CW_UNAVAILABLE" } },
    });
    expect(await call("POST", "/api/v1/clusters/offline/evidence-requests", TOKEN_A, {})).toMatchObject({
      status: 400,
    });
  });

  it("sends an evidence request to the tenant's connected mediator", async () => {
    const ws = new WebSocket(receiver.url, {
      ca: tls.cert,
      headers: { authorization: `Bearer ${TOKEN_B}`, "x-causeway-tenant": "b", "x-causeway-cluster": "east" },
    });
    const frames: unknown[] = [];
    ws.on("message", (d) => frames.push(JSON.parse(String(d))));
    await new Promise((resolve) => ws.once("open", resolve));
    await waitFor(() => receiver.connected("b", "east"), { what: "session" });
    const res = await call("POST", "/api/v1/clusters/east/evidence-requests", TOKEN_B, {
      rootCauseId: "rc-9",
      windowMs: 60000,
    });
    expect(res.status).toBe(202);
    await waitFor(() => frames.length === 1, { what: "request frame" });
    expect(frames[0]).toMatchObject({ type: "evidence_request", rootCauseId: "rc-9", windowMs: 60000 });
    // Tenant a cannot reach tenant b's mediator, whatever cluster name it uses.
    expect(
      (await call("POST", "/api/v1/clusters/east/evidence-requests", TOKEN_A, { rootCauseId: "rc-9" }))
        .status,
    ).toBe(503);
    ws.close();
  });
});
