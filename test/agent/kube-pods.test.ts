import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { EXTERNAL_NODE_LABEL, startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startAgent, type AgentUnderTest } from "./support/agent-harness.js";
import { RecordingMediator } from "./support/recording-mediator.js";
import { SimNode } from "./support/sim-node.js";

const skip = skipUnless("agent pod join through a pod watch", checkRoot());
const NODE = "agent-node-1";

describe.skipIf(skip)("agent: pods of its node from the API server (watched), joined with cgroups", () => {
  const sim = new SimNode();
  const mediator = new RecordingMediator();
  const dir = mkdtempSync(join(tmpdir(), "cw-kube-"));
  let kube: RunningKubeSim;
  let under: AgentUnderTest | undefined;

  const api = async (method: string, path: string, body?: unknown): Promise<unknown> => {
    const res = await fetch(kube.url + path, {
      method,
      headers: { authorization: `Bearer ${kube.adminToken}`, "content-type": "application/json" },
      ...(body ? { body: JSON.stringify(body) } : {}),
    });
    const json = (await res.json()) as unknown;
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(json)}`);
    return json;
  };

  /** Creates a pod bound to `node` and reports it running with the given container id, as a kubelet would. */
  const runPod = async (name: string, node: string, containerId: string, podIP: string): Promise<void> => {
    await api("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: {
        nodeName: node,
        containers: [
          {
            name: "app",
            image: "app:1",
            resources: { requests: { cpu: "250m", memory: "64Mi" }, limits: { memory: "128Mi" } },
          },
        ],
      },
    });
    const pod = (await api("GET", `/api/v1/namespaces/default/pods/${name}`)) as Record<string, unknown>;
    await api("PUT", `/api/v1/namespaces/default/pods/${name}/status`, {
      ...pod,
      status: {
        phase: "Running",
        podIP,
        containerStatuses: [
          {
            name: "app",
            containerID: `containerd://${containerId}`,
            restartCount: 2,
            ready: true,
            image: "app:1",
            imageID: "",
            state: { running: { startedAt: new Date().toISOString() } },
          },
        ],
      },
    });
  };

  beforeAll(async () => {
    kube = await startKubeSim();
    for (const name of [NODE, "other-node"]) {
      await api("POST", "/api/v1/nodes", {
        apiVersion: "v1",
        kind: "Node",
        metadata: { name, labels: { [EXTERNAL_NODE_LABEL]: "true" } },
      });
    }
    await kube.writeKubeconfig(join(dir, "kubeconfig"));
  });

  afterAll(async () => {
    await under?.cleanup();
    mediator.kill();
    await sim.cleanup();
    await kube?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it("watches only its node's pods, joins them by container id, and follows adds and deletes", async () => {
    const web = sim.add({ pod: "web", command: "sleep 600" });
    const late = sim.add({ pod: "late", command: "sleep 600" });
    const elsewhere = sim.add({ pod: "elsewhere", command: "sleep 600" });
    await Promise.all([web, late, elsewhere].map((c) => sim.joined(c)));
    await runPod("web", NODE, web.containerId, "10.244.1.5");
    await runPod("elsewhere", "other-node", elsewhere.containerId, "10.244.2.5");

    under = await startAgent({
      nodeName: NODE,
      ebpf: { enabled: false },
      kube: { mode: "kubeconfig", kubeconfig: join(dir, "kubeconfig") },
      mediator: { address: await mediator.start() },
    });
    const agent = under.agent;
    const ids = (): string[] => agent.containers.map((c) => c.entityId).sort();
    await waitFor(() => ids().includes("container/default/web/app"), { what: "web joined" });
    // the other node's pod is not watched: its container stays unknown and is not reported
    expect(ids().some((id) => id.includes("elsewhere"))).toBe(false);
    const web0 = agent.containers.find((c) => c.entityId === "container/default/web/app");
    expect(web0?.spec).toMatchObject({
      cpuRequestMillicores: 250,
      memoryRequestBytes: 64 * 1024 * 1024,
      restartCount: 2,
    });

    // a pod added after the list arrives through the watch
    await runPod("late", NODE, late.containerId, "10.244.1.6");
    await waitFor(() => ids().includes("container/default/late/app"), {
      what: "late joined through the watch",
    });

    // topology: pod with uid, IP and node; container part-of pod with its requests and limits
    await waitFor(
      () =>
        mediator
          .messages()
          .some(
            (m) =>
              m.body?.$case === "topology" &&
              m.body.value.upsertEntities.some((e) => e.id === "pod/default/late"),
          ),
      { what: "late pod in the topology" },
    );
    const entities = new Map(
      mediator
        .messages()
        .flatMap((m) => (m.body?.$case === "topology" ? m.body.value.upsertEntities : []))
        .map((e) => [e.id, e]),
    );
    expect(entities.get("pod/default/web")?.attributes).toMatchObject({
      pod_ip: "10.244.1.5",
      node_name: NODE,
    });
    expect(entities.get("pod/default/web")?.attributes.uid).toMatch(/^[0-9a-f-]{36}$/);
    expect(entities.get("container/default/web/app")?.attributes).toMatchObject({
      container_id: web.containerId,
      cpu_request_millicores: "250",
      memory_request_bytes: String(64 * 1024 * 1024),
      memory_limit_bytes: String(128 * 1024 * 1024),
    });
    expect(entities.has("pod/default/elsewhere")).toBe(false);

    // deleting the pod removes it and its container from the topology
    await api("DELETE", "/api/v1/namespaces/default/pods/late?gracePeriodSeconds=0");
    await waitFor(
      () =>
        mediator
          .messages()
          .some(
            (m) =>
              m.body?.$case === "topology" &&
              m.body.value.deleteEntityIds.includes("container/default/late/app"),
          ),
      { what: "late container deleted" },
    );
    expect(ids()).toEqual(["container/default/web/app"]);
  });
});
