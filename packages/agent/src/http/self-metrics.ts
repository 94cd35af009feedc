import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** Resolution of the event-loop delay histogram (causeway_agent_nodejs_eventloop_lag_*). */
const EVENT_LOOP_SAMPLE_MS = 1000;

/** Counters that only grow, fed from totals kept elsewhere (exported by their increments). */
class TotalCounter {
  readonly #counter: Counter;
  #last = 0;
  constructor(counter: Counter) {
    this.#counter = counter;
  }
  set(total: number): void {
    if (total > this.#last) this.#counter.inc(total - this.#last);
    this.#last = Math.max(this.#last, total);
  }
}

/** The agent's own metrics, served on /metrics. */
export class SelfMetrics {
  readonly registry = new Registry();
  readonly cycleDuration: Histogram;
  readonly cycles: Counter;
  readonly seriesQueueBytes: Gauge;
  readonly seriesQueueSamples: Gauge;
  readonly seriesDropped: TotalCounter;
  readonly seriesSent: TotalCounter;
  readonly streamUnacked: Gauge;
  readonly streamDropped: TotalCounter;
  readonly streamConnected: Gauge;
  readonly streamReconnects: TotalCounter;
  readonly helperRestarts: TotalCounter;
  readonly ebpfEnabled: Gauge;
  readonly ebpfEventsLost: TotalCounter;
  readonly containers: Gauge;
  readonly symptomsActive: Gauge;

  constructor() {
    const r = this.registry;
    const total = (name: string, help: string): TotalCounter =>
      new TotalCounter(new Counter({ name, help, registers: [r] }));
    this.cycleDuration = new Histogram({
      name: "causeway_agent_cycle_duration_seconds",
      help: "Time one collection cycle took (cgroups, /proc, eBPF counters, symptoms, series).",
      buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
      registers: [r],
    });
    this.cycles = new Counter({
      name: "causeway_agent_cycles_total",
      help: "Collection cycles completed.",
      registers: [r],
    });
    this.seriesQueueBytes = new Gauge({
      name: "causeway_agent_series_queue_bytes",
      help: "Compressed bytes of samples waiting in the disk queue for VictoriaMetrics.",
      registers: [r],
    });
    this.seriesQueueSamples = new Gauge({
      name: "causeway_agent_series_queue_samples",
      help: "Samples waiting in the disk queue for VictoriaMetrics.",
      registers: [r],
    });
    this.seriesDropped = total(
      "causeway_agent_series_dropped_samples_total",
      "Samples dropped: the disk queue was full, or VictoriaMetrics refused them as invalid.",
    );
    this.seriesSent = total(
      "causeway_agent_series_sent_samples_total",
      "Samples accepted by VictoriaMetrics.",
    );
    this.streamUnacked = new Gauge({
      name: "causeway_agent_stream_unacked_messages",
      help: "Messages to the mediator waiting for an acknowledgement (the replay buffer).",
      registers: [r],
    });
    this.streamDropped = total(
      "causeway_agent_stream_dropped_messages_total",
      "Messages to the mediator discarded because the replay buffer was full (followed by a full resync).",
    );
    this.streamConnected = new Gauge({
      name: "causeway_agent_stream_connected",
      help: "1 while the stream to the mediator is up.",
      registers: [r],
    });
    this.streamReconnects = total("causeway_agent_stream_reconnects_total", "Reconnects to the mediator.");
    this.helperRestarts = total(
      "causeway_agent_helper_restarts_total",
      "Restarts of the native eBPF helper.",
    );
    this.ebpfEnabled = new Gauge({
      name: "causeway_agent_ebpf_enabled",
      help: "1 when the eBPF helper is running; 0 when the agent runs degraded on cgroups and /proc.",
      registers: [r],
    });
    this.ebpfEventsLost = total(
      "causeway_agent_ebpf_events_lost_total",
      "eBPF events the kernel dropped because the helper's buffer was full.",
    );
    this.containers = new Gauge({
      name: "causeway_agent_containers",
      help: "Containers (or host cgroups) tracked.",
      registers: [r],
    });
    this.symptomsActive = new Gauge({
      name: "causeway_agent_symptoms_active",
      help: "Symptoms currently active on this node.",
      registers: [r],
    });
    collectDefaultMetrics({
      register: r,
      prefix: "causeway_agent_",
      // prom-client samples event-loop delay with a timer at this resolution: its default of 10 ms
      // wakes an otherwise idle agent 100 times a second, a tenth of the agent's CPU budget.
      eventLoopMonitoringPrecision: EVENT_LOOP_SAMPLE_MS,
    });
  }
}
