/* eslint-disable @typescript-eslint/no-explicit-any -- free-form API objects in assertions */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { TYPES, startKubeSim, type RunningKubeSim } from "./index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ controllers: false });
  sim.server.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "d" } });
});
afterAll(async () => {
  await sim?.close();
});

async function call(
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; type?: string; headers?: Record<string, string> } = {},
) {
  const res = await fetch(`${sim.url}${path}`, {
    method,
    headers: {
      authorization: `Bearer ${opts.token ?? sim.adminToken}`,
      "content-type": opts.type ?? "application/json",
      ...(opts.headers ?? {}),
    },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  return { status: res.status, body: (await res.json()) as Record<string, any> };
}

const cm = (name: string, extra: Record<string, unknown> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "d", ...extra },
});

describe("deletion", () => {
  it("keeps an object with finalizers until they are removed, refusing new ones meanwhile", async () => {
    await call("POST", "/api/v1/namespaces/d/configmaps", cm("fin", { finalizers: ["example.com/hold"] }));
    const del = await call("DELETE", "/api/v1/namespaces/d/configmaps/fin");
    expect(del.status).toBe(200);
    expect(del.body.metadata.deletionTimestamp).toBeTruthy();
    const more = await call(
      "PATCH",
      "/api/v1/namespaces/d/configmaps/fin",
      { metadata: { finalizers: ["example.com/hold", "x/y"] } },
      { type: "application/merge-patch+json" },
    );
    expect(more).toMatchObject({
      status: 422,
      body: { details: { causes: [{ field: "metadata.finalizers" }] } },
    });
    await call(
      "PATCH",
      "/api/v1/namespaces/d/configmaps/fin",
      { metadata: { finalizers: null } },
      { type: "application/merge-patch+json" },
    );
    expect((await call("GET", "/api/v1/namespaces/d/configmaps/fin")).status).toBe(404);
  });

  it("orphans dependents with propagationPolicy=Orphan and honours dryRun and preconditions", async () => {
    const owner = await call("POST", "/api/v1/namespaces/d/configmaps", cm("owner"));
    await call(
      "POST",
      "/api/v1/namespaces/d/configmaps",
      cm("child", {
        ownerReferences: [
          { apiVersion: "v1", kind: "ConfigMap", name: "owner", uid: owner.body.metadata.uid },
        ],
      }),
    );
    expect((await call("DELETE", "/api/v1/namespaces/d/configmaps/owner?dryRun=All")).status).toBe(200);
    expect((await call("GET", "/api/v1/namespaces/d/configmaps/owner")).status).toBe(200);
    const pre = await call("DELETE", "/api/v1/namespaces/d/configmaps/owner", {
      preconditions: { uid: "not-it" },
    });
    expect(pre).toMatchObject({ status: 409, body: { reason: "Conflict" } });
    await call("DELETE", "/api/v1/namespaces/d/configmaps/owner", {
      kind: "DeleteOptions",
      apiVersion: "v1",
      propagationPolicy: "Orphan",
    });
    const child = await call("GET", "/api/v1/namespaces/d/configmaps/child");
    expect(child.status).toBe(200);
    expect(child.body.metadata.ownerReferences).toBeUndefined();
  });

  it("deletes a pod on a node gracefully: deletionTimestamp first, gone once its kubelet confirms", async () => {
    await call("POST", "/api/v1/namespaces/d/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p" },
      spec: { nodeName: "n", containers: [{ name: "c", image: "i" }] },
    });
    const first = await call("DELETE", "/api/v1/namespaces/d/pods/p");
    expect(first.body.metadata).toMatchObject({ deletionGracePeriodSeconds: 30 });
    expect((await call("GET", "/api/v1/namespaces/d/pods/p")).status).toBe(200);
    await call("DELETE", "/api/v1/namespaces/d/pods/p", { gracePeriodSeconds: 0 });
    expect((await call("GET", "/api/v1/namespaces/d/pods/p")).status).toBe(404);
  });

  it("deleting a namespace removes what is in it", async () => {
    await call("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: "gone" },
    });
    await call("POST", "/api/v1/namespaces/gone/configmaps", {
      apiVersion: "v1",
      kind: "ConfigMap",
      metadata: { name: "x" },
    });
    await call("DELETE", "/api/v1/namespaces/gone");
    expect(sim.server.store.get(TYPES.configMaps, "gone", "x")).toBeUndefined();
    expect(
      (await call("POST", "/api/v1/namespaces/gone/configmaps", { metadata: { name: "y" } })).status,
    ).toBe(404);
  });
});

