#!/usr/bin/env node
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { publicKeyFromPem } from "@causeway/audit";
import { NonceStore } from "@causeway/remediation";
import { ConfigError, createLogger } from "@causeway/runtime";
import { loadExecutorConfig, type ExecutorConfig } from "../config.js";
import { startHealthServer } from "../http/health-server.js";
import { KubeClient } from "../kube/kube-client.js";
import { mediatorHttpGet } from "../mediator-http.js";
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
const mediatorTls = config.mediatorTls || config.mediatorCaFile !== "";
const mediatorGet = mediatorHttpGet({
  baseUrl: config.mediatorHttpUrl,
  ...(config.mediatorCaFile !== "" ? { caFile: config.mediatorCaFile } : {}),
});
const mediatorKeys = await Promise.all(
  config.mediatorPublicKeyFiles.map(async (f) => publicKeyFromPem(await readFile(f, "utf8"))),
);
if (mediatorKeys.length === 0) {
  // Without a configured key, trust the one the mediator serves, but only over https, where the
  // mediator's certificate (checked against mediatorCaFile) vouches for it.
  if (!config.mediatorHttpUrl.startsWith("https:")) {
    console.error(
      "invalid executor configuration:\n  - mediatorPublicKeyFiles: a mediator public key is required unless mediatorHttpUrl is https",
    );
    process.exit(2);
  }
  for (;;) {
    try {
      const answer = await mediatorGet("/api/v1/audit/public-key");
      if (answer.status !== 200) throw new Error(`HTTP ${answer.status}`);
      mediatorKeys.push(publicKeyFromPem(answer.text));
      break;
    } catch (error) {
      log.warn({ err: (error as Error).message }, "cannot fetch the mediator's public key; retrying");
      await new Promise((r) => setTimeout(r, 5000));
    }
  }
}
const nonces = await NonceStore.open(join(config.dataDir, "nonces"));
const cleared = new RootCauseClearedCheck({
  fetchJson: async (path) => {
    const res = await mediatorGet(path);
    if (res.status !== 200) throw new Error(`${path}: HTTP ${res.status}`);
    return JSON.parse(res.text) as unknown;
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
    const res = await mediatorGet("/api/v1/audit/export");
    if (res.status !== 200) throw new Error(`audit export: HTTP ${res.status}`);
    return res.text;
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
  ...(config.mediatorTokenFile !== "" ? { tokenFile: config.mediatorTokenFile } : {}),
  ...(mediatorTls
    ? {
        tls: {
          ...(config.mediatorCaFile !== "" ? { caFile: config.mediatorCaFile } : {}),
          ...(config.mediatorServerName !== "" ? { serverName: config.mediatorServerName } : {}),
        },
      }
    : {}),
  reconnectMaxDelayMs: config.reconnectMaxDelayMs,
  log,
});
const health =
  config.http.port >= 0
    ? await startHealthServer({
        host: config.http.host,
        port: config.http.port,
        stats: () => session.stats(),
      })
    : undefined;
const stop = (): void => {
  log.info("stopping");
  session.stop();
  health?.close();
};
process.on("SIGINT", stop);
process.on("SIGTERM", stop);
log.info({ mediator: config.mediatorAddress, namespace: config.namespace }, "executor started");
await session.run();
await nonces.close();
