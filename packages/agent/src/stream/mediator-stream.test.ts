import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type ServerDuplexStream } from "@grpc/grpc-js";
import {
  AgentServiceService,
  ContiguousSequence,
  type AgentMessage,
  type MediatorMessage,
} from "@causeway/protocol";
import { silentLogger } from "@causeway/runtime";
import { TestGrpcServer, waitFor } from "@causeway/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { MediatorStream, type MediatorStreamOptions } from "./mediator-stream.js";

/** A real gRPC AgentService that records, dedups by (agent id, seq) and acks like the mediator. */
class RecordingMediator {
  readonly grpc = new TestGrpcServer();
  readonly stored = new Map<string, AgentMessage[]>();
  readonly sequences = new Map<string, ContiguousSequence>();
  readonly authorizations: string[] = [];
  readonly calls: ServerDuplexStream<AgentMessage, MediatorMessage>[] = [];
  received = 0;
  ackEnabled = true;

  constructor() {
    this.grpc.addService(AgentServiceService, {
      connect: (call: ServerDuplexStream<AgentMessage, MediatorMessage>) => {
        this.calls.push(call);
        this.authorizations.push(String(call.metadata.get("authorization")[0] ?? ""));
        let agentId: string | undefined;
        call.on("data", (message: AgentMessage) => {
          this.received++;
          if (message.body?.$case === "hello") agentId = message.body.value.agentId;
          if (agentId === undefined) return;
          let seq = this.sequences.get(agentId);
          if (!seq) this.sequences.set(agentId, (seq = new ContiguousSequence()));
          if (seq.accept(message.seq) === "new") {
            const list = this.stored.get(agentId) ?? [];
            list.push(message);
            this.stored.set(agentId, list);
          }
          if (this.ackEnabled)
            call.write({ body: { $case: "ack", value: { highestContiguousSeq: seq.highestContiguous } } });
        });
        call.on("error", () => undefined);
        call.on("end", () => call.end());
      },
    });
  }

  seqs(agentId: string): number[] {
    return (this.stored.get(agentId) ?? []).map((m) => m.seq).sort((a, b) => a - b);
  }
}

const capabilities = (): ReturnType<MediatorStreamOptions["capabilities"]> => ({
  ebpf: false,
  cgroupV1: true,
  cgroupV2: true,
  kernelRelease: "test",
  degradedReasons: [],
});

function newStream(address: string, overrides: Partial<MediatorStreamOptions> = {}): MediatorStream {
  return new MediatorStream({
    address,
    nodeName: "node-a",
    version: "0.1.0",
    capabilities,
    maxUnackedMessages: 10_000,
    maxUnackedBytes: 8 * 1024 * 1024,
    heartbeatIntervalMs: 60_000,
    reconnect: { initialDelayMs: 20, maxDelayMs: 200 },
    connectTimeoutMs: 500,
    log: silentLogger(),
    ...overrides,
  });
}

const heartbeat = { $case: "heartbeat", value: { unackedMessages: 0, droppedMessages: 0 } } as const;

