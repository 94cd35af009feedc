import { mkdtemp, readdir, rm, writeFile } from "node:fs/promises";
import { request as httpsRequest } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { credentials, status, type ClientDuplexStream } from "@grpc/grpc-js";
import { createServingCertificate } from "@causeway/kube-sim";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { AgentServiceClient, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { waitFor } from "@causeway/testkit";
import { afterEach, beforeEach, describe, expect, it } from "vitest";

let dir: string;
const running: Mediator[] = [];
const clients: AgentServiceClient[] = [];

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-mediator-"));
});
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  for (const m of running.splice(0)) await m.stop();
  await rm(dir, { recursive: true, force: true });
});

async function startMediator(): Promise<Mediator> {
  const config = parseMediatorConfig({
    dataDir: dir,
    logLevel: "silent",
    grpc: { host: "127.0.0.1", port: 0 },
    http: { host: "127.0.0.1", port: 0 },
    otlp: { grpc: { host: "127.0.0.1", port: 0 }, http: { host: "127.0.0.1", port: 0 } },
    kube: { enabled: false },
    auth: { enabled: false },
    state: { snapshotIntervalMs: 3_600_000 },
  });
  const m = await Mediator.start({ config, log: silentLogger() });
  running.push(m);
  return m;
}

function agentStream(m: Mediator) {
  const client = new AgentServiceClient(`127.0.0.1:${m.ports.grpc}`, credentials.createInsecure());
  clients.push(client);
  const call: ClientDuplexStream<AgentMessage, MediatorMessage> = client.connect();
  const acks: number[] = [];
  call.on("data", (msg: MediatorMessage) => {
    if (msg.body?.$case === "ack") acks.push(msg.body.value.highestContiguousSeq);
  });
  call.on("error", () => undefined);
  return { call, acks };
}

const messages: AgentMessage[] = [
  {
    seq: 1,
    createdUnixMs: Date.now(),
    body: {
      $case: "hello",
      value: { agentId: "node-a/1", nodeName: "node-a", version: "0.1.0", capabilities: undefined },
    },
  },
  {
    seq: 2,
    createdUnixMs: Date.now(),
    body: {
      $case: "topology",
      value: {
        upsertEntities: [
          { id: "node/node-a", kind: "node", name: "node-a", namespace: "", attributes: { kernel: "6.1" } },
          { id: "process/node-a/42/7", kind: "process", name: "java", namespace: "", attributes: {} },
        ],
        deleteEntityIds: [],
        upsertRelations: [
          { fromId: "process/node-a/42/7", toId: "node/node-a", type: "runs-on", attributes: {} },
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
            entityId: "node/node-a",
            type: "node_memory_pressure",
            active: true,
            sinceUnixMs: Date.now(),
            evidenceSummary: "PSI 40%",
            evidence: { psi: 0.4 },
          },
        ],
      },
    },
  },
];

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- assertions read the body freely
async function getJson(m: Mediator, path: string): Promise<{ status: number; body: any }> {
  const res = await fetch(`http://127.0.0.1:${m.ports.http}${path}`);
  return { status: res.status, body: await res.json() };
}

