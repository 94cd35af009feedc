// GET /api/v1/entities/{id}/series on a started mediator against a real VictoriaMetrics holding
// samples written in the names and labels Causeway's writers use: the agent's causeway_container_*
// and causeway_node_*, the OTLP receiver's causeway_service_*, the mediator's kube_* series. The
// figures the route computes (rates, ratios, a histogram quantile, sums over a pod's containers)
// are checked against what was written; bad `minutes`, unknown entities and an unreachable or
// unconfigured VictoriaMetrics give the documented errors.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { silentLogger } from "@causeway/runtime";
import { startVictoriaMetrics, type VictoriaMetricsProcess } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const MiB = 2 ** 20;
const STEP_MS = 10_000;
let dir: string;
let vm: VictoriaMetricsProcess;
let mediator: Mediator;
let unconfigured: Mediator;

interface SeriesBody {
  entityId: string;
  minutes: number;
  stepSeconds: number;
  series: { name: string; unit: string; points: [number, number][] }[];
}

/** Samples from 20 minutes ago until now, every 10 s, of `value(secondsSinceStart)`. */
function samples(
  name: string,
  labels: Record<string, string>,
  value: (s: number) => number,
  now: number,
): string[] {
  const body = Object.entries(labels)
    .map(([k, v]) => `${k}="${v}"`)
    .join(",");
  const out: string[] = [];
  const start = now - 20 * 60_000;
  for (let t = start; t <= now; t += STEP_MS) out.push(`${name}{${body}} ${value((t - start) / 1000)} ${t}`);
  return out;
}

