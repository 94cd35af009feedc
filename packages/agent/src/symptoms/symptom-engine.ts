import { type SymptomChange, type SymptomType } from "@causeway/protocol";
import { type AgentConfig } from "../config.js";
import { EventHold, Hysteresis, linearTrend, type LevelThresholds, type Transition } from "./hysteresis.js";

/** What one cycle observed of a container (rates are per second over the last interval). */
export interface ContainerObservation {
  readonly entityId: string;
  readonly throttledRatio?: number | undefined;
  readonly throttledSecondsPerS?: number | undefined;
  readonly cpuLimitMillicores?: number | null | undefined;
  readonly runqDelayMsPerS?: number | undefined;
  /** Where the run-queue delay came from: the eBPF helper, or cgroup CPU pressure (degraded). */
  readonly runqSource?: "ebpf" | "psi" | undefined;
  readonly usageMillicores?: number | undefined;
  readonly cpuRequestMillicores?: number | undefined;
  readonly workingSetBytes?: number | undefined;
  readonly memoryLimitBytes?: number | null | undefined;
}

export interface PodObservation {
  readonly entityId: string;
  readonly retransmitsPerS?: number | undefined;
  readonly connectFailuresPerS?: number | undefined;
}

export interface NodeObservation {
  readonly entityId: string;
  readonly cpuPressureSomeAvg10?: number | undefined;
  readonly memoryAvailableBytes: number;
  readonly memoryTotalBytes: number;
  readonly filesystems: readonly {
    readonly path: string;
    readonly sizeBytes: number;
    readonly availableBytes: number;
  }[];
}

export interface Observations {
  readonly containers: readonly ContainerObservation[];
  readonly pods: readonly PodObservation[];
  readonly node: NodeObservation | undefined;
}

type SymptomThresholds = AgentConfig["symptoms"];

interface LevelState {
  readonly kind: "level";
  readonly machine: Hysteresis;
  evidence: Record<string, number>;
  summary: string;
}
interface EventState {
  readonly kind: "event";
  readonly machine: EventHold;
  evidence: Record<string, number>;
  summary: string;
}
interface TrendState {
  readonly kind: "trend";
  readonly samples: [number, number][];
  active: boolean;
  sinceMs: number;
  evidence: Record<string, number>;
  summary: string;
}
type State = LevelState | EventState | TrendState;

const MIB = 1024 * 1024;
const round = (v: number, digits = 3): number => Math.round(v * 10 ** digits) / 10 ** digits;

/**
 * Turns observations into symptom changes, locally on the node: level symptoms through
 * `Hysteresis` (two thresholds and hold times), event symptoms (OOM kill, crash) through
 * `EventHold`, memory growth through a linear trend over a window, restarts through a count in a
 * window. Every change carries the entity, type, state, since and the numbers behind it.
 */
export class SymptomEngine {
  readonly #t: SymptomThresholds;
  readonly #states = new Map<string, State>();
  readonly #restarts = new Map<
    string,
    { count: number | undefined; times: number[]; state: State | undefined }
  >();

  constructor(thresholds: SymptomThresholds) {
    this.#t = thresholds;
  }

