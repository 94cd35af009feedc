import { credentials as grpcCredentials, type ChannelCredentials } from "@grpc/grpc-js";
import { ExecutorServiceClient, type ExecutorDirective, type ExecutorMessage } from "@causeway/protocol";
import { REMEDIATION_ACTIONS } from "@causeway/remediation";
import { type Logger } from "@causeway/runtime";
import { type TaskRunner } from "./task-runner.js";

export interface ExecutorSessionOptions {
  readonly address: string;
  readonly executorId: string;
  readonly version: string;
  readonly runner: TaskRunner;
  readonly credentials?: ChannelCredentials;
  readonly reconnectMaxDelayMs: number;
  readonly log: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/**
 * The executor's only connection: it dials the mediator, receives signed tasks one at a time and
 * reports progress and results on the same stream; it reconnects with capped exponential backoff.
 */
export class ExecutorSession {
  readonly #o: ExecutorSessionOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  #stopped = false;
  #client: ExecutorServiceClient | undefined;
  #call: { cancel(): void } | undefined;

  constructor(options: ExecutorSessionOptions) {
    this.#o = options;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  /** Runs until `stop()`. */
  async run(): Promise<void> {
    let delayMs = 250;
    while (!this.#stopped) {
      const started = Date.now();
      await this.#once().catch((error: Error) =>
        this.#o.log.warn({ err: error.message }, "mediator session ended"),
      );
      if (this.#stopped) break;
      if (Date.now() - started > 30_000) delayMs = 250;
      await this.#sleep(delayMs);
      delayMs = Math.min(delayMs * 2, this.#o.reconnectMaxDelayMs);
    }
  }

  stop(): void {
    this.#stopped = true;
    // Closing the channel alone waits for the open stream; cancelling ends it now.
    this.#call?.cancel();
    this.#client?.close();
  }

  #once(): Promise<void> {
    const o = this.#o;
    const client = new ExecutorServiceClient(o.address, o.credentials ?? grpcCredentials.createInsecure());
    this.#client = client;
    const call = client.session();
    this.#call = call;
    const send = (message: ExecutorMessage): void => {
      call.write(message);
    };
    send({
      body: {
        $case: "hello",
        value: { executorId: o.executorId, version: o.version, actions: [...REMEDIATION_ACTIONS] },
      },
    });
    let queue = Promise.resolve();
    return new Promise<void>((resolve, reject) => {
      call.on("data", (directive: ExecutorDirective) => {
        if (directive.body?.$case !== "task") return;
        const signed = directive.body.value;
        // One task at a time, in the order the mediator sent them.
        queue = queue.then(async () => {
          const result = await o.runner.run(signed, (taskId, step, detail) => {
            send({
              body: {
                $case: "progress",
                value: { taskId, step, detail: JSON.stringify(detail), atUnixMs: Date.now() },
              },
            });
          });
          send({ body: { $case: "result", value: result } });
        });
      });
      call.on("error", (error) => {
        client.close();
        reject(error);
      });
      call.on("end", () => {
        client.close();
        resolve();
      });
    });
  }
}
