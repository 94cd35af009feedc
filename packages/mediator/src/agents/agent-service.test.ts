import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Metadata, credentials, status, type ClientDuplexStream } from "@grpc/grpc-js";
import {
  AgentServiceClient,
  AgentServiceService,
  type AgentMessage,
  type MediatorMessage,
} from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { TestGrpcServer, waitFor } from "@causeway/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { IpIndex } from "../graph/ip-index.js";
import { TopologyGraph } from "../graph/topology-graph.js";
import { Journal } from "../state/journal.js";
import { SymptomStore } from "../symptoms/symptom-store.js";
import { AgentIngest } from "./agent-ingest.js";
import { AgentRegistry } from "./agent-registry.js";
import { agentServiceHandlers, decodeJournalRecord, type AgentServiceLimits } from "./agent-service.js";
import { type AuthResult } from "./token-authenticator.js";

const LIMITS: AgentServiceLimits = {
  maxStreamsPerAgent: 1,
  maxMessagesPerSecond: 10_000,
  throttlePauseMs: 200,
  maxJournalPendingBytes: 1 << 20,
};

let server: TestGrpcServer | undefined;
let dir: string | undefined;
const clients: AgentServiceClient[] = [];
afterEach(async () => {
  for (const c of clients.splice(0)) c.close();
  server?.kill();
  server = undefined;
  if (dir) await rm(dir, { recursive: true, force: true });
  dir = undefined;
});

async function start(options: {
  authenticate?: (token: string) => Promise<AuthResult>;
  limits?: Partial<AgentServiceLimits>;
  journal?: Journal;
  maxMessageBytes?: number;
}) {
  const graph = new TopologyGraph();
  const symptoms = new SymptomStore();
  const ips = new IpIndex();
  const registry = new AgentRegistry();
  const ingest = new AgentIngest({ graph, symptoms, ips });
  server = new TestGrpcServer(
    options.maxMessageBytes ? { "grpc.max_receive_message_length": options.maxMessageBytes } : {},
  );
  server.addService(
    AgentServiceService,
    agentServiceHandlers({
      registry,
      ingest,
      authenticate: options.authenticate,
      journal: () => options.journal,
      limits: { ...LIMITS, ...options.limits },
      log: silentLogger(),
    }) as never,
  );
  await server.start();
  return { graph, symptoms, ips, registry };
}

function connect(token?: string) {
  const client = new AgentServiceClient(server?.target ?? "", credentials.createInsecure());
  clients.push(client);
  const md = new Metadata();
  if (token) md.set("authorization", `Bearer ${token}`);
  const call: ClientDuplexStream<AgentMessage, MediatorMessage> = client.connect(md);
  const acks: number[] = [];
  const throttles: number[] = [];
  call.on("data", (m: MediatorMessage) => {
    if (m.body?.$case === "ack") acks.push(m.body.value.highestContiguousSeq);
    if (m.body?.$case === "throttle") throttles.push(m.body.value.pauseMs);
  });
  const ended = new Promise<{ code: number; details: string }>((resolve) => {
    call.on("error", (e: { code: number; details: string }) => resolve(e));
    call.on("end", () => resolve({ code: status.OK, details: "" }));
  });
  return { call, acks, throttles, ended };
}

const hello = (seq: number, agentId = "n1/abc", nodeName = "n1"): AgentMessage => ({
  seq,
  createdUnixMs: Date.now(),
  body: {
    $case: "hello",
    value: {
      agentId,
      nodeName,
      version: "0.1.0",
      capabilities: {
        ebpf: true,
        cgroupV1: false,
        cgroupV2: true,
        kernelRelease: "6.1",
        degradedReasons: [],
      },
    },
  },
});

const topology = (seq: number, ids: string[], fullSnapshot = false): AgentMessage => ({
  seq,
  createdUnixMs: Date.now(),
  body: {
    $case: "topology",
    value: {
      upsertEntities: ids.map((id) => ({ id, kind: "process", name: id, namespace: "", attributes: {} })),
      deleteEntityIds: [],
      upsertRelations: [],
      deleteRelations: [],
      fullSnapshot,
    },
  },
});

