export { attributeResource, calleeOf, type PeerResolver, type ServiceKey } from "./attribution.js";
export { decodeJson, decodeProtobuf, decodeProtobufRequest, type DecodedRequest } from "./decode.js";
export { OtlpDecodeError } from "./otlp-decode-error.js";
export { decodeTraceRequest } from "./trace-wire-decoder.js";
export { OTLP_TYPES, encodeExportResponse, type Signal } from "./otlp-proto.js";
export { TracesProcessor, type CallEdge } from "./traces-processor.js";
export { MetricsMapper, prometheusMetricName, DEFAULT_RESOURCE_ATTRIBUTE_LABELS } from "./metrics-mapper.js";
export { LogsProcessor, ERROR_SEVERITY_MIN, type LogErrorEvent } from "./logs-processor.js";
export {
  DEFAULT_SERVICE_SYMPTOM_THRESHOLDS,
  ServiceSymptomDetector,
  type ServiceSymptomChange,
  type ServiceSymptomThresholds,
} from "./service-symptoms.js";
export { VictoriaMetricsWriter, type SeriesSink, type VictoriaMetricsWriterOptions } from "./vm-writer.js";
export { OtlpReceiver, type IngestResult, type OtlpReceiverOptions, type ReceiverStats } from "./receiver.js";
export { bindGrpc, createOtlpGrpcServer, peerIp, type OtlpGrpcServerOptions } from "./grpc-server.js";
export { createOtlpHttpServer, listenHttp, type OtlpHttpServerOptions } from "./http-server.js";
