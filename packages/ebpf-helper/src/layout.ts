/**
 * The TypeScript view of native/causeway.h: record type numbers, constants and the byte layout of
 * every record on the helper's stdout. layout.test.ts compiles the C header and fails when this
 * table and the header disagree, so the two cannot drift.
 */

export type FieldKind = "u8" | "u16" | "u32" | "u64" | "s64" | "bytes" | "u64-array";

export interface FieldLayout {
  readonly offset: number;
  readonly size: number;
  readonly kind: FieldKind;
}

export interface StructLayout {
  /** The C enum constant of the record's `type` field. */
  readonly typeConstant: string;
  readonly type: number;
  readonly size: number;
  /** Keyed by C field name, in declaration order. */
  readonly fields: Readonly<Record<string, FieldLayout>>;
}

/** Scalar constants of causeway.h, by C name. */
export const CW_CONSTANTS = {
  CW_PROTOCOL_VERSION: 1,
  CW_COMM_LEN: 16,
  CW_RUNQ_SLOTS: 16,
  CW_MAX_FRAME_BYTES: 4096,
  CW_HELLO_TP_BTF: 1,
  CW_HELLO_RINGBUF: 2,
  CW_HELLO_OOM_VICTIM_TASK: 4,
  CW_HELLO_SCHED_INFO: 8,
  CW_CONNECT_OK: 1,
  CW_CONNECT_FAILED: 2,
} as const;

const u8 = (offset: number): FieldLayout => ({ offset, size: 1, kind: "u8" });
const u16 = (offset: number): FieldLayout => ({ offset, size: 2, kind: "u16" });
const u32 = (offset: number): FieldLayout => ({ offset, size: 4, kind: "u32" });
const u64 = (offset: number): FieldLayout => ({ offset, size: 8, kind: "u64" });
const s64 = (offset: number): FieldLayout => ({ offset, size: 8, kind: "s64" });
const bytes = (offset: number, size: number): FieldLayout => ({ offset, size, kind: "bytes" });
const u64Array = (offset: number, length: number): FieldLayout => ({
  offset,
  size: 8 * length,
  kind: "u64-array",
});

/** Byte layout of every record struct in causeway.h, keyed by C struct name. */
export const RECORD_LAYOUTS = {
  cw_hello: {
    typeConstant: "CW_REC_HELLO",
    type: 1,
    size: 24,
    fields: { type: u32(0), version: u32(4), flags: u32(8), interval_ms: u32(12), boot_time_ns: u64(16) },
  },
  cw_oom_kill: {
    typeConstant: "CW_REC_OOM_KILL",
    type: 2,
    size: 56,
    fields: {
      type: u32(0),
      pid: u32(4),
      ts_ns: u64(8),
      cgroup_id: u64(16),
      memcg_id: u64(24),
      killer_pid: u32(32),
      _pad: u32(36),
      comm: bytes(40, 16),
    },
  },
  cw_process_exit: {
    typeConstant: "CW_REC_PROCESS_EXIT",
    type: 3,
    size: 48,
    fields: {
      type: u32(0),
      pid: u32(4),
      ts_ns: u64(8),
      cgroup_id: u64(16),
      ppid: u32(24),
      exit_code: u32(28),
      comm: bytes(32, 16),
    },
  },
  cw_tcp_connect: {
    typeConstant: "CW_REC_TCP_CONNECT",
    type: 4,
    size: 64,
    fields: {
      type: u32(0),
      pid: u32(4),
      ts_ns: u64(8),
      cgroup_id: u64(16),
      family: u16(24),
      sport: u16(26),
      dport: u16(28),
      result: u8(30),
      _pad: u8(31),
      saddr: bytes(32, 16),
      daddr: bytes(48, 16),
    },
  },
  cw_tcp_listen: {
    typeConstant: "CW_REC_TCP_LISTEN",
    type: 5,
    size: 48,
    fields: {
      type: u32(0),
      pid: u32(4),
      ts_ns: u64(8),
      cgroup_id: u64(16),
      family: u16(24),
      port: u16(26),
      listening: u8(28),
      _pad: bytes(29, 3),
      addr: bytes(32, 16),
    },
  },
  cw_cgroup_counters: {
    typeConstant: "CW_REC_CGROUP_COUNTERS",
    type: 6,
    size: 200,
    fields: {
      type: u32(0),
      _pad: u32(4),
      cgroup_id: u64(8),
      runq_delay_sum_ns: u64(16),
      runq_delay_count: u64(24),
      runq_delay_hist: u64Array(32, 16),
      tcp_retransmits: u64(160),
      tcp_connects_ok: u64(168),
      tcp_connects_failed: u64(176),
      tcp_active: s64(184),
      tcp_listening: s64(192),
    },
  },
  cw_conn_retransmits: {
    typeConstant: "CW_REC_CONN_RETRANSMITS",
    type: 7,
    size: 64,
    fields: {
      type: u32(0),
      _pad: u32(4),
      cgroup_id: u64(8),
      retransmits: u64(16),
      family: u16(24),
      sport: u16(26),
      dport: u16(28),
      _pad2: u16(30),
      saddr: bytes(32, 16),
      daddr: bytes(48, 16),
    },
  },
  cw_interval_end: {
    typeConstant: "CW_REC_INTERVAL_END",
    type: 8,
    size: 24,
    fields: { type: u32(0), cgroups: u32(4), ts_ns: u64(8), events_lost: u64(16) },
  },
} as const satisfies Record<string, StructLayout>;

export type RecordStructName = keyof typeof RECORD_LAYOUTS;

/** Every frame starts with this many bytes of little-endian payload length. */
export const FRAME_HEADER_BYTES = 4;
