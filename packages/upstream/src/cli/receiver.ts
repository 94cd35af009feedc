#!/usr/bin/env node
// causeway-upstream-receiver: the reference upstream receiver as a self-hosted sink.
import { readFileSync } from "node:fs";
import { ConfigError, createLogger } from "@causeway/runtime";
import { z } from "zod";
import { loadReceiverConfig } from "../config.js";
import { UpstreamReceiver } from "../reference-receiver.js";
import { FileTenantStore } from "../tenant-store.js";

const tenantsSchema = z.array(
  z.object({ tenantId: z.string().min(1), tokenSha256: z.string().regex(/^[0-9a-f]{64}$/) }).strict(),
);

async function main(): Promise<void> {
  const config = loadReceiverConfig(process.argv.slice(2), process.env);
  const log = createLogger({ component: "upstream-receiver", level: config.logLevel });
  const tenants = tenantsSchema.parse(JSON.parse(readFileSync(config.tenantsFile, "utf8")));
  const colon = config.listenAddress.lastIndexOf(":");
  const receiver = await UpstreamReceiver.start({
    tls: { cert: readFileSync(config.tlsCertFile), key: readFileSync(config.tlsKeyFile) },
    host: config.listenAddress.slice(0, colon),
    port: Number(config.listenAddress.slice(colon + 1)),
    tenants,
    store: new FileTenantStore(config.dataDir),
    maxPayloadBytes: config.maxPayloadBytes,
    log,
  });
  log.info(
    { port: receiver.port, tenants: tenants.length, dataDir: config.dataDir },
    "upstream receiver listening",
  );
  const stop = (): void => {
    log.info("stopping");
    receiver.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once("SIGINT", stop);
  process.once("SIGTERM", stop);
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
