import { parseConfig, parseFlags, mergeConfigLayers, readEnv } from "@causeway/runtime";
import { z } from "zod";

export const localStackConfigSchema = z
  .object({
    /** Where every component keeps its data between runs. */
    dataDir: z.string().min(1).default(".local/data"),
    victoriaMetrics: z
      .object({
        binary: z.string().min(1).default("/usr/bin/victoria-metrics"),
        listenAddress: z.string().min(1).default("127.0.0.1:8428"),
        retentionPeriod: z.string().min(1).default("7d"),
        /** Newest data visible to queries: short, so the UI shows what just happened. */
        searchLatencyOffset: z.string().min(1).default("1s"),
      })
      .strict()
      .default({}),
    otlp: z
      .object({
        /** OTLP/gRPC listen address, as the mediator serves it. */
        grpcListenAddress: z.string().min(1).default("127.0.0.1:4317"),
        /** OTLP/HTTP listen address. */
        httpListenAddress: z.string().min(1).default("127.0.0.1:4318"),
        maxMessageBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(4 * 1024 * 1024),
        /** How often RED series are written and service symptoms evaluated. */
        tickIntervalMs: z.coerce.number().int().min(100).default(10_000),
      })
      .strict()
      .default({}),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  })
  .strict();

export type LocalStackConfig = z.output<typeof localStackConfigSchema>;

/** Reads the local stack's configuration from flags (`--dataDir=...`) and CAUSEWAY_* variables. */
export function loadLocalStackConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<LocalStackConfig> {
  const fromEnv = readEnv(env, {
    CAUSEWAY_DATA_DIR: "dataDir",
    CAUSEWAY_LOG_LEVEL: "logLevel",
    CAUSEWAY_VM_LISTEN: "victoriaMetrics.listenAddress",
    CAUSEWAY_OTLP_GRPC_LISTEN: "otlp.grpcListenAddress",
    CAUSEWAY_OTLP_HTTP_LISTEN: "otlp.httpListenAddress",
  });
  return parseConfig("local-stack", localStackConfigSchema, mergeConfigLayers(fromEnv, parseFlags(argv)));
}