describe("Mediator (without Kubernetes)", () => {
  it("serves what agents report through the HTTP API, with stable error codes", async () => {
    const m = await startMediator();
    expect((await fetch(`http://127.0.0.1:${m.ports.http}/healthz`)).status).toBe(200);
    expect((await getJson(m, "/readyz")).status).toBe(200);
    const s = agentStream(m);
    for (const msg of messages) s.call.write(msg);
    await waitFor(() => s.acks.at(-1) === 3 || undefined);

    const topo = await getJson(m, "/api/v1/topology?kind=process");
    expect(topo.body.entities.map((e: { id: string }) => e.id)).toEqual(["process/node-a/42/7"]);
    expect(topo.body.relations).toEqual([expect.objectContaining({ toId: "node/node-a", type: "runs-on" })]);
    const entity = await getJson(m, `/api/v1/entities/${encodeURIComponent("node/node-a")}`);
    expect(entity.body.entity.attributes).toEqual({ kernel: "6.1" });
    expect(entity.body.incoming).toHaveLength(1);
    expect(entity.body.symptoms).toEqual([
      expect.objectContaining({ type: "node_memory_pressure", active: true, source: "agent:node-a/1" }),
    ]);
    const symptoms = await getJson(m, "/api/v1/symptoms?active=true");
    expect(symptoms.body.total).toBe(1);
    const agents = await getJson(m, "/api/v1/agents");
    expect(agents.body.agents).toEqual([
      expect.objectContaining({
        agentId: "node-a/1",
        nodeName: "node-a",
        connected: true,
        highestContiguousSeq: 3,
        ackedSeq: 3,
      }),
    ]);
    expect(agents.body.agents[0].lagMs).toBeGreaterThanOrEqual(0);
    // The causal engine sees the agent's node_memory_pressure and ranks a root cause for it.
    const ranked = (await getJson(m, "/api/v1/rootcauses")).body;
    expect(ranked.engine).toBe("causal-engine");
    expect(ranked.activeSymptoms).toBe(1);
    expect((await getJson(m, "/api/v1/remediations")).body).toEqual({ remediations: [] });
    // Upstream is off: the egress ledger route says so, and refuses bad parameters all the same.
    expect(await getJson(m, "/api/v1/egress")).toEqual({
      status: 200,
      body: { enabled: false, entries: [] },
    });
    expect(await getJson(m, "/api/v1/egress?limit=0&category=spans")).toMatchObject({
      status: 400,
      body: { error: { code: "CW_BAD_REQUEST" } },
    });

    expect(await getJson(m, "/api/v1/entities/pod%2Fno%2Fsuch")).toMatchObject({
      status: 404,
      body: { error: { code: "CW_NOT_FOUND" } },
    });
    expect(await getJson(m, "/api/v1/topology?limit=-1")).toMatchObject({
      status: 400,
      body: { error: { code: "CW_BAD_REQUEST" } },
    });
    expect(await getJson(m, "/api/v1/symptoms?active=maybe")).toMatchObject({
      status: 400,
      body: { error: { code: "CW_BAD_REQUEST" } },
    });
    const ui = await fetch(`http://127.0.0.1:${m.ports.http}/ui/`);
    expect([ui.status, ui.headers.get("content-type")]).toEqual([200, "text/html; charset=utf-8"]);
    expect(await getJson(m, "/ui/no-such-file.js")).toMatchObject({
      status: 404,
      body: { error: { code: "CW_NOT_FOUND" } },
    });
    const approve = await fetch(`http://127.0.0.1:${m.ports.http}/api/v1/remediations/r-1/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect(approve.status).toBe(400);
    const big = await fetch(`http://127.0.0.1:${m.ports.http}/api/v1/remediations/r-1/approve`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ pad: "x".repeat(100_000) }),
    });
    expect(big.status).toBe(413);
    const metrics = await (await fetch(`http://127.0.0.1:${m.ports.http}/metrics`)).text();
    expect(metrics).toMatch(/causeway_mediator_agent_messages_total\{result="new"\} 3/);
    expect(metrics).toMatch(/causeway_mediator_graph_entities 2/);
  });

  it("serves the web UI at /ui before the API routes: the app's index.html and its assets", async () => {
    const m = await startMediator();
    const base = `http://127.0.0.1:${m.ports.http}`;
    const index = await fetch(`${base}/ui/`);
    expect(index.status).toBe(200);
    expect(index.headers.get("content-type")).toMatch(/^text\/html/);
    expect(index.headers.get("content-security-policy")).toContain("default-src 'none'");
    const html = await index.text();
    expect(html).toContain("<title>Causeway</title>");
    const script = /<script[^>]+src="\.\/(assets\/[^"]+\.js)"/.exec(html)?.[1];
    const style = /<link[^>]+href="\.\/(assets\/[^"]+\.css)"/.exec(html)?.[1];
    expect(script && style).toBeTruthy();
    for (const [asset, type] of [
      [script, /javascript/],
      [style, /text\/css/],
    ] as const) {
      const res = await fetch(`${base}/ui/${asset}`);
      expect(res.status, asset).toBe(200);
      expect(res.headers.get("content-type")).toMatch(type);
      expect(res.headers.get("cache-control")).toContain("immutable");
      expect((await res.arrayBuffer()).byteLength).toBeGreaterThan(100);
    }
    // /ui without the slash serves the app with a <base>, so its relative URLs still resolve.
    expect(await (await fetch(`${base}/ui`)).text()).toContain('<base href="ui/">');
    expect(await getJson(m, "/ui/no-such-file.js")).toMatchObject({
      status: 404,
      body: { error: { code: "CW_NOT_FOUND" } },
    });
    // The API is unaffected, and the UI's requests are counted under one route.
    expect((await getJson(m, "/api/v1/agents")).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toMatch(/causeway_mediator_http_requests_total\{route="\/ui",status="200"\} 4/);
  });

  it("loses nothing it acknowledged across a crash (journal) and a clean restart (snapshot)", async () => {
    const a = await startMediator();
    const s = agentStream(a);
    for (const msg of messages) s.call.write(msg);
    await waitFor(() => s.acks.at(-1) === 3 || undefined);
    s.call.cancel();
    // A crash: nothing snapshotted since start; the acknowledged messages are in the journal.
    await a.stop({ snapshot: false });
    running.splice(running.indexOf(a), 1);

    const b = await startMediator();
    expect(b.graph.hasEntity("process/node-a/42/7")).toBe(true);
    expect(b.symptoms.list({ active: true })).toHaveLength(1);
    expect(b.agents.get("node-a/1")?.sequence.highestContiguous).toBe(3);
    // The agent replays what it thinks is unacknowledged: deduplicated.
    const s2 = agentStream(b);
    s2.call.write({ ...(messages[0] as AgentMessage), seq: 4 });
    s2.call.write(messages[2] as AgentMessage);
    await waitFor(() => s2.acks.at(-1) === 4 || undefined);
    expect(b.agents.get("node-a/1")).toMatchObject({ duplicates: 1 });
    s2.call.cancel();
    await b.stop();
    running.splice(running.indexOf(b), 1);
    // A clean stop snapshots and drops the journal generations it covers.
    const journals = await readdir(join(dir, "state", "journal"));
    expect(journals.length).toBeLessThanOrEqual(1);

    const c = await startMediator();
    expect(c.graph.getEntity("node/node-a")?.attributes).toEqual({ kernel: "6.1" });
    expect(c.graph.relationCount).toBe(1);
    expect(c.agents.get("node-a/1")?.sequence.highestContiguous).toBe(4);
    expect(c.symptoms.list({ active: true })[0]).toMatchObject({
      type: "node_memory_pressure",
      evidence: { psi: 0.4 },
    });
  });
});

