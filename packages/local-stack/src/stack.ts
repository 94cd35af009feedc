import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { type Logger } from "@causeway/runtime";
import { type LocalStackConfig } from "./config.js";
import { Supervisor } from "./supervisor.js";
import { waitForHttpOk } from "./wait-http.js";

export interface RunningStack {
  readonly victoriaMetricsUrl: string;
  stop(): Promise<void>;
}

/** Starts every component of the local stack that exists, in dependency order. */
export async function startLocalStack(
  config: Readonly<LocalStackConfig>,
  log: Logger,
): Promise<RunningStack> {
  const supervisor = new Supervisor(log);
  const dataDir = resolve(config.dataDir);
  try {
    const vmData = join(dataDir, "victoria-metrics");
    await mkdir(vmData, { recursive: true });
    log.info({ listen: config.victoriaMetrics.listenAddress }, "starting VictoriaMetrics");
    supervisor.spawn("victoria-metrics", config.victoriaMetrics.binary, [
      `-storageDataPath=${vmData}`,
      `-httpListenAddr=${config.victoriaMetrics.listenAddress}`,
      `-retentionPeriod=${config.victoriaMetrics.retentionPeriod}`,
      "-loggerLevel=ERROR",
    ]);
    const victoriaMetricsUrl = `http://${config.victoriaMetrics.listenAddress}`;
    await waitForHttpOk(`${victoriaMetricsUrl}/health`, 30_000);
    log.info({ url: victoriaMetricsUrl }, "VictoriaMetrics ready");
    return { victoriaMetricsUrl, stop: () => supervisor.stopAll() };
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
}
