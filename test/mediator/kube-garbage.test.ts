// A misbehaving API server must not crash the mediator. A small fake API server answers lists
// correctly (with a malformed item among them) but answers watches with garbage, a different kind
// on every request: a list instead of an event stream (what once crashed the mediator inside the
// informer cache), events without an object, without metadata or of unknown types, bookmarks
// without metadata, non-JSON, error statuses, a stream that is cut. The real mediator CLI runs
// against it as a child process: it stays up and ready, keeps what was valid, counts every failure
// by reason in /metrics, retries with a backoff, and exits cleanly on SIGTERM.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer, type Server, type ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

const repoRoot = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
let dir: string;
let fake: Server;
let mediator: ChildProcess;
let httpPort = 0;
let output = "";
const watchRequests = new Map<string, number>();
const served = new Map<string, number>();

const node = (name: string) => ({
  apiVersion: "v1",
  kind: "Node",
  metadata: { name, uid: `uid-${name}`, resourceVersion: "5" },
  status: { conditions: [{ type: "Ready", status: "True" }] },
});

/** One garbage answer to a watch, by number: each kind comes round again and again. */
const GARBAGE: readonly [string, (res: ServerResponse, path: string) => void][] = [
  [
    "a list instead of a stream",
    (res, path) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end(
        `${JSON.stringify({ kind: "List", apiVersion: "v1", metadata: {}, items: [node(`x${path.length}`)] })}\n`,
      );
    },
  ],
  ["an event without an object", (res) => stream(res, [{ type: "ADDED" }, { type: "ADDED", object: null }])],
  [
    "an object without metadata",
    (res) => stream(res, [{ type: "MODIFIED", object: { kind: "Pod", spec: {} } }]),
  ],
  [
    "metadata that is not an object",
    (res) => stream(res, [{ type: "DELETED", object: { metadata: "pod-1" } }]),
  ],
  ["a bookmark without metadata", (res) => stream(res, [{ type: "BOOKMARK", object: {} }])],
  ["an ERROR without a status", (res) => stream(res, [{ type: "ERROR" }])],
  ["an unknown event type", (res) => stream(res, [{ type: "EXPLODED", object: node("y") }])],
  ["an array", (res) => stream(res, [[1, 2, 3]])],
  [
    "not JSON at all, then closed at once",
    (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.end("<html>502 Bad Gateway</html>\n{{{{\n");
    },
  ],
  [
    "a 500 with a non-Status body",
    (res) => {
      res.writeHead(500, { "content-type": "text/plain" });
      res.end("boom");
    },
  ],
  [
    "a valid event, then a cut stream",
    (res) => {
      res.writeHead(200, { "content-type": "application/json" });
      res.write(`${JSON.stringify({ type: "ADDED", object: node("from-watch") })}\n{"type":"ADDED","obj`);
      setTimeout(() => res.socket?.destroy(), 20);
    },
  ],
  [
    "an object without a name",
    (res) => stream(res, [{ type: "ADDED", object: { metadata: { namespace: "x", uid: "u" } } }]),
  ],
];

function stream(res: ServerResponse, events: unknown[]): void {
  res.writeHead(200, { "content-type": "application/json" });
  res.end(events.map((e) => `${JSON.stringify(e)}\n`).join(""));
}

function fakeApiServer(): Server {
  return createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://fake");
    if (url.searchParams.get("watch") === "true") {
      const n = watchRequests.get(url.pathname) ?? 0;
      watchRequests.set(url.pathname, n + 1);
      const [name, answer] = GARBAGE[n % GARBAGE.length] as (typeof GARBAGE)[number];
      served.set(name, (served.get(name) ?? 0) + 1);
      answer(res, url.pathname);
      return;
    }
    // Lists are well-formed, except for one item without metadata among the nodes.
    const items =
      url.pathname === "/api/v1/nodes" ? [node("n1"), { kind: "Node", spec: {} }, { metadata: {} }] : [];
    res.writeHead(200, { "content-type": "application/json" });
    res.end(JSON.stringify({ kind: "List", apiVersion: "v1", metadata: { resourceVersion: "7" }, items }));
  });
}

