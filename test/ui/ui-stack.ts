// The UI over a real mediator, for the browser test and bench:ui: kube-sim (TokenReview and
// SubjectAccessReview for approvals), a mediator with its causal engine, fed by one agent over
// real gRPC with a synthetic cluster and an OOM-killed container, a real VictoriaMetrics holding
// series for that container, and a plain node:http server routing /ui to @causeway/ui and the rest
// to the mediator's API (as the mediator will once the UI is wired in).
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, type ClientDuplexStream } from "@grpc/grpc-js";
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { AgentServiceClient, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { startVictoriaMetrics, waitFor, type VictoriaMetricsProcess } from "@causeway/testkit";
import { createUiHandler } from "@causeway/ui";
import { syntheticTopology } from "./synthetic-topology.js";

export const OOM_CONTAINER = "container/shop/checkout-7d9f8-00000/app";
const ENTITIES_PER_MESSAGE = 1000;

export interface UiStack {
  /** e.g. http://127.0.0.1:41234 */
  readonly baseUrl: string;
  readonly mediator: Mediator;
  readonly entities: number;
  /** alice may approve remediations; bob is authenticated but may not. */
  readonly tokens: { readonly approver: string; readonly viewer: string };
  /** Serve /api/v1/entities/{id}/series from VictoriaMetrics (off: 404, the route absent). */
  seriesRoute: boolean;
  close(): Promise<void>;
}

async function admin(sim: RunningKubeSim, path: string, body: unknown): Promise<void> {
  const res = await fetch(`${sim.url}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${sim.adminToken}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });
  if (res.status >= 300) throw new Error(`POST ${path}: ${res.status} ${await res.text()}`);
}

function proxy(targetPort: number, req: IncomingMessage, res: ServerResponse): void {
  const upstream = request(
    { host: "127.0.0.1", port: targetPort, method: req.method, path: req.url, headers: req.headers },
    (answer) => {
      res.writeHead(answer.statusCode ?? 502, answer.headers);
      answer.pipe(res);
    },
  );
  upstream.on("error", () => {
    if (!res.headersSent) res.writeHead(502, { "content-type": "application/json" });
    res.end(JSON.stringify({ error: { code: "CW_UNAVAILABLE", message: "mediator unreachable" } }));
  });
  req.pipe(upstream);
}

/** /api/v1/entities/{id}/series as the lead will add it: the entity's series over the last N minutes. */
async function seriesFromVictoriaMetrics(
  vm: VictoriaMetricsProcess,
  entityId: string,
  minutes: number,
): Promise<unknown> {
  const end = Date.now() / 1000;
  const params = new URLSearchParams({
    query: `{causeway_entity=${JSON.stringify(entityId)}}`,
    start: String(end - minutes * 60),
    end: String(end),
    step: "15s",
    nocache: "1",
  });
  const res = await fetch(`${vm.url}/api/v1/query_range?${params.toString()}`);
  const body = (await res.json()) as {
    data?: { result?: { metric: Record<string, string>; values: [number, string][] }[] };
  };
  return {
    series: (body.data?.result ?? []).map((r) => ({
      name: r.metric.__name__ ?? "series",
      unit: r.metric.unit ?? "",
      points: r.values.map(([t, v]) => [Math.round(t * 1000), Number(v)]),
    })),
  };
}

export async function startUiStack(options: { readonly entities?: number } = {}): Promise<UiStack> {
  const entities = options.entities ?? 10_000;
  const cleanups: (() => Promise<void> | void)[] = [];
  const close = async () => {
    for (const c of cleanups.splice(0).reverse()) await Promise.resolve(c()).catch(() => undefined);
  };
  try {
    const sim = await startKubeSim();
    cleanups.push(() => sim.close());
    const approver = randomBytes(16).toString("hex");
    const viewer = randomBytes(16).toString("hex");
    sim.server.addStaticToken(approver, { username: "alice", groups: ["system:authenticated"] });
    sim.server.addStaticToken(viewer, { username: "bob", groups: ["system:authenticated"] });
    await admin(sim, "/apis/rbac.authorization.k8s.io/v1/clusterroles", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRole",
      metadata: { name: "causeway-approver" },
      rules: [{ apiGroups: ["causeway.dev"], resources: ["remediations"], verbs: ["approve"] }],
    });
    await admin(sim, "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", {
      apiVersion: "rbac.authorization.k8s.io/v1",
      kind: "ClusterRoleBinding",
      metadata: { name: "causeway-approver-alice" },
      roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "causeway-approver" },
      subjects: [{ apiGroup: "rbac.authorization.k8s.io", kind: "User", name: "alice" }],
    });

    const dir = await mkdtemp(join(tmpdir(), "causeway-ui-"));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const kubeconfig = join(dir, "kubeconfig.json");
    await writeFile(
      kubeconfig,
      JSON.stringify({
        apiVersion: "v1",
        kind: "Config",
        clusters: [{ name: "sim", cluster: { server: sim.url, "insecure-skip-tls-verify": true } }],
        users: [{ name: "admin", user: { token: sim.adminToken } }],
        contexts: [{ name: "sim", context: { cluster: "sim", user: "admin" } }],
        "current-context": "sim",
      }),
    );

    const vm = await startVictoriaMetrics();
    cleanups.push(() => vm.dispose());
    const now = Date.now();
    const lines: string[] = [];
    for (let t = now - 15 * 60_000; t <= now; t += 15_000) {
      const minute = (t - (now - 15 * 60_000)) / 60_000;
      const label = `causeway_entity="${OOM_CONTAINER}",unit="bytes"`;
      lines.push(`container_memory_working_set_bytes{${label}} ${Math.round(200e6 + minute * 3.5e6)} ${t}`);
      lines.push(
        `container_cpu_usage_ratio{causeway_entity="${OOM_CONTAINER}",unit="ratio"} ${(0.2 + 0.1 * Math.sin(minute)).toFixed(3)} ${t}`,
      );
    }
    await vm.importPrometheus(`${lines.join("\n")}\n`);
    await vm.flush();

    const config = parseMediatorConfig({
      dataDir: join(dir, "mediator"),
      logLevel: "silent",
      grpc: { host: "127.0.0.1", port: 0 },
      http: { host: "127.0.0.1", port: 0 },
      otlp: { enabled: false },
      kube: { enabled: true, kubeconfig, maxBackoffMs: 30_000 },
      auth: { enabled: false },
      state: { snapshotIntervalMs: 3_600_000 },
      symptoms: { tickIntervalMs: 200 },
    });
    const mediator = await Mediator.start({ config, log: silentLogger() });
    cleanups.push(() => mediator.stop());

    // One agent reports the cluster and its symptoms; a second connected once and left.
    const client = new AgentServiceClient(`127.0.0.1:${mediator.ports.grpc}`, credentials.createInsecure());
    cleanups.push(() => client.close());
    const call: ClientDuplexStream<AgentMessage, MediatorMessage> = client.connect();
    cleanups.push(() => call.cancel());
    let acked = 0;
    call.on("data", (m: MediatorMessage) => {
      if (m.body?.$case === "ack") acked = m.body.value.highestContiguousSeq;
    });
    call.on("error", () => undefined);
    const topo = syntheticTopology(entities);
    let seq = 0;
    const send = (body: AgentMessage["body"]) => call.write({ seq: ++seq, createdUnixMs: Date.now(), body });
    send({
      $case: "hello",
      value: {
        agentId: "node-00/1",
        nodeName: "node-00",
        version: "0.1.0",
        capabilities: {
          ebpf: true,
          cgroupV1: false,
          cgroupV2: true,
          kernelRelease: "6.1.0",
          degradedReasons: [],
        },
      },
    });
    for (let i = 0; i < topo.entities.length; i += ENTITIES_PER_MESSAGE) {
      const chunk = topo.entities.slice(i, i + ENTITIES_PER_MESSAGE);
      const ids = new Set(chunk.map((e) => e.id));
      send({
        $case: "topology",
        value: {
          upsertEntities: chunk,
          deleteEntityIds: [],
          upsertRelations: topo.relations.filter((r) => ids.has(r.fromId)),
          deleteRelations: [],
          fullSnapshot: i === 0,
        },
      });
    }
    const since = Date.now() - 90_000;
    const noisy = topo.entities.filter((e) => e.kind === "container" && e.name === "sidecar").slice(40, 52);
    send({
      $case: "symptoms",
      value: {
        changes: [
          {
            entityId: OOM_CONTAINER,
            type: "oom_killed",
            active: true,
            sinceUnixMs: since,
            evidenceSummary: "OOM-killed 3 times in 5 min at 256 MiB",
            evidence: { kills: 3, limit_bytes: 268435456 },
          },
          {
            entityId: OOM_CONTAINER,
            type: "memory_near_limit",
            active: true,
            sinceUnixMs: since - 60_000,
            evidenceSummary: "working set 97% of limit",
            evidence: { ratio: 0.97 },
          },
          {
            entityId: OOM_CONTAINER,
            type: "container_restarting",
            active: true,
            sinceUnixMs: since,
            evidenceSummary: "3 restarts",
            evidence: { restarts: 3 },
          },
          ...noisy.map((e) => ({
            entityId: e.id,
            type: "cpu_throttled",
            active: true,
            sinceUnixMs: since,
            evidenceSummary: "throttled 30% of periods",
            evidence: { throttled_ratio: 0.3 },
          })),
        ],
      },
    });
    const total = seq;
    await waitFor(() => acked >= total || undefined, {
      what: "the agent's messages acknowledged",
      timeoutMs: 60_000,
    });
    const gone = client.connect();
    gone.on("error", () => undefined);
    gone.write({
      seq: 1,
      createdUnixMs: Date.now(),
      body: {
        $case: "hello",
        value: { agentId: "node-01/1", nodeName: "node-01", version: "0.1.0", capabilities: undefined },
      },
    });
    await waitFor(() => mediator.agents.get("node-01/1")?.nodeName === "node-01" || undefined, {
      what: "the second agent's hello",
    });
    gone.cancel();
    await waitFor(
      () => mediator.lifecycle?.list().some((r) => r.change.action === "set-resources") || undefined,
      {
        what: "the causal engine's remediation proposed",
        timeoutMs: 30_000,
      },
    );

    const ui = createUiHandler();
    const stack: UiStack = {
      baseUrl: "",
      mediator,
      entities: topo.entities.length,
      tokens: { approver, viewer },
      seriesRoute: false,
      close,
    };
    const seriesPath = /^\/api\/v1\/entities\/(.+)\/series$/;
    const server: Server = createServer((req, res) => {
      if (ui(req, res)) return;
      const url = new URL(req.url ?? "/", "http://ui");
      const m = seriesPath.exec(url.pathname);
      if (m && stack.seriesRoute) {
        const minutes = Number(url.searchParams.get("minutes") ?? "15");
        void seriesFromVictoriaMetrics(vm, decodeURIComponent(m[1] as string), minutes).then((body) => {
          res.writeHead(200, { "content-type": "application/json" });
          res.end(JSON.stringify(body));
        });
        return;
      }
      proxy(mediator.ports.http, req, res);
    });
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    cleanups.push(
      () =>
        new Promise<void>((resolve) => {
          server.closeAllConnections();
          server.close(() => resolve());
        }),
    );
    const address = server.address();
    const port = typeof address === "object" && address ? address.port : 0;
    (stack as { baseUrl: string }).baseUrl = `http://127.0.0.1:${port}`;
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}
