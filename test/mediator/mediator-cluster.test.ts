import { credentials, status } from "@grpc/grpc-js";
import { parseAuditNdjson, publicKeyFromPem, verifyAuditTrail } from "@causeway/audit";
import { ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-grpc";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { BatchSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import type { AgentMessage, ExecutorDirective } from "@causeway/protocol";
import { ExecutorServiceClient, Task, TaskOutcome } from "@causeway/protocol";
import { NonceStore, verifySignedTask } from "@causeway/remediation";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AUDIENCE, agentStream, hello, startClusterHarness, type ClusterHarness } from "./harness.js";

interface Entity {
  id: string;
  kind: string;
  attributes: Record<string, string>;
}
interface Relation {
  fromId: string;
  toId: string;
  type: string;
}
interface Page {
  entities: Entity[];
  relations: Relation[];
  continue?: string;
}
interface SymptomView {
  entityId: string;
  type: string;
  active: boolean;
  source: string;
}

let h: ClusterHarness;

const deployment = (name: string, replicas: number) => ({
  apiVersion: "apps/v1",
  kind: "Deployment",
  metadata: { name, namespace: "shop" },
  spec: {
    replicas,
    selector: { matchLabels: { app: name } },
    template: {
      metadata: { labels: { app: name } },
      spec: {
        containers: [
          {
            name: "app",
            image: `shop/${name}:1.0`,
            ports: [{ containerPort: 8080 }],
            resources: {
              limits: { memory: "256Mi", cpu: "500m" },
              requests: { memory: "128Mi", cpu: "100m" },
            },
          },
        ],
      },
    },
  },
});

const service = (name: string) => ({
  apiVersion: "v1",
  kind: "Service",
  metadata: { name, namespace: "shop" },
  spec: { selector: { app: name }, ports: [{ port: 80, targetPort: 8080 }] },
});

async function topology(query: string): Promise<Page> {
  const all: Page = { entities: [], relations: [] };
  let token: string | undefined;
  do {
    const page = (await h.api<Page>(`/api/v1/topology?${query}${token ? `&continue=${token}` : ""}`)).body;
    all.entities.push(...page.entities);
    all.relations.push(...page.relations);
    token = page.continue;
  } while (token);
  return all;
}

async function podsOf(app: string): Promise<Entity[]> {
  return (await topology("kind=pod&namespace=shop&limit=3")).entities.filter((e) =>
    e.id.startsWith(`pod/shop/${app}-`),
  );
}

async function activeSymptoms(entityId: string): Promise<SymptomView[]> {
  return (
    await h.api<{ symptoms: SymptomView[] }>(
      `/api/v1/symptoms?active=true&entity=${encodeURIComponent(entityId)}`,
    )
  ).body.symptoms;
}

beforeAll(async () => {
  h = await startClusterHarness();
  for (const ns of ["shop", "causeway"])
    await h.kubeRequest("POST", "/api/v1/namespaces", {
      apiVersion: "v1",
      kind: "Namespace",
      metadata: { name: ns },
    });
  for (const node of ["node-a", "node-b"])
    await h.kubeRequest("POST", "/api/v1/nodes", {
      apiVersion: "v1",
      kind: "Node",
      metadata: { name: node },
    });
  for (const app of ["web", "api"]) {
    await h.kubeRequest("POST", "/apis/apps/v1/namespaces/shop/deployments", deployment(app, 2));
    await h.kubeRequest("POST", "/api/v1/namespaces/shop/services", service(app));
  }
  await waitFor(() => h.mediator.ready || undefined, { timeoutMs: 30_000, what: "mediator ready" });
});
afterAll(async () => {
  await h?.close();
});

