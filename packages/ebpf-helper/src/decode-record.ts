import { CW_CONSTANTS, RECORD_LAYOUTS, type FieldLayout } from "./layout.js";
import type { Endpoint, HelperRecord } from "./records.js";

const AF_INET = 2;
const AF_INET6 = 10;

export type DecodeResult =
  { readonly ok: true; readonly record: HelperRecord } | { readonly ok: false; readonly error: string };

const byType = new Map(Object.values(RECORD_LAYOUTS).map((layout) => [layout.type as number, layout]));

function u(buf: Buffer, f: FieldLayout): number {
  switch (f.kind) {
    case "u8":
      return buf.readUInt8(f.offset);
    case "u16":
      return buf.readUInt16LE(f.offset);
    case "u32":
      return buf.readUInt32LE(f.offset);
    case "u64":
      return Number(buf.readBigUInt64LE(f.offset));
    case "s64":
      return Number(buf.readBigInt64LE(f.offset));
    default:
      throw new Error(`field of kind ${f.kind} is not a number`);
  }
}

function big(buf: Buffer, f: FieldLayout): bigint {
  return buf.readBigUInt64LE(f.offset);
}

function cString(buf: Buffer, f: FieldLayout): string {
  const raw = buf.subarray(f.offset, f.offset + f.size);
  const end = raw.indexOf(0);
  return raw.subarray(0, end === -1 ? raw.length : end).toString("utf8");
}

function ipAddress(buf: Buffer, f: FieldLayout, family: 4 | 6): string {
  const raw = buf.subarray(f.offset, f.offset + f.size);
  if (family === 4) return `${raw[0]}.${raw[1]}.${raw[2]}.${raw[3]}`;
  return formatIpv6(raw);
}

