import { spawn, type ChildProcess } from "node:child_process";
import { EventEmitter } from "node:events";
import type { Logger } from "@causeway/runtime";
import {
  DEFAULT_BACKOFF,
  backoffDelayMs,
  realDelay,
  type BackoffPolicy,
  type DelayFunction,
} from "./backoff.js";
import { PERMANENT_EXIT_CODES, exitReason } from "./exit-codes.js";
import { FrameDecoder } from "./frame-decoder.js";
import { defaultHelperPath } from "./helper-path.js";
import type { CgroupCounters, ConnectionRetransmits, HelloRecord, HelperEvent } from "./records.js";

/** Counters of one interval: cumulative per cgroup and per connection, as the helper sent them. */
export interface CounterSnapshot {
  readonly tsNs: bigint;
  readonly cgroups: ReadonlyMap<bigint, CgroupCounters>;
  readonly connections: readonly ConnectionRetransmits[];
  /** Events the kernel dropped because the buffer was full, since the helper started. */
  readonly eventsLost: number;
}

export interface HelperExit {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly reason: string;
  /** True when the supervisor will start the helper again. */
  readonly willRestart: boolean;
  readonly restartDelayMs?: number;
}

export interface EbpfHelperEvents {
  /** The helper attached its programs; says which fallbacks it uses. */
  ready: [HelloRecord];
  event: [HelperEvent];
  counters: [CounterSnapshot];
  exit: [HelperExit];
  /** The helper cannot run on this node (no BTF, no permission, kernel too old): eBPF is off. */
  unavailable: [HelperExit];
}

export interface EbpfHelperOptions {
  readonly logger: Logger;
  /** Executable to run; defaults to the built helper. */
  readonly helperPath?: string;
  /** Arguments placed before the helper's own flags (e.g. a script for an interpreter). */
  readonly helperArgs?: readonly string[];
  /** How often counters are written (helper --interval-ms). */
  readonly intervalMs?: number;
  /** Longest time an event may wait in the kernel buffer before it is read (helper --event-delay-ms). */
  readonly eventDelayMs?: number;
  readonly backoff?: BackoffPolicy;
  /** A run at least this long resets the backoff. */
  readonly stableRunMs?: number;
  /** How long stop() waits after SIGTERM before SIGKILL. */
  readonly stopTimeoutMs?: number;
  readonly delay?: DelayFunction;
  readonly now?: () => number;
}

/**
 * Runs the native helper as a child process, decodes its stream into typed events and counter
 * snapshots, and restarts it with capped exponential backoff when it dies. Exits that restarting
 * cannot fix (see PERMANENT_EXIT_CODES) end supervision with an `unavailable` event.
 */
export class EbpfHelper extends EventEmitter<EbpfHelperEvents> {
  private readonly log: Logger;
  private readonly helperPath: string;
  private readonly helperArgs: readonly string[];
  private readonly intervalMs: number;
  private readonly eventDelayMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly stableRunMs: number;
  private readonly stopTimeoutMs: number;
  private readonly delay: DelayFunction;
  private readonly now: () => number;
  private readonly stopController = new AbortController();
  private child: ChildProcess | undefined;
  private running: Promise<void> | undefined;
  private attempt = 0;
  private restartCount = 0;

  constructor(options: EbpfHelperOptions) {
    super();
    this.log = options.logger.child({ component: "ebpf-helper" });
    this.helperPath = options.helperPath ?? defaultHelperPath();
    this.helperArgs = options.helperArgs ?? [];
    this.intervalMs = options.intervalMs ?? 1000;
    this.eventDelayMs = options.eventDelayMs ?? 100;
    this.backoff = options.backoff ?? DEFAULT_BACKOFF;
    this.stableRunMs = options.stableRunMs ?? 60_000;
    this.stopTimeoutMs = options.stopTimeoutMs ?? 5_000;
    this.delay = options.delay ?? realDelay;
    this.now = options.now ?? Date.now;
  }

  /** Number of times the helper was restarted after dying. */
  get restarts(): number {
    return this.restartCount;
  }

  /** Process id of the running helper, if any. */
  get pid(): number | undefined {
    return this.child?.pid;
  }

  start(): void {
    if (this.running) throw new Error("EbpfHelper already started");
    this.running = this.supervise();
  }

  /** Sends SIGTERM (the helper detaches its programs), SIGKILL after the timeout, and waits. */
  async stop(): Promise<void> {
    this.stopController.abort();
    const child = this.child;
    if (child && child.exitCode === null && child.signalCode === null) {
      child.kill("SIGTERM");
      const timer = setTimeout(() => child.kill("SIGKILL"), this.stopTimeoutMs);
      try {
        await this.running;
      } finally {
        clearTimeout(timer);
      }
      return;
    }
    await this.running;
  }

