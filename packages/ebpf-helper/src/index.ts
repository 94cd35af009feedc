export {
  EbpfHelper,
  type CounterSnapshot,
  type EbpfHelperEvents,
  type EbpfHelperOptions,
  type HelperExit,
} from "./helper-supervisor.js";
export {
  DEFAULT_BACKOFF,
  backoffDelayMs,
  realDelay,
  type BackoffPolicy,
  type DelayFunction,
} from "./backoff.js";
export { FrameDecoder, type FrameOutput } from "./frame-decoder.js";
export { decodeRecord, formatIpv6, type DecodeResult } from "./decode-record.js";
export {
  CW_CONSTANTS,
  FRAME_HEADER_BYTES,
  RECORD_LAYOUTS,
  type FieldKind,
  type FieldLayout,
  type RecordStructName,
  type StructLayout,
} from "./layout.js";
export { HELPER_EXIT_CODES, PERMANENT_EXIT_CODES, exitReason, type HelperExitReason } from "./exit-codes.js";
export { defaultHelperPath, nativeSourceDir } from "./helper-path.js";
export type {
  CgroupCounters,
  ConnectionRetransmits,
  Endpoint,
  HelloRecord,
  HelperEvent,
  HelperRecord,
  IntervalEnd,
  OomKillEvent,
  ProcessExitEvent,
  TcpConnectEvent,
  TcpListenEvent,
} from "./records.js";