async function start(vmUrl: string, name: string): Promise<Mediator> {
  return Mediator.start({
    config: parseMediatorConfig({
      dataDir: join(dir, name),
      logLevel: "silent",
      grpc: { host: "127.0.0.1", port: 0 },
      http: { host: "127.0.0.1", port: 0 },
      otlp: { enabled: false },
      kube: { enabled: false },
      auth: { enabled: false },
      victoriaMetrics: { url: vmUrl },
      state: { snapshotIntervalMs: 3_600_000 },
    }),
    log: silentLogger(),
  });
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- error bodies are read freely
async function get(m: Mediator, id: string, query = ""): Promise<{ status: number; body: any }> {
  const res = await fetch(
    `http://127.0.0.1:${m.ports.http}/api/v1/entities/${encodeURIComponent(id)}/series${query}`,
  );
  return { status: res.status, body: await res.json() };
}

function last(body: SeriesBody, name: string): number {
  const s = body.series.find((x) => x.name === name);
  if (!s) throw new Error(`no series ${name} in ${body.series.map((x) => x.name).join(", ")}`);
  const point = s.points.at(-1);
  if (!point) throw new Error(`${name} has no points`);
  return point[1];
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-series-"));
  vm = await startVictoriaMetrics();
  const now = Date.now();
  const c = { node: "node-a", namespace: "shop", pod: "web-5d8c-x1", container: "app" };
  const side = { ...c, container: "sidecar" };
  const svc = (operation: string) => ({ namespace: "shop", service: "checkout", operation });
  const lines = [
    // The agent's container series: 0.5 cores, 200 MiB of 256 MiB, a quarter of periods throttled,
    // 2 ms run-queue delay per wait; the sidecar 0.25 cores and 50 MiB.
    ...samples("causeway_container_cpu_usage_seconds_total", c, (s) => 0.5 * s, now),
    ...samples("causeway_container_memory_working_set_bytes", c, () => 200 * MiB, now),
    ...samples("causeway_container_memory_limit_bytes", c, () => 256 * MiB, now),
    ...samples("causeway_container_cpu_cfs_periods_total", c, (s) => 10 * s, now),
    ...samples("causeway_container_cpu_cfs_throttled_periods_total", c, (s) => 2.5 * s, now),
    ...samples("causeway_container_runq_delay_seconds_total", c, (s) => 0.002 * 50 * s, now),
    ...samples("causeway_container_runq_waits_total", c, (s) => 50 * s, now),
    ...samples("causeway_container_cpu_usage_seconds_total", side, (s) => 0.25 * s, now),
    ...samples("causeway_container_memory_working_set_bytes", side, () => 50 * MiB, now),
    ...samples("causeway_container_cpu_cfs_periods_total", side, (s) => 10 * s, now),
    ...samples("causeway_container_cpu_cfs_throttled_periods_total", side, () => 0, now),
    // The mediator's kube-state series for the same pod (no cgroup limit on the sidecar).
    ...samples(
      "kube_pod_container_status_restarts_total",
      { namespace: "shop", pod: c.pod, container: "app" },
      () => 3,
      now,
    ),
    ...samples(
      "kube_pod_container_status_restarts_total",
      { namespace: "shop", pod: c.pod, container: "sidecar" },
      () => 1,
      now,
    ),
    ...samples("kube_deployment_spec_replicas", { namespace: "shop", deployment: "web" }, () => 3, now),
    ...samples(
      "kube_deployment_status_replicas_available",
      { namespace: "shop", deployment: "web" },
      () => 2,
      now,
    ),
    // The agent's node series: 2 of 4 cores busy, 6 GiB of 8 GiB available.
    ...samples("causeway_node_cpu_seconds_total", { node: "node-a", mode: "user" }, (s) => 1.5 * s, now),
    ...samples("causeway_node_cpu_seconds_total", { node: "node-a", mode: "system" }, (s) => 0.5 * s, now),
    ...samples("causeway_node_cpu_seconds_total", { node: "node-a", mode: "idle" }, (s) => 2 * s, now),
    ...samples("causeway_node_cpu_cores", { node: "node-a" }, () => 4, now),
    ...samples("causeway_node_memory_available_bytes", { node: "node-a" }, () => 6 * 1024 * MiB, now),
    ...samples("causeway_node_memory_total_bytes", { node: "node-a" }, () => 8 * 1024 * MiB, now),
    // The OTLP receiver's RED series: 20 requests/s over two operations, 1 error/s, latency
    // buckets putting the 95th percentile at 0.175 s.
    ...samples("causeway_service_requests_total", svc("GET /cart"), (s) => 15 * s, now),
    ...samples("causeway_service_requests_total", svc("POST /pay"), (s) => 5 * s, now),
    ...samples("causeway_service_errors_total", svc("GET /cart"), () => 0, now),
    ...samples("causeway_service_errors_total", svc("POST /pay"), (s) => s, now),
    ...(
      [
        ["0.05", 0.5],
        ["0.1", 0.9],
        ["0.25", 1],
        ["+Inf", 1],
      ] as const
    ).flatMap(([le, share]) => [
      ...samples(
        "causeway_service_request_duration_seconds_bucket",
        { ...svc("GET /cart"), le },
        (s) => share * 15 * s,
        now,
      ),
      ...samples(
        "causeway_service_request_duration_seconds_bucket",
        { ...svc("POST /pay"), le },
        (s) => share * 5 * s,
        now,
      ),
    ]),
  ];
  await vm.importPrometheus(`${lines.join("\n")}\n`);
  await vm.flush();

  mediator = await start(vm.url, "with-vm");
  unconfigured = await start("", "without-vm");
  for (const m of [mediator, unconfigured]) {
    const add = (id: string, kind: string, name: string, namespace = "") =>
      m.graph.upsertEntity("test", { id, kind, name, namespace });
    add(`container/shop/${c.pod}/app`, "container", "app", "shop");
    add(`pod/shop/${c.pod}`, "pod", c.pod, "shop");
    add("node/node-a", "node", "node-a");
    add("service/shop/checkout", "service", "checkout", "shop");
    add("deployment/shop/web", "deployment", "web", "shop");
    add("process/node-a/42/7", "process", "java");
  }
});

afterAll(async () => {
  await mediator?.stop();
  await unconfigured?.stop();
  await vm?.dispose();
  await rm(dir, { recursive: true, force: true });
});

