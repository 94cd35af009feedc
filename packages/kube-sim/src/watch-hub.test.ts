import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startKubeSim, type RunningKubeSim } from "./index.js";

let sim: RunningKubeSim;
beforeAll(async () => {
  sim = await startKubeSim({ controllers: false, watchHistorySize: 5, bookmarkIntervalMs: 50 });
  sim.server.seed({ apiVersion: "v1", kind: "Namespace", metadata: { name: "w" } });
});
afterAll(async () => {
  await sim?.close();
});

type Event = { type: string; object: Record<string, any> }; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/** Opens a watch and collects its events until `until` holds or the stream ends. */
async function watch(
  query: string,
  until: (events: Event[]) => boolean,
  during?: () => Promise<void>,
): Promise<{ status: number; events: Event[]; ended: boolean }> {
  const controller = new AbortController();
  const res = await fetch(`${sim.url}${query}`, {
    headers: { authorization: `Bearer ${sim.adminToken}` },
    signal: controller.signal,
  });
  const events: Event[] = [];
  if (res.status !== 200)
    return {
      status: res.status,
      events: [{ type: "STATUS", object: (await res.json()) as Event["object"] }],
      ended: true,
    };
  const reader = res.body!.getReader();
  const decoder = new TextDecoder();
  let buffer = "";
  let ended = false;
  const pump = (async () => {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) {
        ended = true;
        return;
      }
      buffer += decoder.decode(value, { stream: true });
      let nl: number;
      while ((nl = buffer.indexOf("\n")) >= 0) {
        events.push(JSON.parse(buffer.slice(0, nl)) as Event);
        buffer = buffer.slice(nl + 1);
      }
      if (until(events)) return;
    }
  })();
  if (during) await during();
  const deadline = Date.now() + 10_000;
  while (!until(events) && !ended && Date.now() < deadline) await new Promise((r) => setTimeout(r, 10));
  controller.abort();
  await pump.catch(() => undefined);
  return { status: 200, events, ended };
}

const cm = (name: string, labels: Record<string, string> = {}, data: Record<string, string> = {}) => ({
  apiVersion: "v1",
  kind: "ConfigMap",
  metadata: { name, namespace: "w", labels },
  data,
});

const api = (method: string, path: string, body?: unknown, type = "application/json") =>
  fetch(`${sim.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${sim.adminToken}`, "content-type": type },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });

