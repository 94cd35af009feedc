import { hostname } from "node:os";
import { booleanSetting, mergeConfigLayers, parseConfig, parseFlags, readEnv } from "@causeway/runtime";
import { z } from "zod";

const port = (def: number) => z.coerce.number().int().min(0).max(65535).default(def);
const ms = (min: number, def: number) => z.coerce.number().int().min(min).default(def);
const bool = (def: boolean) => booleanSetting.default(def);

/** Every setting of the local stack with its default (flags `--a.b=value`, CAUSEWAY_* variables). */
export const localStackConfigSchema = z
  .object({
    /** Where every component keeps its data, logs, kubeconfigs and tokens between runs. */
    dataDir: z.string().min(1).default(".local/data"),
    /** The stack's own log level (its log goes to `<dataDir>/logs/local-stack.log`). */
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
    /** Log level passed to every component. */
    componentLogLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
    /**
     * `auto`: everything when running as root, degraded otherwise; `degraded`: no cgroups, network
     * namespaces or eBPF even as root (pods share the host network on loopback addresses).
     */
    mode: z.enum(["auto", "degraded"]).default("auto"),
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
    kubeSim: z
      .object({
        host: z.string().min(1).default("127.0.0.1"),
        port: port(6443),
      })
      .strict()
      .default({}),
    mediator: z
      .object({
        /** gRPC (agents, executor) and HTTP (API, UI) listen here. */
        host: z.string().min(1).default("127.0.0.1"),
        grpcPort: port(50051),
        httpPort: port(8080),
        /** OTLP listens on the pods' gateway address (loopback in degraded mode): pods reach the host only there. */
        otlpGrpcPort: port(4317),
        otlpHttpPort: port(4318),
        /** How often symptoms are evaluated and remediations proposed. */
        symptomTickMs: ms(100, 2000),
        /** How often RED series are written and service symptoms evaluated. */
        otlpTickMs: ms(100, 5000),
        /** How often cluster-level series are written. */
        seriesWriteIntervalMs: ms(1000, 10_000),
      })
      .strict()
      .default({}),
    agent: z
      .object({
        enabled: bool(true),
        metricsPort: port(9464),
        /** Collection interval: short, so a fault shows within seconds. */
        intervalMs: ms(100, 2000),
        topologyIntervalMs: ms(100, 5000),
      })
      .strict()
      .default({}),
    executor: z
      .object({
        enabled: bool(true),
        /** How long the executor waits for the symptom to clear before rolling back. */
        verifyWindowMs: ms(1000, 180_000),
        verifyPollMs: ms(100, 2000),
        /** The root cause must stay gone this long before a change counts as verified. */
        verifyStableMs: ms(0, 20_000),
      })
      .strict()
      .default({}),
    node: z
      .object({
        /** This machine's node in kube-sim. */
        name: z.string().min(1).default(hostname().toLowerCase()),
        /** Pod addresses; the first is the gateway on the host's bridge. */
        podCidr: z
          .string()
          .regex(/^\d+\.\d+\.\d+\.\d+\/(1[6-9]|2[0-8])$/)
          .default("10.244.0.0/24"),
        /** Top of the cgroup tree the kubelet creates in every hierarchy. */
        cgroupRoot: z
          .string()
          .regex(/^[a-z0-9][a-z0-9._-]*$/)
          .default("causeway-local"),
        restartBackoffInitialMs: ms(100, 10_000),
        restartBackoffMaxMs: ms(100, 300_000),
        restartBackoffResetMs: ms(1000, 600_000),
        /** An exited container's cgroup is kept this long (the agent reads its last counters). */
        deadCgroupRetentionMs: ms(0, 10_000),
        maxGracePeriodMs: ms(0, 5000),
      })
      .strict()
      .default({}),
    demo: z
      .object({
        enabled: bool(true),
        namespace: z.string().min(1).default("shop"),
        requestsPerSecond: z.coerce.number().min(0.1).max(200).default(10),
      })
      .strict()
      .default({}),
    /** The loopback HTTP endpoint `fault ...` and `status` talk to. */
    control: z
      .object({
        port: port(8089),
      })
      .strict()
      .default({}),
  })
  .strict();

export type LocalStackConfig = z.output<typeof localStackConfigSchema>;
export type LocalStackConfigInput = z.input<typeof localStackConfigSchema>;

/** Reads the local stack's configuration from flags (`--dataDir=...`) and CAUSEWAY_* variables. */
export function loadLocalStackConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<LocalStackConfig> {
  const fromEnv = readEnv(env, {
    CAUSEWAY_DATA_DIR: "dataDir",
    CAUSEWAY_LOG_LEVEL: "logLevel",
    CAUSEWAY_LOCAL_MODE: "mode",
    CAUSEWAY_VM_LISTEN: "victoriaMetrics.listenAddress",
    CAUSEWAY_NODE_NAME: "node.name",
  });
  return parseConfig("local-stack", localStackConfigSchema, mergeConfigLayers(fromEnv, parseFlags(argv)));
}
