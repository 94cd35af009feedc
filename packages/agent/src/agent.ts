import { EventEmitter } from "node:events";
import { join } from "node:path";
import { type CgroupCounters, type HelperEvent } from "@causeway/ebpf-helper";
import {
  entityId as ids,
  type Capabilities,
  type ConfigUpdate,
  type Entity,
  type Relation,
  type SymptomChange,
} from "@causeway/protocol";
import { DiskBatchQueue, RemoteWriter } from "@causeway/remote-write";
import { type Logger } from "@causeway/runtime";
import { detectCgroupLayout, type CgroupLayout } from "./cgroup/cgroup-layout.js";
import { scanCgroups, type TrackedCgroup } from "./cgroup/cgroup-scanner.js";
import { readCgroupStats, type CgroupStats } from "./cgroup/cgroup-stats.js";
import { type AgentConfig } from "./config.js";
import { EbpfSource } from "./ebpf-source.js";
import { AgentHttpServer } from "./http/agent-http.js";
import { SelfMetrics } from "./http/self-metrics.js";
import { joinContainers, type ContainerIdentity } from "./kube/container-join.js";
import { StaticPodSource, type PodSource } from "./kube/pod-source.js";
import { parseSnmpTcp, readKernelRelease, readNodeStats, type NodeStats } from "./node/node-stats.js";
import { readProcess } from "./process/proc-process.js";
import { scanProcesses, type NotableProcess, type ProcessScanResult } from "./process/process-scan.js";
import { containerSeries, nodeSeries } from "./series/series-lines.js";
import { MediatorStream } from "./stream/mediator-stream.js";
import { SymptomEngine, type ContainerObservation, type PodObservation } from "./symptoms/symptom-engine.js";
import { TopologyDiffer, relationKey } from "./topology/topology-diff.js";
import { readFileSync } from "node:fs";

/** The agent's software version, reported in hello. */
export const AGENT_VERSION = "0.1.0";

export interface AgentOptions {
  readonly config: Readonly<AgentConfig>;
  readonly log: Logger;
  /** Overrides the pod source chosen from `config.kube` (tests pass pods in directly). */
  readonly podSource?: PodSource;
  readonly now?: () => number;
}

export interface AgentEvents {
  /** Symptom changes, as sent to the mediator. */
  symptoms: [readonly SymptomChange[]];
  /** A cycle completed. */
  cycle: [{ readonly cycle: number; readonly containers: number; readonly durationMs: number }];
}

interface PreviousSample {
  readonly atMs: number;
  readonly stats: CgroupStats;
  readonly ebpf: CgroupCounters | undefined;
  readonly snmp: { retrans: number; fails: number } | undefined;
  readonly lastTerminationMs: number | undefined;
}

interface Connection {
  readonly fromId: string;
  readonly container: string;
  readonly address: string;
  readonly port: number;
  lastSeenMs: number;
}

const SIGTERM = 15;
const UNRESOLVED_EVENT_TTL_MS = 10_000;
const STOP_FLUSH_TIMEOUT_MS = 5_000;
/** Smallest collection or heartbeat interval a ConfigUpdate may set. */
const MIN_INTERVAL_MS = 100;
/** Distinct (source, remote address, port) connections kept in the topology. */
const MAX_CONNECTIONS = 10_000;
/** Limits (CFS quota, memory limit) are read again every this many cycles. */
const LIMIT_REFRESH_CYCLES = 6;
const MAX_UNRESOLVED_EVENTS = 1000;
const SIGINT = 2;

/**
 * The per-node agent: every `intervalMs` it reads cgroups, /proc and the eBPF helper's counters,
 * joins cgroups with the node's pods, evaluates symptoms, writes series to VictoriaMetrics through
 * a disk-backed queue and streams topology deltas and symptom changes to the mediator.
 */
