import { EbpfHelper, type CounterSnapshot, type HelloRecord, type HelperEvent } from "@causeway/ebpf-helper";
import { type Logger } from "@causeway/runtime";

export interface EbpfSourceOptions {
  readonly enabled: boolean;
  readonly helperPath?: string | undefined;
  /** Counter interval of the helper (the agent reads the latest snapshot each cycle). */
  readonly intervalMs: number;
  readonly log: Logger;
  readonly onEvent: (event: HelperEvent) => void;
}

/**
 * The eBPF side of the agent: supervises the native helper, keeps its latest counter snapshot,
 * forwards its events, and says whether eBPF is on. When the helper cannot run (disabled, no BTF,
 * no permission, missing binary) the agent runs degraded on cgroups and /proc only; that is
 * logged once and exported as `causeway_agent_ebpf_enabled 0`.
 */
export class EbpfSource {
  readonly #o: EbpfSourceOptions;
  readonly #helper: EbpfHelper | undefined;
  #latest: CounterSnapshot | undefined;
  #hello: HelloRecord | undefined;
  #unavailableReason: string | undefined;
  #loggedDegraded = false;

  constructor(options: EbpfSourceOptions) {
    this.#o = options;
    if (!options.enabled) {
      this.#unavailableReason = "eBPF disabled by configuration";
      return;
    }
    this.#helper = new EbpfHelper({
      logger: options.log,
      ...(options.helperPath ? { helperPath: options.helperPath } : {}),
      intervalMs: Math.min(options.intervalMs, 1000),
    });
    this.#helper.on("ready", (hello) => {
      this.#hello = hello;
    });
    this.#helper.on("counters", (snapshot) => {
      this.#latest = snapshot;
    });
    this.#helper.on("event", (event) => options.onEvent(event));
    this.#helper.on("exit", () => {
      // counters restart from zero with the next helper; consumers treat a decrease as a reset
      this.#hello = undefined;
    });
    this.#helper.on("unavailable", (exit) => {
      this.#unavailableReason = `eBPF unavailable: ${exit.reason}`;
      this.#latest = undefined;
      this.#logDegraded();
    });
  }

  start(): void {
    if (this.#helper) this.#helper.start();
    else this.#logDegraded();
  }

  async stop(): Promise<void> {
    await this.#helper?.stop();
  }

  /** True while the helper is attached and reporting. */
  get enabled(): boolean {
    return this.#unavailableReason === undefined && this.#hello !== undefined;
  }

  /** Why eBPF is off, if it is off for good. */
  get degradedReason(): string | undefined {
    return this.#unavailableReason;
  }

  get hello(): HelloRecord | undefined {
    return this.#hello;
  }

  get restarts(): number {
    return this.#helper?.restarts ?? 0;
  }

  get latest(): CounterSnapshot | undefined {
    return this.enabled ? this.#latest : undefined;
  }

  #logDegraded(): void {
    if (this.#loggedDegraded) return;
    this.#loggedDegraded = true;
    this.#o.log.warn(
      { reason: this.#unavailableReason },
      "running degraded without eBPF: cgroup and /proc metrics only (no run-queue delay per task, no per-connection events)",
    );
  }
}
