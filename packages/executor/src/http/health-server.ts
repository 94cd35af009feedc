import { createServer, type Server } from "node:http";
import { type ExecutorSessionStats } from "../session.js";

export interface HealthServerOptions {
  readonly host: string;
  /** 0 picks a free port. */
  readonly port: number;
  readonly stats: () => ExecutorSessionStats;
}

/** The executor's Prometheus text: its session to the mediator and the tasks it received. */
export function executorMetricsText(s: ExecutorSessionStats): string {
  return [
    "# HELP causeway_executor_session_connected 1 while a Session stream to the mediator is open.",
    "# TYPE causeway_executor_session_connected gauge",
    `causeway_executor_session_connected ${s.connected ? 1 : 0}`,
    "# HELP causeway_executor_session_connects_total Session streams opened to the mediator.",
    "# TYPE causeway_executor_session_connects_total counter",
    `causeway_executor_session_connects_total ${s.connects}`,
    "# HELP causeway_executor_session_refused_total Session streams the mediator refused (UNAUTHENTICATED, PERMISSION_DENIED).",
    "# TYPE causeway_executor_session_refused_total counter",
    `causeway_executor_session_refused_total ${s.refused}`,
    "# HELP causeway_executor_tasks_received_total Signed tasks received from the mediator.",
    "# TYPE causeway_executor_tasks_received_total counter",
    `causeway_executor_tasks_received_total ${s.tasks}`,
    "",
  ].join("\n");
}

/**
 * The executor's only listener: `/healthz` (the process runs), `/readyz` (a Session stream to the
 * mediator is open, so approved tasks can reach it) and `/metrics`. It accepts nothing else.
 */
export async function startHealthServer(options: HealthServerOptions): Promise<Server> {
  const server = createServer((req, res) => {
    const path = (req.url ?? "/").split("?")[0];
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405, { allow: "GET, HEAD" }).end();
      return;
    }
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" }).end("ok\n");
    } else if (path === "/readyz") {
      const connected = options.stats().connected;
      res
        .writeHead(connected ? 200 : 503, { "content-type": "text/plain" })
        .end(connected ? "ready\n" : "not connected to the mediator\n");
    } else if (path === "/metrics") {
      res
        .writeHead(200, { "content-type": "text/plain; version=0.0.4" })
        .end(executorMetricsText(options.stats()));
    } else {
      res.writeHead(404, { "content-type": "text/plain" }).end("not found\n");
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, options.host, () => {
      server.off("error", reject);
      resolve();
    });
  });
  return server;
}
