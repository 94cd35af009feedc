#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { publicKeyFromPem } from "@causeway/audit";
import { NonceStore } from "@causeway/remediation";
import { ConfigError, createLogger } from "@causeway/runtime";
import { loadExecutorConfig, type ExecutorConfig } from "../config.js";
import { KubeClient } from "../kube/kube-client.js";
import { SafetyPolicy } from "../safety/safety-policy.js";
import { ExecutorSession } from "../session.js";
import { RootCauseClearedCheck } from "../symptom-cleared.js";
import { TaskRunner } from "../task-runner.js";

let config: Readonly<ExecutorConfig>;
try {
  config = loadExecutorConfig(process.argv.slice(2), process.env);
} catch (error) {
  if (error instanceof ConfigError) {
    console.error(error.message);
    process.exit(2);
  }
  throw error;
}
const log = createLogger({ component: "executor", level: config.logLevel });
const ca = config.kube.url.startsWith("https:")
  ? await readFile(config.kube.caFile, "utf8").catch(() => undefined)
  : undefined;
const kube = new KubeClient({ url: config.kube.url, ...(ca ? { ca } : {}) });
const mediatorKeys = await Promise.all(
  config.mediatorPublicKeyFiles.map(async (f) => publicKeyFromPem(await readFile(f, "utf8"))),
);
if (mediatorKeys.length === 0) {
  console.error(
    "invalid executor configuration:\n  - mediatorPublicKeyFiles: at least one mediator public key is required",
  );
  process.exit(2);
}
const nonces = await NonceStore.open(join(config.dataDir, "nonces"));
const cleared = new RootCauseClearedCheck({
  fetchJson: async (path) => {
    const res = await fetch(`${config.mediatorHttpUrl}${path}`);
    if (!res.ok) throw new Error(`${path}: HTTP ${res.status}`);
    return res.json();
  },
  stableMs: config.verifyStableMs,
});
const runner = new TaskRunner({
  kube,
  executorToken: async () => (await readFile(config.kube.tokenFile, "utf8")).trim(),
  namespace: config.namespace,
  mediatorKeys,
  nonces,
  safety: new SafetyPolicy(config.safety),
  fetchAuditTrail: async () => {
    const res = await fetch(`${config.mediatorHttpUrl}/api/v1/audit/export`);
    if (!res.ok) throw new Error(`audit export: HTTP ${res.status}`);
    return res.text();
  },
  symptomCleared: async (task) => {
    try {
      return await cleared.cleared(task.remediationId);
    } catch {
      return false;
    }
  },
  verifyWindowMs: config.verifyWindowMs,
  verifyPollMs: config.verifyPollMs,
  log,
});
const session = new ExecutorSession({
  address: config.mediatorAddress,
  executorId: config.executorId,
  version: "0.1.0",
  runner,
  reconnectMaxDelayMs: config.reconnectMaxDelayMs,
  log,
});
const stop = (): void => {
  log.info("stopping");
  session.stop();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
log.info({ mediator: config.mediatorAddress, namespace: config.namespace }, "executor started");
await session.run();
await nonces.close();
