import { writeFile } from "node:fs/promises";
import { join } from "node:path";
import { EXTERNAL_NODE_LABEL } from "@causeway/kube-sim";
import { checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { BUSY_LOOP, startAgent, type AgentUnderTest } from "../agent/support/agent-harness.js";
import { SimNode, type SimContainer } from "../agent/support/sim-node.js";
import { AUDIENCE, startClusterHarness, type ClusterHarness } from "./harness.js";

const skip = skipUnless("mediator with a real agent on real cgroups", checkRoot());

interface SymptomView {
  entityId: string;
  type: string;
  active: boolean;
  source: string;
}

/**
 * The acceptance path end to end on this machine: kube-sim holds a node whose pods run as real
 * processes in real cgroups (an "external" node: kube-sim's kubelet leaves it alone and this test
 * writes the pod status), a real agent on that node streams to the mediator with a projected
 * ServiceAccount token, and the mediator joins both views.
 */
describe.skipIf(skip)("mediator with a real agent", () => {
  const nodeName = "real-node";
  const sim = new SimNode();
  let h: ClusterHarness;
  let agent: AgentUnderTest | undefined;
  let busy: SimContainer;
  let idle: SimContainer;

  const createPod = async (c: SimContainer, podIp: string, limits: Record<string, string>) => {
    const name = c.spec.pod;
    await h.kubeRequest("POST", "/api/v1/namespaces/default/pods", {
      apiVersion: "v1",
      kind: "Pod",
      metadata: { name, namespace: "default" },
      spec: { nodeName, containers: [{ name: "app", image: `test/${name}:1`, resources: { limits } }] },
    });
    await h.kubeRequest("PATCH", `/api/v1/namespaces/default/pods/${name}/status`, {
      status: {
        phase: "Running",
        podIP: podIp,
        podIPs: [{ ip: podIp }],
        conditions: [{ type: "Ready", status: "True" }],
        containerStatuses: [
          {
            name: "app",
            containerID: `containerd://${c.containerId}`,
            image: `test/${name}:1`,
            imageID: "",
            ready: true,
            restartCount: 0,
            started: true,
            state: { running: { startedAt: new Date().toISOString() } },
          },
        ],
      },
    });
  };

  beforeAll(async () => {
    h = await startClusterHarness();
    for (const ns of ["causeway"]) {
      await h.kubeRequest("POST", "/api/v1/namespaces", {
        apiVersion: "v1",
        kind: "Namespace",
        metadata: { name: ns },
      });
    }
    await h.kubeRequest("POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: nodeName, labels: { [EXTERNAL_NODE_LABEL]: "true" } },
      status: { conditions: [{ type: "Ready", status: "True" }] },
    });
    busy = sim.add({ pod: "busy", cpuLimitMillicores: 100, cpuRequestMillicores: 50, command: BUSY_LOOP });
    idle = sim.add({ pod: "idle", cpuLimitMillicores: 1000, command: "sleep 600" });
    await Promise.all([busy, idle].map((c) => sim.joined(c)));
    await createPod(busy, "10.250.0.10", { cpu: "100m" });
    await createPod(idle, "10.250.0.11", { cpu: "1" });

    const tokenFile = join(h.dir, "agent-token");
    await writeFile(
      tokenFile,
      await h.kube.serviceAccountToken("causeway", "causeway-agent", { audiences: [AUDIENCE] }),
    );
    const kubeconfig = join(h.dir, "agent-kubeconfig");
    await h.kube.writeKubeconfig(kubeconfig);
    agent = await startAgent({
      nodeName,
      kube: { mode: "kubeconfig", kubeconfig },
      mediator: { address: `127.0.0.1:${h.mediator.ports.grpc}`, tokenFile },
      symptoms: { cpuThrottled: { forMs: 1000 } },
    });
  });

  afterAll(async () => {
    await agent?.cleanup();
    await sim.cleanup();
    await h?.close();
  });

  it("authenticates the agent and joins its view of the node with the cluster's", async () => {
    const connected = await waitFor(
      async () => {
        const agents = (
          await h.api<{
            agents: { nodeName: string; connected: boolean; username: string; ackedSeq: number }[];
          }>("/api/v1/agents")
        ).body.agents;
        return agents.find((a) => a.nodeName === nodeName && a.connected && a.ackedSeq > 1);
      },
      { timeoutMs: 30_000, what: "the agent connected and acknowledged" },
    );
    expect(connected.username).toBe("system:serviceaccount:causeway:causeway-agent");

    // The container entity is reported by Kubernetes and by the agent, under one id.
    const container = await waitFor(
      async () => {
        const res = await h.api<{ entity: { sources: string[]; attributes: Record<string, string> } }>(
          `/api/v1/entities/${encodeURIComponent("container/default/busy/app")}`,
        );
        return res.status === 200 &&
          res.body.entity.sources.some((s) => s.startsWith("agent:")) &&
          res.body.entity.sources.includes("kubernetes")
          ? res.body.entity
          : undefined;
      },
      { timeoutMs: 30_000, what: "container/default/busy/app from both sources" },
    );
    expect(container.attributes.cpu_limit_millicores).toBe("100");
    const hood = (
      await h.api<{ relations: { fromId: string; toId: string; type: string }[] }>(
        `/api/v1/topology?entity=${encodeURIComponent(`node/${nodeName}`)}&depth=2`,
      )
    ).body;
    expect(hood.relations).toContainEqual(
      expect.objectContaining({ fromId: "pod/default/busy", toId: `node/${nodeName}`, type: "runs-on" }),
    );
    expect(hood.relations).toContainEqual(
      expect.objectContaining({
        fromId: "container/default/busy/app",
        toId: "pod/default/busy",
        type: "part-of",
      }),
    );
  });

  it("shows the agent's CPU throttling symptom, ranks its root cause, and clears it when the load stops", async () => {
    const symptom = await waitFor(
      async () =>
        (
          await h.api<{ symptoms: SymptomView[] }>(`/api/v1/symptoms?active=true&type=cpu_throttled`)
        ).body.symptoms.find((s) => s.entityId === "container/default/busy/app"),
      { timeoutMs: 40_000, what: "cpu_throttled from the agent" },
    );
    expect(symptom.source).toMatch(/^agent:/);
    const causes = await waitFor(
      async () => {
        const rc = (await h.api<{ rootCauses: { type: string; entityId: string }[] }>("/api/v1/rootcauses"))
          .body.rootCauses;
        return rc.some((r) => r.entityId === "container/default/busy/app") ? rc : undefined;
      },
      { timeoutMs: 10_000, what: "a root cause on the throttled container" },
    );
    expect(causes.find((r) => r.entityId === "container/default/busy/app")?.type).toBe(
      "container_cpu_limit_too_low",
    );

    // The busy loop stops: the agent clears the symptom (or withdraws the container), and so does the mediator.
    await sim.remove(busy);
    await waitFor(
      async () =>
        (
          await h.api<{ symptoms: SymptomView[] }>(`/api/v1/symptoms?active=true&type=cpu_throttled`)
        ).body.symptoms.some((s) => s.entityId === "container/default/busy/app")
          ? undefined
          : true,
      { timeoutMs: 40_000, what: "cpu_throttled cleared" },
    );
  });
});
