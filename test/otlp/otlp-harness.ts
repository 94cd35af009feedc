import type { Server as HttpServer } from "node:http";
import type { Server as GrpcServer } from "@grpc/grpc-js";
import {
  OtlpReceiver,
  VictoriaMetricsWriter,
  bindGrpc,
  createOtlpGrpcServer,
  createOtlpHttpServer,
  listenHttp,
  type CallEdge,
  type OtlpReceiverOptions,
  type ServiceSymptomChange,
} from "@causeway/otlp-receiver";
import { silentLogger } from "@causeway/runtime";

/** A real OTLP receiver on loopback: gRPC and HTTP on ephemeral ports, series to `vmUrl`. */
export interface ReceiverHarness {
  readonly receiver: OtlpReceiver;
  readonly writer: VictoriaMetricsWriter | undefined;
  readonly grpcUrl: string;
  readonly httpUrl: string;
  readonly edges: CallEdge[];
  readonly symptoms: ServiceSymptomChange[];
  close(): Promise<void>;
}

export async function startReceiver(
  options: {
    vmUrl?: string;
    maxQueuedLines?: number;
    maxMessageBytes?: number;
    overrides?: Partial<OtlpReceiverOptions>;
  } = {},
): Promise<ReceiverHarness> {
  const edges: CallEdge[] = [];
  const symptoms: ServiceSymptomChange[] = [];
  const log = silentLogger();
  const writer = options.vmUrl
    ? new VictoriaMetricsWriter({
        url: options.vmUrl,
        maxQueuedLines: options.maxQueuedLines ?? 1_000_000,
        maxBatchLines: 10_000,
        maxBackoffMs: 2000,
        log,
      })
    : undefined;
  const receiver = new OtlpReceiver({
    series: writer ?? { write: () => undefined },
    onEdge: (e) => edges.push(e),
    onSymptom: (s) => symptoms.push(s),
    ...(writer ? { backpressure: () => writer.saturated } : {}),
    log,
    ...options.overrides,
  });
  const maxMessageBytes = options.maxMessageBytes ?? 4 * 1024 * 1024;
  const grpc: GrpcServer = createOtlpGrpcServer({ receiver, maxMessageBytes });
  const grpcPort = await bindGrpc(grpc, "127.0.0.1:0");
  const http: HttpServer = createOtlpHttpServer({ receiver, maxBodyBytes: maxMessageBytes });
  const httpPort = await listenHttp(http, "127.0.0.1", 0);
  return {
    receiver,
    writer,
    grpcUrl: `http://127.0.0.1:${grpcPort}`,
    httpUrl: `http://127.0.0.1:${httpPort}`,
    edges,
    symptoms,
    async close() {
      writer?.close();
      grpc.forceShutdown();
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    },
  };
}
