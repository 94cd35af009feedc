#!/usr/bin/env node
import { ConfigError, createLogger } from "@causeway/runtime";
import { loadLocalStackConfig } from "../config.js";
import { startLocalStack } from "../stack.js";

let config;
try {
  config = loadLocalStackConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = createLogger({ component: "local-stack", level: config.logLevel });
const stack = await startLocalStack(config, log);
console.log(
  [
    "Causeway local stack is up.",
    `  VictoriaMetrics: ${stack.victoriaMetricsUrl}`,
    `  OTLP gRPC:       ${stack.otlpGrpcUrl}`,
    `  OTLP HTTP:       ${stack.otlpHttpUrl}`,
    "Press Ctrl-C to stop.",
  ].join("\n"),
);

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  await stack.stop();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
