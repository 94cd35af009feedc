#!/usr/bin/env node
import { ConfigError, createLogger } from "@causeway/runtime";
import { loadMediatorConfig } from "../config.js";
import { Mediator } from "../mediator.js";

async function main(): Promise<void> {
  let config;
  try {
    config = loadMediatorConfig(process.argv.slice(2), process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
  const log = createLogger({ component: "mediator", level: config.logLevel });
  const mediator = await Mediator.start({ config, log });
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, "stopping");
    mediator.stop().then(
      () => process.exit(0),
      (error: Error) => {
        log.error({ err: error.message }, "stop failed");
        process.exit(1);
      },
    );
  };
  process.on("SIGTERM", () => stop("SIGTERM"));
  process.on("SIGINT", () => stop("SIGINT"));
}

main().catch((error: Error) => {
  console.error(`causeway-mediator: ${error.message}`);
  process.exit(1);
});
