import { type BinaryWriter } from "@bufbuild/protobuf/wire";
import { describe, expect, it } from "vitest";
import * as agent from "./gen/causeway/agent/v1/agent.js";
import * as executor from "./gen/causeway/executor/v1/executor.js";

interface Codec {
  encode(message: unknown, writer?: BinaryWriter): BinaryWriter;
  decode(input: Uint8Array): unknown;
  fromPartial(object: unknown): unknown;
}

function codecsOf(module: Record<string, unknown>): Map<string, Codec> {
  const out = new Map<string, Codec>();
  for (const [name, value] of Object.entries(module)) {
    const v = value as Partial<Codec> | undefined;
    // Map-entry helpers (Foo_BarEntry) are covered through the maps of their parent message.
    if (v && typeof v.encode === "function" && typeof v.decode === "function" && !name.endsWith("Entry")) {
      out.set(name, v as Codec);
    }
  }
  return out;
}

const entity: agent.Entity = {
  id: "pod/shop/checkout-7d9f8-abcde",
  kind: "pod",
  name: "checkout-7d9f8-abcde",
  namespace: "shop",
  attributes: { uid: "2f1c7a1e-0d7e-4c51-9d55-5f0c2b7b1b11", ip: "10.244.1.17" },
};

/** A fully populated sample of every message; a message without a sample fails the test. */
const samples: Record<string, unknown> = {
  AgentMessage: {
    seq: 9_007_199_254_740_991,
    createdUnixMs: 1_763_870_400_123,
    body: { $case: "symptoms", value: { changes: [] } },
  },
  AgentHello: {
    agentId: "node-a/5b1d",
    nodeName: "node-a",
    version: "0.1.0",
    capabilities: {
      ebpf: true,
      cgroupV1: true,
      cgroupV2: true,
      kernelRelease: "6.1.0",
      degradedReasons: ["x"],
    },
  },
  Capabilities: {
    ebpf: false,
    cgroupV1: false,
    cgroupV2: true,
    kernelRelease: "5.15",
    degradedReasons: ["no BTF"],
  },
  TopologyDelta: {
    upsertEntities: [entity],
    deleteEntityIds: ["container/shop/old/app"],
    upsertRelations: [
      { fromId: entity.id, toId: "node/node-a", type: "runs-on", attributes: { since: "1" } },
    ],
    deleteRelations: [{ fromId: "a", toId: "b", type: "calls" }],
    fullSnapshot: true,
  },
  Entity: entity,
  RelationKey: { fromId: "a", toId: "b", type: "selects" },
  Relation: { fromId: "a", toId: "b", type: "calls", attributes: { port: "8080", protocol: "tcp" } },
  SymptomChanges: {
    changes: [
      {
        entityId: "container/shop/checkout-7d9f8-abcde/app",
        type: "memory_near_limit",
        active: true,
        sinceUnixMs: 1_763_870_400_000,
        evidenceSummary: "498 MiB of 512 MiB",
        evidence: { usage_bytes: 522_190_848, limit_bytes: 536_870_912, ratio: 0.9726 },
      },
    ],
  },
  SymptomChange: {
    entityId: "node/node-a",
    type: "node_memory_pressure",
    active: false,
    sinceUnixMs: 1,
    evidenceSummary: "",
    evidence: {},
  },
  Heartbeat: { unackedMessages: 12, droppedMessages: 3 },
  MediatorMessage: { body: { $case: "ack", value: { highestContiguousSeq: 41 } } },
  Ack: { highestContiguousSeq: 41 },
  ConfigUpdate: {
    version: 3,
    collectionIntervalMs: 10_000,
    heartbeatIntervalMs: 5_000,
    settings: { a: "b" },
  },
  ThrottleHint: { maxMessagesPerSecond: 100, pauseMs: 250, reason: "mediator queue full" },
  ExecutorMessage: {
    body: { $case: "result", value: { taskId: "t1", outcome: 4, message: "ok", finishedUnixMs: 5 } },
  },
  ExecutorHello: { executorId: "ex-1", version: "0.1.0", actions: ["scale", "rollout-restart"] },
  ExecutorDirective: { body: { $case: "pause", value: { reason: "global pause" } } },
  Pause: { reason: "maintenance" },
  SignedTask: { task: new Uint8Array([1, 2, 3, 255]), signature: new Uint8Array(64).fill(7), keyId: "k1" },
  TargetRef: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
  Task: {
    taskId: "t1",
    remediationId: "r1",
    action: "set-resources",
    target: { apiVersion: "apps/v1", kind: "Deployment", namespace: "shop", name: "checkout" },
    changeJson: '{"memory":"768Mi"}',
    changeSha256: "ab".repeat(32),
    approver: "alice",
    approvedUnixMs: 1_763_870_400_000,
    expiresUnixMs: 1_763_871_300_000,
    nonce: "n-123",
    approvalRecordHash: "cd".repeat(32),
  },
  TaskProgress: { taskId: "t1", step: "dry-run-ok", detail: "", atUnixMs: 9 },
  TaskResult: { taskId: "t1", outcome: 5, message: "rolled back", finishedUnixMs: 10 },
};

/** Bytes fields decode as Buffer (a Uint8Array subclass); compare their contents only. */
function normalize(value: unknown): unknown {
  if (value instanceof Uint8Array) return { bytes: [...value] };
  if (Array.isArray(value)) return value.map(normalize);
  if (value !== null && typeof value === "object") {
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v)]));
  }
  return value;
}

const codecs = new Map([...codecsOf(agent), ...codecsOf(executor)]);

describe("protocol messages", () => {
  it("has a sample for every generated message", () => {
    expect([...codecs.keys()].sort()).toEqual(Object.keys(samples).sort());
  });

  for (const [name, codec] of codecs) {
    it(`${name} round-trips through encode and decode`, () => {
      const message = codec.fromPartial(samples[name]);
      const bytes = codec.encode(message).finish();
      expect(bytes.length).toBeGreaterThan(0);
      expect(normalize(codec.decode(bytes))).toEqual(normalize(message));
    });

    it(`${name} tolerates unknown fields from a newer peer`, () => {
      const message = codec.fromPartial(samples[name]);
      const writer = codec.encode(message);
      // Fields 900 (varint), 901 (length-delimited) and 902 (fixed64) exist in no message.
      writer.uint32((900 << 3) | 0).uint64(123456789);
      writer.uint32((901 << 3) | 2).string("from the future");
      writer.uint32((902 << 3) | 1).fixed64(42);
      expect(normalize(codec.decode(writer.finish()))).toEqual(normalize(message));
    });
  }

  it("rejects truncated input with an error instead of returning garbage", () => {
    const bytes = agent.AgentMessage.encode(
      agent.AgentMessage.fromPartial(samples.AgentMessage as never),
    ).finish();
    expect(() => agent.AgentMessage.decode(bytes.subarray(0, bytes.length - 3))).toThrow();
  });
});