describe("MediatorStream", () => {
  const cleanups: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  it("opens with a hello, sequences messages, sends the token and forgets acknowledged messages", async () => {
    const mediator = new RecordingMediator();
    await mediator.grpc.start();
    cleanups.push(() => mediator.grpc.kill());
    const dir = mkdtempSync(join(tmpdir(), "cw-token-"));
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
    const tokenFile = join(dir, "token");
    writeFileSync(tokenFile, "first-token\n");

    const stream = newStream(mediator.grpc.target, { tokenFile, newSessionId: () => "boot1" });
    cleanups.push(() => stream.stop());
    expect(stream.send(heartbeat)).toBe(1);
    stream.start();
    for (let i = 0; i < 20; i++) stream.send(heartbeat);
    await waitFor(() => mediator.seqs("node-a/boot1").length === 22, { what: "22 messages" });
    await waitFor(() => stream.stats.unackedMessages === 0, { what: "all acked" });

    const stored = mediator.stored.get("node-a/boot1") ?? [];
    // messages queued before the connection came up wait; the hello is written first, whatever its seq
    expect(stored[0]?.body?.$case).toBe("hello");
    expect(stored.slice(1).map((m) => m.seq)).toEqual(
      [...Array(22).keys()].map((i) => i + 1).filter((s) => s !== stored[0]?.seq),
    );
    expect(mediator.seqs("node-a/boot1")).toEqual(Array.from({ length: 22 }, (_, i) => i + 1));
    expect(mediator.authorizations).toEqual(["Bearer first-token"]);
    expect(stream.stats.highestAckedSeq).toBe(22);

    // the projected token rotates: the next connection presents the new one
    writeFileSync(tokenFile, "second-token\n");
    mediator.grpc.kill();
    const port = mediator.grpc.port;
    const again = new RecordingMediator();
    await again.grpc.start(port);
    cleanups.push(() => again.grpc.kill());
    await waitFor(() => again.authorizations.length > 0, { what: "reconnect" });
    expect(again.authorizations[0]).toBe("Bearer second-token");
  });

  it("replays every unacknowledged message after the mediator restarts, exactly once after dedup", async () => {
    let mediator = new RecordingMediator();
    const port = await mediator.grpc.start();
    const all = new Map<number, number>();
    const record = (m: RecordingMediator): void => {
      for (const msg of m.stored.get("node-a/boot1") ?? []) all.set(msg.seq, (all.get(msg.seq) ?? 0) + 1);
    };
    // the mediator persists what it acked: carry its sequence state across restarts
    let persisted = new ContiguousSequence();
    const stream = newStream(mediator.grpc.target, { newSessionId: () => "boot1" });
    cleanups.push(() => stream.stop());
    stream.start();
    let sent = 0;
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 50; i++, sent++) stream.send(heartbeat);
      await waitFor(() => mediator.received > 0, { what: "traffic" });
      mediator.ackEnabled = round !== 1; // one round acks nothing before the crash
      for (let i = 0; i < 50; i++, sent++) stream.send(heartbeat);
      mediator.grpc.kill();
      record(mediator);
      persisted = mediator.sequences.get("node-a/boot1") ?? persisted;
      mediator = new RecordingMediator();
      mediator.sequences.set("node-a/boot1", persisted);
      await mediator.grpc.start(port);
    }
    const last = stream.stats.lastSeq;
    await waitFor(
      () => stream.stats.highestAckedSeq === stream.stats.lastSeq && stream.stats.lastSeq >= last,
      {
        what: "everything acked",
      },
    );
    record(mediator);
    mediator.grpc.kill();
    // every number from 1 to the last one arrived, each stored exactly once
    const final = stream.stats.lastSeq;
    expect([...all.keys()].sort((a, b) => a - b)).toEqual(Array.from({ length: final }, (_, i) => i + 1));
    expect([...all.values()].every((n) => n === 1)).toBe(true);
    expect(final).toBeGreaterThanOrEqual(sent);
    expect(stream.stats.droppedMessages).toBe(0);
  });

  it("holds writes while the mediator asks for a pause", async () => {
    const mediator = new RecordingMediator();
    await mediator.grpc.start();
    cleanups.push(() => mediator.grpc.kill());
    const stream = newStream(mediator.grpc.target);
    cleanups.push(() => stream.stop());
    stream.start();
    await waitFor(() => mediator.calls.length === 1 && mediator.received === 1, { what: "hello" });
    mediator.calls[0]?.write({
      body: { $case: "throttle", value: { maxMessagesPerSecond: 0, pauseMs: 400, reason: "busy" } },
    });
    await waitFor(() => stream.stats.throttled, { what: "throttle applied" });
    const pausedAt = Date.now();
    for (let i = 0; i < 5; i++) stream.send(heartbeat);
    await waitFor(() => mediator.received === 6, { what: "messages after the pause" });
    expect(Date.now() - pausedAt).toBeGreaterThanOrEqual(300);
  });

  it("limits the write rate to the mediator's hint", async () => {
    const mediator = new RecordingMediator();
    await mediator.grpc.start();
    cleanups.push(() => mediator.grpc.kill());
    const stream = newStream(mediator.grpc.target);
    cleanups.push(() => stream.stop());
    stream.start();
    await waitFor(() => mediator.calls.length === 1 && mediator.received === 1, { what: "hello" });
    mediator.calls[0]?.write({
      body: { $case: "throttle", value: { maxMessagesPerSecond: 20, pauseMs: 0, reason: "busy" } },
    });
    await waitFor(() => stream.stats.throttled, { what: "throttle applied" });
    const startedAt = Date.now();
    for (let i = 0; i < 10; i++) stream.send(heartbeat);
    await waitFor(() => mediator.received === 11, { what: "10 messages" });
    // 10 messages at 20 per second take at least 9 spacings of 50 ms
    expect(Date.now() - startedAt).toBeGreaterThanOrEqual(400);
  });

  it("counts what it drops when the buffer overflows and starts a new sequence with a resync", async () => {
    const ids = ["boot1", "boot2", "boot3"];
    const stream = newStream("127.0.0.1:1", {
      maxUnackedMessages: 10,
      newSessionId: () => ids.shift() ?? "later",
    });
    const resyncs: { agentId: string; droppedMessages: number }[] = [];
    stream.on("resync", (r) => {
      resyncs.push(r);
      stream.send({
        $case: "topology",
        value: {
          upsertEntities: [],
          deleteEntityIds: [],
          upsertRelations: [],
          deleteRelations: [],
          fullSnapshot: true,
        },
      });
    });
    for (let i = 0; i < 10; i++) expect(stream.send(heartbeat)).toBe(i + 1);
    expect(stream.send(heartbeat)).toBeUndefined();
    expect(resyncs).toEqual([{ agentId: "node-a/boot2", droppedMessages: 10 }]);
    // ten discarded plus the one that did not fit
    expect(stream.stats.droppedMessages).toBe(11);
    expect(stream.stats.unackedMessages).toBe(1);
    expect(stream.stats.lastSeq).toBe(1);
    expect(stream.agentId).toBe("node-a/boot2");
  });
});
