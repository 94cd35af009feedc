import { mkdtemp, readFile, rm } from "node:fs/promises";
import { type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@causeway/runtime";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { KubeClient } from "../kube/kube-client.js";
import { createControlServer, listenControl } from "./control-server.js";
import { FaultController } from "./fault-controller.js";

let dir: string;
let server: Server;
let base: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), "control-"));
  const faults = new FaultController({
    // Only the rollout fault talks to the API; nothing listens here.
    kube: new KubeClient({ url: "http://127.0.0.1:9", token: "unused" }),
    network: undefined,
    flagsFile: join(dir, "faults.json"),
    namespace: "shop",
    services: ["frontend", "checkout", "payments", "inventory"],
    log: silentLogger(),
  });
  await faults.reset();
  server = createControlServer({ faults, status: () => ({ mode: "test" }), log: silentLogger() });
  base = `http://127.0.0.1:${await listenControl(server, 0)}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const call = async (method: string, path: string, body?: string) => {
  const res = await fetch(`${base}${path}`, { method, ...(body !== undefined ? { body } : {}) });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
};
const flags = async () =>
  JSON.parse(await readFile(join(dir, "faults.json"), "utf8")) as Record<string, unknown>;

describe("control endpoint", () => {
  it("switches fault flags on and off for the demo services", async () => {
    expect(await call("POST", "/faults/oom", "{}")).toMatchObject({
      status: 200,
      body: { fault: { kind: "oom", service: "checkout" } },
    });
    await call("POST", "/faults/crash", '{"service":"payments"}');
    expect(await flags()).toMatchObject({
      memoryLeak: { service: "checkout" },
      crash: { service: "payments" },
    });
    expect((await call("GET", "/faults")).body).toMatchObject({
      faults: [{ kind: "oom" }, { kind: "crash" }],
    });
    expect((await call("DELETE", "/faults/oom")).body).toMatchObject({ cleared: [{ kind: "oom" }] });
    expect(await flags()).toEqual({ crash: { service: "payments", afterMs: 1500, exitCode: 1 } });
    await call("DELETE", "/faults");
    expect(await flags()).toEqual({});
    expect((await call("GET", "/status")).body).toEqual({ mode: "test" });
  });

  it("answers bad requests with stable codes and changes nothing", async () => {
    expect(await call("POST", "/faults/meltdown", "{}")).toMatchObject({
      status: 404,
      body: { error: { code: "CW_NOT_FOUND" } },
    });
    expect(await call("POST", "/faults/cpu", '{"service":"database"}')).toMatchObject({
      status: 400,
      body: { error: { code: "CW_BAD_REQUEST", message: expect.stringContaining("unknown service") } },
    });
    expect((await call("POST", "/faults/cpu", "not json")).status).toBe(400);
    expect((await call("POST", "/faults/cpu", '{"service":7}')).status).toBe(400);
    expect((await call("POST", "/faults/cpu", "x".repeat(20_000))).status).toBe(413);
    expect(await call("POST", "/faults/loss", "{}")).toMatchObject({
      status: 503,
      body: { error: { code: "CW_UNAVAILABLE" } },
    });
    expect((await call("PUT", "/faults/oom", "{}")).status).toBe(400);
    expect(await flags()).toEqual({});
  });
});
