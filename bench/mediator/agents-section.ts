import { fork } from "node:child_process";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { Mediator, parseMediatorConfig } from "@causeway/mediator";
import { silentLogger } from "@causeway/runtime";
import { type LoadResult } from "./agent-load.js";

/**
 * Agent messages per CPU-second of the mediator: the mediator runs in this process (journal on,
 * acknowledging only what is on disk), the simulated agents in another.
 */
export async function agentThroughput(
  agents: number,
  perAgent: number,
): Promise<Record<string, string | number>> {
  const dir = await mkdtemp(join(tmpdir(), "causeway-bench-mediator-"));
  const mediator = await Mediator.start({
    config: parseMediatorConfig({
      dataDir: dir,
      logLevel: "silent",
      grpc: { host: "127.0.0.1", port: 0, maxMessagesPerSecondPerAgent: 1_000_000, maxStreamsPerAgent: 2 },
      http: { host: "127.0.0.1", port: 0 },
      otlp: { enabled: false },
      kube: { enabled: false },
      auth: { enabled: false },
      state: { snapshotIntervalMs: 3_600_000 },
    }),
    log: silentLogger(),
  });
  try {
    const cpuBefore = process.cpuUsage();
    const result = await new Promise<LoadResult>((resolve, reject) => {
      const child = fork(
        fileURLToPath(new URL("./agent-load.ts", import.meta.url)),
        ["--agents", `127.0.0.1:${mediator.ports.grpc}`, String(agents), String(perAgent)],
        { execArgv: ["--conditions=source", "--import", "tsx"] },
      );
      child.on("message", (m: LoadResult) => resolve(m));
      child.on("error", reject);
      child.on("exit", (code) =>
        code !== 0 ? reject(new Error(`agent load exited with ${code}`)) : undefined,
      );
    });
    const cpu = process.cpuUsage(cpuBefore);
    const cpuSeconds = (cpu.user + cpu.system) / 1e6;
    if (result.acked !== result.messages)
      throw new Error(`acknowledged ${result.acked} of ${result.messages}`);
    const connectedPeak = [...mediator.agents.all()].length;
    return {
      agents: result.agents,
      agent_messages: result.messages,
      agent_wall_s: result.seconds.toFixed(2),
      mediator_cpu_s: cpuSeconds.toFixed(2),
      agent_msgs_per_core_s: Math.round(result.messages / cpuSeconds),
      agents_seen: connectedPeak,
    };
  } finally {
    await mediator.stop({ snapshot: false });
    await rm(dir, { recursive: true, force: true });
  }
}
