// kube-sim as the real @kubernetes/client-node sees it, over HTTPS with a kubeconfig file:
// informers (relist after 410 Gone), watches with bookmarks, CRUD with Status errors, TokenRequest,
// TokenReview, SubjectAccessReview, and revocation of a token bound to a Secret.
/* eslint-disable @typescript-eslint/no-explicit-any -- free-form API objects in assertions */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  ApiException,
  AuthenticationV1Api,
  AuthorizationV1Api,
  CoreV1Api,
  KubeConfig,
  PatchStrategy,
  Watch,
  makeInformer,
  setHeaderOptions,
  type V1ConfigMap,
  type V1Pod,
} from "@kubernetes/client-node";
import { DEFAULT_AUDIENCE, startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let sim: RunningKubeSim;
let dir: string;
let kc: KubeConfig;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "kube-sim-client-node-"));
  sim = await startKubeSim({
    https: true,
    // A small event window and short server-side watch timeouts make 410 Gone reachable quickly.
    watchHistorySize: 20,
    defaultWatchTimeoutSeconds: 1,
    bookmarkIntervalMs: 100,
  });
  await sim.writeKubeconfig(join(dir, "kubeconfig"));
  kc = new KubeConfig();
  kc.loadFromFile(join(dir, "kubeconfig"));
});

afterAll(async () => {
  await sim?.close();
  await rm(dir, { recursive: true, force: true });
});

/** A pod with no owner; the simulated kubelet does not run it (no node). */
const pod = (name: string, labels: Record<string, string>): V1Pod => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, labels },
  spec: { containers: [{ name: "app", image: "app:1" }], schedulerName: "not-scheduled" },
});

async function apiError(p: Promise<unknown>): Promise<{ code: number; body: Record<string, any> }> {
  try {
    await p;
  } catch (error) {
    if (error instanceof ApiException) {
      // client-node hands a 401 over without its body.
      const body = typeof error.body === "string" ? (JSON.parse(error.body) as Record<string, any>) : {};
      return { code: error.code, body };
    }
    throw error;
  }
  throw new Error("expected the request to fail");
}

