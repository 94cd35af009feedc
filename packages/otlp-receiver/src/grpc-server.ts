import {
  Metadata,
  Server,
  ServerCredentials,
  status,
  type ServerUnaryCall,
  type ServiceDefinition,
  type sendUnaryData,
} from "@grpc/grpc-js";
import { decodeProtobufRequest } from "./decode.js";
import { OtlpDecodeError } from "./otlp-decode-error.js";
import { encodeExportResponse, type Signal } from "./otlp-proto.js";
import { type OtlpReceiver } from "./receiver.js";
import { encodeStatusWithRetryInfo } from "./rpc-status.js";

const SERVICES: Readonly<Record<Signal, string>> = {
  traces: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
  metrics: "/opentelemetry.proto.collector.metrics.v1.MetricsService/Export",
  logs: "/opentelemetry.proto.collector.logs.v1.LogsService/Export",
};

const identity = (b: Buffer): Buffer => b;

function rawService(path: string): ServiceDefinition {
  return {
    Export: {
      path,
      requestStream: false,
      responseStream: false,
      requestSerialize: identity,
      requestDeserialize: identity,
      responseSerialize: identity,
      responseDeserialize: identity,
    },
  } as ServiceDefinition;
}

/** "127.0.0.1:5000", "[::1]:5000", "ipv4:…" → the IP. */
export function peerIp(peer: string): string | undefined {
  const p = peer.replace(/^ipv[46]:/, "");
  const v6 = /^\[([^\]]+)\]:\d+$/.exec(p);
  if (v6) return v6[1];
  const v4 = /^([^:]+):\d+$/.exec(p);
  return v4?.[1];
}

export interface OtlpGrpcServerOptions {
  readonly receiver: OtlpReceiver;
  /** Larger messages are refused with RESOURCE_EXHAUSTED by gRPC itself. */
  readonly maxMessageBytes: number;
  readonly credentials?: ServerCredentials;
}

/** Registers the three OTLP export services on a new gRPC server; gzip requests are accepted. */
export function createOtlpGrpcServer(options: OtlpGrpcServerOptions): Server {
  const server = new Server({
    "grpc.max_receive_message_length": options.maxMessageBytes,
    "grpc.max_send_message_length": 4 * 1024 * 1024,
  });
  const receiver = options.receiver;
  for (const signal of Object.keys(SERVICES) as Signal[]) {
    // Nearly every answer is a plain success: encoded once (gRPC copies it into its frame).
    const success = Buffer.from(encodeExportResponse(signal, 0, ""));
    server.addService(rawService(SERVICES[signal]), {
      Export(call: ServerUnaryCall<Buffer, Buffer>, callback: sendUnaryData<Buffer>) {
        const bytes = call.request;
        if (!receiver.admit(bytes.length)) {
          const metadata = new Metadata();
          metadata.set(
            "grpc-status-details-bin",
            encodeStatusWithRetryInfo(status.UNAVAILABLE, "receiver overloaded", receiver.retryAfterMs),
          );
          callback({ code: status.UNAVAILABLE, details: "receiver overloaded; retry later", metadata });
          return;
        }
        try {
          const decoded = decodeProtobufRequest(signal, bytes);
          const result = receiver.ingest(decoded, peerIp(call.getPeer()));
          callback(
            null,
            result.rejected === 0 && result.errorMessage === ""
              ? success
              : Buffer.from(encodeExportResponse(signal, result.rejected, result.errorMessage)),
          );
        } catch (error) {
          if (error instanceof OtlpDecodeError) {
            receiver.stats.malformed++;
            callback({ code: status.INVALID_ARGUMENT, details: error.message });
          } else {
            callback({ code: status.INTERNAL, details: "internal error" });
          }
        } finally {
          receiver.release(bytes.length);
        }
      },
    });
  }
  return server;
}

/** Binds `host:port` (port 0 for any) and resolves with the bound port. */
export function bindGrpc(
  server: Server,
  address: string,
  credentials = ServerCredentials.createInsecure(),
): Promise<number> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, credentials, (error, port) => (error ? reject(error) : resolve(port))),
  );
}
