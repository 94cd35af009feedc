import { fork, type ChildProcess } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { silentLogger } from "@causeway/runtime";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

let dir: string;
let mediator: Mediator;
let child: ChildProcess | undefined;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "causeway-keepalive-"));
  mediator = await Mediator.start({
    config: parseMediatorConfig({
      dataDir: dir,
      logLevel: "silent",
      grpc: { host: "127.0.0.1", port: 0, keepaliveTimeMs: 500, keepaliveTimeoutMs: 1000 },
      http: { host: "127.0.0.1", port: 0 },
      otlp: { enabled: false },
      kube: { enabled: false },
      auth: { enabled: false },
    }),
    log: silentLogger(),
  });
});
afterAll(async () => {
  if (child && child.exitCode === null) {
    child.kill("SIGKILL");
    child.kill("SIGCONT");
  }
  await mediator?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("mediator keepalive", () => {
  it("marks an agent whose process is frozen (SIGSTOP) disconnected within the keepalive timeout", async () => {
    child = fork(
      fileURLToPath(new URL("./stream-agent.ts", import.meta.url)),
      [`127.0.0.1:${mediator.ports.grpc}`, "frozen/1", "frozen-node"],
      {
        execArgv: ["--conditions=source", "--import", "tsx"],
      },
    );
    await waitFor(() => mediator.agents.get("frozen/1")?.ackedSeq === 2 || undefined, {
      timeoutMs: 20_000,
      what: "agent acked",
    });
    expect(mediator.agents.get("frozen/1")?.openStreams).toBe(1);
    // The socket stays open in the kernel, but nothing answers the mediator's pings.
    child.kill("SIGSTOP");
    const frozenAt = Date.now();
    await waitFor(() => mediator.agents.get("frozen/1")?.openStreams === 0 || undefined, {
      timeoutMs: 10_000,
      what: "agent marked disconnected",
    });
    const detectedMs = Date.now() - frozenAt;
    // keepalive time + timeout (1.5 s) plus scheduling slack; production defaults give 30 s < 40 s.
    expect(detectedMs).toBeLessThan(5_000);
    const view = mediator.agents.view(mediator.agents.get("frozen/1") as never);
    expect(view).toMatchObject({ connected: false });
    expect(view.disconnectedUnixMs).toBeGreaterThanOrEqual(frozenAt);
    child.kill("SIGKILL");
    child.kill("SIGCONT");
  });
});
