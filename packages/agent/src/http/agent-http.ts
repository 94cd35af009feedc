import { createServer, type Server } from "node:http";
import { type Registry } from "prom-client";

export interface AgentHttpOptions {
  readonly host: string;
  readonly port: number;
  readonly registry: Registry;
  /** Liveness: the collection loop is turning. */
  readonly healthy: () => boolean;
  /** Readiness: first cycle done and the pod source synced. */
  readonly ready: () => boolean;
}

/** Serves /metrics (Prometheus text), /healthz and /readyz. */
export class AgentHttpServer {
  readonly #o: AgentHttpOptions;
  readonly #server: Server;

  constructor(options: AgentHttpOptions) {
    this.#o = options;
    this.#server = createServer((req, res) => {
      const path = (req.url ?? "/").split("?")[0];
      if (req.method !== "GET" && req.method !== "HEAD") {
        res.writeHead(405, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: { code: "CW_BAD_REQUEST", message: "only GET is served here" } }));
        return;
      }
      if (path === "/metrics") {
        this.#o.registry.metrics().then(
          (text) => {
            res.writeHead(200, { "content-type": this.#o.registry.contentType });
            res.end(text);
          },
          () => {
            res.writeHead(500, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: { code: "CW_INTERNAL", message: "metrics collection failed" } }));
          },
        );
        return;
      }
      if (path === "/healthz" || path === "/readyz") {
        const ok = path === "/healthz" ? this.#o.healthy() : this.#o.ready();
        res.writeHead(ok ? 200 : 503, { "content-type": "text/plain" });
        res.end(ok ? "ok\n" : "not ready\n");
        return;
      }
      res.writeHead(404, { "content-type": "application/json" });
      res.end(JSON.stringify({ error: { code: "CW_NOT_FOUND", message: `no route ${path}` } }));
    });
  }

  /** Listens; returns the bound port (the configured one, or the kernel's choice for 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.#server.once("error", reject);
      this.#server.listen(this.#o.port, this.#o.host, () => {
        const address = this.#server.address();
        resolve(typeof address === "object" && address ? address.port : this.#o.port);
      });
    });
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      this.#server.closeAllConnections();
      this.#server.close(() => resolve());
    });
  }
}