describe("Mediator over TLS", () => {
  it("serves agents and the HTTP API with the configured certificate", async () => {
    const cert = await createServingCertificate(["127.0.0.1"]);
    await writeFile(join(dir, "tls.crt"), cert.cert);
    await writeFile(join(dir, "tls.key"), cert.key);
    const m = await Mediator.start({
      config: parseMediatorConfig({
        dataDir: join(dir, "data"),
        logLevel: "silent",
        grpc: { host: "127.0.0.1", port: 0 },
        http: { host: "127.0.0.1", port: 0 },
        otlp: { enabled: false },
        kube: { enabled: false },
        auth: { enabled: false },
        tls: { certFile: join(dir, "tls.crt"), keyFile: join(dir, "tls.key") },
      }),
      log: silentLogger(),
    });
    running.push(m);
    const client = new AgentServiceClient(
      `127.0.0.1:${m.ports.grpc}`,
      credentials.createSsl(Buffer.from(cert.caCert)),
    );
    clients.push(client);
    const call = client.connect();
    const acked = new Promise<number>((resolve) =>
      call.on("data", (msg: MediatorMessage) => {
        if (msg.body?.$case === "ack") resolve(msg.body.value.highestContiguousSeq);
      }),
    );
    call.on("error", () => undefined);
    call.write(messages[0] as AgentMessage);
    expect(await acked).toBe(1);
    call.cancel();
    // Plain-text clients are not served.
    const plain = new AgentServiceClient(`127.0.0.1:${m.ports.grpc}`, credentials.createInsecure());
    clients.push(plain);
    const refused = await new Promise<number>((resolve) => {
      const c = plain.connect();
      c.on("error", (e: { code: number }) => resolve(e.code));
      c.write(messages[0] as AgentMessage);
    });
    expect(refused).toBe(status.UNAVAILABLE);
    const health = await new Promise<number>((resolve, reject) => {
      const req = httpsRequest(`https://127.0.0.1:${m.ports.http}/healthz`, { ca: cert.caCert }, (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      });
      req.on("error", reject);
      req.end();
    });
    expect(health).toBe(200);
  });
});
