import { readFileSync } from "node:fs";
import { createMaskerFromConfig } from "@causeway/masking";
import { type Logger } from "@causeway/runtime";
import { parseKek } from "./envelope-crypto.js";
import { type EvidenceProvider } from "./evidence.js";
import { UpstreamForwarder } from "./forwarder.js";
import { type UpstreamConfig } from "./forwarder-config.js";
import { type UpstreamMetrics } from "./metrics.js";

export interface UpstreamDependencies {
  readonly log: Logger;
  readonly evidenceProvider?: EvidenceProvider;
  readonly metrics?: UpstreamMetrics;
  readonly readFile?: (path: string) => Buffer;
}

/**
 * The forwarder a validated, enabled {@link UpstreamConfig} describes: reads the token, the
 * key-encryption key and the optional CA from their mounted Secret files. Not started.
 */
export function createUpstreamForwarder(
  config: UpstreamConfig,
  deps: UpstreamDependencies,
): UpstreamForwarder {
  if (!config.enabled || !config.url || !config.tenantId || !config.clusterId) {
    throw new Error("upstream forwarding is not enabled and configured");
  }
  const readFile = deps.readFile ?? ((path: string) => readFileSync(path));
  const token = readFile(config.tokenFile).toString("utf8").trim();
  if (token === "") throw new Error(`the upstream token file ${config.tokenFile} is empty`);
  const kek = parseKek(readFile(config.kekFile));
  return new UpstreamForwarder({
    url: config.url,
    tenantId: config.tenantId,
    clusterId: config.clusterId,
    token,
    kek,
    queueDir: config.queue.dir,
    maxQueueBytes: config.queue.maxBytes,
    segmentMaxBytes: config.queue.segmentMaxBytes,
    ledgerMaxEntries: config.ledger.maxEntries,
    masker: createMaskerFromConfig(config.masking, readFile),
    labelAllowlist: config.labelAllowlist,
    attributeAllowlist: config.attributeAllowlist,
    evidenceWindowMs: config.evidence.windowMs,
    evidenceMaxBytes: config.evidence.maxBytes,
    reconnectInitialDelayMs: config.reconnect.initialDelayMs,
    reconnectMaxDelayMs: config.reconnect.maxDelayMs,
    log: deps.log.child({ component: "upstream" }),
    ...(config.caFile ? { ca: readFile(config.caFile) } : {}),
    ...(deps.evidenceProvider ? { evidenceProvider: deps.evidenceProvider } : {}),
    ...(deps.metrics ? { metrics: deps.metrics } : {}),
  });
}