  private async supervise(): Promise<void> {
    const signal = this.stopController.signal;
    while (!signal.aborted) {
      const startedAt = this.now();
      const exit = await this.runOnce();
      const { permanent: _permanent, ...exitInfo } = exit;
      if (signal.aborted) {
        this.emit("exit", { ...exitInfo, willRestart: false });
        return;
      }
      if (exit.permanent) {
        const final: HelperExit = { ...exitInfo, willRestart: false };
        this.log.error(
          { code: exit.code, reason: exit.reason },
          "eBPF helper cannot run on this node; eBPF metrics are off",
        );
        this.emit("exit", final);
        this.emit("unavailable", final);
        return;
      }
      if (this.now() - startedAt >= this.stableRunMs) this.attempt = 0;
      const restartDelayMs = backoffDelayMs(this.backoff, this.attempt);
      this.attempt++;
      this.log.warn(
        { code: exit.code, signal: exit.signal, reason: exit.reason, restartDelayMs },
        "eBPF helper died; restarting",
      );
      this.emit("exit", { ...exitInfo, willRestart: true, restartDelayMs });
      await this.delay(restartDelayMs, signal);
      if (!signal.aborted) this.restartCount++;
    }
  }

  private runOnce(): Promise<Omit<HelperExit, "willRestart"> & { permanent: boolean }> {
    return new Promise((resolve) => {
      const args = [
        ...this.helperArgs,
        "--interval-ms",
        String(this.intervalMs),
        "--event-delay-ms",
        String(this.eventDelayMs),
      ];
      const child = spawn(this.helperPath, args, { stdio: ["ignore", "pipe", "pipe"] });
      this.child = child;
      const decoder = new FrameDecoder();
      let protocolError: string | undefined;
      let cgroups = new Map<bigint, CgroupCounters>();
      let connections: ConnectionRetransmits[] = [];
      let stderrTail = "";

      child.stdout.on("data", (chunk: Buffer) => {
        for (const out of decoder.push(chunk)) {
          if (!out.ok) {
            if (out.fatal) {
              protocolError = out.error;
              this.log.error({ error: out.error }, "eBPF helper stream is corrupt; killing it");
              child.kill("SIGKILL");
            } else {
              this.log.warn({ error: out.error }, "skipping undecodable eBPF helper record");
            }
            continue;
          }
          const record = out.record;
          switch (record.kind) {
            case "hello":
              this.log.info(
                { tpBtf: record.tpBtf, ringBuffer: record.ringBuffer, oomVictimTask: record.oomVictimTask },
                "eBPF helper attached",
              );
              this.emit("ready", record);
              break;
            case "cgroup-counters":
              cgroups.set(record.cgroupId, record);
              break;
            case "conn-retransmits":
              connections.push(record);
              break;
            case "interval-end":
              this.emit("counters", {
                tsNs: record.tsNs,
                cgroups,
                connections,
                eventsLost: record.eventsLost,
              });
              cgroups = new Map();
              connections = [];
              break;
            default:
              this.emit("event", record);
          }
        }
      });
      child.stderr.setEncoding("utf8");
      child.stderr.on("data", (text: string) => {
        stderrTail = (stderrTail + text).slice(-2000);
        for (const line of text.split("\n")) {
          if (line.trim() !== "") this.log.warn({ helperStderr: line }, "eBPF helper message");
        }
      });
      let settled = false;
      const finish = (code: number | null, sig: NodeJS.Signals | null, spawnError?: Error): void => {
        if (settled) return;
        settled = true;
        this.child = undefined;
        const lastLine = stderrTail.trim().split("\n").at(-1) ?? "";
        const reason =
          spawnError?.message ??
          protocolError ??
          (code !== null
            ? `exit code ${code} (${exitReason(code)})${lastLine ? `: ${lastLine}` : ""}`
            : `killed by ${sig}`);
        // a helper that is missing or not executable will not appear by restarting
        const spawnFailed =
          spawnError !== undefined &&
          ["ENOENT", "EACCES"].includes((spawnError as NodeJS.ErrnoException).code ?? "");
        const permanent = spawnFailed || (code !== null && PERMANENT_EXIT_CODES.has(code));
        resolve({ code, signal: sig, reason, permanent });
      };
      child.on("error", (error) => finish(null, null, error));
      child.on("close", (code, sig) => finish(code, sig));
    });
  }
}
