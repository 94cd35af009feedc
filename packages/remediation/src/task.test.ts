import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { generateSigningKey } from "@causeway/audit";
import { SignedTask, Task } from "@causeway/protocol";
import { describe, expect, it } from "vitest";
import { changeSha256, parseRemediationChange, type RemediationChange } from "./change.js";
import { NonceStore } from "./nonce-store.js";
import { requiredAccess } from "./scope.js";
import { MAX_APPROVAL_TTL_MS, buildTask, createApproval, signTask, verifySignedTask } from "./task.js";

const change: RemediationChange = {
  action: "set-resources",
  target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
  container: "app",
  resources: { limits: { memory: "768Mi" } },
};
const NOW = 1_763_870_400_000;
const key = generateSigningKey();

function signed(options: { ttlMs?: number; mutate?: (t: Task) => Task } = {}) {
  const approval = createApproval({ remediationId: "r1", change, approver: "alice", nowMs: NOW, ...options });
  let task = buildTask(approval, change, "ab".repeat(32));
  if (options.mutate) task = options.mutate(task);
  return signTask(task, key);
}

describe("remediation changes", () => {
  it("hash the same regardless of key order", () => {
    const reordered = JSON.parse(
      '{"resources":{"limits":{"memory":"768Mi"}},"container":"app","target":{"name":"checkout","namespace":"shop","kind":"Deployment","apiVersion":"apps/v1"},"action":"set-resources"}',
    ) as RemediationChange;
    expect(changeSha256(reordered)).toBe(changeSha256(change));
  });

  it("list every problem of a bad change", () => {
    const result = parseRemediationChange({
      action: "scale",
      target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "Bad_NS", name: "x" },
      replicas: -1,
    });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.problems.join("\n")).toMatch(/target\.namespace/);
      expect(result.problems.join("\n")).toMatch(/replicas/);
    }
  });

  it("map to the exact access the executor must hold", () => {
    expect(requiredAccess(change)).toEqual([
      { verb: "patch", group: "apps", resource: "deployments", namespace: "shop", name: "checkout" },
    ]);
    expect(
      requiredAccess({ action: "cordon", target: { apiVersion: "v1", kind: "Node", name: "n1" } }),
    ).toEqual([{ verb: "patch", group: "", resource: "nodes", name: "n1" }]);
  });
});

describe("signed tasks", () => {
  it("verify once and are refused when replayed", async () => {
    const nonces = NonceStore.inMemory();
    const task = signed();
    const first = await verifySignedTask(task, { publicKeys: [key.publicKey], nonces, nowMs: NOW + 1000 });
    expect(first).toMatchObject({ ok: true, change });
    const again = await verifySignedTask(task, { publicKeys: [key.publicKey], nonces, nowMs: NOW + 2000 });
    expect(again).toMatchObject({ ok: false, reason: "replayed" });
  });

  it("are refused once expired", async () => {
    const result = await verifySignedTask(signed({ ttlMs: 60_000 }), {
      publicKeys: [key.publicKey],
      nonces: NonceStore.inMemory(),
      nowMs: NOW + 60_000,
    });
    expect(result).toMatchObject({ ok: false, reason: "expired" });
  });

  it("cannot be approved for longer than 15 minutes", () => {
    expect(() => signed({ ttlMs: MAX_APPROVAL_TTL_MS + 1 })).toThrow(RangeError);
  });

  it("are refused when signed by another key", async () => {
    const other = generateSigningKey();
    const task = signed();
    const forged = SignedTask.fromPartial({
      ...task,
      signature: signTask(Task.decode(task.task), other).signature,
    });
    const result = await verifySignedTask(forged, {
      publicKeys: [key.publicKey],
      nonces: NonceStore.inMemory(),
      nowMs: NOW,
    });
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
    const unknown = await verifySignedTask(signTask(Task.decode(task.task), other), {
      publicKeys: [key.publicKey],
      nonces: NonceStore.inMemory(),
      nowMs: NOW,
    });
    expect(unknown).toMatchObject({ ok: false, reason: "unknown-key" });
  });

  it("are refused when the bytes were changed after signing", async () => {
    const task = signed();
    const decoded = Task.decode(task.task);
    const tampered = Task.encode({
      ...decoded,
      changeJson: decoded.changeJson.replace("768Mi", "64Gi"),
    }).finish();
    const result = await verifySignedTask(SignedTask.fromPartial({ ...task, task: Buffer.from(tampered) }), {
      publicKeys: [key.publicKey],
      nonces: NonceStore.inMemory(),
      nowMs: NOW,
    });
    expect(result).toMatchObject({ ok: false, reason: "bad-signature" });
  });

  it("are refused when the signed change does not match its approved hash", async () => {
    const task = signed({
      mutate: (t) => ({ ...t, changeJson: t.changeJson.replace("768Mi", "64Gi") }),
    });
    const result = await verifySignedTask(task, {
      publicKeys: [key.publicKey],
      nonces: NonceStore.inMemory(),
      nowMs: NOW,
    });
    expect(result).toMatchObject({ ok: false, reason: "change-mismatch" });
  });

  it("remember used nonces across a restart", async () => {
    const dir = await mkdtemp(join(tmpdir(), "causeway-nonce-"));
    try {
      const path = join(dir, "nonces");
      const task = signed();
      const store = await NonceStore.open(path, NOW);
      expect(
        await verifySignedTask(task, { publicKeys: [key.publicKey], nonces: store, nowMs: NOW }),
      ).toMatchObject({
        ok: true,
      });
      await store.close();
      const reopened = await NonceStore.open(path, NOW);
      expect(
        await verifySignedTask(task, { publicKeys: [key.publicKey], nonces: reopened, nowMs: NOW + 1 }),
      ).toMatchObject({ ok: false, reason: "replayed" });
      await reopened.close();
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