describe("mediator with kube-sim, VictoriaMetrics and agent streams", () => {
  it("shows node → pods → containers and service → pods from the informers", async () => {
    const running = await waitFor(
      async () => {
        const pods = [...(await podsOf("web")), ...(await podsOf("api"))];
        return pods.length === 4 && pods.every((p) => p.attributes.phase === "Running" && p.attributes.pod_ip)
          ? pods
          : undefined;
      },
      { timeoutMs: 30_000, what: "4 running pods with IPs" },
    );
    const web = running.find((p) => p.id.startsWith("pod/shop/web-")) as Entity;
    expect(web.attributes).toMatchObject({
      uid: expect.any(String),
      created_unix_ms: expect.any(String),
      node_name: expect.stringMatching(/^node-[ab]$/),
    });

    // node → pods → containers
    const node = `node/${web.attributes.node_name}`;
    const hood = (await h.api<Page>(`/api/v1/topology?entity=${encodeURIComponent(node)}&depth=2`)).body;
    const podsOnNode = hood.relations
      .filter((r) => r.type === "runs-on" && r.toId === node)
      .map((r) => r.fromId);
    expect(podsOnNode).toContain(web.id);
    const containerOfWeb = hood.relations.find((r) => r.type === "part-of" && r.toId === web.id);
    expect(containerOfWeb?.fromId).toBe(`container/shop/${web.id.split("/")[2]}/app`);
    const container = (
      await h.api<{ entity: Entity }>(`/api/v1/entities/${encodeURIComponent(containerOfWeb?.fromId ?? "")}`)
    ).body.entity;
    expect(container.attributes).toMatchObject({
      image: "shop/web:1.0",
      memory_limit_bytes: String(256 * 2 ** 20),
      memory_request_bytes: String(128 * 2 ** 20),
      cpu_limit_millicores: "500",
      cpu_request_millicores: "100",
    });

    // pod → replicaset → deployment, with revision and replicas
    const rsId = (
      await h.api<{ outgoing: Relation[] }>(`/api/v1/entities/${encodeURIComponent(web.id)}`)
    ).body.outgoing.find((r) => r.type === "member-of")?.toId;
    expect(rsId).toMatch(/^replicaset\/shop\/web-/);
    const rs = (
      await h.api<{ entity: Entity; outgoing: Relation[] }>(
        `/api/v1/entities/${encodeURIComponent(rsId ?? "")}`,
      )
    ).body;
    expect(rs.entity.attributes.revision).toBe("1");
    expect(rs.outgoing).toContainEqual(
      expect.objectContaining({ type: "member-of", toId: "deployment/shop/web" }),
    );

    // service → pods through endpoint slices
    await waitFor(
      async () => {
        const svc = (
          await h.api<{ outgoing: Relation[] }>(`/api/v1/entities/${encodeURIComponent("service/shop/web")}`)
        ).body;
        const selected = svc.outgoing
          .filter((r) => r.type === "selects")
          .map((r) => r.toId)
          .sort();
        return selected.length === 2 && selected.every((id) => id.startsWith("pod/shop/web-"))
          ? selected
          : undefined;
      },
      { timeoutMs: 20_000, what: "service/shop/web selects its two pods" },
    );
  });

  it("authenticates agents with TokenReview, resolves their connections to pods and merges their symptoms", async () => {
    const token = await h.kube.serviceAccountToken("causeway", "causeway-agent", { audiences: [AUDIENCE] });
    const web = (await podsOf("web"))[0] as Entity;
    const api = (await podsOf("api"))[0] as Entity;
    const node = web.attributes.node_name as string;
    const s = agentStream(h.mediator, token);
    const containerId = `container/shop/${web.id.split("/")[2]}/app`;
    const messages: AgentMessage[] = [
      hello(1, `${node}/it`, node),
      {
        seq: 2,
        createdUnixMs: Date.now(),
        body: {
          $case: "topology",
          value: {
            upsertEntities: [
              {
                id: `external/${api.attributes.pod_ip}:8080`,
                kind: "external",
                name: `${api.attributes.pod_ip}:8080`,
                namespace: "",
                attributes: {},
              },
              {
                id: `external/203.0.113.9:443`,
                kind: "external",
                name: "203.0.113.9:443",
                namespace: "",
                attributes: {},
              },
            ],
            deleteEntityIds: [],
            upsertRelations: [
              {
                fromId: web.id,
                toId: `external/${api.attributes.pod_ip}:8080`,
                type: "calls",
                attributes: {},
              },
              { fromId: web.id, toId: "external/203.0.113.9:443", type: "calls", attributes: {} },
            ],
            deleteRelations: [],
            fullSnapshot: true,
          },
        },
      },
      {
        seq: 3,
        createdUnixMs: Date.now(),
        body: {
          $case: "symptoms",
          value: {
            changes: [
              {
                entityId: containerId,
                type: "cpu_throttled",
                active: true,
                sinceUnixMs: Date.now(),
                evidenceSummary: "throttled 40%",
                evidence: { ratio: 0.4 },
              },
            ],
          },
        },
      },
    ];
    for (const m of messages) s.send(m);
    await waitFor(() => s.acks.at(-1) === 3 || undefined, { timeoutMs: 10_000, what: "acks" });
    // A replay after a reconnect is deduplicated.
    s.send({ ...(messages[2] as AgentMessage) });
    s.send({ ...(messages[1] as AgentMessage) });
    await waitFor(() => h.mediator.agents.get(`${node}/it`)?.duplicates === 2 || undefined);

    const out = (await h.api<{ outgoing: Relation[] }>(`/api/v1/entities/${encodeURIComponent(web.id)}`)).body
      .outgoing;
    expect(
      out
        .filter((r) => r.type === "calls")
        .map((r) => r.toId)
        .sort(),
    ).toEqual(["external/203.0.113.9:443", api.id].sort());
    expect(await activeSymptoms(containerId)).toEqual([
      expect.objectContaining({ type: "cpu_throttled", source: `agent:${node}/it` }),
    ]);
    const agents = (
      await h.api<{ agents: { agentId: string; connected: boolean; username: string; nodeName: string }[] }>(
        "/api/v1/agents",
      )
    ).body.agents;
    expect(agents).toContainEqual(
      expect.objectContaining({
        agentId: `${node}/it`,
        connected: true,
        nodeName: node,
        username: "system:serviceaccount:causeway:causeway-agent",
      }),
    );

    // The agent's symptom clears.
    s.send({
      seq: 4,
      createdUnixMs: Date.now(),
      body: {
        $case: "symptoms",
        value: {
          changes: [
            {
              entityId: containerId,
              type: "cpu_throttled",
              active: false,
              sinceUnixMs: Date.now(),
              evidenceSummary: "",
              evidence: {},
            },
          ],
        },
      },
    });
    await waitFor(async () => ((await activeSymptoms(containerId)).length === 0 ? true : undefined), {
      what: "agent symptom cleared",
    });
    s.close();
  });

  it("raises cluster symptoms from Kubernetes state and clears them", async () => {
    const web = (await podsOf("web"))[0] as Entity;
    const pod = web.id.split("/")[2] as string;
    h.kube.controllers?.faults.crashLoop({ namespace: "shop", pod });
    await waitFor(
      async () =>
        (await activeSymptoms(web.id)).some(
          (s) => s.type === "crash_loop_backoff" && s.source === "kubernetes",
        )
          ? true
          : undefined,
      {
        timeoutMs: 20_000,
        what: "crash_loop_backoff",
      },
    );
    await waitFor(
      async () =>
        (await activeSymptoms("deployment/shop/web")).some(
          (s) => s.type === "deployment_unavailable_replicas",
        )
          ? true
          : undefined,
      { timeoutMs: 20_000, what: "deployment_unavailable_replicas" },
    );
    h.kube.controllers?.faults.clearPod("shop", pod);
    await waitFor(
      async () =>
        (await activeSymptoms(web.id)).some((s) => s.type === "crash_loop_backoff") ? undefined : true,
      {
        timeoutMs: 20_000,
        what: "crash_loop_backoff cleared",
      },
    );

    const node = web.attributes.node_name as string;
    h.kube.controllers?.faults.nodeNotReady(node);
    await waitFor(
      async () =>
        (await activeSymptoms(`node/${node}`)).some((s) => s.type === "node_not_ready") ? true : undefined,
      {
        timeoutMs: 20_000,
        what: "node_not_ready",
      },
    );
    h.kube.controllers?.faults.clearNode(node);
    await waitFor(async () => ((await activeSymptoms(`node/${node}`)).length === 0 ? true : undefined), {
      timeoutMs: 20_000,
      what: "node ready again",
    });

    // An image that cannot be pulled: the pod stays Pending in ImagePullBackOff, with a Warning event.
    await h.kubeRequest("POST", "/apis/apps/v1/namespaces/shop/deployments", {
      ...deployment("broken", 1),
      spec: {
        ...deployment("broken", 1).spec,
        template: {
          ...deployment("broken", 1).spec.template,
          spec: { containers: [{ name: "app", image: "shop/does-not-exist:1" }] },
        },
      },
    });
    const broken = await waitFor(async () => (await podsOf("broken"))[0], {
      timeoutMs: 20_000,
      what: "the broken pod",
    });
    await waitFor(
      async () => {
        const types = (await activeSymptoms(broken.id)).map((s) => s.type);
        return types.includes("image_pull_backoff") && types.includes("pod_pending") ? true : undefined;
      },
      { timeoutMs: 20_000, what: "image_pull_backoff and pod_pending" },
    );
    const events = await waitFor(
      async () => {
        const e = (
          await h.api<{ warningEvents: { reason: string; message: string }[] }>(
            `/api/v1/entities/${encodeURIComponent(broken.id)}`,
          )
        ).body.warningEvents;
        return e.length > 0 ? e : undefined;
      },
      { timeoutMs: 20_000, what: "a Warning event on the broken pod" },
    );
    expect(events[0]?.message).toMatch(/Failed to pull image/);

    // An HPA whose bounds hold the deployment at its maximum.
    await h.kubeRequest("POST", "/apis/autoscaling/v2/namespaces/shop/horizontalpodautoscalers", {
      apiVersion: "autoscaling/v2",
      kind: "HorizontalPodAutoscaler",
      metadata: { name: "web", namespace: "shop" },
      spec: {
        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "web" },
        minReplicas: 1,
        maxReplicas: 2,
      },
    });
    await waitFor(
      async () =>
        (await activeSymptoms("hpa/shop/web")).some((s) => s.type === "hpa_at_max") ? true : undefined,
      {
        timeoutMs: 20_000,
        what: "hpa_at_max",
      },
    );
    const hpa = (
      await h.api<{ entity: Entity; outgoing: Relation[] }>(
        `/api/v1/entities/${encodeURIComponent("hpa/shop/web")}`,
      )
    ).body;
    expect(hpa.entity.attributes).toMatchObject({ max_replicas: "2", current_replicas: "2" });
    expect(hpa.outgoing).toContainEqual(
      expect.objectContaining({ type: "scales", toId: "deployment/shop/web" }),
    );

    // A rollout: a new ReplicaSet of the deployment.
    await h.kubeRequest("PATCH", "/apis/apps/v1/namespaces/shop/deployments/api", {
      spec: { template: { spec: { containers: [{ name: "app", image: "shop/api:2.0" }] } } },
    });
    await waitFor(
      async () =>
        (await activeSymptoms("deployment/shop/api")).some((s) => s.type === "recent_rollout")
          ? true
          : undefined,
      {
        timeoutMs: 20_000,
        what: "recent_rollout",
      },
    );
  });

  it("serves OTLP: span pairs become calls between services, errors a service symptom", async () => {
    const url = `http://127.0.0.1:${h.mediator.ports.otlpGrpc}`;
    const provider = (service: string) =>
      new TracerProvider({
        resource: resourceFromAttributes({ "service.name": service, "k8s.namespace.name": "shop" }),
        spanProcessors: [
          new BatchSpanProcessor({ exporter: new OTLPTraceExporter({ url }), scheduledDelayMillis: 50 }),
        ],
      });
    const web = provider("web");
    const api = provider("api");
    for (let i = 0; i < 40; i++) {
      const client = web.getTracer("t").startSpan("GET /items", { kind: SpanKind.CLIENT });
      const server = api
        .getTracer("t")
        .startSpan("GET /items", { kind: SpanKind.SERVER }, trace.setSpan(ROOT_CONTEXT, client));
      if (i % 2 === 0) server.setStatus({ code: SpanStatusCode.ERROR });
      server.end();
      client.end();
    }
    await Promise.all([web.forceFlush(), api.forceFlush()]);
    await waitFor(
      async () => {
        const out = (
          await h.api<{ outgoing: Relation[] }>(`/api/v1/entities/${encodeURIComponent("service/shop/web")}`)
        ).body.outgoing;
        return out.some((r) => r.type === "calls" && r.toId === "service/shop/api") || undefined;
      },
      { timeoutMs: 10_000, what: "service/shop/web calls service/shop/api" },
    );
    await waitFor(
      async () =>
        (await activeSymptoms("service/shop/api")).some(
          (s) => s.type === "high_error_rate" && s.source === "otlp",
        )
          ? true
          : undefined,
      {
        timeoutMs: 10_000,
        what: "high_error_rate on service/shop/api",
      },
    );
    await Promise.all([web.shutdown(), api.shutdown()]);
  });

  it("hosts the remediation lifecycle: approval over HTTP with the approver's token, a signed task to the executor over gRPC, an audit trail that verifies", async () => {
    const lifecycle = h.mediator.lifecycle;
    if (!lifecycle) throw new Error("no lifecycle");
    const proposed = await lifecycle.propose({
      change: {
        action: "scale",
        target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "web" },
        replicas: 3,
      },
      reason: "test",
    });
    const listed = (
      await h.api<{ remediations: { id: string; state: string; changeSha256: string }[] }>(
        "/api/v1/remediations",
      )
    ).body.remediations;
    expect(listed).toContainEqual(expect.objectContaining({ id: proposed.id, state: "proposed" }));

    // The executor's session: hello, then it waits for approved tasks.
    const executor = new ExecutorServiceClient(
      `127.0.0.1:${h.mediator.ports.grpc}`,
      credentials.createInsecure(),
    );
    const session = executor.session();
    const directive = new Promise<ExecutorDirective>((resolve) => session.on("data", resolve));
    session.on("error", () => undefined);
    session.write({
      body: { $case: "hello", value: { executorId: "it-executor", version: "test", actions: ["scale"] } },
    });

    const approve = (token: string) =>
      fetch(`http://127.0.0.1:${h.mediator.ports.http}/api/v1/remediations/${proposed.id}/approve`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({ changeSha256: proposed.changeSha256 }),
      });
    const nobody = h.kube.createUserToken({ username: "nobody", groups: [] });
    expect((await approve(nobody)).status).toBe(403);
    expect((await approve("not-a-token")).status).toBe(401);
    const approved = await approve(h.kube.adminToken);
    expect(approved.status).toBe(200);

    const task = await directive;
    if (task.body?.$case !== "task") throw new Error("expected a task");
    const publicKeyPem = await (
      await fetch(`http://127.0.0.1:${h.mediator.ports.http}/api/v1/audit/public-key`)
    ).text();
    const verified = await verifySignedTask(task.body.value, {
      publicKeys: [publicKeyFromPem(publicKeyPem)],
      nonces: NonceStore.inMemory(),
      nowMs: Date.now(),
    });
    expect(verified).toMatchObject({ ok: true });
    const taskId = Task.decode(task.body.value.task).taskId;
    session.write({
      body: {
        $case: "result",
        value: {
          taskId,
          outcome: TaskOutcome.TASK_OUTCOME_VERIFIED,
          message: "ok",
          finishedUnixMs: Date.now(),
        },
      },
    });
    await waitFor(
      async () =>
        (await h.api<{ state: string }>(`/api/v1/remediations/${proposed.id}`)).body.state === "verified"
          ? true
          : undefined,
      {
        what: "remediation verified",
      },
    );
    session.end();
    executor.close();
    const trail = await (await fetch(`http://127.0.0.1:${h.mediator.ports.http}/api/v1/audit/export`)).text();
    const result = verifyAuditTrail(parseAuditNdjson(trail), {
      publicKeys: [publicKeyFromPem(publicKeyPem)],
    });
    expect(result.ok).toBe(true);
    expect(parseAuditNdjson(trail).map((r) => (r as { type: string }).type)).toEqual(
      expect.arrayContaining(["proposal", "refusal", "approval", "dispatch", "verification"]),
    );
  });

  it("writes kube-state series to VictoriaMetrics", async () => {
    await h.mediator.flushSeries();
    const info = await h.vm.query('kube_pod_info{namespace="shop"}');
    expect(info.length).toBeGreaterThanOrEqual(4);
    const limits = await h.vm.query('kube_pod_container_resource_limits{namespace="shop",resource="memory"}');
    expect(limits[0]?.value).toBe(256 * 2 ** 20);
    expect((await h.vm.query('kube_node_status_condition{condition="Ready",status="true"}')).length).toBe(2);
    expect(
      (await h.vm.query('kube_deployment_spec_replicas{namespace="shop",deployment="web"}'))[0]?.value,
    ).toBe(2);
  });

  it("refuses agents with a missing, wrong-audience or expired token", async () => {
    const missing = agentStream(h.mediator, undefined);
    missing.send(hello(1, "x/1", "node-a"));
    expect(await missing.ended).toMatchObject({ code: status.UNAUTHENTICATED });
    const wrongAudience = await h.kube.serviceAccountToken("causeway", "causeway-agent");
    const wrong = agentStream(h.mediator, wrongAudience);
    wrong.send(hello(1, "x/2", "node-a"));
    expect(await wrong.ended).toMatchObject({ code: status.UNAUTHENTICATED });
    const forged = agentStream(h.mediator, "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl");
    forged.send(hello(1, "x/3", "node-a"));
    expect(await forged.ended).toMatchObject({ code: status.UNAUTHENTICATED });
    const soonExpired = await h.kube.serviceAccountToken("causeway", "causeway-agent", {
      audiences: [AUDIENCE],
      expirationSeconds: 600,
    });
    h.clockOffsetMs = 700_000;
    const expired = agentStream(h.mediator, soonExpired);
    expired.send(hello(1, "x/4", "node-a"));
    expect(await expired.ended).toMatchObject({ code: status.UNAUTHENTICATED });
    h.clockOffsetMs = 0;
    for (const s of [missing, wrong, forged, expired]) s.close();
    const refused = await (await fetch(`http://127.0.0.1:${h.mediator.ports.http}/metrics`)).text();
    expect(refused).toMatch(/causeway_mediator_agent_streams_refused_total\{reason="unauthenticated"\} 4/);
  });
});
