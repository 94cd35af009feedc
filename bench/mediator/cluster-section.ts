import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { request } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { Mediator, parseMediatorConfig, type GraphChange } from "@causeway/mediator";
import { silentLogger } from "@causeway/runtime";

interface KubeSimProcess {
  readonly child: ChildProcess;
  readonly url: string;
  readonly kubeconfig: string;
  readonly token: string;
  readonly ca: string;
}

/** Starts the kube-sim CLI in its own process with a generated cluster; resolves once it serves. */
async function startKubeSimProcess(dir: string, nodes: number, pods: number): Promise<KubeSimProcess> {
  const cli = fileURLToPath(new URL("../../packages/kube-sim/src/cli/main.ts", import.meta.url));
  const kubeconfig = join(dir, "kubeconfig");
  const child = spawn(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      "--max-old-space-size=8192",
      cli,
      "--port=0",
      `--kubeconfig=${kubeconfig}`,
      `--nodes=${nodes}`,
      `--pods=${pods}`,
      "--logLevel=warn",
      // Room for the relist history of a large cluster.
      "--watchHistorySize=200000",
    ],
    { stdio: ["ignore", "pipe", "inherit"] },
  );
  const line = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.once("line", resolve);
    child.once("exit", (code) => reject(new Error(`kube-sim exited with ${code}`)));
  });
  const started = JSON.parse(line) as { url: string };
  const text = await readFile(kubeconfig, "utf8");
  const token = /token:\s*"?([^"\s]+)"?/.exec(text)?.[1] ?? "";
  const caData = /certificate-authority-data:\s*(\S+)/.exec(text)?.[1] ?? "";
  return { child, url: started.url, kubeconfig, token, ca: Buffer.from(caData, "base64").toString("utf8") };
}

function kubeSend(kube: KubeSimProcess, method: string, path: string, body?: unknown): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      `${kube.url}${path}`,
      {
        method,
        ca: kube.ca,
        headers: { authorization: `Bearer ${kube.token}`, "content-type": "application/json" },
      },
      (res) => {
        res.resume();
        res.on("end", () => resolve(res.statusCode ?? 0));
      },
    );
    req.on("error", reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

function percentile(values: number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? 0;
}

/**
 * Initial sync of a generated cluster (time until every informer has listed and the graph holds
 * every pod, and the mediator's RSS), then the latency from a Kubernetes change (pods created and
 * deleted at `changesPerSecond`) to the graph change it causes.
 */
export async function clusterFigures(options: {
  nodes: number;
  pods: number;
  changesPerSecond: number;
  changeSeconds: number;
}): Promise<Record<string, string | number>> {
  const dir = await mkdtemp(join(tmpdir(), "causeway-bench-cluster-"));
  const kube = await startKubeSimProcess(dir, options.nodes, options.pods);
  let mediator: Mediator | undefined;
  try {
    let peakRss = process.memoryUsage().rss;
    const sampler = setInterval(() => {
      peakRss = Math.max(peakRss, process.memoryUsage().rss);
    }, 100);
    const started = performance.now();
    mediator = await Mediator.start({
      config: parseMediatorConfig({
        dataDir: join(dir, "data"),
        logLevel: "silent",
        grpc: { host: "127.0.0.1", port: 0 },
        http: { host: "127.0.0.1", port: 0 },
        otlp: { enabled: false },
        kube: { kubeconfig: kube.kubeconfig },
        auth: { enabled: true },
        state: { snapshotIntervalMs: 3_600_000 },
      }),
      log: silentLogger(),
    });
    const m = mediator;
    await new Promise<void>((resolve) => {
      const check = setInterval(() => {
        if (m.ready && m.graph.idsOfKind("pod").size >= options.pods) {
          clearInterval(check);
          resolve();
        }
      }, 20);
    });
    const syncSeconds = (performance.now() - started) / 1000;
    clearInterval(sampler);
    global.gc?.();
    const rssAfterGc = process.memoryUsage().rss;
    const entities = m.graph.entityCount;
    const relations = m.graph.relationCount;

    // Changes at a steady rate; each one's latency is until the graph shows it.
    const pending = new Map<string, number>();
    const latencies: number[] = [];
    const off = m.graph.onChange((c: GraphChange) => {
      const id = c.op === "upsert-entity" || c.op === "delete-entity" ? c.entity.id : undefined;
      if (!id) return;
      const key = `${c.op === "delete-entity" ? "delete" : "upsert"}:${id}`;
      const at = pending.get(key);
      if (at !== undefined) {
        latencies.push(performance.now() - at);
        pending.delete(key);
      }
    });
    const namespace = "default";
    const total = options.changesPerSecond * options.changeSeconds;
    const created: string[] = [];
    let refused = 0;
    const scheduleStart = performance.now();
    for (let i = 0; i < total; i++) {
      // A steady schedule: change i is due at i / rate, whatever the previous one took.
      const wait = scheduleStart + (i * 1000) / options.changesPerSecond - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      const deleteOne = i % 2 === 1 && created.length > 0;
      if (deleteOne) {
        const name = created.shift() as string;
        pending.set(`delete:pod/${namespace}/${name}`, performance.now());
        const code = await kubeSend(
          kube,
          "DELETE",
          `/api/v1/namespaces/${namespace}/pods/${name}?gracePeriodSeconds=0`,
        );
        if (code >= 300) refused++;
      } else {
        const name = `bench-${i}`;
        created.push(name);
        pending.set(`upsert:pod/${namespace}/${name}`, performance.now());
        const code = await kubeSend(kube, "POST", `/api/v1/namespaces/${namespace}/pods`, {
          apiVersion: "v1",
          kind: "Pod",
          metadata: { name, namespace },
          spec: { containers: [{ name: "app", image: "bench/app:1" }] },
        });
        if (code >= 300) refused++;
      }
    }
    if (refused > 0) throw new Error(`kube-sim refused ${refused} of ${total} changes`);
    const deadline = Date.now() + 10_000;
    while (pending.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    off();
    return {
      nodes: options.nodes,
      pods: options.pods,
      graph_entities: entities,
      graph_relations: relations,
      sync_s: syncSeconds.toFixed(1),
      sync_rss_peak_mib: Math.round(peakRss / 2 ** 20),
      sync_rss_after_gc_mib: Math.round(rssAfterGc / 2 ** 20),
      changes: latencies.length,
      changes_lost: pending.size,
      change_p50_ms: percentile(latencies, 50).toFixed(1),
      change_p99_ms: percentile(latencies, 99).toFixed(1),
      target_sync_60s_met: String(syncSeconds <= 60),
      target_rss_1_5gib_met: String(peakRss <= 1.5 * 2 ** 30),
      target_p99_100ms_met: String(percentile(latencies, 99) <= 100),
    };
  } finally {
    await mediator?.stop({ snapshot: false });
    kube.child.kill("SIGTERM");
    await new Promise((r) => kube.child.once("exit", r));
    await rm(dir, { recursive: true, force: true });
  }
}
