#!/usr/bin/env node
import { resolve } from "node:path";
import { ConfigError, createLogger } from "@causeway/runtime";
import { loadKubeSimConfig, type KubeSimConfig } from "../config.js";
import { generateCluster } from "../generator.js";
import { startKubeSim } from "../start.js";

let config: Readonly<KubeSimConfig>;
try {
  config = loadKubeSimConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = createLogger({ component: "kube-sim", level: config.logLevel });
const sim = await startKubeSim({
  host: config.host,
  port: config.port,
  https: config.https,
  watchHistorySize: config.watchHistorySize,
  bookmarkIntervalMs: config.bookmarkIntervalMs,
  log,
  controllers: { log, crashLoopRestartMs: config.crashLoopRestartMs },
  ...(config.adminToken ? { adminToken: config.adminToken } : {}),
});
let generated;
if (config.nodes > 0) {
  generated = generateCluster(
    sim.server,
    {
      nodes: config.nodes,
      pods: config.pods,
      seed: config.seed,
      ...(config.namespaces > 0 ? { namespaces: config.namespaces } : {}),
    },
    sim.controllers,
  );
  log.info({ ...generated }, "generated cluster");
}
const kubeconfig = resolve(config.kubeconfig);
await sim.writeKubeconfig(kubeconfig);
log.info({ url: sim.url, kubeconfig }, "kube-sim is serving");
// One machine-readable line on stdout for programs that start the simulator.
console.log(JSON.stringify({ url: sim.url, kubeconfig, generated }));

let stopping = false;
const shutdown = async (signal: string): Promise<void> => {
  if (stopping) return;
  stopping = true;
  log.info({ signal }, "shutting down");
  await sim.close();
  process.exit(0);
};
process.on("SIGINT", () => void shutdown("SIGINT"));
process.on("SIGTERM", () => void shutdown("SIGTERM"));
