import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeSim, type RunningKubeSim } from "./index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim({});
});
afterAll(async () => {
  await sim?.close();
});

const raw = (method: string, path: string, body: string | undefined, type = "application/json") =>
  fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sim.adminToken}`, "content-type": type },
    ...(body !== undefined ? { body } : {}),
  });

describe("bad input", () => {
  it("gets a 4xx Status, never a 500 or a crash, and leaves stored state as it was", async () => {
    await raw(
      "POST",
      "/api/v1/namespaces/default/configmaps",
      JSON.stringify({ metadata: { name: "keep" }, data: { a: "1" } }),
    );
    const before = sim.server.store.revision;
    const cases: [string, string, string | undefined, string?][] = [
      ["POST", "/api/v1/namespaces/default/configmaps", "{not json"],
      ["POST", "/api/v1/namespaces/default/configmaps", "null"],
      ["POST", "/api/v1/namespaces/default/configmaps", "[1,2]"],
      ["POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: "x" })],
      ["POST", "/api/v1/namespaces/default/configmaps", JSON.stringify({ metadata: { name: "UPPER" } })],
      [
        "POST",
        "/api/v1/namespaces/default/configmaps",
        JSON.stringify({ metadata: { name: "x", labels: { "bad key!": 3 } } }),
      ],
      ["POST", "/api/v1/namespaces/default/pods", JSON.stringify({ metadata: { name: "p" }, spec: "nope" })],
      [
        "POST",
        "/apis/apps/v1/namespaces/default/deployments",
        JSON.stringify({ metadata: { name: "d" }, spec: { replicas: -1 } }),
      ],
      [
        "POST",
        "/api/v1/namespaces/default/services",
        JSON.stringify({ metadata: { name: "s" }, spec: { ports: [{ port: 70000 }] } }),
      ],
      ["POST", "/api/v1/namespaces/nowhere/configmaps", JSON.stringify({ metadata: { name: "x" } })],
      [
        "POST",
        "/api/v1/namespaces/default/configmaps",
        JSON.stringify({ kind: "Secret", metadata: { name: "x" } }),
      ],
      ["PUT", "/api/v1/namespaces/default/configmaps/keep", JSON.stringify({ metadata: { name: "other" } })],
      ["PATCH", "/api/v1/namespaces/default/configmaps/keep", "42", "application/merge-patch+json"],
      [
        "PATCH",
        "/api/v1/namespaces/default/configmaps/keep",
        JSON.stringify({ op: "add" }),
        "application/json-patch+json",
      ],
      [
        "PATCH",
        "/api/v1/namespaces/default/configmaps/keep",
        JSON.stringify([{ op: "replace", path: "/data/missing/deep", value: 1 }]),
        "application/json-patch+json",
      ],
      [
        "PATCH",
        "/api/v1/namespaces/default/configmaps/keep",
        JSON.stringify([{ op: "explode", path: "/data" }]),
        "application/json-patch+json",
      ],
      [
        "PATCH",
        "/api/v1/namespaces/default/configmaps/keep",
        JSON.stringify({ metadata: { name: "renamed" } }),
        "application/merge-patch+json",
      ],
      ["PATCH", "/api/v1/namespaces/default/configmaps/keep", "{}", "application/apply-patch+yaml"],
      [
        "POST",
        "/api/v1/namespaces/default/configmaps",
        "\u0000\u0001",
        "application/vnd.kubernetes.protobuf",
      ],
      ["GET", "/api/v1/pods?labelSelector=a%20in%20(", undefined],
      ["GET", "/api/v1/pods?fieldSelector=spec.foo%3Dx", undefined],
      ["GET", "/api/v1/pods?watch=1&resourceVersion=abc", undefined],
      ["GET", "/api/v1/pods?limit=1&continue=%25%25", undefined],
      [
        "DELETE",
        "/api/v1/namespaces/default/configmaps/keep",
        JSON.stringify({ propagationPolicy: "Sideways" }),
      ],
      [
        "POST",
        "/api/v1/namespaces/default/serviceaccounts/default/token",
        JSON.stringify({ spec: { boundObjectRef: { kind: "Node", name: "n" } } }),
      ],
      ["POST", "/apis/authentication.k8s.io/v1/tokenreviews", JSON.stringify({ spec: {} })],
      ["POST", "/api/v1/namespaces/default/pods/none/eviction", "{}"],
      ["GET", "/api/v1/namespaces/default/pods/x/log", undefined],
      ["GET", "/apis/nope/v1", undefined],
      ["OPTIONS", "/api/v1/pods", undefined],
    ];
    for (const [method, path, body, type] of cases) {
      const res = await raw(method, path, body, type);
      const text = await res.text();
      expect(res.status, `${method} ${path} ${body ?? ""}: ${text}`).toBeGreaterThanOrEqual(400);
      expect(res.status, `${method} ${path} ${body ?? ""}: ${text}`).toBeLessThan(500);
      expect(JSON.parse(text)).toMatchObject({ kind: "Status", status: "Failure" });
    }
    expect(sim.server.store.revision).toBe(before);
    const kept = await (await raw("GET", "/api/v1/namespaces/default/configmaps/keep", undefined)).json();
    expect(kept).toMatchObject({ metadata: { name: "keep" }, data: { a: "1" } });
  });
});
