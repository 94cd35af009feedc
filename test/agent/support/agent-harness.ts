import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Agent, parseAgentConfig, type AgentConfigInput, type PodSource } from "@causeway/agent";
import { createLogger } from "@causeway/runtime";

/** Node memory: MiB in bytes. */
export const MIB = 1024 * 1024;

/** A busy loop: one CPU's worth of demand. */
export const BUSY_LOOP = `sh -c 'while :; do :; done'`;
/** Allocates 1 MiB buffers until the cgroup's memory usage reaches 95% of the limit, then holds. */
export const FILL_TO_95_PERCENT = (limitBytes: number): string =>
  `node -e 'const fs=require("fs");const f=process.env.CGROUP_MEMORY+"/"+process.env.CGROUP_MEMORY_USAGE;const a=[];while(+fs.readFileSync(f,"utf8")<${limitBytes}*0.95)a.push(Buffer.alloc(1<<20,1));setInterval(()=>{},1e6)'`;
/** Allocates without bound: the OOM killer ends it at the limit. */
export const ALLOCATE_FOREVER = `node -e 'const a=[];for(;;)a.push(Buffer.alloc(1<<20,1))'`;

export interface AgentUnderTest {
  readonly agent: Agent;
  readonly dir: string;
  cleanup(): Promise<void>;
}

/** Starts a real agent with test-friendly intervals; `overrides` are merged into the config. */
export async function startAgent(
  overrides: AgentConfigInput,
  podSource?: PodSource,
  logLines?: string[],
): Promise<AgentUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), "cw-agent-it-"));
  const config = parseAgentConfig({
    intervalMs: 500,
    topologyIntervalMs: 1000,
    http: { port: 0 },
    host: { diskPaths: ["/"] },
    ...overrides,
    victoriaMetrics: { queueDir: join(dir, "queue"), ...overrides.victoriaMetrics },
  });
  const agent = new Agent({
    config,
    log: createLogger({
      component: "agent-test",
      level: logLines ? "info" : (process.env.AGENT_TEST_LOG ?? "warn"),
      ...(logLines ? { destination: { write: (line: string) => void logLines.push(line) } } : {}),
    }),
    ...(podSource ? { podSource } : {}),
  });
  await agent.start();
  return {
    agent,
    dir,
    async cleanup() {
      await agent.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
