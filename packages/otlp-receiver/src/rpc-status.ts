import protobuf from "protobufjs/minimal.js";

/**
 * Encodes a google.rpc.Status carrying a google.rpc.RetryInfo, as OTLP asks servers to send with
 * UNAVAILABLE / RESOURCE_EXHAUSTED so clients know when to retry (grpc-status-details-bin).
 */
export function encodeStatusWithRetryInfo(code: number, message: string, retryDelayMs: number): Buffer {
  const seconds = Math.floor(retryDelayMs / 1000);
  const nanos = (retryDelayMs % 1000) * 1e6;
  // google.protobuf.Duration { int64 seconds = 1; int32 nanos = 2; }
  const duration = protobuf.Writer.create().uint32(8).int64(seconds).uint32(16).int32(nanos).finish();
  // google.rpc.RetryInfo { Duration retry_delay = 1; }
  const retryInfo = protobuf.Writer.create().uint32(10).bytes(duration).finish();
  // google.protobuf.Any { string type_url = 1; bytes value = 2; }
  const any = protobuf.Writer.create()
    .uint32(10)
    .string("type.googleapis.com/google.rpc.RetryInfo")
    .uint32(18)
    .bytes(retryInfo)
    .finish();
  // google.rpc.Status { int32 code = 1; string message = 2; repeated Any details = 3; }
  const status = protobuf.Writer.create()
    .uint32(8)
    .int32(code)
    .uint32(18)
    .string(message)
    .uint32(26)
    .bytes(any)
    .finish();
  return Buffer.from(status);
}

/** A google.rpc.Status without details (the body of OTLP/HTTP protobuf error responses). */
export function encodeStatus(code: number, message: string): Buffer {
  return Buffer.from(protobuf.Writer.create().uint32(8).int32(code).uint32(18).string(message).finish());
}
