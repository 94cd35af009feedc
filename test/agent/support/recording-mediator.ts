import { type ServerDuplexStream } from "@grpc/grpc-js";
import {
  AgentServiceService,
  ContiguousSequence,
  type AgentMessage,
  type MediatorMessage,
  type SymptomChange,
} from "@causeway/protocol";
import { TestGrpcServer } from "@causeway/testkit";

/**
 * A real gRPC AgentService that stores each agent's messages once, by (agent id, seq), and acks
 * the highest contiguous number, as the mediator does. `restart()` kills it (open streams are cut)
 * and serves again on the same port with the stored state, like a mediator with durable storage.
 */
export class RecordingMediator {
  grpc: TestGrpcServer;
  port = 0;
  readonly stored = new Map<string, AgentMessage[]>();
  readonly sequences = new Map<string, ContiguousSequence>();
  readonly duplicates = new Map<string, number>();
  readonly authorizations: string[] = [];
  readonly calls: ServerDuplexStream<AgentMessage, MediatorMessage>[] = [];
  received = 0;

  constructor() {
    this.grpc = this.#server();
  }

  #server(): TestGrpcServer {
    const grpc = new TestGrpcServer();
    grpc.addService(AgentServiceService, {
      connect: (call: ServerDuplexStream<AgentMessage, MediatorMessage>) => {
        this.authorizations.push(String(call.metadata.get("authorization")[0] ?? ""));
        this.calls.push(call);
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
          } else {
            this.duplicates.set(agentId, (this.duplicates.get(agentId) ?? 0) + 1);
          }
          call.write({ body: { $case: "ack", value: { highestContiguousSeq: seq.highestContiguous } } });
        });
        call.on("error", () => undefined);
        call.on("end", () => call.end());
      },
    });
    return grpc;
  }

  async start(): Promise<string> {
    this.port = await this.grpc.start(this.port);
    return this.grpc.target;
  }

  async restart(): Promise<void> {
    this.grpc.kill();
    this.grpc = this.#server();
    await this.grpc.start(this.port);
  }

  /** Sends a message on every open stream (ConfigUpdate, ThrottleHint). */
  broadcast(message: MediatorMessage): void {
    for (const call of this.calls) if (!call.cancelled && !call.writableEnded) call.write(message);
  }

  kill(): void {
    this.grpc.kill();
  }

  messages(agentId?: string): AgentMessage[] {
    if (agentId !== undefined) return this.stored.get(agentId) ?? [];
    return [...this.stored.values()].flat();
  }

  symptoms(): SymptomChange[] {
    return this.messages().flatMap((m) => (m.body?.$case === "symptoms" ? m.body.value.changes : []));
  }
}