async function get(path: string): Promise<{ status: number; text: string }> {
  const res = await fetch(`http://127.0.0.1:${httpPort}${path}`);
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-kube-garbage-"));
  fake = fakeApiServer();
  await new Promise<void>((resolve) => fake.listen(0, "127.0.0.1", resolve));
  const address = fake.address();
  const port = typeof address === "object" && address ? address.port : 0;
  await writeFile(
    join(dir, "kubeconfig"),
    JSON.stringify({
      apiVersion: "v1",
      kind: "Config",
      clusters: [
        { name: "fake", cluster: { server: `http://127.0.0.1:${port}`, "insecure-skip-tls-verify": true } },
      ],
      users: [{ name: "u", user: { token: "t" } }],
      contexts: [{ name: "fake", context: { cluster: "fake", user: "u" } }],
      "current-context": "fake",
    }),
  );
  mediator = spawn(
    process.execPath,
    [
      "--conditions=source",
      "--import",
      "tsx",
      join(repoRoot, "packages/mediator/src/cli/main.ts"),
      `--dataDir=${join(dir, "data")}`,
      `--kube.kubeconfig=${join(dir, "kubeconfig")}`,
      "--kube.maxBackoffMs=100",
      "--auth.enabled=false",
      "--otlp.enabled=false",
      "--grpc.host=127.0.0.1",
      "--grpc.port=0",
      "--http.host=127.0.0.1",
      "--http.port=0",
      "--logLevel=info",
    ],
    { cwd: repoRoot, stdio: ["ignore", "pipe", "pipe"] },
  );
  mediator.stdout?.on("data", (c: Buffer) => {
    output = (output + c.toString()).slice(-200_000);
  });
  mediator.stderr?.on("data", (c: Buffer) => {
    output = (output + c.toString()).slice(-200_000);
  });
  await waitFor(
    () => {
      if (mediator.exitCode !== null) throw new Error(`the mediator exited ${mediator.exitCode}: ${output}`);
      const m = /"msg":"mediator listening"/.test(output) ? /"http":(\d+)/.exec(output) : null;
      if (m) httpPort = Number(m[1]);
      return httpPort > 0 || undefined;
    },
    { what: "the mediator listening", timeoutMs: 60_000 },
  );
}, 90_000);

afterAll(async () => {
  if (mediator && mediator.exitCode === null) mediator.kill("SIGKILL");
  await new Promise<void>((resolve) => fake?.close(() => resolve()));
  await rm(dir, { recursive: true, force: true });
});

describe("a misbehaving Kubernetes API server", () => {
  it("cannot crash the mediator: every garbage watch answer is counted and retried", async () => {
    // Every kind of garbage served at least three times, across the resources.
    await waitFor(
      () => {
        if (mediator.exitCode !== null) throw new Error(`the mediator crashed: ${output.slice(-4000)}`);
        return GARBAGE.every(([name]) => (served.get(name) ?? 0) >= 3) || undefined;
      },
      { what: "every kind of garbage served three times", timeoutMs: 60_000 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}; served ${JSON.stringify([...served])}; log: ${output.slice(-3000)}`);
    });
    expect(mediator.exitCode).toBeNull();
    expect((await get("/healthz")).status).toBe(200);
    // Lists worked, so every informer is synced and the mediator is ready.
    expect((await get("/readyz")).status).toBe(200);

    // The valid node from the list is there; the nameless list items are not.
    const nodes = JSON.parse((await get("/api/v1/topology?kind=node")).text) as {
      entities: { id: string }[];
    };
    const ids = nodes.entities.map((e) => e.id);
    expect(ids).toContain("node/n1");
    expect(ids.every((id) => id.length > "node/".length)).toBe(true);
    // The valid event before a cut stream was applied.
    await waitFor(
      async () =>
        (await get(`/api/v1/entities/${encodeURIComponent("node/from-watch")}`)).status === 200 || undefined,
      { what: "the valid watch event applied" },
    );

    const metrics = (await get("/metrics")).text;
    const count = (reason: string): number =>
      [
        ...metrics.matchAll(
          new RegExp(
            `causeway_mediator_kube_watch_failures_total\\{[^}]*reason="${reason}"[^}]*\\} (\\d+)`,
            "g",
          ),
        ),
      ]
        .map((m) => Number(m[1]))
        .reduce((a, b) => a + b, 0);
    expect(count("malformed_event")).toBeGreaterThanOrEqual(8 * 3);
    expect(count("closed_immediately")).toBeGreaterThanOrEqual(1);
    expect(count("request_error")).toBeGreaterThanOrEqual(3);
    // Retries back off: far fewer watch requests than a tight loop would make.
    const total = [...watchRequests.values()].reduce((a, b) => a + b, 0);
    expect(total).toBeLessThan(5000);
    expect(output).not.toMatch(/TypeError|Unhandled|unhandled/);

    const exited = new Promise<number | null>((resolve) => mediator.once("exit", (code) => resolve(code)));
    mediator.kill("SIGTERM");
    expect(await exited).toBe(0);
  }, 120_000);
});
