// The UI over a real mediator, for the browser test and bench:ui: kube-sim (TokenReview and
// SubjectAccessReview for approvals), a mediator with its causal engine, fed by one agent over
// real gRPC with a synthetic cluster and an OOM-killed container, and a real VictoriaMetrics
// holding that container's series in the agent's names and labels. The mediator serves the UI at
// /ui and the series at /api/v1/entities/{id}/series itself.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, type ClientDuplexStream } from "@grpc/grpc-js";
import { startKubeSim, type RunningKubeSim } from "@causeway/kube-sim";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { AgentServiceClient, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { startVictoriaMetrics, waitFor } from "@causeway/testkit";
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
    // The OOM-killed container's series as the agent writes them (causeway_container_*, labels
    // node, namespace, pod, container), every 15 s over the last 16 minutes: memory climbing
    // towards its 256 MiB limit, CPU around 0.2 cores, a tenth of CFS periods throttled.
    const now = Date.now();
    const [, namespace, pod, container] = OOM_CONTAINER.split("/") as [string, string, string, string];
    const labels = `node="node-00",namespace="${namespace}",pod="${pod}",container="${container}"`;
    const lines: string[] = [];
    let cpuSeconds = 0;
    const from = now - 16 * 60_000;
    for (let t = from; t <= now; t += 15_000) {
      const minute = (t - from) / 60_000;
      cpuSeconds += 15 * (0.2 + 0.1 * Math.sin(minute));
      const periods = Math.round((t - from) / 100);
      lines.push(
        `causeway_container_memory_working_set_bytes{${labels}} ${Math.round(200e6 + minute * 3.5e6)} ${t}`,
        `causeway_container_memory_limit_bytes{${labels}} ${256 * 2 ** 20} ${t}`,
        `causeway_container_cpu_usage_seconds_total{${labels}} ${cpuSeconds.toFixed(3)} ${t}`,
        `causeway_container_cpu_cfs_periods_total{${labels}} ${periods} ${t}`,
        `causeway_container_cpu_cfs_throttled_periods_total{${labels}} ${Math.round(periods / 10)} ${t}`,
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
      victoriaMetrics: { url: vm.url },
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

    const stack: UiStack = {
      baseUrl: `http://127.0.0.1:${mediator.ports.http}`,
      mediator,
      entities: topo.entities.length,
      tokens: { approver, viewer },
      close,
    };
    return stack;
  } catch (error) {
    await close();
    throw error;
  }
}
