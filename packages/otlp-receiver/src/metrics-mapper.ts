import { type Attributes, type MetricView, type ResourceMetricsView } from "./model.js";
import { sampleLine, sanitizeName } from "./prom-text.js";

export interface MetricsMapperOptions {
  /** Resource attributes copied onto every series, as sanitized labels. */
  readonly resourceAttributeLabels: readonly string[];
  /** Series with more labels than this keep the first ones (sorted) and count the rest as dropped. */
  readonly maxLabelsPerSeries: number;
  readonly maxLabelValueLength: number;
}

export const DEFAULT_RESOURCE_ATTRIBUTE_LABELS = [
  "service.name",
  "service.namespace",
  "k8s.namespace.name",
  "k8s.pod.name",
  "k8s.container.name",
  "k8s.node.name",
  "k8s.deployment.name",
] as const;

const UNIT_SUFFIX: Readonly<Record<string, string>> = {
  s: "seconds",
  ms: "milliseconds",
  us: "microseconds",
  ns: "nanoseconds",
  By: "bytes",
  KiBy: "kibibytes",
  MiBy: "mebibytes",
  "%": "percent",
};

/** The Prometheus name of an OTLP metric: sanitized, unit suffix, `_total` for monotonic sums. */
export function prometheusMetricName(
  metric: Pick<MetricView, "name" | "unit" | "kind" | "monotonic">,
): string {
  let name = sanitizeName(metric.name);
  const unit = metric.unit.replace(/\{[^}]*\}/g, "");
  const suffix = UNIT_SUFFIX[unit] ?? (unit === "1" && metric.kind === "gauge" ? "ratio" : "");
  if (suffix && !name.endsWith(`_${suffix}`)) name += `_${suffix}`;
  if (metric.kind === "sum" && metric.monotonic && !name.endsWith("_total")) name += "_total";
  return name;
}

/**
 * Maps OTLP metrics to Prometheus samples: gauges and non-monotonic sums as gauges, monotonic sums
 * as counters, histograms as `_bucket`/`_sum`/`_count`, exponential histograms as explicit
 * buckets at their power-of-base boundaries. Summaries are counted as rejected.
 */
export class MetricsMapper {
  readonly #o: MetricsMapperOptions;
  droppedLabels = 0;

  constructor(options: MetricsMapperOptions) {
    this.#o = options;
  }

  /** Returns the sample lines and the number of data points rejected. */
  map(data: readonly ResourceMetricsView[], nowMs: number): { lines: string[]; rejected: number } {
    const lines: string[] = [];
    let rejected = 0;
    for (const rm of data) {
      const resourceLabels = this.#resourceLabels(rm.resource.attributes);
      for (const metric of rm.metrics) {
        const name = prometheusMetricName(metric);
        if (metric.kind === "summary") {
          rejected++;
          continue;
        }
        for (const p of metric.numberPoints) {
          lines.push(
            sampleLine(
              name,
              this.#labels(resourceLabels, p.attributes),
              p.value,
              this.#time(p.timeUnixNano, nowMs),
            ),
          );
        }
        for (const p of metric.histogramPoints) {
          const labels = this.#labels(resourceLabels, p.attributes);
          const t = this.#time(p.timeUnixNano, nowMs);
          let cumulative = 0;
          p.bounds.forEach((le, i) => {
            cumulative += p.bucketCounts[i] ?? 0;
            lines.push(sampleLine(`${name}_bucket`, [...labels, ["le", String(le)]], cumulative, t));
          });
          lines.push(sampleLine(`${name}_bucket`, [...labels, ["le", "+Inf"]], p.count, t));
          if (p.sum !== undefined) lines.push(sampleLine(`${name}_sum`, labels, p.sum, t));
          lines.push(sampleLine(`${name}_count`, labels, p.count, t));
        }
        for (const p of metric.exponentialPoints) {
          const labels = this.#labels(resourceLabels, p.attributes);
          const t = this.#time(p.timeUnixNano, nowMs);
          const base = 2 ** (2 ** -p.scale);
          // Everything at or below zero: the zero bucket and all negative buckets.
          let cumulative = p.zeroCount + p.negativeCounts.reduce((a, b) => a + b, 0);
          lines.push(sampleLine(`${name}_bucket`, [...labels, ["le", "0"]], cumulative, t));
          p.positiveCounts.forEach((c, i) => {
            cumulative += c;
            const upper = base ** (p.positiveOffset + i + 1);
            lines.push(
              sampleLine(
                `${name}_bucket`,
                [...labels, ["le", String(Number(upper.toPrecision(12)))]],
                cumulative,
                t,
              ),
            );
          });
          lines.push(sampleLine(`${name}_bucket`, [...labels, ["le", "+Inf"]], p.count, t));
          if (p.sum !== undefined) lines.push(sampleLine(`${name}_sum`, labels, p.sum, t));
          lines.push(sampleLine(`${name}_count`, labels, p.count, t));
        }
      }
    }
    return { lines, rejected };
  }

  #time(unixNano: number, nowMs: number): number {
    return unixNano > 0 ? unixNano / 1e6 : nowMs;
  }

  #resourceLabels(attrs: Attributes): [string, string][] {
    const out: [string, string][] = [];
    for (const key of this.#o.resourceAttributeLabels) {
      const v = attrs.get(key);
      if (v !== undefined) out.push([sanitizeName(key), String(v).slice(0, this.#o.maxLabelValueLength)]);
    }
    return out;
  }

  #labels(resource: readonly [string, string][], attrs: Attributes): [string, string][] {
    const merged = new Map<string, string>(resource);
    for (const [k, v] of attrs) {
      const name = sanitizeName(k);
      if (!merged.has(name)) merged.set(name, String(v).slice(0, this.#o.maxLabelValueLength));
    }
    const sorted = [...merged.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
    if (sorted.length > this.#o.maxLabelsPerSeries) {
      this.droppedLabels += sorted.length - this.#o.maxLabelsPerSeries;
      return sorted.slice(0, this.#o.maxLabelsPerSeries);
    }
    return sorted;
  }
}
