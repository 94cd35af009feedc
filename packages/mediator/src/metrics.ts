import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

/** The mediator's own Prometheus metrics, served on /metrics. */
export class MediatorMetrics {
  readonly registry = new Registry();
  readonly agentMessages = new Counter({
    name: "causeway_mediator_agent_messages_total",
    help: "Agent messages received, by result (new, duplicate, overflow, invalid).",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });
  readonly agentRefused = new Counter({
    name: "causeway_mediator_agent_streams_refused_total",
    help: "Agent streams refused, by reason.",
    labelNames: ["reason"] as const,
    registers: [this.registry],
  });
  readonly agentThrottled = new Counter({
    name: "causeway_mediator_agent_throttles_total",
    help: "Throttle hints sent to agents.",
    registers: [this.registry],
  });
  readonly agentsConnected = new Gauge({
    name: "causeway_mediator_agents_connected",
    help: "Agents with an open stream.",
    registers: [this.registry],
  });
  readonly kubeEvents = new Counter({
    name: "causeway_mediator_kube_events_total",
    help: "Kubernetes object changes applied, by resource and type.",
    labelNames: ["resource", "type"] as const,
    registers: [this.registry],
  });
  readonly graphEntities = new Gauge({
    name: "causeway_mediator_graph_entities",
    help: "Entities in the topology graph.",
    registers: [this.registry],
  });
  readonly graphRelations = new Gauge({
    name: "causeway_mediator_graph_relations",
    help: "Relations in the topology graph.",
    registers: [this.registry],
  });
  readonly symptomsActive = new Gauge({
    name: "causeway_mediator_symptoms_active",
    help: "Active symptoms.",
    registers: [this.registry],
  });
  readonly snapshotSeconds = new Histogram({
    name: "causeway_mediator_snapshot_duration_seconds",
    help: "Time to write a state snapshot.",
    buckets: [0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly snapshotFailures = new Counter({
    name: "causeway_mediator_snapshot_failures_total",
    help: "Snapshots that could not be written.",
    registers: [this.registry],
  });
  readonly seriesDropped = new Gauge({
    name: "causeway_mediator_series_dropped_lines",
    help: "Series lines dropped because the VictoriaMetrics queue was full, since start.",
    registers: [this.registry],
  });
  readonly httpRequests = new Counter({
    name: "causeway_mediator_http_requests_total",
    help: "HTTP API requests, by route and status.",
    labelNames: ["route", "status"] as const,
    registers: [this.registry],
  });

  constructor() {
    collectDefaultMetrics({ register: this.registry, prefix: "causeway_mediator_" });
  }
}
