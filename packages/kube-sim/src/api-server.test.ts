import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DEFAULT_AUDIENCE, startKubeSim, type RunningKubeSim } from "./index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim();
});
afterAll(async () => {
  await sim?.close();
});

async function call(
  token: string,
  method: string,
  path: string,
  body?: unknown,
  contentType = "application/json",
) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${token}`,
      ...(body !== undefined ? { "content-type": contentType } : {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form API objects in assertions
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}
const admin = (method: string, path: string, body?: unknown, ct?: string) =>
  call(sim.adminToken, method, path, body, ct);

const deployment = {
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name: "web", labels: { app: "web" } },
  spec: {
    replicas: 2,
    selector: { matchLabels: { app: "web" } },
    template: {
      metadata: { labels: { app: "web" } },
      spec: {
        containers: [
          { name: "app", image: "web:1" },
          { name: "sidecar", image: "s:1" },
        ],
      },
    },
  },
};

describe("kube-sim REST semantics", () => {
  it("creates, gets, lists with selectors, patches and deletes with real Status errors", async () => {
    expect((await admin("POST", "/apis/apps/v1/namespaces/default/deployments", deployment)).status).toBe(
      201,
    );
    const dup = await admin("POST", "/apis/apps/v1/namespaces/default/deployments", deployment);
    expect(dup).toMatchObject({ status: 409, body: { kind: "Status", reason: "AlreadyExists", code: 409 } });
    const got = await admin("GET", "/apis/apps/v1/namespaces/default/deployments/web");
    expect(got.body.metadata).toMatchObject({ name: "web", namespace: "default", generation: 1 });
    expect((await admin("GET", "/apis/apps/v1/deployments?labelSelector=app%3Dweb")).body.items).toHaveLength(
      1,
    );
    expect(
      (await admin("GET", "/apis/apps/v1/deployments?labelSelector=app%3Dother")).body.items,
    ).toHaveLength(0);

    const patched = await admin(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/web",
      {
        spec: {
          template: { spec: { containers: [{ name: "app", resources: { limits: { memory: "512Mi" } } }] } },
        },
      },
      "application/strategic-merge-patch+json",
    );
    expect(patched.body.spec.template.spec.containers).toMatchObject([
      { name: "app", image: "web:1", resources: { limits: { memory: "512Mi" } } },
      { name: "sidecar", image: "s:1" },
    ]);
    expect(patched.body.metadata.generation).toBe(2);

    const stale = await admin("PUT", "/apis/apps/v1/namespaces/default/deployments/web", {
      ...deployment,
      metadata: { ...deployment.metadata, resourceVersion: got.body.metadata.resourceVersion },
    });
    expect(stale).toMatchObject({ status: 409, body: { reason: "Conflict" } });

    const dry = await admin(
      "PATCH",
      "/apis/apps/v1/namespaces/default/deployments/web/scale?dryRun=All",
      { spec: { replicas: 5 } },
      "application/merge-patch+json",
    );
    expect(dry.body.spec.replicas).toBe(5);
    expect((await admin("GET", "/apis/apps/v1/namespaces/default/deployments/web")).body.spec.replicas).toBe(
      2,
    );

    const invalid = await admin("POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "Bad_Name" },
    });
    expect(invalid).toMatchObject({
      status: 422,
      body: { reason: "Invalid", details: { causes: [{ field: "metadata.name" }] } },
    });

    expect((await admin("DELETE", "/apis/apps/v1/namespaces/default/deployments/web")).status).toBe(200);
    expect((await admin("GET", "/apis/apps/v1/namespaces/default/deployments/web")).status).toBe(404);
  });

  it("garbage-collects owned objects", async () => {
    const owner = await admin("POST", "/api/v1/namespaces/default/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "owner" },
    });
    await admin("POST", "/api/v1/namespaces/default/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: {
        name: "owned",
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.body.metadata.uid },
        ],
      },
    });
    await admin("DELETE", "/api/v1/namespaces/default/configmaps/owner");
    expect((await admin("GET", "/api/v1/namespaces/default/secrets/owned")).status).toBe(404);
  });
});

describe("kube-sim authentication and RBAC", () => {
  it("issues bound tokens, reviews them, enforces RBAC, and revokes them with their Secret", async () => {
    await admin("POST", "/api/v1/namespaces/default/serviceaccounts", {
      apiVersion: "v1",
      kind: "ServiceAccount",
      metadata: { name: "reader" },
    });
    const secret = await admin("POST", "/api/v1/namespaces/default/secrets", {
      apiVersion: "v1",
      kind: "Secret",
      metadata: { name: "bind" },
    });
    const short = await admin("POST", "/api/v1/namespaces/default/serviceaccounts/reader/token", {
      spec: { expirationSeconds: 60 },
    });
    expect(short).toMatchObject({
      status: 422,
      body: { details: { causes: [{ field: "spec.expirationSeconds" }] } },
    });
    const tr = await admin("POST", "/api/v1/namespaces/default/serviceaccounts/reader/token", {
      spec: {
        audiences: ["causeway", DEFAULT_AUDIENCE],
        expirationSeconds: 600,
        boundObjectRef: { apiVersion: "v1", kind: "Secret", name: "bind", uid: secret.body.metadata.uid },
      },
    });
    const token = tr.body.status.token as string;

    const review = (audiences?: string[]) =>
      admin("POST", "/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token, ...(audiences ? { audiences } : {}) },
      });
    expect((await review(["causeway"])).body.status).toMatchObject({
      authenticated: true,
      user: { username: "system:serviceaccount:default:reader" },
    });
    expect((await review(["someone-else"])).body.status.authenticated).toBe(false);

    // Not allowed yet: a 403 Status naming the user and the verb.
    const denied = await call(token, "GET", "/api/v1/namespaces/default/configmaps");
    expect(denied).toMatchObject({ status: 403, body: { kind: "Status", reason: "Forbidden" } });
    expect(denied.body.message).toMatch(/system:serviceaccount:default:reader.*cannot list/);

    await admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "Role",
      metadata: { name: "cm-reader" },
      rules: [{ apiGroups: [""], resources: ["configmaps"], verbs: ["get", "list"] }],
    });
    await admin("POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "RoleBinding",
      metadata: { name: "cm-reader" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "cm-reader" },
      subjects: [{ kind: "ServiceAccount", name: "reader", namespace: "default" }],
    });
    expect((await call(token, "GET", "/api/v1/namespaces/default/configmaps")).status).toBe(200);
    expect((await call(token, "DELETE", "/api/v1/namespaces/default/configmaps/x")).status).toBe(403);
    const ssar = await call(token, "POST", "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews", {
      spec: { resourceAttributes: { verb: "list", resource: "configmaps", namespace: "default" } },
    });
    expect(ssar.body.status.allowed).toBe(true);
    const sar = await admin("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      spec: {
        user: "system:serviceaccount:default:reader",
        resourceAttributes: { verb: "list", resource: "configmaps", namespace: "other" },
      },
    });
    expect(sar.body.status.allowed).toBe(false);

    // Deleting the bound Secret revokes the token: 401.
    await admin("DELETE", "/api/v1/namespaces/default/secrets/bind");
    expect((await call(token, "GET", "/api/v1/namespaces/default/configmaps")).status).toBe(401);
    expect((await call("not-a-token", "GET", "/api/v1/namespaces")).status).toBe(401);
  });
});