describe("kube-sim with @kubernetes/client-node", () => {
  it("creates, patches, replaces and deletes with the real Status errors", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const created = await core.createNamespacedConfigMap({
      namespace: "default",
      body: { metadata: { name: "settings", labels: { app: "x" } }, data: { mode: "a" } },
    });
    expect(created.metadata?.uid).toMatch(/^[0-9a-f-]{36}$/);

    const dup = await apiError(
      core.createNamespacedConfigMap({ namespace: "default", body: { metadata: { name: "settings" } } }),
    );
    expect(dup).toMatchObject({ code: 409, body: { kind: "Status", reason: "AlreadyExists" } });

    const patched = await core.patchNamespacedConfigMap(
      { name: "settings", namespace: "default", body: { data: { mode: "b", extra: "1" } } },
      setHeaderOptions("Content-Type", PatchStrategy.MergePatch),
    );
    expect(patched.data).toEqual({ mode: "b", extra: "1" });
    expect(Number(patched.metadata?.resourceVersion)).toBeGreaterThan(
      Number(created.metadata?.resourceVersion),
    );

    const jsonPatched = await core.patchNamespacedConfigMap(
      { name: "settings", namespace: "default", body: [{ op: "remove", path: "/data/extra" }] },
      setHeaderOptions("Content-Type", PatchStrategy.JsonPatch),
    );
    expect(jsonPatched.data).toEqual({ mode: "b" });

    // A replace carrying an old resourceVersion loses the race: 409 Conflict.
    const stale: V1ConfigMap = { ...created, data: { mode: "stale" } };
    const conflict = await apiError(
      core.replaceNamespacedConfigMap({ name: "settings", namespace: "default", body: stale }),
    );
    expect(conflict).toMatchObject({ code: 409, body: { reason: "Conflict" } });

    const invalid = await apiError(
      core.createNamespacedPod({
        namespace: "default",
        body: { metadata: { name: "no-containers" }, spec: { containers: [] } },
      }),
    );
    expect(invalid.code).toBe(422);
    expect(invalid.body).toMatchObject({
      reason: "Invalid",
      details: { causes: [{ field: "spec.containers", reason: "FieldValueRequired" }] },
    });

    await core.deleteNamespacedConfigMap({ name: "settings", namespace: "default" });
    const gone = await apiError(core.readNamespacedConfigMap({ name: "settings", namespace: "default" }));
    expect(gone).toMatchObject({
      code: 404,
      body: { reason: "NotFound", details: { name: "settings", kind: "configmaps" } },
    });
  });

  it("feeds an informer; a stale resourceVersion gets 410 Gone and the informer relists", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    let lists = 0;
    const informer = makeInformer<V1Pod>(
      kc,
      "/api/v1/namespaces/default/pods",
      () => {
        lists++;
        return core.listNamespacedPod({ namespace: "default", labelSelector: "watched=yes" });
      },
      "watched=yes",
    );
    const added: string[] = [];
    const updated: string[] = [];
    const deleted: string[] = [];
    informer.on("add", (p) => added.push(p.metadata?.name ?? ""));
    informer.on("update", (p) => updated.push(p.metadata?.name ?? ""));
    informer.on("delete", (p) => deleted.push(p.metadata?.name ?? ""));
    await core.createNamespacedPod({ namespace: "default", body: pod("before", { watched: "yes" }) });
    await informer.start();
    await waitFor(() => added.includes("before"), { what: "the listed pod" });

    await core.createNamespacedPod({ namespace: "default", body: pod("live", { watched: "yes" }) });
    await waitFor(() => added.includes("live"), { what: "ADDED over the watch" });
    await core.patchNamespacedPod(
      { name: "live", namespace: "default", body: { metadata: { annotations: { touched: "1" } } } },
      setHeaderOptions("Content-Type", PatchStrategy.StrategicMergePatch),
    );
    await waitFor(() => updated.includes("live"), { what: "MODIFIED over the watch" });

    // Churn of pods the informer does not select pushes its resourceVersion out of the 20-event
    // window; its watch ends after 1 s and resumes from that version: 410, then a relist.
    const listsBefore = lists;
    for (let i = 0; i < 30; i++) {
      await core.createNamespacedConfigMap({
        namespace: "default",
        body: { metadata: { name: `noise-${i}` } },
      });
      await core.createNamespacedPod({ namespace: "default", body: pod(`other-${i}`, { watched: "no" }) });
    }
    await waitFor(() => lists > listsBefore, { timeoutMs: 15_000, what: "a relist after 410 Gone" });
    await core.deleteNamespacedPod({ name: "live", namespace: "default" });
    await waitFor(() => deleted.includes("live"), { what: "DELETED after the relist" });
    expect(informer.list("default").map((p) => p.metadata?.name)).toEqual(["before"]);
    await informer.stop();
  });

  it("sends bookmarks to watches that allow them, so a quiet watch resumes without 410", async () => {
    const watch = new Watch(kc);
    const events: { type: string; rv: string }[] = [];
    const start = sim.server.store.revision;
    let ended: unknown = "open";
    const req = await watch.watch(
      "/api/v1/namespaces/kube-public/configmaps",
      { allowWatchBookmarks: true, resourceVersion: String(start), timeoutSeconds: 30 },
      (type, obj: { metadata?: { resourceVersion?: string } }) =>
        events.push({ type, rv: obj.metadata?.resourceVersion ?? "" }),
      (err) => {
        ended = err;
      },
    );
    // Writes elsewhere advance the revision past the 20-event window; bookmarks carry the new
    // revision to this quiet watch, so it never holds an expired version.
    const core = kc.makeApiClient(CoreV1Api);
    for (let i = 0; i < 25; i++) {
      await core.createNamespacedConfigMap({
        namespace: "default",
        body: { metadata: { name: `more-${i}` } },
      });
    }
    const after = sim.server.store.revision;
    const bookmark = await waitFor(() => events.find((e) => e.type === "BOOKMARK" && Number(e.rv) >= after), {
      what: "a bookmark at the new revision",
    });
    expect(events.filter((e) => e.type !== "BOOKMARK")).toEqual([]);
    expect(ended).toBe("open");
    req.abort();

    const resumed: string[] = [];
    const req2 = await watch.watch(
      "/api/v1/namespaces/kube-public/configmaps",
      { allowWatchBookmarks: true, resourceVersion: bookmark.rv },
      (type) => resumed.push(type),
      () => undefined,
    );
    await core.createNamespacedConfigMap({ namespace: "kube-public", body: { metadata: { name: "quiet" } } });
    await waitFor(() => resumed.includes("ADDED"), { what: "the event after resuming" });
    expect(resumed).not.toContain("ERROR");
    req2.abort();

    // From a version before the window: an ERROR event with a 410 Status, then the stream ends.
    const expired: { type: string; obj: any }[] = [];
    let done = false;
    await watch.watch(
      "/api/v1/namespaces/default/configmaps",
      { resourceVersion: String(start) },
      (type, obj) => expired.push({ type, obj }),
      () => {
        done = true;
      },
    );
    await waitFor(() => done, { what: "the expired watch to end" });
    expect(expired).toEqual([
      { type: "ERROR", obj: expect.objectContaining({ kind: "Status", code: 410, reason: "Expired" }) },
    ]);
  });

  it("issues TokenRequest tokens, reviews them, answers SubjectAccessReviews, and revokes with the bound Secret", async () => {
    const core = kc.makeApiClient(CoreV1Api);
    const authn = kc.makeApiClient(AuthenticationV1Api);
    const authz = kc.makeApiClient(AuthorizationV1Api);
    await core.createNamespacedServiceAccount({
      namespace: "default",
      body: { metadata: { name: "agent" } },
    });
    const secret = await core.createNamespacedSecret({
      namespace: "default",
      body: { metadata: { name: "task-1" } },
    });

    const tooShort = await apiError(
      core.createNamespacedServiceAccountToken({
        name: "agent",
        namespace: "default",
        body: { spec: { audiences: ["causeway"], expirationSeconds: 60 } },
      }),
    );
    expect(tooShort).toMatchObject({
      code: 422,
      body: { details: { causes: [{ field: "spec.expirationSeconds" }] } },
    });

    const tr = await core.createNamespacedServiceAccountToken({
      name: "agent",
      namespace: "default",
      body: {
        spec: {
          // The API server's own audience too, so the token also authenticates API requests.
          audiences: ["causeway", DEFAULT_AUDIENCE],
          expirationSeconds: 600,
          boundObjectRef: { apiVersion: "v1", kind: "Secret", name: "task-1", uid: secret.metadata?.uid },
        },
      },
    });
    const token = tr.status?.token ?? "";
    expect(token.split(".")).toHaveLength(3);

    const review = await authn.createTokenReview({ body: { spec: { token, audiences: ["causeway"] } } });
    expect(review.status).toMatchObject({
      authenticated: true,
      audiences: ["causeway"],
      user: {
        username: "system:serviceaccount:default:agent",
        groups: expect.arrayContaining(["system:serviceaccounts"]),
      },
    });
    const wrongAudience = await authn.createTokenReview({ body: { spec: { token, audiences: ["other"] } } });
    expect(wrongAudience.status?.authenticated).toBe(false);

    const sar = (verb: string) =>
      authz.createSubjectAccessReview({
        body: {
          spec: {
            user: "system:serviceaccount:default:agent",
            groups: ["system:serviceaccounts", "system:authenticated"],
            resourceAttributes: { verb, resource: "pods", namespace: "default" },
          },
        },
      });
    expect((await sar("list")).status?.allowed).toBe(false);

    // As the service account itself: denied with a 403 Status until a RoleBinding allows it.
    const asAgent = new KubeConfig();
    asAgent.loadFromOptions({
      clusters: [{ name: "sim", server: sim.url, caData: Buffer.from(sim.caCert ?? "").toString("base64") }],
      users: [{ name: "agent", token }],
      contexts: [{ name: "sim", cluster: "sim", user: "agent" }],
      currentContext: "sim",
    });
    const agentCore = asAgent.makeApiClient(CoreV1Api);
    const denied = await apiError(agentCore.listNamespacedPod({ namespace: "default" }));
    expect(denied).toMatchObject({ code: 403, body: { kind: "Status", reason: "Forbidden" } });
    expect(denied.body.message).toContain(
      'User "system:serviceaccount:default:agent" cannot list resource "pods"',
    );

    const rbac = {
      apiVersion: "rbac.authorization.k8s.io/v1",
      metadata: { name: "pod-reader", namespace: "default" },
    };
    sim.server.seed({
      ...rbac,
      kind: "Role",
      rules: [{ apiGroups: [""], resources: ["pods"], verbs: ["get", "list"] }],
    });
    sim.server.seed({
      ...rbac,
      kind: "RoleBinding",
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "pod-reader" },
      subjects: [{ kind: "ServiceAccount", name: "agent", namespace: "default" }],
    });
    expect((await sar("list")).status).toMatchObject({
      allowed: true,
      reason: expect.stringContaining("pod-reader"),
    });
    expect((await sar("delete")).status?.allowed).toBe(false);
    const listed = await agentCore.listNamespacedPod({ namespace: "default" });
    expect(Array.isArray(listed.items)).toBe(true);

    // Deleting the bound Secret revokes the token at once: 401, and TokenReview says so.
    await core.deleteNamespacedSecret({ name: "task-1", namespace: "default" });
    const revoked = await apiError(agentCore.listNamespacedPod({ namespace: "default" }));
    expect(revoked.code).toBe(401);
    const raw = await fetch(`${sim.url.replace("https:", "http:")}/api`).catch(() => undefined);
    expect(raw).toBeUndefined(); // HTTPS only
    const after = await authn.createTokenReview({ body: { spec: { token, audiences: ["causeway"] } } });
    expect(after.status?.authenticated).toBe(false);
  });
});
