import {
  credentials,
  makeClientConstructor,
  status,
  type ServerDuplexStream,
  type ServiceError,
} from "@grpc/grpc-js";
import { TestGrpcServer } from "@causeway/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  AgentServiceClient,
  AgentServiceService,
  type AgentMessage,
  type MediatorMessage,
} from "./gen/causeway/agent/v1/agent.js";
import { GRPC_SERVICE_NAMES, addHealthService, healthServiceDefinition } from "./health.js";
import { ContiguousSequence } from "./sequence.js";

interface HealthClient {
  check(
    request: { service: string },
    callback: (error: ServiceError | null, response?: { status: string }) => void,
  ): void;
  close(): void;
}
const HealthClientCtor = makeClientConstructor(healthServiceDefinition as never, "grpc.health.v1.Health");

function healthCheck(target: string, service: string): Promise<string> {
  const client = new HealthClientCtor(target, credentials.createInsecure()) as unknown as HealthClient;
  return new Promise((resolve, reject) =>
    client.check({ service }, (error, response) => {
      client.close();
      if (error) reject(error);
      else resolve(response?.status ?? "");
    }),
  );
}

describe("AgentService over loopback", () => {
  let server: TestGrpcServer | undefined;
  afterEach(async () => {
    await server?.stop();
    server = undefined;
  });

  it("refuses to give a target before it is started", () => {
    server = new TestGrpcServer();
    expect(() => server?.target).toThrow(/not bound/);
  });

  it("streams sequenced agent messages, acks the contiguous prefix and reports health", async () => {
    server = new TestGrpcServer();
    const received: AgentMessage[] = [];
    server.addService(AgentServiceService, {
      connect(call: ServerDuplexStream<AgentMessage, MediatorMessage>) {
        const seq = new ContiguousSequence();
        call.on("data", (message: AgentMessage) => {
          if (seq.accept(message.seq) === "new") received.push(message);
          call.write({ body: { $case: "ack", value: { highestContiguousSeq: seq.highestContiguous } } });
        });
        call.on("end", () => call.end());
      },
    });
    const health = addHealthService(server.server, { "": "SERVING", [GRPC_SERVICE_NAMES.agent]: "SERVING" });
    await server.start();

    expect(await healthCheck(server.target, GRPC_SERVICE_NAMES.agent)).toBe("SERVING");
    health.setStatus(GRPC_SERVICE_NAMES.agent, "NOT_SERVING");
    expect(await healthCheck(server.target, GRPC_SERVICE_NAMES.agent)).toBe("NOT_SERVING");
    await expect(healthCheck(server.target, "no.such.Service")).rejects.toMatchObject({
      code: status.NOT_FOUND,
    });

    const client = new AgentServiceClient(server.target, credentials.createInsecure());
    const stream = client.connect();
    const acks: number[] = [];
    stream.on("data", (message: MediatorMessage) => {
      if (message.body?.$case === "ack") acks.push(message.body.value.highestContiguousSeq);
    });
    const ended = new Promise<void>((resolve) => stream.on("end", () => resolve()));
    // 1, 2, then 4 before 3, then 2 again (a replay after reconnect).
    const order = [1, 2, 4, 3, 2];
    for (const seq of order) {
      stream.write({
        seq,
        createdUnixMs: Date.now(),
        body:
          seq === 1
            ? {
                $case: "hello",
                value: {
                  agentId: "a1",
                  nodeName: "n1",
                  version: "0.1.0",
                  capabilities: {
                    ebpf: true,
                    cgroupV1: false,
                    cgroupV2: true,
                    kernelRelease: "6",
                    degradedReasons: [],
                  },
                },
              }
            : { $case: "heartbeat", value: { unackedMessages: 0, droppedMessages: 0 } },
      });
    }
    stream.end();
    await ended;
    client.close();

    expect(received.map((m) => m.seq)).toEqual([1, 2, 4, 3]);
    expect(received[0]?.body).toMatchObject({ $case: "hello", value: { agentId: "a1" } });
    expect(acks).toEqual([1, 2, 2, 4, 4]);
  });
});

describe("ContiguousSequence", () => {
  it("deduplicates and fills gaps", () => {
    const s = new ContiguousSequence();
    expect(s.accept(2)).toBe("new");
    expect(s.highestContiguous).toBe(0);
    expect(s.accept(1)).toBe("new");
    expect(s.highestContiguous).toBe(2);
    expect(s.accept(2)).toBe("duplicate");
    expect(s.accept(1)).toBe("duplicate");
    expect(() => s.accept(0)).toThrow(RangeError);
  });

  it("bounds the out-of-order set", () => {
    const s = new ContiguousSequence({ maxPending: 2 });
    expect(s.accept(3)).toBe("new");
    expect(s.accept(4)).toBe("new");
    expect(s.accept(5)).toBe("overflow");
    expect(s.has(5)).toBe(false);
    expect(s.accept(1)).toBe("new");
    expect(s.accept(2)).toBe("new");
    expect(s.highestContiguous).toBe(4);
  });
});
