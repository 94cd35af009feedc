import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials } from "@grpc/grpc-js";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { AgentServiceClient, type MediatorMessage } from "@causeway/protocol";
import { TYPES, startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { silentLogger } from "@causeway/runtime";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let kube: RunningKubeSim;
let mediator: Mediator;

function config() {
  return parseMediatorConfig({
    dataDir: join(dir, "data"),
    logLevel: "silent",
    grpc: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    otlp: { enabled: false },
    auth: { enabled: false },
    kube: { kubeconfig: join(dir, "kubeconfig"), maxBackoffMs: 200 },
  });
}

const pod = (name: string) => ({
  apiVersion: "v1",
  kind: "Pod",
  metadata: { name, namespace: "default" },
  spec: { nodeName: "n1", containers: [{ name: "app", image: "x:1" }] },
});

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-relist-"));
  // A short watch history: a watch that resumes after more changes than this gets 410 Gone.
  kube = await startKubeSim({ https: true, controllers: false, watchHistorySize: 10 });
  await kube.writeKubeconfig(join(dir, "kubeconfig"));
  kube.server.seed({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
  for (const name of ["keep", "gone"]) kube.server.seed(pod(name));
  mediator = await Mediator.start({ config: config(), log: silentLogger() });
  await waitFor(() => mediator.ready || undefined, { timeoutMs: 20_000, what: "synced" });
});
afterAll(async () => {
  await mediator?.stop();
  await kube?.close();
  await rm(dir, { recursive: true, force: true });
});

describe("mediator informers", () => {
  it("follow changes through the watch", async () => {
    kube.server.seed(pod("live"));
    await waitFor(() => mediator.graph.hasEntity("pod/default/live") || undefined, {
      what: "pod/default/live",
    });
  });

  it("relist after 410 Gone and catch up on what happened while the watch was down, deletions included", async () => {
    const listsBefore = mediator.informers?.status().find((s) => s.kind === "pod")?.lists ?? 0;
    expect(mediator.graph.hasEntity("pod/default/gone")).toBe(true);
    // Drop every connection (no closing bookmark), then, before the informer can reconnect,
    // change pods more times than the watch history keeps.
    kube.server.http.closeAllConnections();
    for (let i = 0; i < 30; i++) kube.server.seed(pod(`burst-${i}`));
    kube.server.remove(TYPES.pods, "default", "gone", { gracePeriodSeconds: 0 });
    await waitFor(
      () =>
        (mediator.graph.hasEntity("pod/default/burst-29") && !mediator.graph.hasEntity("pod/default/gone")) ||
        undefined,
      { timeoutMs: 20_000, what: "the burst and the deletion in the graph" },
    );
    const pods = mediator.informers?.status().find((s) => s.kind === "pod");
    expect(pods?.lists).toBeGreaterThan(listsBefore);
    expect(mediator.graph.hasEntity("pod/default/keep")).toBe(true);
    expect(mediator.graph.hasEntity("container/default/gone/app")).toBe(false);
    expect(mediator.graph.idsOfKind("pod").size).toBe(32);
  });

  it("after a restart from a snapshot, drop what was deleted while the mediator was down", async () => {
    await mediator.stop();
    kube.server.remove(TYPES.pods, "default", "keep", { gracePeriodSeconds: 0 });
    kube.server.seed(pod("while-down"));
    mediator = await Mediator.start({ config: config(), log: silentLogger() });
    await waitFor(() => mediator.ready || undefined, { timeoutMs: 20_000, what: "synced again" });
    expect(mediator.graph.hasEntity("pod/default/keep")).toBe(false);
    expect(mediator.graph.hasEntity("container/default/keep/app")).toBe(false);
    expect(mediator.graph.hasEntity("pod/default/while-down")).toBe(true);
    expect(mediator.graph.idsOfKind("pod").size).toBe(32);
  });

  it("withdraws what a node's disconnected agent reported when the node leaves the cluster", async () => {
    kube.server.seed({ apiVersion: "v1", kind: "Node", metadata: { name: "n2" } });
    await waitFor(() => mediator.graph.hasEntity("node/n2") || undefined, { what: "node/n2" });
    const client = new AgentServiceClient(`127.0.0.1:${mediator.ports.grpc}`, credentials.createInsecure());
    const call = client.connect();
    const acked = new Promise<void>((resolve) =>
      call.on("data", (m: MediatorMessage) => {
        if (m.body?.$case === "ack" && m.body.value.highestContiguousSeq === 2) resolve();
      }),
    );
    call.on("error", () => undefined);
    call.write({
      seq: 1,
      createdUnixMs: Date.now(),
      body: {
        $case: "hello",
        value: { agentId: "n2/a", nodeName: "n2", version: "t", capabilities: undefined },
      },
    });
    call.write({
      seq: 2,
      createdUnixMs: Date.now(),
      body: {
        $case: "topology",
        value: {
          upsertEntities: [
            { id: "process/n2/1/1", kind: "process", name: "init", namespace: "", attributes: {} },
          ],
          deleteEntityIds: [],
          upsertRelations: [{ fromId: "process/n2/1/1", toId: "node/n2", type: "runs-on", attributes: {} }],
          deleteRelations: [],
          fullSnapshot: true,
        },
      },
    });
    await acked;
    call.cancel();
    client.close();
    await waitFor(() => mediator.agents.get("n2/a")?.openStreams === 0 || undefined, {
      what: "agent disconnected",
    });
    expect(mediator.graph.hasEntity("process/n2/1/1")).toBe(true);
    kube.server.remove(TYPES.nodes, undefined, "n2");
    await waitFor(
      () =>
        (!mediator.graph.hasEntity("process/n2/1/1") && !mediator.graph.hasEntity("node/n2")) || undefined,
      {
        what: "the node's agent reports withdrawn",
      },
    );
    expect(mediator.agents.get("n2/a")).toBeUndefined();
  });
});
