/**
 * Which series describe an entity: PromQL over what Causeway itself writes to VictoriaMetrics. The
 * agent writes `causeway_container_*` (labels node, namespace, pod, container) and
 * `causeway_node_*` (node); the OTLP receiver `causeway_service_*` (namespace, service,
 * operation); the mediator kube-state-metrics style `kube_*`. Every query aggregates to one series.
 */

/** One series of an entity: what it is called in the UI, its unit, and the PromQL that computes it. */
export interface EntitySeriesQuery {
  readonly name: string;
  /** "bytes", "seconds", "ratio", "cores", "req/s" or "" (a count). */
  readonly unit: string;
  readonly query: string;
}

/** The entity as the graph holds it (only what the id and kind say is read). */
export interface SeriesEntity {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
}

/** A PromQL string literal. */
export function promQuote(value: string): string {
  return `"${value.replace(/\\/g, "\\\\").replace(/"/g, '\\"').replace(/\n/g, "\\n")}"`;
}

function selector(labels: Readonly<Record<string, string>>, extra = ""): string {
  const parts = Object.entries(labels).map(([k, v]) => `${k}=${promQuote(v)}`);
  if (extra !== "") parts.push(extra);
  return `{${parts.join(",")}}`;
}

/** The parts of an ADR 0002 id after the kind: `container/ns/pod/name` gives [ns, pod, name]. */
function idParts(id: string): string[] {
  return id.split("/").slice(1);
}

function containerQueries(labels: Record<string, string>, window: string): EntitySeriesQuery[] {
  const s = selector(labels);
  return [
    {
      name: "cpu_cores_used",
      unit: "cores",
      query: `sum(rate(causeway_container_cpu_usage_seconds_total${s}[${window}]))`,
    },
    {
      name: "memory_working_set_bytes",
      unit: "bytes",
      query: `sum(causeway_container_memory_working_set_bytes${s})`,
    },
    {
      // The agent reads the limit from the cgroup; without an agent, the pod spec's limit.
      name: "memory_limit_bytes",
      unit: "bytes",
      query:
        `sum(causeway_container_memory_limit_bytes${s}) or ` +
        `sum(kube_pod_container_resource_limits${selector(labels, 'resource="memory"')})`,
    },
    {
      name: "cpu_throttled_ratio",
      unit: "ratio",
      query:
        `sum(rate(causeway_container_cpu_cfs_throttled_periods_total${s}[${window}])) / ` +
        `sum(rate(causeway_container_cpu_cfs_periods_total${s}[${window}]))`,
    },
    {
      // Mean scheduler run-queue wait per wakeup (eBPF), over the window.
      name: "runqueue_delay_seconds",
      unit: "seconds",
      query:
        `sum(rate(causeway_container_runq_delay_seconds_total${s}[${window}])) / ` +
        `sum(rate(causeway_container_runq_waits_total${s}[${window}]))`,
    },
    {
      name: "restarts",
      unit: "",
      query: `sum(kube_pod_container_status_restarts_total${s})`,
    },
  ];
}

