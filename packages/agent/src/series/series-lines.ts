import { type CgroupCounters } from "@causeway/ebpf-helper";
import { escapeLabelValue, sampleLine } from "@causeway/remote-write";
import { type CgroupStats } from "../cgroup/cgroup-stats.js";
import { type NodeStats } from "../node/node-stats.js";

type Labels = ReadonlyArray<readonly [string, string]>;

/** Appends `name{labels} value ts` when the value is known. */
function push(
  out: string[],
  name: string,
  labels: Labels,
  value: number | null | undefined,
  ts: number,
): void {
  if (value === undefined || value === null || !Number.isFinite(value)) return;
  out.push(sampleLine(name, labels, value, ts));
}

/** Requests and limits from the pod spec, where the container has one. */
export interface ContainerSpecNumbers {
  readonly restartCount?: number | undefined;
  readonly cpuRequestMillicores?: number | undefined;
  readonly memoryRequestBytes?: number | undefined;
}

/**
 * Series of one container, Prometheus-style (`causeway_container_*`, labels node, namespace, pod,
 * container). Counters are cumulative as the kernel keeps them; eBPF counters restart from zero
 * when the helper restarts (rate() treats that as a counter reset).
 */
export function containerSeries(
  labels: Labels,
  s: CgroupStats,
  ebpf: CgroupCounters | undefined,
  spec: ContainerSpecNumbers,
  ts: number,
): string[] {
  const out: string[] = [];
  // the same labels on every line: escape them once
  const body = labels.map(([k, v]) => `${k}="${escapeLabelValue(v)}"`).join(",");
  const stamp = ` ${Math.round(ts)}`;
  const add = (name: string, value: number | null | undefined, extra = ""): void => {
    if (value === undefined || value === null || !Number.isFinite(value)) return;
    out.push(`${name}{${body}${extra}} ${value}${stamp}`);
  };
  const seconds = (ns: number | undefined): number | undefined => (ns !== undefined ? ns / 1e9 : undefined);
  const psi = (p: CgroupStats["cpuPressure"]): number | undefined => (p ? p.totalUs / 1e6 : undefined);
  add("causeway_container_cpu_usage_seconds_total", seconds(s.cpuUsageNs));
  add("causeway_container_cpu_cfs_periods_total", s.cpuPeriods);
  add("causeway_container_cpu_cfs_throttled_periods_total", s.cpuThrottledPeriods);
  add("causeway_container_cpu_cfs_throttled_seconds_total", seconds(s.cpuThrottledNs));
  add("causeway_container_cpu_limit_millicores", s.cpuLimitMillicores);
  add("causeway_container_cpu_request_millicores", spec.cpuRequestMillicores);
  add("causeway_container_memory_usage_bytes", s.memoryUsageBytes);
  add("causeway_container_memory_working_set_bytes", s.memoryWorkingSetBytes);
  add("causeway_container_memory_rss_bytes", s.memoryRssBytes);
  add("causeway_container_memory_limit_bytes", s.memoryLimitBytes);
  add("causeway_container_memory_request_bytes", spec.memoryRequestBytes);
  add("causeway_container_oom_kills_total", s.oomKills);
  add("causeway_container_restarts_total", spec.restartCount);
  add("causeway_container_processes", s.pids.length);
  add("causeway_container_pressure_cpu_waiting_seconds_total", psi(s.cpuPressure));
  add("causeway_container_pressure_memory_stalled_seconds_total", psi(s.memoryPressure));
  if (ebpf) {
    add("causeway_container_runq_delay_seconds_total", ebpf.runqDelaySumNs / 1e9);
    add("causeway_container_runq_waits_total", ebpf.runqDelayCount);
    add("causeway_container_tcp_retransmits_total", ebpf.tcpRetransmits);
    add("causeway_container_tcp_connects_total", ebpf.tcpConnectsOk, ',result="ok"');
    add("causeway_container_tcp_connects_total", ebpf.tcpConnectsFailed, ',result="failed"');
    add("causeway_container_tcp_active_connections", ebpf.tcpActive);
    add("causeway_container_tcp_listening_sockets", ebpf.tcpListening);
  }
  return out;
}

/** Node series (`causeway_node_*`, label node). */
export function nodeSeries(
  node: string,
  s: NodeStats,
  ebpfEventsLost: number | undefined,
  ts: number,
): string[] {
  const out: string[] = [];
  const l: Labels = [["node", node]];
  for (const [mode, seconds] of Object.entries(s.cpuSecondsByMode)) {
    push(out, "causeway_node_cpu_seconds_total", [...l, ["mode", mode]], seconds, ts);
  }
  push(out, "causeway_node_cpu_cores", l, s.cpuCores, ts);
  push(out, "causeway_node_memory_total_bytes", l, s.memoryTotalBytes, ts);
  push(out, "causeway_node_memory_available_bytes", l, s.memoryAvailableBytes, ts);
  push(out, "causeway_node_load1", l, s.load1, ts);
  const psi = (p: NodeStats["cpuPressure"]): number | undefined => (p ? p.totalUs / 1e6 : undefined);
  push(out, "causeway_node_pressure_cpu_waiting_seconds_total", l, psi(s.cpuPressure), ts);
  push(out, "causeway_node_pressure_memory_stalled_seconds_total", l, psi(s.memoryPressureSome), ts);
  push(out, "causeway_node_pressure_io_stalled_seconds_total", l, psi(s.ioPressureSome), ts);
  if (s.tcp) {
    push(out, "causeway_node_tcp_segments_sent_total", l, s.tcp.outSegs, ts);
    push(out, "causeway_node_tcp_retransmitted_segments_total", l, s.tcp.retransSegs, ts);
    push(out, "causeway_node_tcp_active_opens_total", l, s.tcp.activeOpens, ts);
    push(out, "causeway_node_tcp_connect_failures_total", l, s.tcp.attemptFails, ts);
    push(out, "causeway_node_tcp_established", l, s.tcp.currEstab, ts);
  }
  for (const fs of s.filesystems) {
    push(out, "causeway_node_filesystem_size_bytes", [...l, ["path", fs.path]], fs.sizeBytes, ts);
    push(out, "causeway_node_filesystem_available_bytes", [...l, ["path", fs.path]], fs.availableBytes, ts);
  }
  push(out, "causeway_node_ebpf_events_lost_total", l, ebpfEventsLost, ts);
  return out;
}
