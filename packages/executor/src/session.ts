import { readFile } from "node:fs/promises";
import { Metadata, credentials as grpcCredentials, status, type ChannelCredentials } from "@grpc/grpc-js";
import { ExecutorServiceClient, type ExecutorDirective, type ExecutorMessage } from "@causeway/protocol";
import { REMEDIATION_ACTIONS } from "@causeway/remediation";
import { type Logger } from "@causeway/runtime";
import { type TaskRunner } from "./task-runner.js";

export interface ExecutorSessionOptions {
  readonly address: string;
  readonly executorId: string;
  readonly version: string;
  readonly runner: TaskRunner;
  /** Fixed channel credentials (tests); otherwise built from `tls` on every connect. */
  readonly credentials?: ChannelCredentials;
  /**
   * The projected ServiceAccount token (audience: the mediator's), re-read on every connect because
   * the kubelet rotates it, and sent as `authorization: Bearer` on the Session stream.
   */
  readonly tokenFile?: string;
  /** TLS to the mediator: a CA bundle (PEM, re-read per connect; empty: system roots), a server name. */
  readonly tls?: { readonly caFile?: string; readonly serverName?: string };
  readonly reconnectMaxDelayMs: number;
  readonly log: Logger;
  readonly sleep?: (ms: number) => Promise<void>;
}

/** What the session has done so far, for /readyz and /metrics. */
export interface ExecutorSessionStats {
  /** A Session stream is open. */
  readonly connected: boolean;
  readonly connects: number;
  /** Streams the mediator refused as UNAUTHENTICATED or PERMISSION_DENIED. */
  readonly refused: number;
  readonly tasks: number;
}

/**
 * The executor's only connection: it dials the mediator (TLS when configured), presents its
 * ServiceAccount token, receives signed tasks one at a time and reports progress and results on
 * the same stream; it reconnects with capped exponential backoff.
 */
export class ExecutorSession {
  readonly #o: ExecutorSessionOptions;
  readonly #sleep: (ms: number) => Promise<void>;
  #stopped = false;
  #client: ExecutorServiceClient | undefined;
  #call: { cancel(): void } | undefined;
  #open = false;
  #connects = 0;
  #refused = 0;
  #tasks = 0;

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

  stats(): ExecutorSessionStats {
    return { connected: this.#open, connects: this.#connects, refused: this.#refused, tasks: this.#tasks };
  }

  stop(): void {
    this.#stopped = true;
    // Closing the channel alone waits for the open stream; cancelling ends it now.
    this.#call?.cancel();
    this.#client?.close();
  }

  async #channelCredentials(): Promise<ChannelCredentials> {
    const o = this.#o;
    if (o.credentials) return o.credentials;
    if (!o.tls) return grpcCredentials.createInsecure();
    return grpcCredentials.createSsl(o.tls.caFile ? await readFile(o.tls.caFile) : null);
  }

  async #metadata(): Promise<Metadata> {
    const metadata = new Metadata();
    const tokenFile = this.#o.tokenFile;
    if (!tokenFile) return metadata;
    try {
      const token = (await readFile(tokenFile, "utf8")).trim();
      if (token !== "") metadata.set("authorization", `Bearer ${token}`);
    } catch (error) {
      this.#o.log.error(
        { tokenFile, err: (error as Error).message },
        "cannot read the ServiceAccount token; connecting without it",
      );
    }
    return metadata;
  }

  async #once(): Promise<void> {
    const o = this.#o;
    const channelOptions: Record<string, string | number> = {};
    if (o.tls?.serverName) channelOptions["grpc.ssl_target_name_override"] = o.tls.serverName;
    const client = new ExecutorServiceClient(o.address, await this.#channelCredentials(), channelOptions);
    this.#client = client;
    const metadata = await this.#metadata();
    if (this.#stopped) {
      client.close();
      return;
    }
    const call = client.session(metadata);
    this.#call = call;
    this.#open = true;
    this.#connects++;
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
        this.#tasks++;
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
      call.on("error", (error: Error & { code?: number }) => {
        this.#open = false;
        if (error.code === status.UNAUTHENTICATED || error.code === status.PERMISSION_DENIED) {
          this.#refused++;
          o.log.error({ err: error.message }, "the mediator refused this executor");
        }
        client.close();
        reject(error);
      });
      call.on("end", () => {
        this.#open = false;
        client.close();
        resolve();
      });
    });
  }
}