describe("status subresource, content types and routing", () => {
  it("keeps status out of main-resource writes and spec out of /status writes", async () => {
    const dep = {
      apiVersion: "apps/v1",
      kind: "Deployment",
      metadata: { name: "s" },
      spec: {
        selector: { matchLabels: { a: "b" } },
        template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i" }] } },
      },
      status: { replicas: 99 },
    };
    const created = await call("POST", "/apis/apps/v1/namespaces/d/deployments", dep);
    expect(created.status).toBe(201);
    const st = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/d/deployments/s/status",
      { spec: { replicas: 7 }, status: { replicas: 2 } },
      { type: "application/merge-patch+json" },
    );
    expect(st.body.status.replicas).toBe(2);
    expect(st.body.spec.replicas).toBe(1);
    expect(st.body.metadata.generation).toBe(1);
    const main = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/d/deployments/s",
      { spec: { replicas: 3 }, status: { replicas: 5 } },
      { type: "application/merge-patch+json" },
    );
    expect(main.body.status.replicas).toBe(2);
    expect(main.body.metadata.generation).toBe(2);
    const immutable = await call(
      "PATCH",
      "/apis/apps/v1/namespaces/d/deployments/s",
      { spec: { selector: { matchLabels: { a: "c" } } } },
      { type: "application/merge-patch+json" },
    );
    expect(immutable.status).toBe(422);
    expect(immutable.body.details.causes.map((c: any) => c.field)).toContain("spec.selector");
  });

  it("answers unknown media types with 415, unknown resources with 404, and unchanged updates without a new resourceVersion", async () => {
    expect(
      (await call("PATCH", "/api/v1/namespaces/d/configmaps/child", { a: 1 }, { type: "text/plain" })).status,
    ).toBe(415);
    expect((await call("GET", "/apis/example.com/v1/widgets")).status).toBe(404);
    const before = await call("GET", "/api/v1/namespaces/d/configmaps/child");
    const same = await call("PUT", "/api/v1/namespaces/d/configmaps/child", before.body);
    expect(same.body.metadata.resourceVersion).toBe(before.body.metadata.resourceVersion);
  });
});

describe("impersonation and access reviews", () => {
  it("requires the impersonate verb, and then acts as the impersonated user", async () => {
    const dev = sim.createUserToken({ username: "dev", groups: ["developers"] });
    const as = { headers: { "Impersonate-User": "jane" } };
    const refused = await call("GET", "/api/v1/namespaces/d/configmaps", undefined, { token: dev, ...as });
    expect(refused.status).toBe(403);
    expect(refused.body.message).toContain('cannot impersonate resource "users"');
    sim.server.seed({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "impersonator" },
      rules: [{ apiGroups: [""], resources: ["users"], verbs: ["impersonate"], resourceNames: ["jane"] }],
    });
    sim.server.seed({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "dev-impersonates" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "impersonator" },
      subjects: [{ kind: "Group", name: "developers" }],
    });
    const asJane = await call("GET", "/api/v1/namespaces/d/configmaps", undefined, { token: dev, ...as });
    expect(asJane.status).toBe(403);
    expect(asJane.body.message).toContain('User "jane" cannot list');
    const review = await call(
      "POST",
      "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
      { spec: { resourceAttributes: { verb: "impersonate", resource: "users", name: "jane" } } },
      { token: dev },
    );
    expect(review.body.status.allowed).toBe(true);
    const other = await call("GET", "/api/v1/namespaces/d/configmaps", undefined, {
      token: dev,
      headers: { "Impersonate-User": "bob" },
    });
    expect(other.status).toBe(403);
    const sar = await call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      spec: { resourceAttributes: { verb: "get" } },
    });
    expect(sar).toMatchObject({ status: 422, body: { reason: "Invalid" } });
    const nonResource = await call("POST", "/apis/authorization.k8s.io/v1/subjectaccessreviews", {
      spec: {
        user: "dev",
        groups: ["system:authenticated"],
        nonResourceAttributes: { path: "/version", verb: "get" },
      },
    });
    expect(nonResource.body.status.allowed).toBe(true);
  });
});

