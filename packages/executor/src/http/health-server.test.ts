import { type Server } from "node:http";
import { afterEach, describe, expect, it } from "vitest";
import { type ExecutorSessionStats } from "../session.js";
import { startHealthServer } from "./health-server.js";

let server: Server | undefined;
afterEach(() => {
  server?.close();
});

describe("executor health server", () => {
  it("is healthy while running, ready only while connected to the mediator, and serves its metrics", async () => {
    let stats: ExecutorSessionStats = { connected: false, connects: 3, refused: 2, tasks: 0 };
    server = await startHealthServer({ host: "127.0.0.1", port: 0, stats: () => stats });
    const address = server.address();
    const base = `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`;
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    expect((await fetch(`${base}/readyz`)).status).toBe(503);
    stats = { ...stats, connected: true, tasks: 1 };
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain("causeway_executor_session_connected 1");
    expect(metrics).toContain("causeway_executor_session_refused_total 2");
    expect(metrics).toContain("causeway_executor_tasks_received_total 1");
    expect((await fetch(`${base}/other`)).status).toBe(404);
    expect((await fetch(`${base}/healthz`, { method: "POST" })).status).toBe(405);
  });
});
