import { booleanSetting, mergeConfigLayers, parseConfig, parseFlags, readEnv } from "@causeway/runtime";
import { z } from "zod";

/** The standalone simulator's configuration: flags (`--port=6443`) and KUBE_SIM_* variables. */
export const kubeSimConfigSchema = z
  .object({
    /** Address to listen on. */
    host: z.string().min(1).default("127.0.0.1"),
    /** Port to listen on; 0 picks a free one (printed at start). */
    port: z.coerce.number().int().min(0).max(65535).default(6443),
    /**
     * Serve HTTPS with a fresh CA, whose certificate goes into the kubeconfig. kubectl sends bearer
     * tokens only over TLS, so this is on by default.
     */
    https: booleanSetting.default(true),
    /** Where to write a kubeconfig for the admin user. */
    kubeconfig: z.string().min(1).default(".local/kube-sim/kubeconfig"),
    /** The admin's bearer token; random when empty. Never logged. */
    adminToken: z.string().default(""),
    /** Generate a cluster of this many nodes at start (0: an empty cluster). */
    nodes: z.coerce.number().int().min(0).max(5000).default(0),
    /** Pods of the generated cluster. */
    pods: z.coerce.number().int().min(0).max(150_000).default(0),
    /** Namespaces of the generated cluster (0: one per 1,500 pods, at least 3). */
    namespaces: z.coerce.number().int().min(0).default(0),
    /** Generator PRNG seed. */
    seed: z.coerce.number().int().default(1),
    /** Watch events kept per resource type; older resourceVersions get 410 Gone. */
    watchHistorySize: z.coerce.number().int().min(0).default(10_000),
    /** Interval of watch bookmarks. */
    bookmarkIntervalMs: z.coerce.number().int().min(10).default(60_000),
    /** Time between restarts of a crash-looping container. */
    crashLoopRestartMs: z.coerce.number().int().min(10).default(10_000),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error", "silent"]).default("info"),
  })
  .strict()
  .refine((c) => c.pods === 0 || c.nodes > 0, { message: "pods need nodes (--nodes)", path: ["nodes"] })
  .refine((c) => c.pods <= c.nodes * 110, { message: "at most 110 pods per node", path: ["pods"] });

export type KubeSimConfig = z.output<typeof kubeSimConfigSchema>;

/** Reads the simulator's configuration from flags and the environment; throws ConfigError listing every problem. */
export function loadKubeSimConfig(argv: readonly string[], env: NodeJS.ProcessEnv): Readonly<KubeSimConfig> {
  const fromEnv = readEnv(env, {
    KUBE_SIM_HOST: "host",
    KUBE_SIM_PORT: "port",
    KUBE_SIM_HTTPS: "https",
    KUBE_SIM_KUBECONFIG: "kubeconfig",
    KUBE_SIM_ADMIN_TOKEN: "adminToken",
    KUBE_SIM_NODES: "nodes",
    KUBE_SIM_PODS: "pods",
    KUBE_SIM_LOG_LEVEL: "logLevel",
  });
  return parseConfig("kube-sim", kubeSimConfigSchema, mergeConfigLayers(fromEnv, parseFlags(argv)));
}