describe("aggregated ClusterRoles", () => {
  it("grant the rules of the ClusterRoles their selectors match", async () => {
    const user = sim.createUserToken({ username: "agg-user", groups: [] });
    sim.server.seed({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "monitoring" },
      aggregationRule: {
        clusterRoleSelectors: [{ matchLabels: { "example.com/aggregate-to-monitoring": "true" } }],
      },
    });
    sim.server.seed({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "agg-user-monitoring" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "monitoring" },
      subjects: [{ kind: "User", name: "agg-user" }],
    });
    expect((await call("GET", "/api/v1/nodes", undefined, { token: user })).status).toBe(403);
    sim.server.seed({
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "node-reader", labels: { "example.com/aggregate-to-monitoring": "true" } },
      rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["list"] }],
    });
    expect((await call("GET", "/api/v1/nodes", undefined, { token: user })).status).toBe(200);
  });
});

describe("token lifetime", () => {
  it("refuses a TokenRequest token once it expires or its bound Pod is gone", async () => {
    let now = Date.parse("2026-01-01T00:00:00Z");
    const timed = await startKubeSim({ controllers: false, clock: () => now });
    try {
      const post = async (path: string, body: unknown, token = timed.adminToken) => {
        const res = await fetch(`${timed.url}${path}`, {
          method: "POST",
          headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
          body: JSON.stringify(body),
        });
        return (await res.json()) as Record<string, any>;
      };
      timed.server.seed({
        apiVersion: "v1",
        kind: "ServiceAccount",
        metadata: { name: "sa", namespace: "default" },
      });
      const pod = timed.server.seed({
        apiVersion: "v1",
        kind: "Pod",
        metadata: { name: "p", namespace: "default" },
        spec: { containers: [{ name: "c", image: "i" }] },
      });
      const tr = await post("/api/v1/namespaces/default/serviceaccounts/sa/token", {
        spec: {
          expirationSeconds: 600,
          boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p", uid: pod.metadata.uid },
        },
      });
      expect(tr.status.expirationTimestamp).toBe("2026-01-01T00:10:00Z");
      const token = tr.status.token as string;
      const review = async () =>
        (await post("/apis/authentication.k8s.io/v1/tokenreviews", { spec: { token } })).status;
      expect(await review()).toMatchObject({
        authenticated: true,
        user: { extra: { "authentication.kubernetes.io/pod-name": ["p"] } },
      });
      now += 599_000;
      expect((await review()).authenticated).toBe(true);
      now += 2_000;
      expect((await review()).authenticated).toBe(false);

      const second = (await post("/api/v1/namespaces/default/serviceaccounts/sa/token", {
        spec: { boundObjectRef: { kind: "Pod", apiVersion: "v1", name: "p" } },
      })) as { status: { token: string } };
      const res = await fetch(`${timed.url}/api/v1/namespaces/default/pods`, {
        headers: { authorization: `Bearer ${second.status.token}` },
      });
      expect(res.status).toBe(403); // authenticated, not authorized
      timed.server.remove(TYPES.pods, "default", "p", { gracePeriodSeconds: 0 });
      const gone = await fetch(`${timed.url}/api/v1/namespaces/default/pods`, {
        headers: { authorization: `Bearer ${second.status.token}` },
      });
      expect(gone.status).toBe(401);
    } finally {
      await timed.close();
    }
  });
});