describe("GET /api/v1/entities/{id}/series", () => {
  it("gives a container's CPU, memory, limit, throttling, run-queue delay and restarts", async () => {
    const { status, body } = await get(mediator, "container/shop/web-5d8c-x1/app", "?minutes=15");
    expect(status).toBe(200);
    const b = body as SeriesBody;
    expect(b).toMatchObject({ entityId: "container/shop/web-5d8c-x1/app", minutes: 15, stepSeconds: 10 });
    expect(b.series.map((s) => [s.name, s.unit])).toEqual([
      ["cpu_cores_used", "cores"],
      ["memory_working_set_bytes", "bytes"],
      ["memory_limit_bytes", "bytes"],
      ["cpu_throttled_ratio", "ratio"],
      ["runqueue_delay_seconds", "seconds"],
      ["restarts", ""],
    ]);
    for (const s of b.series) {
      expect(s.points.length, s.name).toBeGreaterThanOrEqual(60);
      expect(s.points.length, s.name).toBeLessThanOrEqual(120);
      const times = s.points.map((p) => p[0]);
      expect(times).toEqual([...times].sort((x, y) => x - y));
      expect(times[0]).toBeGreaterThanOrEqual(Date.now() - 16 * 60_000);
    }
    expect(last(b, "cpu_cores_used")).toBeCloseTo(0.5, 3);
    expect(last(b, "memory_working_set_bytes")).toBe(200 * MiB);
    expect(last(b, "memory_limit_bytes")).toBe(256 * MiB);
    expect(last(b, "cpu_throttled_ratio")).toBeCloseTo(0.25, 3);
    expect(last(b, "runqueue_delay_seconds")).toBeCloseTo(0.002, 6);
    expect(last(b, "restarts")).toBe(3);
  });

  it("sums a pod's containers, and gives a node's busy cores and memory", async () => {
    const pod = (await get(mediator, "pod/shop/web-5d8c-x1")).body as SeriesBody;
    expect(last(pod, "cpu_cores_used")).toBeCloseTo(0.75, 3);
    expect(last(pod, "memory_working_set_bytes")).toBe(250 * MiB);
    expect(last(pod, "cpu_throttled_ratio")).toBeCloseTo(0.125, 3);
    expect(last(pod, "restarts")).toBe(4);
    const node = (await get(mediator, "node/node-a")).body as SeriesBody;
    expect(last(node, "cpu_cores_busy")).toBeCloseTo(2, 3);
    expect(last(node, "cpu_cores")).toBe(4);
    expect(last(node, "memory_available_bytes")).toBe(6 * 1024 * MiB);
  });

  it("gives a service's request rate, error ratio and p95 latency, and a deployment's replicas", async () => {
    const svc = (await get(mediator, "service/shop/checkout", "?minutes=60")).body as SeriesBody;
    expect(svc.stepSeconds).toBe(40);
    expect(svc.series.map((s) => [s.name, s.unit])).toEqual([
      ["request_rate", "req/s"],
      ["error_ratio", "ratio"],
      ["latency_p95_seconds", "seconds"],
    ]);
    expect(last(svc, "request_rate")).toBeCloseTo(20, 2);
    expect(last(svc, "error_ratio")).toBeCloseTo(0.05, 3);
    expect(last(svc, "latency_p95_seconds")).toBeCloseTo(0.175, 3);
    const deployment = (await get(mediator, "deployment/shop/web")).body as SeriesBody;
    expect(last(deployment, "replicas_desired")).toBe(3);
    expect(last(deployment, "replicas_available")).toBe(2);
    // 360 minutes, the longest window: still about 90 points (only 20 minutes hold data).
    const long = (await get(mediator, "node/node-a", "?minutes=360")).body as SeriesBody;
    expect(long.stepSeconds).toBe(240);
    // A kind without series of its own.
    expect((await get(mediator, "process/node-a/42/7")).body).toMatchObject({ series: [] });
  });

  it("refuses bad minutes, unknown entities, and says when VictoriaMetrics is missing or down", async () => {
    for (const q of ["?minutes=0", "?minutes=361", "?minutes=abc", "?minutes=1.5"]) {
      const res = await get(mediator, "node/node-a", q);
      expect(res, q).toMatchObject({ status: 400, body: { error: { code: "CW_BAD_REQUEST" } } });
      expect(res.body.error.message).toContain("minutes must be an integer from 1 to 360");
    }
    expect(await get(mediator, "pod/shop/nope")).toMatchObject({
      status: 404,
      body: { error: { code: "CW_NOT_FOUND" } },
    });
    expect(await get(unconfigured, "node/node-a")).toMatchObject({
      status: 503,
      body: { error: { code: "CW_UNAVAILABLE", message: expect.stringContaining("not configured") } },
    });
    await vm.stop();
    expect(await get(mediator, "node/node-a")).toMatchObject({
      status: 503,
      body: { error: { code: "CW_UNAVAILABLE", message: expect.stringContaining("unreachable") } },
    });
    const metrics = await (await fetch(`http://127.0.0.1:${mediator.ports.http}/metrics`)).text();
    expect(metrics).toMatch(
      /causeway_mediator_http_requests_total\{route="\/api\/v1\/entities\/\{id\}\/series",status="503"\} 1/,
    );
  });
});