describe("AgentService", () => {
  it("applies new messages once, drops replays and acknowledges the contiguous prefix", async () => {
    const { graph, registry } = await start({});
    const s = connect();
    // The hello comes first with the newest number; the replay follows (ADR 0040).
    s.call.write(hello(3));
    s.call.write(topology(1, ["process/n1/1/1"]));
    await waitFor(() => s.acks.length > 0 || undefined);
    expect(s.acks.at(-1)).toBe(1);
    s.call.write(topology(2, ["process/n1/2/2"]));
    s.call.write(topology(1, ["process/n1/9/9"]));
    await waitFor(() => s.acks.at(-1) === 3 || undefined);
    expect(graph.hasEntity("process/n1/1/1")).toBe(true);
    expect(graph.hasEntity("process/n1/9/9")).toBe(false);
    const a = registry.get("n1/abc");
    expect(a).toMatchObject({ messages: 3, duplicates: 1, nodeName: "n1", openStreams: 1 });
    s.call.end();
    await s.ended;
    await waitFor(() => registry.get("n1/abc")?.openStreams === 0 || undefined);
  });

  it("refuses streams without an accepted token", async () => {
    await start({
      authenticate: async (token) =>
        token === "good"
          ? {
              ok: true,
              identity: { username: "system:serviceaccount:causeway:agent", groups: [] },
              cached: false,
            }
          : { ok: false, reason: "nope" },
    });
    const bad = connect("bad");
    bad.call.write(hello(1));
    expect(await bad.ended).toMatchObject({ code: status.UNAUTHENTICATED });
    const none = connect();
    none.call.write(hello(1));
    expect(await none.ended).toMatchObject({ code: status.UNAUTHENTICATED });
    const good = connect("good");
    good.call.write(hello(1));
    await waitFor(() => good.acks.at(-1) === 1 || undefined);
  });

  it("answers RESOURCE_EXHAUSTED for a second stream of one agent and for oversized messages", async () => {
    await start({ maxMessageBytes: 4096 });
    const first = connect();
    first.call.write(hello(1));
    await waitFor(() => first.acks.at(-1) === 1 || undefined);
    const second = connect();
    second.call.write(hello(2));
    expect(await second.ended).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
    const big = connect();
    big.call.write(hello(1, "n2/x", "n2"));
    big.call.write(topology(2, ["process/n2/" + "x".repeat(10_000)]));
    expect(await big.ended).toMatchObject({ code: status.RESOURCE_EXHAUSTED });
  });

  it("requires a hello first", async () => {
    await start({});
    const s = connect();
    s.call.write(topology(1, ["process/x/1/1"]));
    expect(await s.ended).toMatchObject({ code: status.FAILED_PRECONDITION });
  });

  it("throttles an agent above its message rate", async () => {
    await start({ limits: { maxMessagesPerSecond: 5, throttlePauseMs: 100 } });
    const s = connect();
    s.call.write(hello(1));
    for (let i = 2; i <= 20; i++) s.call.write(topology(i, [`process/n1/${i}/1`]));
    await waitFor(() => s.acks.at(-1) === 20 || undefined, { timeoutMs: 15_000 });
    expect(s.throttles.length).toBeGreaterThan(0);
  });

  it("acknowledges only what the journal has on disk", async () => {
    dir = await mkdtemp(join(tmpdir(), "causeway-journal-"));
    const journal = await Journal.open(dir, { flushIntervalMs: 5 });
    await start({ journal });
    const s = connect();
    s.call.write(hello(1));
    s.call.write(topology(2, ["process/n1/1/1"]));
    await waitFor(() => s.acks.at(-1) === 2 || undefined);
    const records = (await Journal.read(dir, 0)).map(decodeJournalRecord);
    expect(records.map((r) => [r.agentId, r.message.seq])).toEqual([
      ["n1/abc", 1],
      ["n1/abc", 2],
    ]);
    await journal.close();
  });

  it("lets a new agent id of the same node replace the old session's view with its full snapshot", async () => {
    const { graph, registry } = await start({});
    const old = connect();
    old.call.write(hello(1, "n1/old"));
    old.call.write(topology(2, ["process/n1/1/1", "process/n1/2/2"]));
    await waitFor(() => old.acks.at(-1) === 2 || undefined);
    old.call.end();
    await old.ended;
    await waitFor(() => registry.get("n1/old")?.openStreams === 0 || undefined);
    const fresh = connect();
    fresh.call.write(hello(1, "n1/new"));
    fresh.call.write(topology(2, ["process/n1/2/2"], true));
    await waitFor(() => fresh.acks.at(-1) === 2 || undefined);
    expect(graph.hasEntity("process/n1/1/1")).toBe(false);
    expect(graph.getEntity("process/n1/2/2")?.sources).toEqual(["agent:n1/new"]);
    expect(registry.get("n1/old")).toBeUndefined();
  });
});
