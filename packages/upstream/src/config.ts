import { mergeConfigLayers, parseConfig, parseFlags, readEnv } from "@causeway/runtime";
import { z } from "zod";

/** Configuration of the reference receiver (`causeway-upstream-receiver`). */
export const receiverConfigSchema = z
  .object({
    /** host:port to listen on (HTTPS and WSS on one port). */
    listenAddress: z.string().min(1).default("0.0.0.0:8443"),
    tlsCertFile: z.string().min(1),
    tlsKeyFile: z.string().min(1),
    /** JSON file: [{"tenantId": "...", "tokenSha256": "<hex sha-256 of the tenant's token>"}]. */
    tenantsFile: z.string().min(1),
    /** Where each tenant's data is stored, under its own prefix. */
    dataDir: z.string().min(1).default("/var/lib/causeway-upstream"),
    maxPayloadBytes: z.coerce
      .number()
      .int()
      .min(4096)
      .default(1024 * 1024),
    logLevel: z.enum(["trace", "debug", "info", "warn", "error"]).default("info"),
  })
  .strict();

export type ReceiverConfig = z.output<typeof receiverConfigSchema>;

/** Reads the receiver's configuration from flags (`--tlsCertFile=…`) and CAUSEWAY_RECEIVER_* variables. */
export function loadReceiverConfig(
  argv: readonly string[],
  env: NodeJS.ProcessEnv,
): Readonly<ReceiverConfig> {
  const fromEnv = readEnv(env, {
    CAUSEWAY_RECEIVER_LISTEN: "listenAddress",
    CAUSEWAY_RECEIVER_TLS_CERT_FILE: "tlsCertFile",
    CAUSEWAY_RECEIVER_TLS_KEY_FILE: "tlsKeyFile",
    CAUSEWAY_RECEIVER_TENANTS_FILE: "tenantsFile",
    CAUSEWAY_RECEIVER_DATA_DIR: "dataDir",
    CAUSEWAY_RECEIVER_LOG_LEVEL: "logLevel",
  });
  return parseConfig("upstream-receiver", receiverConfigSchema, mergeConfigLayers(fromEnv, parseFlags(argv)));
}
