import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { AuditLog, generateSigningKey } from "@causeway/audit";
import { RemediationLifecycle, handleRemediationApi, type AccessReviewer } from "@causeway/remediation";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCommand } from "./commands.js";
import { MediatorClient } from "./mediator-client.js";

const reviewer: AccessReviewer = {
  async authenticate(token) {
    return token === "alice-token"
      ? { username: "alice", groups: [] }
      : token === "bob-token"
        ? { username: "bob", groups: [] }
        : undefined;
  },
  async authorize(user) {
    return { allowed: user.username === "alice", reason: "" };
  },
};

let dir: string;
let server: Server;
let url: string;
let lifecycle: RemediationLifecycle;
let audit: AuditLog;
const key = generateSigningKey();

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-cli-"));
  audit = await AuditLog.open({ path: join(dir, "audit"), signingKey: key, checkpointEveryRecords: 2 });
  lifecycle = new RemediationLifecycle({ audit, signingKey: key, reviewer });
  const pem = key.publicKey.export({ type: "spki", format: "pem" }).toString();
  server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const text = Buffer.concat(chunks).toString();
      void handleRemediationApi(lifecycle, audit, pem, {
        method: req.method ?? "GET",
        path: (req.url ?? "/").split("?")[0] ?? "/",
        authorization: req.headers.authorization,
        body: text ? JSON.parse(text) : undefined,
      }).then((r) => {
        res.writeHead(r?.status ?? 404, { "content-type": r?.contentType ?? "application/json" });
        res.end(r?.body ?? '{"error":{"code":"CW_NOT_FOUND","message":"no route"}}');
      });
    });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", () => r()));
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  await audit.close();
  await rm(dir, { recursive: true, force: true });
});

function capture() {
  const lines: string[] = [];
  const errors: string[] = [];
  return { lines, errors, output: { out: (l: string) => lines.push(l), err: (l: string) => errors.push(l) } };
}

describe("causeway CLI", () => {
  it("lists, shows and approves a remediation as the kubeconfig user, then verifies the audit trail", async () => {
    const r = await lifecycle.propose({
      change: {
        action: "scale",
        target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" },
        replicas: 3,
      },
      reason: "under-provisioned",
    });
    const kubeconfig = join(dir, "kubeconfig");
    await writeFile(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: sim",
        "contexts: [{name: sim, context: {cluster: sim, user: alice}}]",
        "clusters: [{name: sim, cluster: {server: 'https://127.0.0.1:6443'}}]",
        "users: [{name: alice, user: {token: alice-token}}]",
      ].join("\n"),
    );
    const cli = fileURLToPath(new URL("./cli/main.ts", import.meta.url));
    const run = (...args: string[]) =>
      promisify(execFile)(process.execPath, [
        "--conditions=source",
        "--import",
        "tsx",
        cli,
        "--mediator-url",
        url,
        "--kubeconfig",
        kubeconfig,
        ...args,
      ]).then(
        (x) => ({ code: 0, out: x.stdout, err: x.stderr }),
        (e: { code: number; stdout: string; stderr: string }) => ({
          code: e.code,
          out: e.stdout,
          err: e.stderr,
        }),
      );

    const list = await run("remediations", "list");
    expect(list.code).toBe(0);
    expect(list.out).toMatch(new RegExp(`${r.id}\\s+proposed\\s+scale\\s+Deployment/shop/web`));

    const approved = await run("remediations", "approve", r.id);
    expect(approved).toMatchObject({ code: 0, out: expect.stringMatching(new RegExp(`${r.id} approved`)) });
    expect(lifecycle.get(r.id)).toMatchObject({ state: "approved", approval: { approver: "alice" } });

    const again = await run("remediations", "approve", r.id);
    expect(again).toMatchObject({ code: 1, err: expect.stringMatching(/CW_CONFLICT/) });

    const pub = join(dir, "pub.pem");
    await writeFile(pub, key.publicKey.export({ type: "spki", format: "pem" }));
    const verified = await run("audit", "verify", "--public-key", pub);
    expect(verified).toMatchObject({
      code: 0,
      out: expect.stringMatching(/audit trail verifies: 3 records, 1 signed checkpoints/),
    });
  });

  it("refuses an approver without the permission, with the stable error code", async () => {
    const r = await lifecycle.propose({
      change: {
        action: "delete-pod",
        target: { apiVersion: "v1", kind: "Pod", namespace: "shop", name: "web-1" },
      },
      reason: "stuck",
    });
    const c = capture();
    await expect(
      runCommand(
        ["remediations", "approve", r.id],
        {},
        { client: async () => new MediatorClient(url, "bob-token"), output: c.output, json: false },
      ),
    ).rejects.toMatchObject({ status: 403, code: "CW_FORBIDDEN" });
    expect(lifecycle.get(r.id).state).toBe("proposed");
  });

  it("needs a reason to reject and exports the trail", async () => {
    const r = await lifecycle.propose({
      change: { action: "cordon", target: { apiVersion: "v1", kind: "Node", name: "node-a" } },
      reason: "disk pressure",
    });
    const ctx = { client: async () => new MediatorClient(url, "alice-token"), json: false };
    const c1 = capture();
    expect(await runCommand(["remediations", "reject", r.id], {}, { ...ctx, output: c1.output })).toBe(2);
    const c2 = capture();
    expect(
      await runCommand(
        ["remediations", "reject", r.id],
        { reason: "false alarm" },
        { ...ctx, output: c2.output },
      ),
    ).toBe(0);
    const c3 = capture();
    expect(await runCommand(["audit", "export"], {}, { ...ctx, output: c3.output })).toBe(0);
    expect(c3.lines.join("\n")).toMatch(/"type":"rejection"/);
  });
});
