#!/usr/bin/env -S node --max-semi-space-size=1
// A 1 MiB young generation: the agent allocates little per cycle, and this keeps its RSS small.
import { ConfigError, createLogger } from "@causeway/runtime";
import { Agent } from "../agent.js";
import { loadAgentConfig, type AgentConfig } from "../config.js";

let config: Readonly<AgentConfig>;
try {
  config = loadAgentConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = createLogger({ component: "agent", level: config.logLevel });
const agent = new Agent({ config, log });
let stopping = false;
const stop = (signal: string): void => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "stopping");
  agent.stop().then(
    () => process.exit(0),
    (error: unknown) => {
      log.error({ err: (error as Error).message }, "stop failed");
      process.exit(1);
    },
  );
};
process.on("SIGINT", () => stop("SIGINT"));
process.on("SIGTERM", () => stop("SIGTERM"));
await agent.start();