function workloadQueries(kind: string, namespace: string, name: string): EntitySeriesQuery[] {
  /** A replica or pod count from a kube-state series, the object selected by its own label. */
  const count = (series: string, metric: string, label: string): EntitySeriesQuery => ({
    name: series,
    unit: "",
    query: `max(${metric}${selector({ namespace, [label]: name })})`,
  });
  switch (kind) {
    case "deployment":
      return [
        count("replicas_desired", "kube_deployment_spec_replicas", "deployment"),
        count("replicas_available", "kube_deployment_status_replicas_available", "deployment"),
        count("replicas_unavailable", "kube_deployment_status_replicas_unavailable", "deployment"),
      ];
    case "statefulset":
      return [
        count("replicas_desired", "kube_statefulset_spec_replicas", "statefulset"),
        count("replicas_ready", "kube_statefulset_status_replicas_ready", "statefulset"),
      ];
    case "replicaset":
      return [
        count("replicas_desired", "kube_replicaset_spec_replicas", "replicaset"),
        count("replicas_ready", "kube_replicaset_status_ready_replicas", "replicaset"),
      ];
    case "daemonset":
      return [
        count("pods_desired", "kube_daemonset_status_desired_number_scheduled", "daemonset"),
        count("pods_ready", "kube_daemonset_status_number_ready", "daemonset"),
        count("pods_unavailable", "kube_daemonset_status_number_unavailable", "daemonset"),
      ];
    case "hpa":
      return [
        count(
          "replicas_current",
          "kube_horizontalpodautoscaler_status_current_replicas",
          "horizontalpodautoscaler",
        ),
        count(
          "replicas_desired",
          "kube_horizontalpodautoscaler_status_desired_replicas",
          "horizontalpodautoscaler",
        ),
        count("replicas_max", "kube_horizontalpodautoscaler_spec_max_replicas", "horizontalpodautoscaler"),
      ];
    case "job":
      return [
        count("pods_active", "kube_job_status_active", "job_name"),
        count("pods_failed", "kube_job_status_failed", "job_name"),
      ];
    default:
      return [];
  }
}

/**
 * The series shown for an entity, as PromQL. `window` is the rate window (e.g. "60s"); it must
 * cover at least two samples of the slowest writer (the agent and OTLP every 10 s, kube-state
 * series every 30 s). Kinds without series of their own (processes, namespaces, external
 * endpoints) get none.
 */
export function entitySeriesQueries(entity: SeriesEntity, window: string): EntitySeriesQuery[] {
  const parts = idParts(entity.id);
  switch (entity.kind) {
    case "container": {
      // container/<namespace>/<pod>/<container>
      if (parts.length < 3) return [];
      const [namespace, pod] = parts as [string, string];
      const container = parts.slice(2).join("/");
      return containerQueries({ namespace, pod, container }, window);
    }
    case "pod": {
      const namespace = entity.namespace || (parts[0] ?? "");
      const pod = entity.name || parts.slice(1).join("/");
      // A pod shows its containers' series summed over the pod, all but the run-queue delay.
      return containerQueries({ namespace, pod }, window).filter((q) => q.name !== "runqueue_delay_seconds");
    }
    case "node": {
      const s = selector({ node: entity.name || parts.join("/") });
      const busy = selector({ node: entity.name || parts.join("/") }, 'mode!~"idle|iowait|steal"');
      return [
        {
          name: "cpu_cores_busy",
          unit: "cores",
          query: `sum(rate(causeway_node_cpu_seconds_total${busy}[${window}]))`,
        },
        { name: "cpu_cores", unit: "cores", query: `max(causeway_node_cpu_cores${s})` },
        {
          name: "memory_available_bytes",
          unit: "bytes",
          query: `max(causeway_node_memory_available_bytes${s})`,
        },
        { name: "memory_total_bytes", unit: "bytes", query: `max(causeway_node_memory_total_bytes${s})` },
      ];
    }
    case "service": {
      const namespace = entity.namespace || (parts[0] ?? "");
      const service = entity.name || parts.slice(1).join("/");
      const s = selector({ namespace, service });
      return [
        {
          name: "request_rate",
          unit: "req/s",
          query: `sum(rate(causeway_service_requests_total${s}[${window}]))`,
        },
        {
          name: "error_ratio",
          unit: "ratio",
          query:
            `sum(rate(causeway_service_errors_total${s}[${window}])) / ` +
            `sum(rate(causeway_service_requests_total${s}[${window}]))`,
        },
        {
          name: "latency_p95_seconds",
          unit: "seconds",
          query: `histogram_quantile(0.95, sum by (le) (rate(causeway_service_request_duration_seconds_bucket${s}[${window}])))`,
        },
      ];
    }
    default: {
      const namespace = entity.namespace || (parts[0] ?? "");
      const name = entity.name || parts.slice(1).join("/");
      return workloadQueries(entity.kind, namespace, name);
    }
  }
}
