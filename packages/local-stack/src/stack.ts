import { mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import {
  OtlpReceiver,
  VictoriaMetricsWriter,
  bindGrpc,
  createOtlpGrpcServer,
  createOtlpHttpServer,
  listenHttp,
} from "@causeway/otlp-receiver";
import { type Logger } from "@causeway/runtime";
import { type LocalStackConfig } from "./config.js";
import { Supervisor } from "./supervisor.js";
import { waitForHttpOk } from "./wait-http.js";

export interface RunningStack {
  readonly victoriaMetricsUrl: string;
  /** OTLP/gRPC endpoint, e.g. http://127.0.0.1:4317 */
  readonly otlpGrpcUrl: string;
  /** OTLP/HTTP base URL, e.g. http://127.0.0.1:4318 */
  readonly otlpHttpUrl: string;
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
      `-search.latencyOffset=${config.victoriaMetrics.searchLatencyOffset}`,
      "-loggerLevel=ERROR",
    ]);
    const victoriaMetricsUrl = `http://${config.victoriaMetrics.listenAddress}`;
    await waitForHttpOk(`${victoriaMetricsUrl}/health`, 30_000);
    log.info({ url: victoriaMetricsUrl }, "VictoriaMetrics ready");

    // The OTLP receiver, as the mediator will serve it, writing to this VictoriaMetrics.
    const writer = new VictoriaMetricsWriter({
      url: victoriaMetricsUrl,
      maxQueuedLines: 500_000,
      maxBatchLines: 10_000,
      maxBackoffMs: 10_000,
      log: log.child({ module: "vm-writer" }),
    });
    const receiver = new OtlpReceiver({
      series: writer,
      backpressure: () => writer.saturated,
      onEdge: (edge) => log.info({ from: edge.fromId, to: edge.toId }, "service call edge"),
      onSymptom: (s) =>
        log.info({ entity: s.entityId, symptom: s.type, active: s.active }, s.evidenceSummary),
      log: log.child({ module: "otlp" }),
    });
    const grpc = createOtlpGrpcServer({ receiver, maxMessageBytes: config.otlp.maxMessageBytes });
    const [grpcHost, grpcPort] = splitHostPort(config.otlp.grpcListenAddress);
    const boundGrpc = await bindGrpc(grpc, `${grpcHost}:${grpcPort}`);
    const http = createOtlpHttpServer({ receiver, maxBodyBytes: config.otlp.maxMessageBytes });
    const [httpHost, httpPort] = splitHostPort(config.otlp.httpListenAddress);
    const boundHttp = await listenHttp(http, httpHost, httpPort);
    receiver.start(config.otlp.tickIntervalMs);
    const otlpGrpcUrl = `http://${grpcHost}:${boundGrpc}`;
    const otlpHttpUrl = `http://${httpHost}:${boundHttp}`;
    log.info({ grpc: otlpGrpcUrl, http: otlpHttpUrl }, "OTLP receiver ready");
    return {
      victoriaMetricsUrl,
      otlpGrpcUrl,
      otlpHttpUrl,
      stop: async () => {
        receiver.stop();
        receiver.tick();
        grpc.forceShutdown();
        http.closeAllConnections();
        await new Promise((r) => http.close(r));
        await writer.flush();
        writer.close();
        await supervisor.stopAll();
      },
    };
  } catch (error) {
    await supervisor.stopAll();
    throw error;
  }
}

function splitHostPort(address: string): [string, number] {
  const i = address.lastIndexOf(":");
  return [address.slice(0, i), Number(address.slice(i + 1))];
}