export class Agent extends EventEmitter<AgentEvents> {
  readonly #c: Readonly<AgentConfig>;
  readonly #log: Logger;
  readonly #now: () => number;
  readonly #hostMode: boolean;
  readonly #layout: CgroupLayout;
  #pods: PodSource;
  readonly #ebpf: EbpfSource;
  readonly #engine: SymptomEngine;
  readonly #differ = new TopologyDiffer();
  readonly #metrics = new SelfMetrics();
  readonly #writer: RemoteWriter | undefined;
  readonly #stream: MediatorStream | undefined;
  readonly #http: AgentHttpServer;
  readonly #nodeId: string;
  readonly #kernelRelease: string;
  readonly #prev = new Map<string, PreviousSample>();
  readonly #connections = new Map<string, Connection>();
  readonly #cgroupCache = new Map<string, TrackedCgroup>();
  #containers: ContainerIdentity[] = [];
  #byV2Id = new Map<bigint, ContainerIdentity>();
  #byMemcgId = new Map<bigint, ContainerIdentity>();
  #pidsByEntity = new Map<string, ReadonlySet<number>>();
  #lastOomByEbpfMs = new Map<string, number>();
  #pendingConnects: { cgroupId: bigint; address: string; port: number; atMs: number }[] = [];
  /** Events of cgroups not (yet) tracked: a container can die before the first cycle sees it. */
  #unresolved: { event: HelperEvent; atMs: number }[] = [];
  #processScan: ProcessScanResult | undefined;
  #lastProcessScanMs = 0;
  #lastHostScanMs = -Infinity;
  #hostProcesses: NotableProcess[] = [];
  #lastFullSnapshotMs = 0;
  #topologySignature = "";
  #topologyDirty = true;
  readonly #kubeWatch: boolean;
  #lastNodeStats: NodeStats | undefined;
  #lastCycleMs: number | undefined;
  #cycle = 0;
  #timer: NodeJS.Timeout | undefined;
  #running = false;
  #stopped = false;
  #stopping: Promise<void> | undefined;
  #httpPort: number | undefined;
  /** The collection interval: configured, or pushed by the mediator (ConfigUpdate). */
  #intervalMs: number;

