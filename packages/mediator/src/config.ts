import { join } from "node:path";
import {
  booleanSetting,
  ConfigError,
  listSetting,
  mergeConfigLayers,
  parseConfig,
  parseFlags,
  readEnv,
} from "@causeway/runtime";
import { upstreamConfigSchema } from "@causeway/upstream";
import { z } from "zod";

const csv = listSetting();

const bool = booleanSetting;

const port = z.coerce.number().int().min(0).max(65535);
const ms = (min: number) => z.coerce.number().int().min(min);

const listener = (defaultPort: number) =>
  z
    .object({
      host: z.string().min(1).default("0.0.0.0"),
      /** 0 picks a free port (tests). */
      port: port.default(defaultPort),
    })
    .strict()
    .default({});

/** Every setting of the mediator, with its default. */
export const mediatorConfigSchema = z
  .object({
    /** Namespace the mediator runs in. */
    namespace: z.string().min(1).default("causeway"),
    /** Snapshots, the agent journal, the audit trail and the signing key live here. */
    dataDir: z.string().min(1).default("/var/lib/causeway"),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
    /** AgentService and ExecutorService. */
    grpc: z
      .object({
        host: z.string().min(1).default("0.0.0.0"),
        port: port.default(50051),
        /** Larger agent messages are refused with RESOURCE_EXHAUSTED. */
        maxMessageBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(4 * 1024 * 1024),
        maxStreamsPerAgent: z.coerce.number().int().min(1).default(2),
        maxMessagesPerSecondPerAgent: z.coerce.number().int().min(1).default(2000),
        throttlePauseMs: ms(10).default(1000),
        /** Server pings every keepaliveTimeMs; no answer within keepaliveTimeoutMs closes the connection. */
        keepaliveTimeMs: ms(100).default(10_000),
        keepaliveTimeoutMs: ms(100).default(20_000),
        maxJournalPendingBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(64 * 1024 * 1024),
      })
      .strict()
      .default({}),
    otlp: z
      .object({
        enabled: bool.default(true),
        grpc: listener(4317),
        http: listener(4318),
        maxMessageBytes: z.coerce
          .number()
          .int()
          .min(1024)
          .default(4 * 1024 * 1024),
        /** How often RED series are written and service symptoms evaluated. */
        tickIntervalMs: ms(100).default(10_000),
      })
      .strict()
      .default({}),
    /** HTTP API, /metrics, health; the UI will be served at /ui. */
    http: listener(8080),
    tls: z
      .object({
        /** PEM files; with cert and key set, :50051 and :8080 serve TLS. */
        certFile: z.string().default(""),
        keyFile: z.string().default(""),
        /** CA for client certificates (only used when requireClientCert). */
        caFile: z.string().default(""),
        requireClientCert: bool.default(false),
      })
      .strict()
      .default({}),
    auth: z
      .object({
        /** Off only for local development: agents are then not authenticated. */
        enabled: bool.default(true),
        /** Audience agents' (and the executor's) projected tokens must carry. */
        audience: z.string().min(1).default("causeway-mediator"),
        /** Usernames allowed as agents, e.g. system:serviceaccount:causeway:causeway-agent (empty: any authenticated). */
        agentUsernames: csv.default([]),
        /** The executor must present its projected ServiceAccount token (audience above); off only for development. */
        requireExecutorToken: bool.default(true),
        /** Usernames allowed as the executor, e.g. system:serviceaccount:causeway:causeway-executor (empty: any authenticated). */
        executorUsernames: csv.default([]),
        /** A TokenReview result is trusted at most this long (and never past the token's expiry). */
        tokenCacheMaxMs: ms(0).default(5 * 60_000),
      })
      .strict()
      .default({}),
    kube: z
      .object({
        enabled: bool.default(true),
        /** Kubeconfig path; empty: in-cluster when KUBERNETES_SERVICE_HOST is set, else the default kubeconfig. */
        kubeconfig: z.string().default(""),
        context: z.string().default(""),
        listPageSize: z.coerce.number().int().min(1).default(500),
        watchTimeoutMinSeconds: z.coerce.number().int().min(1).default(300),
        watchTimeoutMaxSeconds: z.coerce.number().int().min(1).default(600),
        maxBackoffMs: ms(100).default(30_000),
      })
      .strict()
      .default({}),
    victoriaMetrics: z
      .object({
        /** Empty: no series are written. */
        url: z.string().default(""),
        /** How often cluster-level (kube-state) series are written. */
        writeIntervalMs: ms(1000).default(30_000),
        maxQueuedLines: z.coerce.number().int().min(1000).default(2_000_000),
        maxBatchLines: z.coerce.number().int().min(100).default(20_000),
      })
      .strict()
      .default({}),
    state: z
      .object({
        snapshotIntervalMs: ms(1000).default(60_000),
        /** Agent messages are journalled and acknowledged in groups this far apart. */
        journalFlushIntervalMs: ms(0).default(10),
      })
      .strict()
      .default({}),
    symptoms: z
      .object({
        podPendingAfterMs: ms(0).default(60_000),
        oomKilledWindowMs: ms(0).default(10 * 60_000),
        rolloutWindowMs: ms(0).default(15 * 60_000),
        unavailableReplicasAfterMs: ms(0).default(60_000),
        /** Cleared symptoms stay visible this long. */
        inactiveRetentionMs: ms(0).default(60 * 60_000),
        tickIntervalMs: ms(10).default(5_000),
      })
      .strict()
      .default({}),
    engine: z
      .object({
        /** Run @causeway/causal-engine on the live graph (the ranking at /api/v1/rootcauses). */
        enabled: bool.default(true),
        maxResults: z.coerce.number().int().min(1).default(50),
        /** Propose the remediations of primary root causes to the lifecycle (humans still approve). */
        proposeRemediations: bool.default(true),
      })
      .strict()
      .default({}),
    remediation: z
      .object({
        /** PEM (PKCS#8 Ed25519) from a mounted Secret; empty: a key generated once in the data dir. */
        signingKeyFile: z.string().default(""),
        approvalTtlMs: ms(1000).default(10 * 60_000),
      })
      .strict()
      .default({}),
    /**
     * Forwarding abstracted, masked data upstream (off by default): @causeway/upstream's schema.
     * `upstream.masking` also masks the log bodies the OTLP receiver keeps, upstream or not.
     * `upstream.queue.dir` defaults to `<dataDir>/upstream`.
     */
    upstream: upstreamConfigSchema.default({}),
  })
  .strict()
  .superRefine((c, ctx) => {
    if ((c.tls.certFile === "") !== (c.tls.keyFile === "")) {
      ctx.addIssue({ code: "custom", path: ["tls"], message: "certFile and keyFile must be set together" });
    }
    if (c.tls.requireClientCert && c.tls.caFile === "") {
      ctx.addIssue({ code: "custom", path: ["tls", "caFile"], message: "requireClientCert needs caFile" });
    }
    if (c.kube.watchTimeoutMaxSeconds < c.kube.watchTimeoutMinSeconds) {
      ctx.addIssue({
        code: "custom",
        path: ["kube", "watchTimeoutMaxSeconds"],
        message: "must be at least watchTimeoutMinSeconds",
      });
    }
    if (c.auth.enabled && !c.kube.enabled) {
      ctx.addIssue({
        code: "custom",
        path: ["auth", "enabled"],
        message: "authentication needs the Kubernetes API (kube.enabled)",
      });
    }
    if (c.victoriaMetrics.url !== "" && !/^https?:\/\//.test(c.victoriaMetrics.url)) {
      ctx.addIssue({ code: "custom", path: ["victoriaMetrics", "url"], message: "must be an http(s) URL" });
    }
  });