describe("watch", () => {
  it("replays the events after a resourceVersion, then streams live ones", async () => {
    const from = sim.server.store.revision;
    sim.server.seed(cm("a"));
    sim.server.seed(cm("a", {}, { k: "v" }));
    const { events } = await watch(
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${from}`,
      (e) => e.length >= 4,
      async () => {
        await api("POST", "/api/v1/namespaces/w/configmaps", cm("b"));
        await api("DELETE", "/api/v1/namespaces/w/configmaps/a");
      },
    );
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual([
      "ADDED a",
      "MODIFIED a",
      "ADDED b",
      "DELETED a",
    ]);
    const rvs = events.map((e) => Number(e.object.metadata.resourceVersion));
    expect([...rvs].sort((x, y) => x - y)).toEqual(rvs);
    expect(rvs[3]).toBeGreaterThan(rvs[2] as number);
  });

  it("starts from the current state without a resourceVersion, and closes after timeoutSeconds", async () => {
    const { events, ended } = await watch(
      "/api/v1/namespaces/w/configmaps?watch=1&timeoutSeconds=1",
      () => false,
    );
    expect(ended).toBe(true);
    expect(events.map((e) => `${e.type} ${e.object.metadata.name}`)).toEqual(["ADDED b"]);
  });

  it("turns selector transitions into ADDED and DELETED, as the watch cache does", async () => {
    const from = sim.server.store.revision;
    const { events } = await watch(
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${from}&labelSelector=tier%3Dfront`,
      (e) => e.length >= 3,
      async () => {
        await api(
          "PATCH",
          "/api/v1/namespaces/w/configmaps/b",
          { metadata: { labels: { tier: "front" } } },
          "application/merge-patch+json",
        );
        await api(
          "PATCH",
          "/api/v1/namespaces/w/configmaps/b",
          { data: { x: "1" } },
          "application/merge-patch+json",
        );
        await api(
          "PATCH",
          "/api/v1/namespaces/w/configmaps/b",
          { metadata: { labels: { tier: "back" } } },
          "application/merge-patch+json",
        );
      },
    );
    expect(events.map((e) => e.type)).toEqual(["ADDED", "MODIFIED", "DELETED"]);
    // The DELETED object is its last matching state at the new resourceVersion.
    expect(events[2]?.object.metadata.labels).toEqual({ tier: "front" });
    expect(Number(events[2]?.object.metadata.resourceVersion)).toBeGreaterThan(
      Number(events[1]?.object.metadata.resourceVersion),
    );
  });

  it("delivers pods to a spec.nodeName watch when they are bound to that node and when they leave it", async () => {
    const pod = {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name: "p", namespace: "w" },
      spec: { containers: [{ name: "c", image: "i" }] },
    };
    const { events } = await watch(
      "/api/v1/pods?watch=true&fieldSelector=spec.nodeName%3Dnode-a",
      (e) => e.length >= 2,
      async () => {
        await api("POST", "/api/v1/namespaces/w/pods", pod);
        await api("POST", "/api/v1/namespaces/w/pods/p/binding", {
          apiVersion: "v1",
          kind: "Binding",
          metadata: { name: "p" },
          target: { kind: "Node", name: "node-a" },
        });
        await api("DELETE", "/api/v1/namespaces/w/pods/p?gracePeriodSeconds=0");
      },
    );
    expect(events.map((e) => `${e.type} ${e.object.spec.nodeName}`)).toEqual([
      "ADDED node-a",
      "DELETED node-a",
    ]);
  });

  it("answers an expired resourceVersion with a 410 ERROR event and a too new one with 504", async () => {
    const old = sim.server.store.revision;
    for (let i = 0; i < 8; i++) sim.server.seed(cm(`churn-${i}`));
    const { events, ended } = await watch(
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${old}`,
      () => false,
    );
    expect(ended).toBe(true);
    expect(events).toEqual([
      {
        type: "ERROR",
        object: expect.objectContaining({ kind: "Status", status: "Failure", code: 410, reason: "Expired" }),
      },
    ]);
    // Other types keep their own window.
    const podsOk = await watch(
      `/api/v1/namespaces/w/pods?watch=true&resourceVersion=${old}`,
      (e) => e.length > 0,
      async () => {
        sim.server.seed({
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name: "q", namespace: "w" },
          spec: { containers: [{ name: "c", image: "i" }] },
        });
      },
    );
    expect(podsOk.events[0]?.type).toBe("ADDED");
    const tooNew = await watch(
      `/api/v1/namespaces/w/configmaps?watch=true&resourceVersion=${old + 10_000}`,
      () => true,
    );
    expect(tooNew.status).toBe(504);
    expect(tooNew.events[0]?.object.details.causes[0].reason).toBe("ResourceVersionTooLarge");
  });

  it("sends bookmarks when allowed, and marks the end of initial events", async () => {
    const from = sim.server.store.revision;
    const plain = await watch(
      `/api/v1/namespaces/w/secrets?watch=true&resourceVersion=${from}&timeoutSeconds=1`,
      () => false,
    );
    expect(plain.events).toEqual([]);
    const { events } = await watch(
      `/api/v1/namespaces/w/configmaps?watch=true&allowWatchBookmarks=true&sendInitialEvents=true&resourceVersionMatch=NotOlderThan`,
      (e) => e.filter((x) => x.type === "BOOKMARK").length >= 2,
    );
    const firstBookmark = events.findIndex((e) => e.type === "BOOKMARK");
    expect(events.slice(0, firstBookmark).every((e) => e.type === "ADDED")).toBe(true);
    expect(events[firstBookmark]?.object).toMatchObject({
      kind: "ConfigMap",
      apiVersion: "v1",
      metadata: { annotations: { "k8s.io/initial-events-end": "true" } },
    });
    expect(Number(events.at(-1)?.object.metadata.resourceVersion)).toBe(sim.server.store.revision);
  });

  it("sends Tables to watches that ask for them, column definitions only first, as kubectl get -w expects", async () => {
    const controller = new AbortController();
    const res = await fetch(`${sim.url}/api/v1/namespaces/w/configmaps?watch=true&timeoutSeconds=1`, {
      headers: {
        authorization: `Bearer ${sim.adminToken}`,
        accept: "application/json;as=Table;v=v1;g=meta.k8s.io,application/json",
      },
      signal: controller.signal,
    });
    const lines = (await res.text())
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l) as Event);
    expect(lines.length).toBeGreaterThan(1);
    expect(lines[0]?.object).toMatchObject({
      kind: "Table",
      columnDefinitions: [{ name: "Name" }, { name: "Data" }, { name: "Age" }],
    });
    expect(lines[0]?.object.rows[0].object.kind).toBe("PartialObjectMetadata");
    expect(lines[1]?.object.columnDefinitions).toEqual([]);
  });
});
