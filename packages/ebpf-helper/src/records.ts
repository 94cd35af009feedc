/** Typed records decoded from the helper's stream. Ids and kernel timestamps are bigint (u64). */

export interface Endpoint {
  /** Dotted IPv4 or RFC 5952 IPv6 text. */
  readonly address: string;
  readonly port: number;
}

export interface HelloRecord {
  readonly kind: "hello";
  readonly version: number;
  readonly intervalMs: number;
  /** Programs attached as tp_btf (false: raw tracepoints). */
  readonly tpBtf: boolean;
  /** Events through the BPF ring buffer (false: perf buffer). */
  readonly ringBuffer: boolean;
  /** OOM victims are read from the victim task (false: cgroup v2 id unknown, memcg from the killer). */
  readonly oomVictimTask: boolean;
  /** Run-queue delay comes from the scheduler's own per-task accounting (false: wake-ups timed). */
  readonly schedInfo: boolean;
  readonly bootTimeNs: bigint;
}

export interface OomKillEvent {
  readonly kind: "oom-kill";
  readonly pid: number;
  readonly tsNs: bigint;
  /** cgroup v2 id of the victim (0n when unknown). */
  readonly cgroupId: bigint;
  /** cgroup v1 memory-controller id of the victim (equals cgroupId on pure cgroup v2). */
  readonly memcgId: bigint;
  readonly killerPid: number;
  readonly comm: string;
}

export interface ProcessExitEvent {
  readonly kind: "process-exit";
  readonly pid: number;
  readonly ppid: number;
  readonly tsNs: bigint;
  readonly cgroupId: bigint;
  /** Raw task->exit_code (wait status encoding). */
  readonly rawExitCode: number;
  /** Exit status when the process exited by itself, else null. */
  readonly exitStatus: number | null;
  /** Signal number when the process was killed by a signal, else null. */
  readonly signal: number | null;
  readonly coreDumped: boolean;
  readonly comm: string;
}

export interface TcpConnectEvent {
  readonly kind: "tcp-connect";
  readonly ok: boolean;
  readonly pid: number;
  readonly tsNs: bigint;
  readonly cgroupId: bigint;
  readonly family: 4 | 6;
  readonly source: Endpoint;
  readonly destination: Endpoint;
}

export interface TcpListenEvent {
  readonly kind: "tcp-listen";
  /** True when the socket started listening, false when it stopped. */
  readonly listening: boolean;
  readonly pid: number;
  readonly tsNs: bigint;
  readonly cgroupId: bigint;
  readonly family: 4 | 6;
  readonly local: Endpoint;
}

/** Cumulative counters of one cgroup since the helper started (gauges are current values). */
export interface CgroupCounters {
  readonly kind: "cgroup-counters";
  readonly cgroupId: bigint;
  readonly runqDelaySumNs: number;
  readonly runqDelayCount: number;
  /** Slot i counts delays in [2^(i-1), 2^i) microseconds; slot 0 is < 1 us; the last is open. */
  readonly runqDelayHistogram: readonly number[];
  readonly tcpRetransmits: number;
  readonly tcpConnectsOk: number;
  readonly tcpConnectsFailed: number;
  readonly tcpActive: number;
  readonly tcpListening: number;
}

export interface ConnectionRetransmits {
  readonly kind: "conn-retransmits";
  readonly cgroupId: bigint;
  readonly retransmits: number;
  readonly family: 4 | 6;
  readonly source: Endpoint;
  readonly destination: Endpoint;
}

export interface IntervalEnd {
  readonly kind: "interval-end";
  readonly cgroups: number;
  readonly tsNs: bigint;
  readonly eventsLost: number;
}

/** Discrete kernel events, delivered as they happen. */
export type HelperEvent = OomKillEvent | ProcessExitEvent | TcpConnectEvent | TcpListenEvent;

export type HelperRecord = HelloRecord | HelperEvent | CgroupCounters | ConnectionRetransmits | IntervalEnd;
