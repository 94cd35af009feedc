import { mergeConfigLayers, parseConfig, parseFlags, readEnv } from "@causeway/runtime";
import { z } from "zod";

const csv = z.union([z.string(), z.array(z.string())]).transform((v) =>
  Array.isArray(v)
    ? v
    : v
        .split(",")
        .map((s) => s.trim())
        .filter((s) => s !== ""),
);

/** Every setting of the executor, with its default. */
export const executorConfigSchema = z
  .object({
    executorId: z.string().min(1).default("executor"),
    /** The mediator's gRPC address (ExecutorService). */
    mediatorAddress: z.string().min(1).default("causeway-mediator:50051"),
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
    verifyWindowMs: z.coerce.number().int().min(1000).default(300_000),
    verifyPollMs: z.coerce.number().int().min(100).default(5_000),
    /** The root cause must stay gone this long before the change counts as verified. */
    verifyStableMs: z.coerce.number().int().min(0).default(20_000),
    reconnectMaxDelayMs: z.coerce.number().int().min(100).default(30_000),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  })
  .strict();

export type ExecutorConfig = z.output<typeof executorConfigSchema>;

export function loadExecutorConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<ExecutorConfig> {
  const fromEnv = readEnv(env, {
    CAUSEWAY_EXECUTOR_ID: "executorId",
    CAUSEWAY_MEDIATOR_ADDRESS: "mediatorAddress",
    CAUSEWAY_MEDIATOR_HTTP_URL: "mediatorHttpUrl",
    CAUSEWAY_MEDIATOR_PUBLIC_KEY_FILES: "mediatorPublicKeyFiles",
    CAUSEWAY_NAMESPACE: "namespace",
    CAUSEWAY_KUBE_URL: "kube.url",
    CAUSEWAY_DATA_DIR: "dataDir",
    CAUSEWAY_LOG_LEVEL: "logLevel",
  });
  return parseConfig("executor", executorConfigSchema, mergeConfigLayers(fromEnv, parseFlags(argv)));
}
