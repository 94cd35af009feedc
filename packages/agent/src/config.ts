import { hostname } from "node:os";
import {
  booleanSetting,
  listSetting,
  mergeConfigLayers,
  parseConfig,
  parseFlags,
  readEnv,
} from "@causeway/runtime";
import { z } from "zod";

const ms = (min: number, def: number): z.ZodDefault<z.ZodNumber> =>
  z.coerce.number().int().min(min).default(def);
const ratio = (def: number): z.ZodDefault<z.ZodNumber> => z.coerce.number().min(0).max(1).default(def);
const positive = (def: number): z.ZodDefault<z.ZodNumber> => z.coerce.number().min(0).default(def);
const bool = (def: boolean) => booleanSetting.default(def);
const csv = listSetting();

/** A level symptom: active once `on` held for `forMs`, inactive once `off` held for `clearForMs`. */
const level = (on: number, off: number, forMs: number, clearForMs: number) =>
  z
    .object({
      on: positive(on),
      off: positive(off),
      forMs: ms(0, forMs),
      clearForMs: ms(0, clearForMs),
    })
    .strict()
    .default({});

/**
 * Every setting of the agent with its default. Symptom thresholds are documented in the package
 * README (what each number means, and why the default).
 */
export const agentConfigSchema = z
  .object({
    /** This node's name (the DaemonSet passes spec.nodeName). */
    nodeName: z.string().min(1).default(hostname()),
    /** How often cgroups, /proc and eBPF counters are read, symptoms evaluated and series written. */
    intervalMs: ms(100, 10_000),
    /** How often processes, sockets and connections are rescanned for the topology. */
    topologyIntervalMs: ms(100, 30_000),
    /** A full topology snapshot is re-sent this often even without a resync (0: never). */
    fullSnapshotIntervalMs: ms(0, 3_600_000),
    host: z
      .object({
        /** The host's /proc (read-only host mount in a DaemonSet). */
        proc: z.string().min(1).default("/proc"),
        /** The host's /sys. */
        sys: z.string().min(1).default("/sys"),
        /** The cgroup root; defaults to `<sys>/fs/cgroup`. */
        cgroupRoot: z.string().min(1).optional(),
        /** Filesystems checked for node disk pressure; defaults to the host root `<proc>/1/root`. */
        diskPaths: csv.optional(),
      })
      .strict()
      .default({}),
    kube: z
      .object({
        /**
         * `in-cluster` (ServiceAccount), `kubeconfig` (the file below or KUBECONFIG), or `none`:
         * host mode, where host cgroups and processes are the entities.
         */
        mode: z.enum(["in-cluster", "kubeconfig", "none"]).default("none"),
        kubeconfig: z.string().optional(),
        /** In-cluster: the API token (default audience) and CA, re-read per request. */
        tokenFile: z.string().min(1).default("/var/run/secrets/kubernetes.io/serviceaccount/token"),
        caFile: z.string().min(1).default("/var/run/secrets/kubernetes.io/serviceaccount/ca.crt"),
      })
      .strict()
      .default({}),
    mediator: z
      .object({
        /** host:port of the mediator's gRPC server; empty disables the stream. */
        address: z.string().default(""),
        /** Projected ServiceAccount token, re-read on every connect. */
        tokenFile: z.string().default(""),
        tls: bool(false),
        /** CA bundle (PEM) for the mediator's certificate; implies TLS. */
        caFile: z.string().default(""),
        serverName: z.string().default(""),
        maxUnackedMessages: z.coerce.number().int().min(10).default(20_000),
        maxUnackedBytes: z.coerce
          .number()
          .int()
          .min(64 * 1024)
          .default(32 * 1024 * 1024),
        heartbeatIntervalMs: ms(100, 15_000),
        connectTimeoutMs: ms(100, 10_000),
        reconnectInitialMs: ms(10, 500),
        reconnectMaxMs: ms(10, 30_000),
      })
      .strict()
      .default({}),
    victoriaMetrics: z
      .object({
        /** Base URL; empty disables series. */
        url: z.string().default(""),
        /** Disk-backed queue: where, and how many compressed bytes it may hold. */
        queueDir: z.string().min(1).default("/tmp/causeway-agent/series-queue"),
        maxQueueBytes: z.coerce
          .number()
          .int()
          .min(64 * 1024)
          .default(48 * 1024 * 1024),
        maxBatchLines: z.coerce.number().int().min(1).default(10_000),
        initialBackoffMs: ms(10, 500),
        maxBackoffMs: ms(10, 30_000),
      })
      .strict()
      .default({}),
    ebpf: z
      .object({
        enabled: bool(true),
        /** The native helper; defaults to the one built in @causeway/ebpf-helper. */
        helperPath: z.string().optional(),
      })
      .strict()
      .default({}),
    http: z
      .object({
        /** /metrics, /healthz, /readyz. Not :9100 (node-exporter's); the chart sets 0.0.0.0. */
        host: z.string().min(1).default("127.0.0.1"),
        port: z.coerce.number().int().min(0).max(65535).default(9464),
      })
      .strict()
      .default({}),
    topology: z
      .object({
        maxProcessesPerContainer: z.coerce.number().int().min(0).default(3),
        /** Host processes reported in host mode (those listening first). */
        maxHostProcesses: z.coerce.number().int().min(0).default(50),
        /**
         * Host mode: how often every host process's sockets are examined to find listening host
         * processes (it walks every /proc/<pid>/fd; containers are examined every topology scan).
         */
        hostScanIntervalMs: ms(0, 300_000),
        /** A connection stays in the topology this long after it was last seen. */
        connectionTtlMs: ms(0, 300_000),
        includeLoopback: bool(false),
      })
      .strict()
      .default({}),
    symptoms: z
      .object({
        /** Throttled share of CFS periods. */
        cpuThrottled: level(0.25, 0.1, 30_000, 60_000),
        /** Run-queue delay summed over the container's tasks, ms per second. */
        cpuCongested: level(100, 50, 30_000, 60_000),
        /** Working set over the memory limit. */
        memoryNearLimit: level(0.9, 0.85, 0, 60_000),
        /** CPU use over the request (and at least `minMillicores`). */
        cpuUsageHigh: z
          .object({
            overRequest: positive(2),
            minMillicores: positive(500),
            forMs: ms(0, 60_000),
            clearForMs: ms(0, 120_000),
          })
          .strict()
          .default({}),
        memoryGrowing: z
          .object({
            windowMs: ms(1000, 600_000),
            /** Least growth of the working set per second to call it growing. */
            minBytesPerSecond: positive(64 * 1024),
            /** Fit of the linear trend (r²) needed. */
            minR2: ratio(0.8),
            minSamples: z.coerce.number().int().min(3).default(10),
          })
          .strict()
          .default({}),
        /** How long an OOM kill or a crash stays active after the last one. */
        oomHoldMs: ms(0, 300_000),
        crashHoldMs: ms(0, 300_000),
        restarting: z
          .object({
            minRestarts: z.coerce.number().int().min(1).default(2),
            windowMs: ms(1000, 600_000),
          })
          .strict()
          .default({}),
        /** Retransmitted segments per second of a pod. */
        tcpRetransmitsHigh: level(5, 1, 30_000, 60_000),
        /** Failed outgoing connects per second of a pod. */
        connectionFailures: level(0.5, 0.1, 0, 60_000),
        /** Node PSI: share of time tasks waited for CPU (some, avg10, percent). */
        nodeCpuPressure: level(40, 20, 30_000, 60_000),
        /** Node available memory share at or below `on` (and above `off` to clear). */
        nodeMemoryPressure: z
          .object({
            availableOn: ratio(0.1),
            availableOff: ratio(0.15),
            forMs: ms(0, 30_000),
            clearForMs: ms(0, 60_000),
          })
          .strict()
          .default({}),
        /** Node filesystem available share at or below `on` (kubelet: nodefs.available < 10%). */
        nodeDiskPressure: z
          .object({
            availableOn: ratio(0.1),
            availableOff: ratio(0.15),
            forMs: ms(0, 30_000),
            clearForMs: ms(0, 60_000),
          })
          .strict()
          .default({}),
      })
      .strict()
      .default({}),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  })
  .strict();

