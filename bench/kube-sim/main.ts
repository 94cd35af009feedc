// kube-sim at Kubernetes' scalability limits: time and RSS to generate 5,000 nodes and 150,000
// pods, then to deliver them to three concurrent @kubernetes/client-node pod informers (paged
// lists, then watches), and the latency of one change reaching all three.
// Informers list with a plain JSON list function (over the kubeconfig's TLS settings) by default;
// --typed=1 lists through CoreV1Api instead, whose model deserialization costs the client far more
// than the server spends.
// Usage: pnpm bench:kube-sim [--nodes=5000] [--pods=150000] [--informers=3] [--pageSize=5000] [--typed=1]
import { spawn } from "node:child_process";
import { request } from "node:https";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { CoreV1Api, KubeConfig, makeInformer, type V1Pod } from "@kubernetes/client-node";

const arg = (name: string, fallback: number): number => {
  const hit = process.argv.find((a) => a.startsWith(`--${name}=`));
  return hit ? Number(hit.split("=")[1]) : fallback;
};
const nodes = arg("nodes", 5000);
const pods = arg("pods", 150_000);
const informers = arg("informers", 3);
const pageSize = arg("pageSize", 5000);
const typed = arg("typed", 0) === 1;

async function rssMiB(pid: number): Promise<{ rss: number; peak: number }> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kib = (key: string) => Number(new RegExp(`${key}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kib("VmRSS") / 1024), peak: Math.round(kib("VmHWM") / 1024) };
}

const dir = await mkdtemp(join(tmpdir(), "bench-kube-sim-"));
const kubeconfig = join(dir, "kubeconfig");
// The simulator runs in its own process, as it does for the mediator benchmark, so its RSS and
// the informers' are measured apart.
const started = performance.now();
const child = spawn(
  process.execPath,
  [
    "--conditions=source",
    "--import",
    "tsx",
    "packages/kube-sim/src/cli/main.ts",
    "--port=0",
    `--nodes=${nodes}`,
    `--pods=${pods}`,
    `--kubeconfig=${kubeconfig}`,
    "--logLevel=warn",
  ],
  { stdio: ["ignore", "pipe", "inherit"] },
);
const ready = await new Promise<{ url: string; generated: { durationMs: number; deployments: number } }>(
  (resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`kube-sim exited with ${String(code)}`)));
    createInterface({ input: child.stdout }).once("line", (line) => resolve(JSON.parse(line) as never));
  },
);
const startupMs = performance.now() - started;
const afterGenerate = await rssMiB(child.pid as number);
console.log(
  `generated ${nodes} nodes, ${pods} pods, ${ready.generated.deployments} deployments in ${ready.generated.durationMs.toFixed(0)} ms (process up in ${startupMs.toFixed(0)} ms), kube-sim RSS ${afterGenerate.rss} MiB`,
);

const kc = new KubeConfig();
kc.loadFromFile(kubeconfig);
const core = kc.makeApiClient(CoreV1Api);

interface PodPage {
  items: V1Pod[];
  metadata?: { resourceVersion?: string; continue?: string; _continue?: string };
}

async function rawPage(cont: string | undefined): Promise<PodPage> {
  const url = new URL(`${kc.getCurrentCluster()?.server ?? ""}/api/v1/pods`);
  url.searchParams.set("limit", String(pageSize));
  if (cont) url.searchParams.set("continue", cont);
  const opts: Parameters<typeof request>[1] = { method: "GET" };
  await kc.applyToHTTPSOptions(opts);
  return new Promise((resolve, reject) => {
    const req = request(url, opts, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as PodPage));
      res.on("error", reject);
    });
    req.on("error", reject);
    req.end();
  });
}

/** A paged list, as client-go's pager does it: `limit` pages, the first page's resourceVersion. */
async function listAllPods() {
  const items: V1Pod[] = [];
  let cont: string | undefined;
  let resourceVersion = "";
  do {
    const page: PodPage = typed
      ? await core.listPodForAllNamespaces({ limit: pageSize, ...(cont ? { _continue: cont } : {}) })
      : await rawPage(cont);
    for (const p of page.items) items.push(p);
    resourceVersion ||= page.metadata?.resourceVersion ?? "";
    cont = page.metadata?._continue || page.metadata?.continue || undefined;
  } while (cont);
  return { metadata: { resourceVersion }, items };
}

/** One paged list read as bytes only: what serving costs, without the client's JSON parsing. */
async function pagedBytes(): Promise<number> {
  let bytes = 0;
  let cont: string | undefined;
  do {
    const url = new URL(`${kc.getCurrentCluster()?.server ?? ""}/api/v1/pods`);
    url.searchParams.set("limit", String(pageSize));
    if (cont) url.searchParams.set("continue", cont);
    const opts: Parameters<typeof request>[1] = { method: "GET" };
    await kc.applyToHTTPSOptions(opts);
    cont = await new Promise<string | undefined>((resolve, reject) => {
      const req = request(url, opts, (res) => {
        let head = "";
        res.on("data", (c: Buffer) => {
          if (head.length < 2048) head += c.subarray(0, 2048).toString("utf8");
          bytes += c.length;
        });
        // The list metadata (with the continue token) comes before the items.
        res.on("end", () => resolve(/"continue":"([^"]+)"/.exec(head)?.[1]));
        res.on("error", reject);
      });
      req.on("error", reject);
      req.end();
    });
  } while (cont);
  return bytes;
}

const serveStarted = performance.now();
const served = await Promise.all(Array.from({ length: informers }, () => pagedBytes()));
const serveMs = performance.now() - serveStarted;
console.log(
  `${informers} concurrent paged lists (bytes only): ${(served.reduce((a, b) => a + b, 0) / 1048576).toFixed(0)} MiB in ${serveMs.toFixed(0)} ms`,
);

let stopping = false;
const syncStarted = performance.now();
const caches = Array.from({ length: informers }, () => {
  const informer = makeInformer<V1Pod>(kc, "/api/v1/pods", listAllPods);
  let count = 0;
  let syncedMs = 0;
  let sawChange = 0;
  informer.on("add", () => {
    count++;
    if (count === pods) syncedMs = performance.now() - syncStarted;
  });
  informer.on("update", (p) => {
    if (p.metadata?.annotations?.["bench/touched"]) sawChange = performance.now();
  });
  informer.on("error", (err) => {
    if (!stopping) console.error("informer error", err);
  });
  return {
    informer,
    get synced() {
      return syncedMs;
    },
    get changeSeenAt() {
      return sawChange;
    },
  };
});
await Promise.all(caches.map((c) => c.informer.start()));
while (caches.some((c) => c.synced === 0)) await new Promise((r) => setTimeout(r, 50));
const syncMs = Math.max(...caches.map((c) => c.synced));
const afterSync = await rssMiB(child.pid as number);
const clientRss = Math.round(process.memoryUsage().rss / 1048576);
console.log(
  `${informers} informers synced ${pods} pods each in ${syncMs.toFixed(0)} ms; kube-sim RSS ${afterSync.rss} MiB (peak ${afterSync.peak} MiB), informers' process ${clientRss} MiB`,
);

// One change, delivered to every informer over its watch.
const victim = caches[0]?.informer.list()[0];
const changeStarted = performance.now();
await core.patchNamespacedPod({
  name: victim?.metadata?.name ?? "",
  namespace: victim?.metadata?.namespace ?? "",
  body: [{ op: "add", path: "/metadata/annotations/bench~1touched", value: "1" }],
});
while (caches.some((c) => c.changeSeenAt === 0)) await new Promise((r) => setTimeout(r, 5));
const changeMs = Math.max(...caches.map((c) => c.changeSeenAt)) - changeStarted;
console.log(`one pod change reached all ${informers} informers in ${changeMs.toFixed(1)} ms`);

stopping = true;
await Promise.all(caches.map((c) => c.informer.stop()));
child.kill("SIGTERM");
await rm(dir, { recursive: true, force: true });
console.log(
  `nodes=${nodes} pods=${pods} generate_ms=${ready.generated.durationMs.toFixed(0)} generate_rss_mib=${afterGenerate.rss} informers=${informers} serve_lists_ms=${serveMs.toFixed(0)} typed_list=${typed ? 1 : 0} informer_sync_ms=${syncMs.toFixed(0)} sim_rss_mib=${afterSync.rss} sim_peak_rss_mib=${afterSync.peak} informer_process_rss_mib=${clientRss} change_to_all_informers_ms=${changeMs.toFixed(1)}`,
);
process.exit(0);