export type MediatorConfig = z.output<typeof mediatorConfigSchema>;
export type MediatorConfigInput = z.input<typeof mediatorConfigSchema>;

/** Environment variables the mediator reads (names as the Helm chart sets them). */
export const MEDIATOR_ENV: Readonly<Record<string, string>> = {
  CAUSEWAY_NAMESPACE: "namespace",
  CAUSEWAY_DATA_DIR: "dataDir",
  CAUSEWAY_LOG_LEVEL: "logLevel",
  CAUSEWAY_GRPC_PORT: "grpc.port",
  CAUSEWAY_OTLP_GRPC_PORT: "otlp.grpc.port",
  CAUSEWAY_OTLP_HTTP_PORT: "otlp.http.port",
  CAUSEWAY_HTTP_PORT: "http.port",
  CAUSEWAY_TLS_CERT_FILE: "tls.certFile",
  CAUSEWAY_TLS_KEY_FILE: "tls.keyFile",
  CAUSEWAY_TLS_CA_FILE: "tls.caFile",
  CAUSEWAY_AUTH_AUDIENCE: "auth.audience",
  CAUSEWAY_AGENT_USERNAMES: "auth.agentUsernames",
  CAUSEWAY_EXECUTOR_USERNAMES: "auth.executorUsernames",
  CAUSEWAY_VICTORIAMETRICS_URL: "victoriaMetrics.url",
  CAUSEWAY_KUBECONFIG: "kube.kubeconfig",
  CAUSEWAY_SIGNING_KEY_FILE: "remediation.signingKeyFile",
  CAUSEWAY_UPSTREAM_ENABLED: "upstream.enabled",
  CAUSEWAY_UPSTREAM_URL: "upstream.url",
  CAUSEWAY_UPSTREAM_TENANT_ID: "upstream.tenantId",
  CAUSEWAY_UPSTREAM_CLUSTER_ID: "upstream.clusterId",
  CAUSEWAY_UPSTREAM_TOKEN_FILE: "upstream.tokenFile",
  CAUSEWAY_UPSTREAM_KEK_FILE: "upstream.kekFile",
  CAUSEWAY_UPSTREAM_CA_FILE: "upstream.caFile",
  CAUSEWAY_UPSTREAM_QUEUE_DIR: "upstream.queue.dir",
  CAUSEWAY_UPSTREAM_QUEUE_MAX_BYTES: "upstream.queue.maxBytes",
  CAUSEWAY_UPSTREAM_LABEL_ALLOWLIST: "upstream.labelAllowlist",
  CAUSEWAY_UPSTREAM_ATTRIBUTE_ALLOWLIST: "upstream.attributeAllowlist",
  /** JSON: `[{"name","pattern","flags","label"}]`. */
  CAUSEWAY_UPSTREAM_MASKING_CUSTOM_PATTERNS: "upstream.masking.customPatterns",
  CAUSEWAY_UPSTREAM_MASKING_HASH_KEY_FILE: "upstream.masking.hashKeyFile",
};