export type AgentConfig = z.output<typeof agentConfigSchema>;
/** What callers may pass before defaults apply (tests, the local stack). */
export type AgentConfigInput = z.input<typeof agentConfigSchema>;

/** Env variables the agent reads (the chart's names), mapped to config paths. */
export const AGENT_ENV: Readonly<Record<string, string>> = {
  NODE_NAME: "nodeName",
  CAUSEWAY_NODE_NAME: "nodeName",
  CAUSEWAY_HOST_PROC: "host.proc",
  CAUSEWAY_HOST_SYS: "host.sys",
  CAUSEWAY_CGROUP_ROOT: "host.cgroupRoot",
  CAUSEWAY_KUBE_MODE: "kube.mode",
  KUBECONFIG: "kube.kubeconfig",
  CAUSEWAY_KUBE_TOKEN_FILE: "kube.tokenFile",
  CAUSEWAY_KUBE_CA_FILE: "kube.caFile",
  CAUSEWAY_MEDIATOR_URL: "mediator.address",
  CAUSEWAY_MEDIATOR_TOKEN_FILE: "mediator.tokenFile",
  CAUSEWAY_MEDIATOR_CA_FILE: "mediator.caFile",
  CAUSEWAY_VICTORIAMETRICS_URL: "victoriaMetrics.url",
  CAUSEWAY_SERIES_QUEUE_DIR: "victoriaMetrics.queueDir",
  CAUSEWAY_HELPER_PATH: "ebpf.helperPath",
  CAUSEWAY_METRICS_HOST: "http.host",
  CAUSEWAY_METRICS_PORT: "http.port",
  CAUSEWAY_INTERVAL_MS: "intervalMs",
  CAUSEWAY_LOG_LEVEL: "logLevel",
};

/** Validates a config object (every problem at once), applies defaults and freezes it. */
export function parseAgentConfig(raw: unknown): Readonly<AgentConfig> {
  return parseConfig("agent", agentConfigSchema, raw);
}

/**
 * Loads the agent's configuration: defaults, then the environment (AGENT_ENV; in a pod with a
 * ServiceAccount, KUBERNETES_SERVICE_HOST selects `kube.mode=in-cluster`), then `--a.b=value` flags.
 */
export function loadAgentConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Readonly<AgentConfig> {
  const fromEnv = readEnv(env, AGENT_ENV);
  const inCluster = env.KUBERNETES_SERVICE_HOST ? { kube: { mode: "in-cluster" } } : {};
  return parseAgentConfig(mergeConfigLayers(inCluster, fromEnv, parseFlags(argv)));
}
