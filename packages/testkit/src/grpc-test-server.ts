import {
  Server,
  ServerCredentials,
  type ServiceDefinition,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";

/**
 * A real gRPC server on 127.0.0.1 and an ephemeral port, for tests. `target` refuses to answer
 * before `start()` has bound the port, so a test cannot dial a server that is not listening.
 */
export class TestGrpcServer {
  readonly server: Server;
  #port: number | undefined;

  constructor(options: ConstructorParameters<typeof Server>[0] = {}) {
    this.server = new Server(options);
  }

  addService(definition: ServiceDefinition, implementation: UntypedServiceImplementation): this {
    this.server.addService(definition, implementation);
    return this;
  }

  /** Binds 127.0.0.1:0 (or the given port, to restart on the same address) and starts serving. */
  async start(
    port = 0,
    credentials: ServerCredentials = ServerCredentials.createInsecure(),
  ): Promise<number> {
    this.#port = await new Promise<number>((resolve, reject) => {
      this.server.bindAsync(`127.0.0.1:${port}`, credentials, (error, bound) =>
        error ? reject(error) : resolve(bound),
      );
    });
    return this.#port;
  }

  get port(): number {
    if (this.#port === undefined) throw new Error("TestGrpcServer: start() has not bound a port yet");
    return this.#port;
  }

  /** `host:port` for a client channel. */
  get target(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** Stops at once, cancelling open calls (as a crash or a kill would). */
  kill(): void {
    this.server.forceShutdown();
  }

  /** Stops accepting calls and waits for open calls to finish. */
  async stop(): Promise<void> {
    await new Promise<void>((resolve) => this.server.tryShutdown(() => resolve()));
  }
}
