import { mergeConfigLayers, parseConfig, parseFlags, readEnv } from "@causeway/runtime";
import { z } from "zod";
import { DEMO_IMAGE_TAG, SHOP_PORT } from "./catalog.js";

const common = {
  /** Kubernetes namespace of the pod (downward API). */
  namespace: z.string().min(1).default("shop"),
  /** The release this process runs (the image tag, set by the image). */
  version: z.string().min(1).default(DEMO_IMAGE_TAG),
  /** Ready endpoints of every service (written by the local stack). */
  endpointsFile: z.string().min(1),
  /** Fault flags (written by the local stack on `fault ...`). */
  faultsFile: z.string().min(1),
  /** How often the two files above are re-read. */
  pollIntervalMs: z.coerce.number().int().min(50).default(1000),
  otlp: z
    .object({
      /** OTLP/gRPC endpoint of the mediator. */
      endpoint: z.string().url().default("http://127.0.0.1:4317"),
      /** `k=v,k=v` resource attributes (OTEL_RESOURCE_ATTRIBUTES). */
      resourceAttributes: z.string().default(""),
      exportIntervalMs: z.coerce.number().int().min(100).default(5000),
    })
    .strict()
    .default({}),
  logLevel: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
};

/** A demo shop service (`causeway-demo service`). */
export const demoServiceConfigSchema = z
  .object({
    /** Which service of the catalog this process is (also its OTLP service.name). */
    service: z.string().min(1),
    host: z.string().min(1).default("0.0.0.0"),
    port: z.coerce.number().int().min(0).max(65535).default(SHOP_PORT),
    /** A downstream call fails after this long (packet loss shows as slow calls, then errors). */
    callTimeoutMs: z.coerce.number().int().min(10).default(2000),
    ...common,
  })
  .strict();

/** The load generator (`causeway-demo loadgen`). */
export const loadGeneratorConfigSchema = z
  .object({
    service: z.string().min(1).default("loadgen"),
    /** Requests per second sent to the frontend. */
    requestsPerSecond: z.coerce.number().min(0.1).max(1000).default(10),
    /** Requests in flight at most; beyond it a tick is skipped and counted. */
    maxInFlight: z.coerce.number().int().min(1).default(50),
    callTimeoutMs: z.coerce.number().int().min(10).default(5000),
    ...common,
  })
  .strict();

export type DemoServiceConfig = z.output<typeof demoServiceConfigSchema>;
export type LoadGeneratorConfig = z.output<typeof loadGeneratorConfigSchema>;

const ENV: Readonly<Record<string, string>> = {
  DEMO_SERVICE: "service",
  DEMO_HOST: "host",
  DEMO_PORT: "port",
  DEMO_NAMESPACE: "namespace",
  DEMO_APP_VERSION: "version",
  DEMO_ENDPOINTS_FILE: "endpointsFile",
  DEMO_FAULTS_FILE: "faultsFile",
  DEMO_REQUESTS_PER_SECOND: "requestsPerSecond",
  OTEL_EXPORTER_OTLP_ENDPOINT: "otlp.endpoint",
  OTEL_RESOURCE_ATTRIBUTES: "otlp.resourceAttributes",
  DEMO_LOG_LEVEL: "logLevel",
};

/** A demo service's configuration from DEMO_* / OTEL_* variables and flags. */
export function loadDemoServiceConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<DemoServiceConfig> {
  const raw = mergeConfigLayers(readEnv(env, ENV), parseFlags(argv));
  delete raw.requestsPerSecond;
  return parseConfig("demo-service", demoServiceConfigSchema, raw);
}

/** The load generator's configuration from DEMO_* / OTEL_* variables and flags. */
export function loadLoadGeneratorConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<LoadGeneratorConfig> {
  const raw = mergeConfigLayers(readEnv(env, ENV), parseFlags(argv));
  delete raw.port;
  delete raw.host;
  return parseConfig("demo-loadgen", loadGeneratorConfigSchema, raw);
}
