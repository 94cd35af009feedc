#!/usr/bin/env node
// causeway-demo service|loadgen: one process of the demo shop, run by the local stack's kubelet
// inside a pod's cgroups and network namespace, configured by DEMO_* and OTEL_* variables.
import { ConfigError, createLogger } from "@causeway/runtime";
import { shopService } from "../catalog.js";
import { loadDemoServiceConfig, loadLoadGeneratorConfig } from "../config.js";
import { LoadGenerator } from "../load-generator.js";
import { ShopService } from "../shop-service.js";
import { startTelemetry } from "../telemetry.js";

const [command, ...argv] = process.argv.slice(2);

function configOrExit<T>(load: () => T): T {
  try {
    return load();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(2);
    }
    throw error;
  }
}

if (command === "service") {
  const config = configOrExit(() => loadDemoServiceConfig(argv, process.env));
  const spec = shopService(config.service);
  if (!spec) {
    console.error(`causeway-demo: unknown service ${JSON.stringify(config.service)}`);
    process.exit(2);
  }
  const log = createLogger({ component: `demo-${spec.name}`, level: config.logLevel });
  const telemetry = startTelemetry({
    serviceName: spec.name,
    serviceVersion: config.version,
    namespace: config.namespace,
    endpoint: config.otlp.endpoint,
    resourceAttributes: config.otlp.resourceAttributes,
    exportIntervalMs: config.otlp.exportIntervalMs,
  });
  const service = new ShopService({ spec, config, telemetry, log });
  await service.start();
  const stop = (): void => {
    void service
      .stop()
      .then(() => telemetry.shutdown())
      .finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else if (command === "loadgen") {
  const config = configOrExit(() => loadLoadGeneratorConfig(argv, process.env));
  const log = createLogger({ component: "demo-loadgen", level: config.logLevel });
  const telemetry = startTelemetry({
    serviceName: config.service,
    serviceVersion: config.version,
    namespace: config.namespace,
    endpoint: config.otlp.endpoint,
    resourceAttributes: config.otlp.resourceAttributes,
    exportIntervalMs: config.otlp.exportIntervalMs,
  });
  const load = new LoadGenerator({ config, telemetry, log });
  await load.start();
  const stop = (): void => {
    load.stop();
    void telemetry.shutdown().finally(() => process.exit(0));
  };
  process.on("SIGTERM", stop);
  process.on("SIGINT", stop);
} else {
  console.error(
    "usage: causeway-demo service|loadgen [--flag=value ...] (configured by DEMO_* and OTEL_* variables)",
  );
  process.exit(2);
}