  /** Evaluates one cycle's observations; returns the changes, in a stable order. */
  evaluate(nowMs: number, obs: Observations): SymptomChange[] {
    const out: SymptomChange[] = [];
    const t = this.#t;
    for (const c of obs.containers) {
      if (c.throttledRatio !== undefined) {
        this.#level(out, nowMs, c.entityId, "cpu_throttled", t.cpuThrottled, c.throttledRatio, () => ({
          evidence: {
            throttled_ratio: round(c.throttledRatio ?? 0),
            throttled_seconds_per_s: round(c.throttledSecondsPerS ?? 0),
            ...(c.cpuLimitMillicores ? { cpu_limit_millicores: c.cpuLimitMillicores } : {}),
            ...(c.usageMillicores !== undefined ? { usage_millicores: Math.round(c.usageMillicores) } : {}),
          },
          summary: `throttled in ${Math.round((c.throttledRatio ?? 0) * 100)}% of CFS periods${
            c.cpuLimitMillicores ? ` at a ${c.cpuLimitMillicores}m limit` : ""
          }`,
        }));
      }
      if (c.runqDelayMsPerS !== undefined) {
        this.#level(out, nowMs, c.entityId, "cpu_congested", t.cpuCongested, c.runqDelayMsPerS, () => ({
          evidence: {
            runq_delay_ms_per_s: round(c.runqDelayMsPerS ?? 0, 1),
            ...(c.runqSource === "psi" ? { from_cpu_pressure: 1 } : {}),
          },
          summary: `tasks waited ${Math.round(c.runqDelayMsPerS ?? 0)} ms per second for a CPU`,
        }));
      }
      if (c.workingSetBytes !== undefined && c.memoryLimitBytes) {
        const ratio = c.workingSetBytes / c.memoryLimitBytes;
        this.#level(out, nowMs, c.entityId, "memory_near_limit", t.memoryNearLimit, ratio, () => ({
          evidence: {
            working_set_bytes: c.workingSetBytes ?? 0,
            limit_bytes: c.memoryLimitBytes ?? 0,
            usage_ratio: round(ratio),
          },
          summary: `working set ${Math.round((c.workingSetBytes ?? 0) / MIB)} MiB of ${Math.round(
            (c.memoryLimitBytes ?? 0) / MIB,
          )} MiB limit`,
        }));
      }
      if (c.usageMillicores !== undefined && c.cpuRequestMillicores) {
        const over = c.usageMillicores / c.cpuRequestMillicores;
        const value = c.usageMillicores >= t.cpuUsageHigh.minMillicores ? over : 0;
        this.#level(
          out,
          nowMs,
          c.entityId,
          "cpu_usage_high",
          { on: t.cpuUsageHigh.overRequest, off: t.cpuUsageHigh.overRequest * 0.75, ...t.cpuUsageHigh },
          value,
          () => ({
            evidence: {
              usage_millicores: Math.round(c.usageMillicores ?? 0),
              request_millicores: c.cpuRequestMillicores ?? 0,
              usage_over_request: round(over),
            },
            summary: `using ${Math.round(c.usageMillicores ?? 0)}m CPU, ${round(over, 1)}x its request`,
          }),
        );
      }
      if (c.workingSetBytes !== undefined)
        this.#trend(out, nowMs, c.entityId, c.workingSetBytes, c.memoryLimitBytes);
    }
    for (const p of obs.pods) {
      if (p.retransmitsPerS !== undefined) {
        this.#level(
          out,
          nowMs,
          p.entityId,
          "tcp_retransmits_high",
          t.tcpRetransmitsHigh,
          p.retransmitsPerS,
          () => ({
            evidence: { retransmits_per_s: round(p.retransmitsPerS ?? 0, 2) },
            summary: `${round(p.retransmitsPerS ?? 0, 1)} TCP retransmits per second`,
          }),
        );
      }
      if (p.connectFailuresPerS !== undefined) {
        this.#level(
          out,
          nowMs,
          p.entityId,
          "connection_failures",
          t.connectionFailures,
          p.connectFailuresPerS,
          () => ({
            evidence: { connect_failures_per_s: round(p.connectFailuresPerS ?? 0, 2) },
            summary: `${round(p.connectFailuresPerS ?? 0, 2)} failed TCP connects per second`,
          }),
        );
      }
    }
    const n = obs.node;
    if (n) {
      if (n.cpuPressureSomeAvg10 !== undefined) {
        this.#level(
          out,
          nowMs,
          n.entityId,
          "node_cpu_pressure",
          t.nodeCpuPressure,
          n.cpuPressureSomeAvg10,
          () => ({
            evidence: { cpu_pressure_some_avg10: n.cpuPressureSomeAvg10 ?? 0 },
            summary: `tasks waited for a CPU ${n.cpuPressureSomeAvg10 ?? 0}% of the last 10 s`,
          }),
        );
      }
      if (n.memoryTotalBytes > 0) {
        const available = n.memoryAvailableBytes / n.memoryTotalBytes;
        const mp = t.nodeMemoryPressure;
        this.#level(
          out,
          nowMs,
          n.entityId,
          "node_memory_pressure",
          { on: mp.availableOn, off: mp.availableOff, forMs: mp.forMs, clearForMs: mp.clearForMs },
          available,
          () => ({
            evidence: {
              memory_available_bytes: n.memoryAvailableBytes,
              memory_total_bytes: n.memoryTotalBytes,
              available_ratio: round(available),
            },
            summary: `${Math.round(available * 100)}% of node memory available`,
          }),
          true,
        );
      }
      const fullest = [...n.filesystems]
        .filter((f) => f.sizeBytes > 0)
        .sort((a, b) => a.availableBytes / a.sizeBytes - b.availableBytes / b.sizeBytes)[0];
      if (fullest) {
        const available = fullest.availableBytes / fullest.sizeBytes;
        const dp = t.nodeDiskPressure;
        this.#level(
          out,
          nowMs,
          n.entityId,
          "node_disk_pressure",
          { on: dp.availableOn, off: dp.availableOff, forMs: dp.forMs, clearForMs: dp.clearForMs },
          available,
          () => ({
            evidence: {
              filesystem_available_bytes: fullest.availableBytes,
              filesystem_size_bytes: fullest.sizeBytes,
              available_ratio: round(available),
            },
            summary: `${Math.round(available * 100)}% free on the node's filesystem`,
          }),
          true,
        );
      }
    }
    for (const [key, state] of this.#states) {
      if (state.kind !== "event") continue;
      const transition = state.machine.tick(nowMs);
      if (transition) out.push(this.#change(key, state, transition, nowMs));
    }
    return out;
  }

  /** An OOM kill in the container (from the eBPF helper or the cgroup's OOM counter). */
  oomKilled(
    entityId: string,
    atMs: number,
    evidence: Record<string, number>,
    summary: string,
  ): SymptomChange[] {
    return this.#event(entityId, "oom_killed", this.#t.oomHoldMs, atMs, evidence, summary);
  }

  /** The container's main process died of a signal or a non-zero exit. */
  crashed(
    entityId: string,
    atMs: number,
    evidence: Record<string, number>,
    summary: string,
  ): SymptomChange[] {
    return this.#event(entityId, "container_crashed", this.#t.crashHoldMs, atMs, evidence, summary);
  }

  /**
   * The container's restart count as last seen (Kubernetes restartCount, or restarts the agent
   * counted itself); `container_restarting` turns active at `minRestarts` within `windowMs`.
   */
  restartCount(entityId: string, count: number, nowMs: number): SymptomChange[] {
    const out: SymptomChange[] = [];
    const r = this.#restarts.get(entityId) ?? { count: undefined, times: [], state: undefined };
    this.#restarts.set(entityId, r);
    if (r.count !== undefined && count > r.count) for (let i = r.count; i < count; i++) r.times.push(nowMs);
    r.count = count;
    const { minRestarts, windowMs } = this.#t.restarting;
    r.times = r.times.filter((at) => nowMs - at < windowMs);
    const key = `${entityId}|container_restarting`;
    const active = r.times.length >= minRestarts;
    const state = this.#states.get(key) as TrendState | undefined;
    if (active && !state?.active) {
      const s: TrendState = {
        kind: "trend",
        samples: [],
        active: true,
        sinceMs: nowMs,
        evidence: { restarts_in_window: r.times.length, window_s: windowMs / 1000, restart_count: count },
        summary: `restarted ${r.times.length} times in ${Math.round(windowMs / 60_000)} min`,
      };
      this.#states.set(key, s);
      out.push(this.#change(key, s, "activated", nowMs));
    } else if (!active && state?.active) {
      state.active = false;
      state.sinceMs = nowMs;
      out.push(this.#change(key, state, "deactivated", nowMs));
    }
    return out;
  }

  /** Entities that disappeared: their active symptoms turn inactive, and their state is dropped. */
  forget(entityIds: ReadonlySet<string>, nowMs: number): SymptomChange[] {
    const out: SymptomChange[] = [];
    for (const [key, state] of this.#states) {
      const entityId = key.slice(0, key.lastIndexOf("|"));
      if (!entityIds.has(entityId)) continue;
      if (this.#isActive(state)) out.push(this.#change(key, state, "deactivated", nowMs));
      this.#states.delete(key);
    }
    for (const id of entityIds) this.#restarts.delete(id);
    return out;
  }

  /** Every active symptom, as changes (for a resync after the stream's buffer overflowed). */
  active(): SymptomChange[] {
    const out: SymptomChange[] = [];
    for (const [key, state] of this.#states) {
      if (!this.#isActive(state)) continue;
      const sinceMs = state.kind === "trend" ? state.sinceMs : state.machine.sinceMs;
      out.push(this.#change(key, state, "activated", sinceMs));
    }
    return out;
  }

  #isActive(state: State): boolean {
    return state.kind === "trend" ? state.active : state.machine.active;
  }

  #level(
    out: SymptomChange[],
    nowMs: number,
    entityId: string,
    type: SymptomType,
    thresholds: LevelThresholds,
    value: number,
    describe: () => { evidence: Record<string, number>; summary: string },
    lowerIsWorse = false,
  ): void {
    const key = `${entityId}|${type}`;
    let state = this.#states.get(key) as LevelState | undefined;
    if (!state) {
      state = {
        kind: "level",
        machine: new Hysteresis(thresholds, { lowerIsWorse }),
        evidence: {},
        summary: "",
      };
      this.#states.set(key, state);
    }
    const transition = state.machine.update(value, nowMs);
    if (transition) {
      const d = describe();
      state.evidence = d.evidence;
      state.summary = transition === "activated" ? d.summary : `cleared: ${d.summary}`;
      out.push(this.#change(key, state, transition, nowMs));
    }
  }

  #event(
    entityId: string,
    type: SymptomType,
    holdMs: number,
    atMs: number,
    evidence: Record<string, number>,
    summary: string,
  ): SymptomChange[] {
    const key = `${entityId}|${type}`;
    let state = this.#states.get(key) as EventState | undefined;
    if (!state) {
      state = { kind: "event", machine: new EventHold(holdMs), evidence, summary };
      this.#states.set(key, state);
    }
    const transition = state.machine.trigger(atMs);
    state.evidence = evidence;
    state.summary = summary;
    return transition ? [this.#change(key, state, transition, atMs)] : [];
  }

  #trend(
    out: SymptomChange[],
    nowMs: number,
    entityId: string,
    workingSetBytes: number,
    limitBytes: number | null | undefined,
  ): void {
    const g = this.#t.memoryGrowing;
    const key = `${entityId}|memory_growing`;
    let state = this.#states.get(key) as TrendState | undefined;
    if (!state) {
      state = { kind: "trend", samples: [], active: false, sinceMs: nowMs, evidence: {}, summary: "" };
      this.#states.set(key, state);
    }
    state.samples.push([nowMs, workingSetBytes]);
    while (state.samples.length > 0 && nowMs - (state.samples[0] as [number, number])[0] > g.windowMs)
      state.samples.shift();
    if (state.samples.length < g.minSamples) return;
    const { slopePerS, r2 } = linearTrend(state.samples);
    const growing = slopePerS >= g.minBytesPerSecond && r2 >= g.minR2;
    // clear with hysteresis: half the slope, or the fit gone
    const cleared = slopePerS < g.minBytesPerSecond / 2 || r2 < g.minR2 / 2;
    if ((!state.active && growing) || (state.active && cleared)) {
      state.active = growing;
      state.sinceMs = nowMs;
      const secondsToLimit =
        limitBytes && slopePerS > 0 ? (limitBytes - workingSetBytes) / slopePerS : undefined;
      state.evidence = {
        growth_bytes_per_s: Math.round(slopePerS),
        r2: round(r2),
        working_set_bytes: workingSetBytes,
        ...(limitBytes ? { limit_bytes: limitBytes } : {}),
        ...(secondsToLimit !== undefined ? { seconds_to_limit: Math.round(secondsToLimit) } : {}),
      };
      state.summary = `${state.active ? "" : "cleared: "}working set growing ${Math.round(slopePerS / 1024)} KiB/s (r² ${round(r2, 2)})`;
      out.push(this.#change(key, state, state.active ? "activated" : "deactivated", nowMs));
    }
  }

  #change(key: string, state: State, transition: NonNullable<Transition>, sinceMs: number): SymptomChange {
    const bar = key.lastIndexOf("|");
    return {
      entityId: key.slice(0, bar),
      type: key.slice(bar + 1),
      active: transition === "activated",
      sinceUnixMs: sinceMs,
      evidenceSummary: state.summary,
      evidence: { ...state.evidence },
    };
  }
}