type Plain = Record<string, unknown>;
const plain = (v: unknown): Plain | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Plain) : undefined;

/** `upstream.queue.dir` defaults to `<dataDir>/upstream`, so one data volume holds all state. */
function withUpstreamQueueDir(raw: unknown): unknown {
  const root = plain(raw);
  if (!root) return raw;
  const upstream = plain(root.upstream) ?? {};
  const queue = plain(upstream.queue) ?? {};
  if (queue.dir !== undefined) return raw;
  const dataDir =
    typeof root.dataDir === "string" && root.dataDir !== "" ? root.dataDir : "/var/lib/causeway";
  return { ...root, upstream: { ...upstream, queue: { ...queue, dir: join(dataDir, "upstream") } } };
}

/** Custom masking patterns come from the environment or a flag as JSON. */
function parseJsonPatterns(layer: Plain): Plain {
  const masking = plain(plain(layer.upstream)?.masking);
  const patterns = masking?.customPatterns;
  if (typeof patterns !== "string" || !masking) return layer;
  try {
    masking.customPatterns = JSON.parse(patterns) as unknown;
  } catch (error) {
    throw new ConfigError("mediator", [
      `upstream.masking.customPatterns: not valid JSON: ${(error as Error).message}`,
    ]);
  }
  return layer;
}

/** Validates a configuration given as an object (tests, embedding); every problem is reported at once. */
export function parseMediatorConfig(raw: unknown): Readonly<MediatorConfig> {
  return parseConfig("mediator", mediatorConfigSchema, withUpstreamQueueDir(raw));
}

/** Reads the configuration from CAUSEWAY_* variables and flags (`--grpc.port=50051`); flags win. */
export function loadMediatorConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<MediatorConfig> {
  return parseMediatorConfig(
    mergeConfigLayers(parseJsonPatterns(readEnv(env, MEDIATOR_ENV)), parseJsonPatterns(parseFlags(argv))),
  );
}
