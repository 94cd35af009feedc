// Issue 9 end to end against kube-sim: a proposal approved through the CLI by a user holding
// `approve` is executed by the executor with a per-task token, the Deployment changes, the audit
// trail verifies; every refusal leaves the cluster unchanged and is audited; the per-task token is
// refused once the task ends and never reaches the data directory or the logs.
import { execFile } from "node:child_process";
import { createServer, type Server } from "node:http";
import { mkdtemp, readdir, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { promisify } from "node:util";
import { fileURLToPath } from "node:url";
import {
  AuditLog,
  generateSigningKey,
  parseAuditNdjson,
  verifyAuditTrail,
  type SigningKey,
} from "@causeway/audit";
import { KubeClient, SafetyPolicy, TaskRunner, ExecutorSession, type KubeRequest } from "@causeway/executor";
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { ExecutorServiceService, SignedTask, Task } from "@causeway/protocol";
import {
  ACTION_RBAC,
  NonceStore,
  RemediationLifecycle,
  actionServiceAccountName,
  buildTask,
  createApproval,
  executorServiceHandlers,
  handleRemediationApi,
  kubeAccessReviewer,
  signTask,
  type RemediationChange,
} from "@causeway/remediation";
import { createLogger } from "@causeway/runtime";
import { TestGrpcServer, waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const EXECUTOR_NS = "causeway";
let sim: RunningKubeSim;
let dir: string;
let audit: AuditLog;
let key: SigningKey;
let lifecycle: RemediationLifecycle;
let http: Server;
let mediatorUrl: string;
let grpc: TestGrpcServer;
let session: ExecutorSession;
let safety: SafetyPolicy;
const usedTokens = new Set<string>();
const logLines: string[] = [];
let clockOffsetMs = 0;

async function admin(
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- Kubernetes objects, read loosely
): Promise<any> {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${sim.adminToken}`,
      ...(body !== undefined ? { "content-type": contentType } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const json = await res.json();
  if (res.status >= 300) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

async function tokenFor(namespace: string, sa: string, audiences?: string[]): Promise<string> {
  const tr = await admin("POST", `/api/v1/namespaces/${namespace}/serviceaccounts/${sa}/token`, {
    spec: { expirationSeconds: 3600, ...(audiences ? { audiences } : {}) },
  });
  return tr.status.token as string;
}

const rbac = (kind: string, metadata: Record<string, unknown>, rest: Record<string, unknown>) => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind,
  metadata,
  ...rest,
});

async function deploymentLimit(name: string, namespace = "shop"): Promise<{ memory: string; rv: string }> {
  const d = await admin("GET", `/apis/apps/v1/namespaces/${namespace}/deployments/${name}`);
  return {
    memory: d.spec.template.spec.containers[0].resources?.limits?.memory ?? "",
    rv: d.metadata.resourceVersion,
  };
}

function setResources(name: string, memory: string, namespace = "shop"): RemediationChange {
  return {
    action: "set-resources",
    target: { apiVersion: "apps/v1", kind: "Deployment", namespace, name },
    container: "app",
    resources: { limits: { memory } },
  };
}

/** Waits for a remediation to reach a final state. */
async function settled(id: string): Promise<string> {
  return waitFor(
    () => {
      const s = lifecycle.get(id).state;
      return ["verified", "rolled-back", "failed", "refused", "succeeded"].includes(s) ? s : undefined;
    },
    { what: `remediation ${id} to finish`, timeoutMs: 20_000 },
  );
}

/** Hands a crafted task straight to the executor, as an attacker on the mediator side would. */
async function inject(signed: SignedTask): Promise<string> {
  const before = audit.size;
  lifecycle.requeue(signed);
  return waitFor(
    () =>
      audit
        .records()
        .slice(before)
        .find((r) => r.type === "refusal")?.data.detail as string | undefined,
    { what: "the executor's refusal in the audit trail" },
  );
}

beforeAll(async () => {
  sim = await startKubeSim();
  dir = await mkdtemp(join(tmpdir(), "causeway-remediation-e2e-"));
  for (const ns of [EXECUTOR_NS, "shop", "other"])
    await admin("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    });
  for (const [ns, name] of [
    ["shop", "checkout"],
    ["shop", "cart"],
    ["other", "billing"],
  ] as const) {
    await admin("POST", `/apis/apps/v1/namespaces/${ns}/deployments`, {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name },
      spec: {
        replicas: 1,
        selector: { matchLabels: { app: name } },
        template: {
          metadata: { labels: { app: name } },
          spec: {
            containers: [{ name: "app", image: `${name}:1`, resources: { limits: { memory: "256Mi" } } }],
          },
        },
      },
    });
  }
  // The mediator: TokenReview and SubjectAccessReview only.
  await admin("POST", `/api/v1/namespaces/${EXECUTOR_NS}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "causeway-mediator" },
  });
  await admin(
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    rbac(
      "ClusterRole",
      { name: "causeway-mediator" },
      {
        rules: [
          { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
          { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
        ],
      },
    ),
  );
  await admin(
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    rbac(
      "ClusterRoleBinding",
      { name: "causeway-mediator" },
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "causeway-mediator" },
        subjects: [{ kind: "ServiceAccount", name: "causeway-mediator", namespace: EXECUTOR_NS }],
      },
    ),
  );
  // The executor: Secrets in its namespace and tokens for the per-action ServiceAccounts only.
  await admin("POST", `/api/v1/namespaces/${EXECUTOR_NS}/serviceaccounts`, {
    apiVersion: "v1",
    kind: "ServiceAccount",
    metadata: { name: "causeway-executor" },
  });
  await admin(
    "POST",
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${EXECUTOR_NS}/roles`,
    rbac(
      "Role",
      { name: "causeway-executor" },
      {
        rules: [
          { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete"] },
          {
            apiGroups: [""],
            resources: ["serviceaccounts/token"],
            verbs: ["create"],
            resourceNames: Object.keys(ACTION_RBAC).map((a) => actionServiceAccountName(a as never)),
          },
        ],
      },
    ),
  );
  await admin(
    "POST",
    `/apis/rbac.authorization.k8s.io/v1/namespaces/${EXECUTOR_NS}/rolebindings`,
    rbac(
      "RoleBinding",
      { name: "causeway-executor" },
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "causeway-executor" },
        subjects: [{ kind: "ServiceAccount", name: "causeway-executor", namespace: EXECUTOR_NS }],
      },
    ),
  );
  // One ServiceAccount and ClusterRole per action; bound only in namespace "shop".
  for (const [action, scope] of Object.entries(ACTION_RBAC)) {
    const sa = actionServiceAccountName(action as never);
    await admin("POST", `/api/v1/namespaces/${EXECUTOR_NS}/serviceaccounts`, {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: sa },
    });
    await admin(
      "POST",
      "/apis/rbac.authorization.k8s.io/v1/clusterroles",
      rbac("ClusterRole", { name: sa }, { rules: scope.rules }),
    );
    await admin(
      "POST",
      "/apis/rbac.authorization.k8s.io/v1/namespaces/shop/rolebindings",
      rbac(
        "RoleBinding",
        { name: sa },
        {
          roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: sa },
          subjects: [{ kind: "ServiceAccount", name: sa, namespace: EXECUTOR_NS }],
        },
      ),
    );
  }
  // Approvers: alice may approve everywhere, bob nowhere.
  await admin(
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/clusterroles",
    rbac(
      "ClusterRole",
      { name: "causeway-approver" },
      {
        rules: [
          { apiGroups: ["causeway.dev"], resources: ["remediations"], verbs: ["get", "list", "approve"] },
        ],
      },
    ),
  );
  await admin(
    "POST",
    "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings",
    rbac(
      "ClusterRoleBinding",
      { name: "alice-approver" },
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "causeway-approver" },
        subjects: [{ kind: "User", name: "system:serviceaccount:default:alice" }],
      },
    ),
  );
  for (const user of ["alice", "bob"])
    await admin("POST", "/api/v1/namespaces/default/serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: user },
    });

  // Mediator side.
  key = generateSigningKey();
  audit = await AuditLog.open({
    path: join(dir, "mediator", "audit.ndjson"),
    signingKey: key,
    checkpointEveryRecords: 5,
  });
  const mediatorToken = await tokenFor(EXECUTOR_NS, "causeway-mediator");
  const post = async (path: string, body: unknown) => {
    const res = await fetch(`${sim.url}${path}`, {
      method: "POST",
      headers: { authorization: `Bearer ${mediatorToken}`, "content-type": "application/json" },
      body: JSON.stringify(body),
    });
    if (!res.ok) throw new Error(`${path}: ${res.status}`);
    return res.json();
  };
  lifecycle = new RemediationLifecycle({
    audit,
    signingKey: key,
    reviewer: kubeAccessReviewer(post),
    clock: () => Date.now() + clockOffsetMs,
  });
  const pem = key.publicKey.export({ type: "spki", format: "pem" }).toString();
  http = createServer((req, res) => {
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
        res.end(r?.body ?? "{}");
      });
    });
  });
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", () => r()));
  const address = http.address();
  mediatorUrl = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
  grpc = new TestGrpcServer();
  grpc.addService(ExecutorServiceService, executorServiceHandlers(lifecycle));
  await grpc.start();

  // Executor side, logging into a buffer the test scans for tokens.
  const log = createLogger({
    component: "executor",
    level: "debug",
    destination: new Writable({
      write(chunk: Buffer, _e, cb) {
        logLines.push(chunk.toString());
        cb();
      },
    }),
  });
  class RecordingKubeClient extends KubeClient {
    override call<T>(token: string, req: KubeRequest): Promise<T> {
      usedTokens.add(token);
      return super.call<T>(token, req);
    }
  }
  const kube = new RecordingKubeClient({ url: sim.url });
  const executorToken = await tokenFor(EXECUTOR_NS, "causeway-executor");
  safety = new SafetyPolicy({ maxActionsPerTarget: 1, targetWindowMs: 3_600_000 });
  const runner = new TaskRunner({
    kube,
    executorToken: async () => executorToken,
    namespace: EXECUTOR_NS,
    mediatorKeys: [key.publicKey],
    nonces: await NonceStore.open(join(dir, "executor", "nonces")),
    safety,
    fetchAuditTrail: async () => (await fetch(`${mediatorUrl}/api/v1/audit/export`)).text(),
    // Verification: the change is in place on the live object.
    symptomCleared: async (_task, change) =>
      change.action === "set-resources" &&
      (await deploymentLimit(change.target.name, change.target.namespace)).memory ===
        change.resources.limits?.memory,
    verifyWindowMs: 2000,
    verifyPollMs: 100,
    log,
  });
  session = new ExecutorSession({
    address: grpc.target,
    executorId: "e2e",
    version: "0.1.0",
    runner,
    reconnectMaxDelayMs: 1000,
    log,
  });
  void session.run();
});

afterAll(async () => {
  session?.stop();
  await grpc?.stop();
  await new Promise((r) => http?.close(r));
  await audit?.close();
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("remediation end to end against kube-sim", () => {
  it("executes a change approved through the CLI, with a per-task token that dies with the task", async () => {
    const r = await lifecycle.propose({
      change: setResources("checkout", "512Mi"),
      reason: "memory limit too low",
    });
    const kubeconfig = join(dir, "kubeconfig");
    const aliceToken = await tokenFor("default", "alice");
    await writeFile(
      kubeconfig,
      [
        "apiVersion: v1",
        "kind: Config",
        "current-context: sim",
        "contexts: [{name: sim, context: {cluster: sim, user: alice}}]",
        `clusters: [{name: sim, cluster: {server: '${sim.url}'}}]`,
        `users: [{name: alice, user: {token: '${aliceToken}'}}]`,
      ].join("\n"),
    );
    const cli = fileURLToPath(new URL("../../packages/cli/src/cli/main.ts", import.meta.url));
    const out = await promisify(execFile)(process.execPath, [
      "--conditions=source",
      "--import",
      "tsx",
      cli,
      "--mediator-url",
      mediatorUrl,
      "--kubeconfig",
      kubeconfig,
      "remediations",
      "approve",
      r.id,
    ]);
    expect(out.stdout).toMatch(new RegExp(`${r.id} approved`));

    expect(await settled(r.id)).toBe("verified");
    expect((await deploymentLimit("checkout")).memory).toBe("512Mi");
    const types = audit.records((x) => x.subject === `remediation/${r.id}`).map((x) => x.type);
    expect(types).toEqual([
      "proposal",
      "approval",
      "dispatch",
      "credential-issue",
      "scope-check",
      "dry-run",
      "execution",
      "verification",
      "credential-revoke",
      "verification",
    ]);
    expect(
      verifyAuditTrail(parseAuditNdjson(audit.exportNdjson()), { publicKeys: [key.publicKey] }),
    ).toMatchObject({ ok: true });

    // The per-task token: every token the executor used that is not its own or a known one.
    const executorOwn = await Promise.resolve([...usedTokens][0]);
    const taskTokens = [...usedTokens].filter((t) => t !== executorOwn);
    expect(taskTokens.length).toBeGreaterThan(0);
    for (const t of taskTokens) {
      const res = await fetch(`${sim.url}/apis/apps/v1/namespaces/shop/deployments/checkout`, {
        headers: { authorization: `Bearer ${t}` },
      });
      expect(res.status).toBe(401);
      const files = await readdir(dir, { recursive: true });
      for (const f of files) {
        const content = await readFile(join(dir, f)).catch(() => Buffer.alloc(0));
        expect(content.includes(t), `token found in ${f}`).toBe(false);
      }
      expect(logLines.join("").includes(t)).toBe(false);
    }
  });

  it("refuses an approver without the permission, and audits it", async () => {
    const r = await lifecycle.propose({ change: setResources("cart", "1Gi"), reason: "x" });
    await expect(lifecycle.approve(r.id, await tokenFor("default", "bob"))).rejects.toMatchObject({
      code: "forbidden",
    });
    expect(audit.records((x) => x.subject === `remediation/${r.id}`).map((x) => x.type)).toEqual([
      "proposal",
      "refusal",
    ]);
    expect((await deploymentLimit("cart")).memory).toBe("256Mi");
  });

  it("refuses tasks that were never approved, tampered with, signed by another key, or replayed", async () => {
    const before = await deploymentLimit("cart");
    const change = setResources("cart", "2Gi");
    const approval = createApproval({
      remediationId: "r-forged",
      change,
      approver: "mallory",
      nowMs: Date.now(),
    });
    expect(await inject(signTask(buildTask(approval, change, "ab".repeat(32)), key))).toMatch(/not-approved/);

    const other = generateSigningKey();
    expect(await inject(signTask(buildTask(approval, change, "ab".repeat(32)), other))).toMatch(
      /unknown-key/,
    );

    // A real approval, its signed task altered after signing.
    const r = await lifecycle.propose({ change: setResources("cart", "768Mi"), reason: "x" });
    lifecycle.requeue = ((orig) => orig)(lifecycle.requeue);
    const approved = await lifecycle.approve(r.id, await tokenFor("default", "alice"));
    expect(approved.state).toBe("approved");
    expect(await settled(r.id)).toBe("verified");
    const dispatched = audit.records((x) => x.subject === `remediation/${r.id}` && x.type === "approval")[0];
    const task = buildTask(approved.approval!, setResources("cart", "768Mi"), dispatched!.hash);
    const signed = signTask(
      {
        ...task,
        taskId: (audit.records((x) => x.type === "dispatch").at(-1)?.data.taskId as string) ?? task.taskId,
      },
      key,
    );
    const tampered = Task.decode(signed.task);
    const altered = SignedTask.fromPartial({
      ...signed,
      task: Buffer.from(
        Task.encode({ ...tampered, changeJson: tampered.changeJson.replace("768Mi", "64Gi") }).finish(),
      ),
    });
    expect(await inject(altered)).toMatch(/bad-signature/);
    // The same approval again (same nonce): replayed.
    expect(await inject(signTask(task, key))).toMatch(/replayed/);
    expect((await deploymentLimit("cart")).memory).toBe("768Mi");
    expect(before.memory).toBe("256Mi");
  });

  it("refuses an expired approval", async () => {
    const r = await lifecycle.propose({ change: setResources("checkout", "640Mi"), reason: "x" });
    clockOffsetMs = -16 * 60_000;
    try {
      await lifecycle.approve(r.id, await tokenFor("default", "alice"));
    } finally {
      clockOffsetMs = 0;
    }
    expect(await settled(r.id)).toBe("refused");
    expect(lifecycle.get(r.id).result?.message).toMatch(/expired/);
    expect((await deploymentLimit("checkout")).memory).toBe("512Mi");
  });

  it("refuses an action outside the per-task scope (SelfSubjectAccessReview denies)", async () => {
    const before = await deploymentLimit("billing", "other");
    const r = await lifecycle.propose({ change: setResources("billing", "1Gi", "other"), reason: "x" });
    await lifecycle.approve(r.id, await tokenFor("default", "alice"));
    expect(await settled(r.id)).toBe("refused");
    expect(lifecycle.get(r.id).result?.message).toMatch(/out-of-scope/);
    expect(await deploymentLimit("billing", "other")).toEqual(before);
    expect(audit.records((x) => x.subject === `remediation/${r.id}`).map((x) => x.type)).toContain(
      "credential-revoke",
    );
  });

  it("refuses when the blast radius is exceeded, and when paused", async () => {
    const before = await deploymentLimit("checkout");
    const again = await lifecycle.propose({ change: setResources("checkout", "1Gi"), reason: "x" });
    await lifecycle.approve(again.id, await tokenFor("default", "alice"));
    expect(await settled(again.id)).toBe("refused");
    expect(lifecycle.get(again.id).result?.message).toMatch(/blast-radius/);

    safety.pause("incident review");
    try {
      const paused = await lifecycle.propose({ change: setResources("cart", "900Mi"), reason: "x" });
      await lifecycle.approve(paused.id, await tokenFor("default", "alice"));
      expect(await settled(paused.id)).toBe("refused");
      expect(lifecycle.get(paused.id).result?.message).toMatch(/paused/);
    } finally {
      safety.resume();
    }
    expect(await deploymentLimit("checkout")).toEqual(before);
    expect((await deploymentLimit("cart")).memory).toBe("768Mi");
    expect(verifyAuditTrail(parseAuditNdjson(audit.exportNdjson()), { publicKeys: [key.publicKey] }).ok).toBe(
      true,
    );
  });
});
