import {
  booleanSetting,
  listSetting,
  mergeConfigLayers,
  parseConfig,
  parseFlags,
  readEnv,
} from "@causeway/runtime";
import { z } from "zod";

const csv = listSetting();

const bool = booleanSetting;

/** Every setting of the executor, with its default. */
export const executorConfigSchema = z
  .object({
    executorId: z.string().min(1).default("executor"),
    /** The mediator's gRPC address (ExecutorService). */
    mediatorAddress: z.string().min(1).default("causeway-mediator:50051"),
    /**
     * Projected ServiceAccount token with the mediator's audience, re-read on every connect and sent
     * as `authorization: Bearer` (the mediator refuses executors without one). Empty: none.
     */
    mediatorTokenFile: z.string().default(""),
    /** TLS to the mediator's gRPC port (implied by mediatorCaFile). */
    mediatorTls: bool.default(false),
    /** CA bundle (PEM) for the mediator's certificate; empty with TLS: the system roots. */
    mediatorCaFile: z.string().default(""),
    /** Overrides the name checked against the mediator's certificate. */
    mediatorServerName: z.string().default(""),
    /** The mediator's HTTP base URL, for the audit trail export. */
    mediatorHttpUrl: z.string().url().default("http://causeway-mediator:8080"),
    /** PEM files of the mediator's Ed25519 public keys (task and checkpoint signatures). */
    mediatorPublicKeyFiles: csv.default([]),
    /** Namespace of the per-action ServiceAccounts and per-task Secrets. */
    namespace: z.string().min(1).default("causeway"),
    kube: z
      .object({
        url: z.string().url().default("https://kubernetes.default.svc"),
        caFile: z.string().default("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"),
        tokenFile: z.string().default("/var/run/secrets/kubernetes.io/serviceaccount/token"),
      })
      .strict()
      .default({}),
    dataDir: z.string().min(1).default("/var/lib/causeway-executor"),
    safety: z
      .object({
        allowNamespaces: csv.default([]),
        denyNamespaces: csv.default([]),
        allowKubeSystem: z.coerce.boolean().default(false),
        maxActionsPerTarget: z.coerce.number().int().min(1).default(1),
        targetWindowMs: z.coerce.number().int().min(1000).default(3_600_000),
        maxActionsPerRateWindow: z.coerce.number().int().min(1).default(5),
        rateWindowMs: z.coerce.number().int().min(1000).default(60_000),
        minReplicas: z.coerce.number().int().min(0).default(1),
        maxReplicas: z.coerce.number().int().min(1).default(50),
      })
      .strict()
      .default({}),
    /** /healthz, /readyz (a Session stream to the mediator is open) and /metrics. */
    http: z
      .object({
        /** The chart sets 0.0.0.0 so that the kubelet's probes reach it. */
        host: z.string().min(1).default("127.0.0.1"),
        /** 0 picks a free port; -1 serves nothing. */
        port: z.coerce.number().int().min(-1).max(65535).default(9400),
      })
      .strict()
      .default({}),
    verifyWindowMs: z.coerce.number().int().min(1000).default(300_000),
    verifyPollMs: z.coerce.number().int().min(100).default(5_000),
    /** The root cause must stay gone this long before the change counts as verified. */
    verifyStableMs: z.coerce.number().int().min(0).default(20_000),
    reconnectMaxDelayMs: z.coerce.number().int().min(100).default(30_000),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  })
  .strict();

export type ExecutorConfig = z.output<typeof executorConfigSchema>;

/** Environment variables the executor reads (names as the Helm chart sets them). */
export const EXECUTOR_ENV: Readonly<Record<string, string>> = {
  CAUSEWAY_EXECUTOR_ID: "executorId",
  CAUSEWAY_MEDIATOR_ADDRESS: "mediatorAddress",
  CAUSEWAY_MEDIATOR_TOKEN_FILE: "mediatorTokenFile",
  CAUSEWAY_MEDIATOR_CA_FILE: "mediatorCaFile",
  CAUSEWAY_MEDIATOR_HTTP_URL: "mediatorHttpUrl",
  CAUSEWAY_MEDIATOR_PUBLIC_KEY_FILES: "mediatorPublicKeyFiles",
  CAUSEWAY_NAMESPACE: "namespace",
  CAUSEWAY_KUBE_URL: "kube.url",
  CAUSEWAY_DATA_DIR: "dataDir",
  CAUSEWAY_LOG_LEVEL: "logLevel",
  CAUSEWAY_METRICS_HOST: "http.host",
  CAUSEWAY_METRICS_PORT: "http.port",
};

export function loadExecutorConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<ExecutorConfig> {
  const fromEnv = readEnv(env, EXECUTOR_ENV);
  return parseConfig("executor", executorConfigSchema, mergeConfigLayers(fromEnv, parseFlags(argv)));
}