/** RFC 5952 text: lower case, leading zeros dropped, the longest run of two or more zero groups as "::". */
export function formatIpv6(raw: Uint8Array): string {
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push(((raw[i] ?? 0) << 8) | (raw[i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${raw[12]}.${raw[13]}.${raw[14]}.${raw[15]}`;
  }
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLength && j - i >= 2) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart === -1) return hex.join(":");
  const head = hex.slice(0, bestStart).join(":");
  const tail = hex.slice(bestStart + bestLength).join(":");
  return `${head}::${tail}`;
}

function family(buf: Buffer, f: FieldLayout): 4 | 6 | undefined {
  const value = u(buf, f);
  if (value === AF_INET) return 4;
  if (value === AF_INET6) return 6;
  return undefined;
}

function endpoint(buf: Buffer, addr: FieldLayout, port: FieldLayout, fam: 4 | 6): Endpoint {
  return { address: ipAddress(buf, addr, fam), port: u(buf, port) };
}

/**
 * Decodes one frame payload (the record struct, starting with its type). Malformed input is
 * reported as a value, never thrown.
 */
export function decodeRecord(payload: Buffer): DecodeResult {
  if (payload.length < 4) return { ok: false, error: `record of ${payload.length} bytes has no type` };
  const type = payload.readUInt32LE(0);
  const layout = byType.get(type);
  if (!layout) return { ok: false, error: `unknown record type ${type}` };
  if (payload.length !== layout.size) {
    return { ok: false, error: `record type ${type} has ${payload.length} bytes, expected ${layout.size}` };
  }
  const b = payload;
  switch (type) {
    case RECORD_LAYOUTS.cw_hello.type: {
      const f = RECORD_LAYOUTS.cw_hello.fields;
      const flags = u(b, f.flags);
      return {
        ok: true,
        record: {
          kind: "hello",
          version: u(b, f.version),
          intervalMs: u(b, f.interval_ms),
          tpBtf: (flags & CW_CONSTANTS.CW_HELLO_TP_BTF) !== 0,
          ringBuffer: (flags & CW_CONSTANTS.CW_HELLO_RINGBUF) !== 0,
          oomVictimTask: (flags & CW_CONSTANTS.CW_HELLO_OOM_VICTIM_TASK) !== 0,
          schedInfo: (flags & CW_CONSTANTS.CW_HELLO_SCHED_INFO) !== 0,
          bootTimeNs: big(b, f.boot_time_ns),
        },
      };
    }
    case RECORD_LAYOUTS.cw_oom_kill.type: {
      const f = RECORD_LAYOUTS.cw_oom_kill.fields;
      return {
        ok: true,
        record: {
          kind: "oom-kill",
          pid: u(b, f.pid),
          tsNs: big(b, f.ts_ns),
          cgroupId: big(b, f.cgroup_id),
          memcgId: big(b, f.memcg_id),
          killerPid: u(b, f.killer_pid),
          comm: cString(b, f.comm),
        },
      };
    }
    case RECORD_LAYOUTS.cw_process_exit.type: {
      const f = RECORD_LAYOUTS.cw_process_exit.fields;
      const raw = u(b, f.exit_code);
      const signal = raw & 0x7f;
      return {
        ok: true,
        record: {
          kind: "process-exit",
          pid: u(b, f.pid),
          ppid: u(b, f.ppid),
          tsNs: big(b, f.ts_ns),
          cgroupId: big(b, f.cgroup_id),
          rawExitCode: raw,
          exitStatus: signal === 0 ? (raw >> 8) & 0xff : null,
          signal: signal === 0 ? null : signal,
          coreDumped: (raw & 0x80) !== 0,
          comm: cString(b, f.comm),
        },
      };
    }
    case RECORD_LAYOUTS.cw_tcp_connect.type: {
      const f = RECORD_LAYOUTS.cw_tcp_connect.fields;
      const fam = family(b, f.family);
      if (!fam) return { ok: false, error: `tcp connect record with address family ${u(b, f.family)}` };
      return {
        ok: true,
        record: {
          kind: "tcp-connect",
          ok: u(b, f.result) === CW_CONSTANTS.CW_CONNECT_OK,
          pid: u(b, f.pid),
          tsNs: big(b, f.ts_ns),
          cgroupId: big(b, f.cgroup_id),
          family: fam,
          source: endpoint(b, f.saddr, f.sport, fam),
          destination: endpoint(b, f.daddr, f.dport, fam),
        },
      };
    }
    case RECORD_LAYOUTS.cw_tcp_listen.type: {
      const f = RECORD_LAYOUTS.cw_tcp_listen.fields;
      const fam = family(b, f.family);
      if (!fam) return { ok: false, error: `tcp listen record with address family ${u(b, f.family)}` };
      return {
        ok: true,
        record: {
          kind: "tcp-listen",
          listening: u(b, f.listening) !== 0,
          pid: u(b, f.pid),
          tsNs: big(b, f.ts_ns),
          cgroupId: big(b, f.cgroup_id),
          family: fam,
          local: endpoint(b, f.addr, f.port, fam),
        },
      };
    }
    case RECORD_LAYOUTS.cw_cgroup_counters.type: {
      const f = RECORD_LAYOUTS.cw_cgroup_counters.fields;
      const histogram: number[] = [];
      for (let i = 0; i < CW_CONSTANTS.CW_RUNQ_SLOTS; i++) {
        histogram.push(Number(b.readBigUInt64LE(f.runq_delay_hist.offset + 8 * i)));
      }
      return {
        ok: true,
        record: {
          kind: "cgroup-counters",
          cgroupId: big(b, f.cgroup_id),
          runqDelaySumNs: u(b, f.runq_delay_sum_ns),
          runqDelayCount: u(b, f.runq_delay_count),
          runqDelayHistogram: histogram,
          tcpRetransmits: u(b, f.tcp_retransmits),
          tcpConnectsOk: u(b, f.tcp_connects_ok),
          tcpConnectsFailed: u(b, f.tcp_connects_failed),
          tcpActive: u(b, f.tcp_active),
          tcpListening: u(b, f.tcp_listening),
        },
      };
    }
    case RECORD_LAYOUTS.cw_conn_retransmits.type: {
      const f = RECORD_LAYOUTS.cw_conn_retransmits.fields;
      const fam = family(b, f.family);
      if (!fam) return { ok: false, error: `retransmit record with address family ${u(b, f.family)}` };
      return {
        ok: true,
        record: {
          kind: "conn-retransmits",
          cgroupId: big(b, f.cgroup_id),
          retransmits: u(b, f.retransmits),
          family: fam,
          source: endpoint(b, f.saddr, f.sport, fam),
          destination: endpoint(b, f.daddr, f.dport, fam),
        },
      };
    }
    case RECORD_LAYOUTS.cw_interval_end.type: {
      const f = RECORD_LAYOUTS.cw_interval_end.fields;
      return {
        ok: true,
        record: {
          kind: "interval-end",
          cgroups: u(b, f.cgroups),
          tsNs: big(b, f.ts_ns),
          eventsLost: u(b, f.events_lost),
        },
      };
    }
    default:
      return { ok: false, error: `unknown record type ${type}` };
  }
}