  constructor(options: AgentOptions) {
    super();
    const c = options.config;
    this.#c = c;
    this.#intervalMs = c.intervalMs;
    this.#log = options.log;
    this.#now = options.now ?? Date.now;
    this.#hostMode = !options.podSource && c.kube.mode === "none";
    this.#layout = detectCgroupLayout(c.host.cgroupRoot ?? join(c.host.sys, "fs/cgroup"));
    this.#nodeId = ids.node(c.nodeName);
    this.#kernelRelease = readKernelRelease(c.host.proc);
    this.#engine = new SymptomEngine(c.symptoms);
    // host mode, or a source given by the caller; start() replaces it with the API watch
    this.#pods = options.podSource ?? new StaticPodSource();
    this.#kubeWatch = !options.podSource && c.kube.mode !== "none";
    this.#ebpf = new EbpfSource({
      enabled: c.ebpf.enabled,
      helperPath: c.ebpf.helperPath,
      intervalMs: c.intervalMs,
      log: this.#log,
      onEvent: (event) => this.#onHelperEvent(event),
    });
    if (c.victoriaMetrics.url !== "") {
      this.#writer = new RemoteWriter({
        url: c.victoriaMetrics.url.replace(/\/+$/, ""),
        queue: new DiskBatchQueue({
          dir: c.victoriaMetrics.queueDir,
          maxBytes: c.victoriaMetrics.maxQueueBytes,
          log: this.#log,
        }),
        maxBatchLines: c.victoriaMetrics.maxBatchLines,
        initialBackoffMs: c.victoriaMetrics.initialBackoffMs,
        maxBackoffMs: c.victoriaMetrics.maxBackoffMs,
        log: this.#log,
      });
    }
    if (c.mediator.address !== "") {
      const tls = c.mediator.tls || c.mediator.caFile !== "";
      this.#stream = new MediatorStream({
        address: c.mediator.address,
        nodeName: c.nodeName,
        version: AGENT_VERSION,
        capabilities: () => this.capabilities(),
        tokenFile: c.mediator.tokenFile || undefined,
        tls: tls
          ? { caFile: c.mediator.caFile || undefined, serverName: c.mediator.serverName || undefined }
          : undefined,
        maxUnackedMessages: c.mediator.maxUnackedMessages,
        maxUnackedBytes: c.mediator.maxUnackedBytes,
        heartbeatIntervalMs: c.mediator.heartbeatIntervalMs,
        connectTimeoutMs: c.mediator.connectTimeoutMs,
        reconnect: { initialDelayMs: c.mediator.reconnectInitialMs, maxDelayMs: c.mediator.reconnectMaxMs },
        log: this.#log,
        now: this.#now,
      });
      this.#stream.on("resync", () => this.#resync());
      this.#stream.on("config", (update) => this.#applyConfigUpdate(update));
    }
    this.#http = new AgentHttpServer({
      host: c.http.host,
      port: c.http.port,
      registry: this.#metrics.registry,
      healthy: () =>
        this.#lastCycleMs === undefined ||
        this.#now() - this.#lastCycleMs < Math.max(3 * this.#intervalMs, 30_000),
      ready: () => this.#cycle > 0 && this.#pods.synced,
    });
  }

  /** Port of /metrics, /healthz and /readyz once started. */
  get httpPort(): number | undefined {
    return this.#httpPort;
  }

  get stream(): MediatorStream | undefined {
    return this.#stream;
  }

  get writer(): RemoteWriter | undefined {
    return this.#writer;
  }

  get ebpfEnabled(): boolean {
    return this.#ebpf.enabled;
  }

  /** The collection interval in force. */
  get intervalMs(): number {
    return this.#intervalMs;
  }

  get cycles(): number {
    return this.#cycle;
  }

  get hostMode(): boolean {
    return this.#hostMode;
  }

  /** Containers tracked in the last cycle. */
  get containers(): readonly ContainerIdentity[] {
    return this.#containers;
  }

  /** Currently active symptoms. */
  activeSymptoms(): SymptomChange[] {
    return this.#engine.active();
  }

  capabilities(): Capabilities {
    const degraded = this.#ebpf.degradedReason;
    return {
      ebpf: this.#ebpf.enabled,
      cgroupV1: this.#layout.mode !== "v2",
      cgroupV2: this.#layout.v2 !== undefined,
      kernelRelease: this.#kernelRelease,
      degradedReasons: degraded ? [degraded] : [],
    };
  }

  async start(): Promise<void> {
    this.#httpPort = await this.#http.listen();
    this.#ebpf.start();
    if (this.#kubeWatch) this.#pods = await this.#podSourceFromConfig();
    this.#pods.on("change", () => {
      this.#topologyDirty = true;
    });
    await this.#pods.start();
    this.#stream?.start();
    this.#log.info(
      {
        node: this.#c.nodeName,
        cgroups: this.#layout.mode,
        hostMode: this.#hostMode,
        mediator: this.#c.mediator.address || undefined,
        victoriaMetrics: this.#c.victoriaMetrics.url || undefined,
        http: `${this.#c.http.host}:${this.#httpPort}`,
      },
      "agent started",
    );
    this.#schedule(0);
  }

  /** Stops collecting, flushes what it can (bounded) and closes everything; idempotent. */
  stop(): Promise<void> {
    this.#stopping ??= this.#stop();
    return this.#stopping;
  }

  async #stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer) clearTimeout(this.#timer);
    while (this.#running) await new Promise((r) => setTimeout(r, 10));
    await this.#ebpf.stop();
    await this.#pods.stop();
    await this.#stream?.stop(2_000);
    if (this.#writer) {
      // send what is queued if VictoriaMetrics is there; the rest stays on disk for the next start
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        this.#writer.flush(),
        new Promise((r) => (timer = setTimeout(r, STOP_FLUSH_TIMEOUT_MS))),
      ]);
      clearTimeout(timer);
      this.#writer.close();
    }
    await this.#http.close();
  }

  #applyConfigUpdate(update: ConfigUpdate): void {
    // zero means "keep"; values below the minimum are ignored
    if (update.collectionIntervalMs >= MIN_INTERVAL_MS && update.collectionIntervalMs !== this.#intervalMs) {
      this.#intervalMs = update.collectionIntervalMs;
      if (this.#timer && !this.#running && !this.#stopped) {
        clearTimeout(this.#timer);
        this.#schedule(this.#intervalMs);
      }
    }
    if (update.heartbeatIntervalMs >= MIN_INTERVAL_MS)
      this.#stream?.setHeartbeatInterval(update.heartbeatIntervalMs);
    this.#log.info(
      {
        version: update.version,
        intervalMs: this.#intervalMs,
        heartbeatIntervalMs: update.heartbeatIntervalMs || undefined,
      },
      "configuration update from the mediator",
    );
  }

  /** The API watch, loaded only when a cluster is configured (it costs ~15 MiB of RSS). */
  async #podSourceFromConfig(): Promise<PodSource> {
    const k = this.#c.kube;
    const [{ inClusterAccess, kubeconfigAccess }, { KubePodSource }] = await Promise.all([
      import("./kube/kube-access.js"),
      import("./kube/kube-pod-source.js"),
    ]);
    const access =
      k.mode === "in-cluster"
        ? inClusterAccess(process.env, { tokenFile: k.tokenFile, caFile: k.caFile })
        : await kubeconfigAccess(k.kubeconfig ?? `${process.env.HOME ?? ""}/.kube/config`);
    return new KubePodSource({ access, nodeName: this.#c.nodeName, log: this.#log });
  }

  #schedule(delayMs: number): void {
    if (this.#stopped) return;
    this.#timer = setTimeout(() => {
      void this.#tick();
    }, delayMs);
  }

  async #tick(): Promise<void> {
    const started = this.#now();
    this.#running = true;
    try {
      this.#runCycle();
    } catch (error) {
      this.#log.error(
        { err: (error as Error).message, stack: (error as Error).stack },
        "collection cycle failed",
      );
    } finally {
      this.#running = false;
    }
    const elapsed = this.#now() - started;
    this.#schedule(Math.max(0, this.#intervalMs - elapsed));
  }

  #runCycle(): void {
    const t0 = performance.now();
    const now = this.#now();
    const c = this.#c;
    const tracked = scanCgroups(this.#layout, { includeServices: this.#hostMode }, this.#cgroupCache);
    const joined = joinContainers(tracked.values(), this.#pods.pods(), c.nodeName, this.#hostMode);
    this.#containers = joined.containers;
    this.#byV2Id = new Map();
    this.#byMemcgId = new Map();
    for (const container of joined.containers) {
      if (container.cgroup.v2Id !== undefined) this.#byV2Id.set(container.cgroup.v2Id, container);
      if (container.cgroup.memcgId !== undefined) this.#byMemcgId.set(container.cgroup.memcgId, container);
    }
    const ebpf = this.#ebpf.latest;
    const lines: string[] = [];
    const changes: SymptomChange[] = [];
    const containerObs: ContainerObservation[] = [];
    const podAgg = new Map<string, { retrans: number; fails: number; dtS: number }>();
    const pidsByEntity = new Map<string, ReadonlySet<number>>();
    const seen = new Set<string>();

    for (const container of joined.containers) {
      seen.add(container.entityId);
      const previous = this.#prev.get(container.entityId);
      const stats = readCgroupStats(
        this.#layout,
        container.cgroup.relPath,
        this.#cycle % LIMIT_REFRESH_CYCLES === 0 ? undefined : previous?.stats,
      );
      pidsByEntity.set(container.entityId, new Set(stats.pids));
      const counters =
        container.cgroup.v2Id !== undefined ? ebpf?.cgroups.get(container.cgroup.v2Id) : undefined;
      const labels: [string, string][] = [
        ["node", c.nodeName],
        ["namespace", container.namespace],
        ["pod", container.podName],
        ["container", container.name],
      ];
      lines.push(
        ...containerSeries(
          labels,
          stats,
          counters,
          {
            restartCount: container.spec?.restartCount,
            cpuRequestMillicores: container.spec?.cpuRequestMillicores,
            memoryRequestBytes: container.spec?.memoryRequestBytes,
          },
          now,
        ),
      );
      const prev = this.#prev.get(container.entityId);
      const podEntityId = container.pod ? ids.pod(container.pod.namespace, container.pod.name) : undefined;
      let snmp: PreviousSample["snmp"];
      if (!counters && container.pod && !container.pod.hostNetwork && stats.pids[0] !== undefined) {
        // degraded: the pod's own network namespace counters stand in for per-cgroup eBPF counters
        const tcp = parseSnmpTcp(this.#readProc(`${stats.pids[0]}/net/snmp`));
        if (tcp) snmp = { retrans: tcp.retransSegs, fails: tcp.attemptFails };
      }
      const obs: {
        -readonly [K in keyof ContainerObservation]: ContainerObservation[K];
      } = {
        entityId: container.entityId,
        workingSetBytes: stats.memoryWorkingSetBytes,
        memoryLimitBytes: stats.memoryLimitBytes ?? container.spec?.memoryLimitBytes ?? null,
        cpuLimitMillicores: stats.cpuLimitMillicores,
        cpuRequestMillicores: container.spec?.cpuRequestMillicores,
      };
      if (prev && now > prev.atMs) {
        const dtS = (now - prev.atMs) / 1000;
        const d = (a: number | undefined, b: number | undefined): number | undefined =>
          a !== undefined && b !== undefined && a >= b ? a - b : undefined;
        const cpu = d(stats.cpuUsageNs, prev.stats.cpuUsageNs);
        if (cpu !== undefined) obs.usageMillicores = cpu / 1e6 / dtS;
        const periods = d(stats.cpuPeriods, prev.stats.cpuPeriods);
        const throttled = d(stats.cpuThrottledPeriods, prev.stats.cpuThrottledPeriods);
        if (stats.cpuLimitMillicores && periods !== undefined && throttled !== undefined) {
          obs.throttledRatio = periods > 0 ? throttled / periods : 0;
          obs.throttledSecondsPerS = (d(stats.cpuThrottledNs, prev.stats.cpuThrottledNs) ?? 0) / 1e9 / dtS;
        }
        if (counters && prev.ebpf) {
          const runq = d(counters.runqDelaySumNs, prev.ebpf.runqDelaySumNs);
          if (runq !== undefined) {
            obs.runqDelayMsPerS = runq / 1e6 / dtS;
            obs.runqSource = "ebpf";
          }
          if (podEntityId || this.#hostMode) {
            const key = podEntityId ?? container.entityId;
            const agg = podAgg.get(key) ?? { retrans: 0, fails: 0, dtS };
            agg.retrans += d(counters.tcpRetransmits, prev.ebpf.tcpRetransmits) ?? 0;
            agg.fails += d(counters.tcpConnectsFailed, prev.ebpf.tcpConnectsFailed) ?? 0;
            podAgg.set(key, agg);
          }
        } else if (!counters && stats.cpuPressure && prev.stats.cpuPressure) {
          const waitedUs = d(stats.cpuPressure.totalUs, prev.stats.cpuPressure.totalUs);
          if (waitedUs !== undefined) {
            obs.runqDelayMsPerS = waitedUs / 1000 / dtS;
            obs.runqSource = "psi";
          }
        }
        if (snmp && prev.snmp && podEntityId && !podAgg.has(podEntityId)) {
          podAgg.set(podEntityId, {
            retrans: Math.max(0, snmp.retrans - prev.snmp.retrans),
            fails: Math.max(0, snmp.fails - prev.snmp.fails),
            dtS,
          });
        }
        const ooms = d(stats.oomKills, prev.stats.oomKills);
        const byEbpf = this.#lastOomByEbpfMs.get(container.entityId);
        if (ooms && ooms > 0 && !(byEbpf !== undefined && byEbpf >= prev.atMs - c.intervalMs)) {
          changes.push(
            ...this.#engine.oomKilled(
              container.entityId,
              now,
              this.#oomEvidence(container.entityId, stats, { oom_kills: ooms }),
              `${ooms} process(es) OOM-killed at the memory limit`,
            ),
          );
        }
      }
      const termination = container.spec?.lastTermination;
      if (
        termination &&
        termination.exitCode !== 0 &&
        termination.finishedAtMs > (prev?.lastTerminationMs ?? now - c.intervalMs * 3)
      ) {
        changes.push(
          ...this.#engine.crashed(
            container.entityId,
            termination.finishedAtMs || now,
            { exit_code: termination.exitCode, restart_count: container.spec?.restartCount ?? 0 },
            `container exited with code ${termination.exitCode}${termination.reason ? ` (${termination.reason})` : ""}`,
          ),
        );
      }
      if (container.spec)
        changes.push(...this.#engine.restartCount(container.entityId, container.spec.restartCount, now));
      this.#prev.set(container.entityId, {
        atMs: now,
        stats,
        ebpf: counters,
        snmp,
        lastTerminationMs: termination?.finishedAtMs ?? prev?.lastTerminationMs,
      });
      containerObs.push(obs);
    }
    this.#pidsByEntity = pidsByEntity;
    const unresolved = this.#unresolved.splice(0).filter((u) => now - u.atMs <= UNRESOLVED_EVENT_TTL_MS);
    for (const u of unresolved) this.#onHelperEvent(u.event, u.atMs, false);

    const gone = new Set([...this.#prev.keys()].filter((id) => !seen.has(id)));
    for (const id of gone) {
      this.#prev.delete(id);
      this.#lastOomByEbpfMs.delete(id);
    }

    const podObs: PodObservation[] = [...podAgg].map(([entityId, agg]) => ({
      entityId,
      retransmitsPerS: agg.retrans / agg.dtS,
      connectFailuresPerS: agg.fails / agg.dtS,
    }));
    const nodeStats = readNodeStats(c.host.proc, c.host.diskPaths ?? [join(c.host.proc, "1/root")]);
    this.#lastNodeStats = nodeStats;
    lines.push(...nodeSeries(c.nodeName, nodeStats, ebpf?.eventsLost, now));
    changes.push(
      ...this.#engine.evaluate(now, {
        containers: containerObs,
        pods: podObs,
        node: {
          entityId: this.#nodeId,
          cpuPressureSomeAvg10: nodeStats.cpuPressure?.avg10,
          memoryAvailableBytes: nodeStats.memoryAvailableBytes,
          memoryTotalBytes: nodeStats.memoryTotalBytes,
          filesystems: nodeStats.filesystems,
        },
      }),
    );
    const vanishedPods = new Set(
      [...gone].map((id) => id.replace(/^container\/([^/]+)\/([^/]+)\/.*$/, "pod/$1/$2")),
    );
    for (const pod of joined.containers)
      if (pod.pod) vanishedPods.delete(ids.pod(pod.pod.namespace, pod.pod.name));
    changes.push(...this.#engine.forget(new Set([...gone, ...vanishedPods]), now));
    this.#emitSymptoms(changes);

    this.#writer?.write(lines);
    this.#sendTopology(now);

    const durationMs = performance.now() - t0;
    this.#cycle++;
    this.#lastCycleMs = now;
    this.#updateMetrics(durationMs);
    this.emit("cycle", { cycle: this.#cycle, containers: joined.containers.length, durationMs });
  }

  #readProc(rel: string): string | undefined {
    try {
      return readFileSync(join(this.#c.host.proc, rel), "utf8");
    } catch {
      return undefined;
    }
  }

  #oomEvidence(
    entityId: string,
    stats: CgroupStats | undefined,
    extra: Record<string, number>,
  ): Record<string, number> {
    const s = stats ?? this.#prev.get(entityId)?.stats;
    return {
      ...extra,
      ...(s?.memoryLimitBytes ? { limit_bytes: s.memoryLimitBytes } : {}),
      ...(s?.memoryWorkingSetBytes !== undefined ? { working_set_bytes: s.memoryWorkingSetBytes } : {}),
    };
  }

  #emitSymptoms(changes: readonly SymptomChange[]): void {
    if (changes.length === 0) return;
    for (const change of changes) {
      this.#log.info(
        { entity: change.entityId, type: change.type, active: change.active, evidence: change.evidence },
        change.evidenceSummary,
      );
    }
    this.#stream?.send({ $case: "symptoms", value: { changes: [...changes] } });
    this.emit("symptoms", changes);
  }

  #defer(event: HelperEvent, atMs: number, retry: boolean): void {
    if (retry && this.#unresolved.length < MAX_UNRESOLVED_EVENTS) this.#unresolved.push({ event, atMs });
  }

  #onHelperEvent(event: HelperEvent, now = this.#now(), retry = true): void {
    if (event.kind === "oom-kill") {
      const container =
        (event.cgroupId !== 0n ? this.#byV2Id.get(event.cgroupId) : undefined) ??
        this.#byMemcgId.get(event.memcgId);
      if (!container) return this.#defer(event, now, retry);
      this.#lastOomByEbpfMs.set(container.entityId, now);
      this.#emitSymptoms(
        this.#engine.oomKilled(
          container.entityId,
          now,
          this.#oomEvidence(container.entityId, undefined, { victim_pid: event.pid }),
          `OOM killer chose ${event.comm} (pid ${event.pid}) at the memory limit`,
        ),
      );
    } else if (event.kind === "process-exit") {
      const crashed =
        (event.exitStatus !== null && event.exitStatus !== 0) ||
        (event.signal !== null && event.signal !== SIGTERM && event.signal !== SIGINT);
      if (!crashed) return;
      const container = this.#byV2Id.get(event.cgroupId);
      if (!container) return this.#defer(event, now, retry);
      // a root process of the container: its parent is outside the container's cgroup
      if (this.#pidsByEntity.get(container.entityId)?.has(event.ppid)) return;
      this.#emitSymptoms(
        this.#engine.crashed(
          container.entityId,
          now,
          {
            pid: event.pid,
            ...(event.exitStatus !== null ? { exit_code: event.exitStatus } : {}),
            ...(event.signal !== null ? { signal: event.signal } : {}),
            core_dumped: event.coreDumped ? 1 : 0,
          },
          event.signal !== null
            ? `${event.comm} (pid ${event.pid}) killed by signal ${event.signal}`
            : `${event.comm} (pid ${event.pid}) exited with code ${event.exitStatus}`,
        ),
      );
    } else if (event.kind === "tcp-connect" && event.ok) {
      if (this.#pendingConnects.length < 10_000)
        this.#pendingConnects.push({
          cgroupId: event.cgroupId,
          address: event.destination.address,
          port: event.destination.port,
          atMs: now,
        });
    }
  }

  #resync(): void {
    const snapshot = this.#snapshot(this.#now());
    const delta = this.#differ.diff(snapshot, true);
    if (delta) this.#stream?.send({ $case: "topology", value: delta });
    const active = this.#engine.active();
    if (active.length > 0) this.#stream?.send({ $case: "symptoms", value: { changes: active } });
  }

  #sendTopology(now: number): void {
    let dirty =
      this.#topologyDirty || this.#pendingConnects.length > 0 || this.#cycle % LIMIT_REFRESH_CYCLES === 0;
    if (now - this.#lastProcessScanMs >= this.#c.topologyIntervalMs || !this.#processScan) {
      this.#lastProcessScanMs = now;
      const pids = new Map<string, readonly number[]>();
      for (const container of this.#containers) {
        pids.set(container.entityId, [...(this.#pidsByEntity.get(container.entityId) ?? [])]);
      }
      const hostScan =
        this.#hostMode &&
        this.#c.topology.maxHostProcesses > 0 &&
        now - this.#lastHostScanMs >= this.#c.topology.hostScanIntervalMs;
      if (hostScan) this.#lastHostScanMs = now;
      const scan = scanProcesses({
        hostProc: this.#c.host.proc,
        containers: pids,
        maxProcessesPerContainer: this.#c.topology.maxProcessesPerContainer,
        maxHostProcesses: hostScan ? this.#c.topology.maxHostProcesses : 0,
      });
      // between host scans, the host processes found last time stay
      if (hostScan) this.#hostProcesses = scan.processes.filter((p) => p.containerKey === undefined);
      else {
        this.#hostProcesses = this.#hostProcesses.filter(
          (p) => readProcess(this.#c.host.proc, p.info.pid)?.startTimeTicks === p.info.startTimeTicks,
        );
        scan.processes.push(...this.#hostProcesses);
      }
      this.#processScan = scan;
      dirty = true;
    }
    const signature = `${this.#ebpf.enabled}|${this.#containers.map((c) => c.entityId).join(",")}`;
    if (signature !== this.#topologySignature) dirty = true;
    const full =
      this.#cycle === 0 ||
      (this.#c.fullSnapshotIntervalMs > 0 &&
        now - this.#lastFullSnapshotMs >= this.#c.fullSnapshotIntervalMs);
    // building the snapshot costs garbage: only when something it depends on may have changed
    if (!dirty && !full) return;
    this.#topologySignature = signature;
    this.#topologyDirty = false;
    if (full) this.#lastFullSnapshotMs = now;
    const delta = this.#differ.diff(this.#snapshot(now), full);
    if (delta) this.#stream?.send({ $case: "topology", value: delta });
  }

  /** The node's topology now: node, pods, containers, notable processes, connections. */
  #snapshot(now: number): { entities: Map<string, Entity>; relations: Map<string, Relation> } {
    const c = this.#c;
    const entities = new Map<string, Entity>();
    const relations = new Map<string, Relation>();
    const addEntity = (e: Entity): void => {
      entities.set(e.id, e);
    };
    const relate = (
      fromId: string,
      toId: string,
      type: string,
      attributes: Record<string, string> = {},
    ): void => {
      const r: Relation = { fromId, toId, type, attributes };
      relations.set(relationKey(r), r);
    };
    const node = this.#lastNodeStats;
    addEntity({
      id: this.#nodeId,
      kind: "node",
      name: c.nodeName,
      namespace: "",
      attributes: {
        kernel_release: this.#kernelRelease,
        ...(node ? { cpu_cores: String(node.cpuCores), memory_bytes: String(node.memoryTotalBytes) } : {}),
        cgroup_mode: this.#layout.mode,
        ebpf: String(this.#ebpf.enabled),
        agent_version: AGENT_VERSION,
      },
    });
    const podIps = new Map<string, string>();
    if (!this.#hostMode) {
      for (const pod of this.#pods.pods().values()) {
        const id = ids.pod(pod.namespace, pod.name);
        if (pod.podIp && !pod.hostNetwork) podIps.set(pod.podIp, id);
        addEntity({
          id,
          kind: "pod",
          name: pod.name,
          namespace: pod.namespace,
          attributes: {
            uid: pod.uid,
            node_name: pod.nodeName || c.nodeName,
            phase: pod.phase,
            ...(pod.podIp ? { pod_ip: pod.podIp } : {}),
          },
        });
        relate(id, this.#nodeId, "runs-on");
      }
    }
    const scan = this.#processScan;
    const byKey = new Map<string, ContainerIdentity>();
    for (const container of this.#containers) {
      byKey.set(container.entityId, container);
      const stats = this.#prev.get(container.entityId)?.stats;
      const spec = container.spec;
      const listening = scan?.listening.get(container.entityId);
      const attrs: Record<string, string> = {
        container_id: container.cgroup.container?.containerId ?? "",
        cgroup_path: container.cgroup.relPath,
      };
      if (container.cgroup.v2Id !== undefined) attrs.cgroup_id = container.cgroup.v2Id.toString();
      if (container.cgroup.container?.runtime) attrs.runtime = container.cgroup.container.runtime;
      if (container.cgroup.serviceUnit) attrs.systemd_unit = container.cgroup.serviceUnit;
      const memLimit = spec?.memoryLimitBytes ?? stats?.memoryLimitBytes ?? undefined;
      const cpuLimit = spec?.cpuLimitMillicores ?? stats?.cpuLimitMillicores ?? undefined;
      if (memLimit) attrs.memory_limit_bytes = String(memLimit);
      if (spec?.memoryRequestBytes !== undefined)
        attrs.memory_request_bytes = String(spec.memoryRequestBytes);
      if (cpuLimit) attrs.cpu_limit_millicores = String(cpuLimit);
      if (spec?.cpuRequestMillicores !== undefined)
        attrs.cpu_request_millicores = String(spec.cpuRequestMillicores);
      if (listening && listening.length > 0)
        attrs.listening = listening
          .map((e) => `${e.address}:${e.port}`)
          .sort()
          .join(",");
      addEntity({
        id: container.entityId,
        kind: "container",
        name: container.name,
        namespace: container.pod ? container.namespace : "",
        attributes: attrs,
      });
      if (container.pod)
        relate(container.entityId, ids.pod(container.pod.namespace, container.pod.name), "part-of");
      else relate(container.entityId, this.#nodeId, "runs-on");
    }
    for (const p of scan?.processes ?? []) {
      const container = p.containerKey !== undefined ? byKey.get(p.containerKey) : undefined;
      if (p.containerKey !== undefined && !container) continue;
      const id = ids.process(c.nodeName, p.info.pid, p.info.startTimeTicks);
      const attrs: Record<string, string> = { pid: String(p.info.pid), comm: p.info.comm };
      if (p.listening.length > 0)
        attrs.listening = p.listening
          .map((e) => `${e.address}:${e.port}`)
          .sort()
          .join(",");
      addEntity({
        id,
        kind: "process",
        name: p.info.comm,
        namespace: container?.pod ? container.namespace : "",
        attributes: attrs,
      });
      relate(id, container ? container.entityId : this.#nodeId, "runs-on");
    }
    // connections: from the socket tables, and from eBPF connect events since the last snapshot
    const observe = (container: ContainerIdentity, address: string, port: number, atMs: number): void => {
      if (
        !c.topology.includeLoopback &&
        (address.startsWith("127.") || address === "::1" || address.startsWith("::ffff:127."))
      )
        return;
      const fromId = container.pod
        ? ids.pod(container.pod.namespace, container.pod.name)
        : container.entityId;
      const key = `${fromId}|${address}|${port}`;
      const existing = this.#connections.get(key);
      if (existing) existing.lastSeenMs = Math.max(existing.lastSeenMs, atMs);
      else if (this.#connections.size < MAX_CONNECTIONS)
        this.#connections.set(key, { fromId, container: container.name, address, port, lastSeenMs: atMs });
    };
    for (const conn of scan?.connections ?? []) {
      const container = byKey.get(conn.containerKey);
      if (container) observe(container, conn.remote.address, conn.remote.port, now);
    }
    for (const e of this.#pendingConnects.splice(0)) {
      const container = this.#byV2Id.get(e.cgroupId);
      if (container) observe(container, e.address, e.port, e.atMs);
    }
    for (const [key, conn] of this.#connections) {
      if (now - conn.lastSeenMs > c.topology.connectionTtlMs) {
        this.#connections.delete(key);
        continue;
      }
      const podId = podIps.get(conn.address);
      const toId = podId ?? ids.external(conn.address, conn.port);
      if (!podId)
        addEntity({
          id: toId,
          kind: "external",
          name: `${conn.address}:${conn.port}`,
          namespace: "",
          attributes: { address: conn.address, port: String(conn.port) },
        });
      const existing = relations.get(relationKey({ fromId: conn.fromId, toId, type: "calls" }));
      const containers = new Set((existing?.attributes.containers ?? "").split(",").filter((s) => s !== ""));
      containers.add(conn.container);
      relate(conn.fromId, toId, "calls", {
        port: String(conn.port),
        containers: [...containers].sort().join(","),
      });
    }
    return { entities, relations };
  }

  #updateMetrics(durationMs: number): void {
    const m = this.#metrics;
    m.cycleDuration.observe(durationMs / 1000);
    m.cycles.inc();
    m.containers.set(this.#containers.length);
    m.symptomsActive.set(this.#engine.active().length);
    m.ebpfEnabled.set(this.#ebpf.enabled ? 1 : 0);
    m.helperRestarts.set(this.#ebpf.restarts);
    const lost = this.#ebpf.latest?.eventsLost;
    if (lost !== undefined) m.ebpfEventsLost.set(lost);
    if (this.#writer) {
      m.seriesQueueBytes.set(this.#writer.queuedBytes);
      m.seriesQueueSamples.set(this.#writer.queued);
      m.seriesDropped.set(this.#writer.dropped);
      m.seriesSent.set(this.#writer.sent);
    }
    if (this.#stream) {
      const s = this.#stream.stats;
      m.streamUnacked.set(s.unackedMessages);
      m.streamDropped.set(s.droppedMessages);
      m.streamConnected.set(s.connected ? 1 : 0);
      m.streamReconnects.set(s.reconnects);
    }
  }
}

export type { TrackedCgroup };
