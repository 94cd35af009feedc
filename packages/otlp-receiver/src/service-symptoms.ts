import { entityId, type SymptomType } from "@causeway/protocol";
import { type ServiceKey } from "./attribution.js";

export interface ServiceSymptomThresholds {
  /** Sliding window the rates are computed over. */
  readonly windowMs: number;
  /** Error ratio that turns high_error_rate on, and the lower one that turns it off. */
  readonly errorRateOn: number;
  readonly errorRateOff: number;
  /** p95 latency that turns high_latency on, and the lower one that turns it off. */
  readonly latencyP95OnSeconds: number;
  readonly latencyP95OffSeconds: number;
  /** Fewer requests than this in the window decide nothing. */
  readonly minRequests: number;
  /** Error-severity log records per window that turn log_error_spike on, and off. */
  readonly logErrorsOn: number;
  readonly logErrorsOff: number;
}

export const DEFAULT_SERVICE_SYMPTOM_THRESHOLDS: ServiceSymptomThresholds = {
  windowMs: 60_000,
  errorRateOn: 0.05,
  errorRateOff: 0.02,
  latencyP95OnSeconds: 1,
  latencyP95OffSeconds: 0.5,
  minRequests: 10,
  logErrorsOn: 20,
  logErrorsOff: 5,
};

export interface ServiceSymptomChange {
  readonly entityId: string;
  readonly type: Extract<SymptomType, "high_error_rate" | "high_latency" | "log_error_spike">;
  readonly active: boolean;
  readonly sinceUnixMs: number;
  readonly evidenceSummary: string;
  readonly evidence: Record<string, number>;
}

interface Slice {
  readonly atMs: number;
  readonly requests: number;
  readonly errors: number;
  readonly durations: readonly number[];
  readonly logErrors: number;
}

function p95(values: number[]): number {
  if (values.length === 0) return 0;
  values.sort((a, b) => a - b);
  return values[Math.min(values.length - 1, Math.floor(values.length * 0.95))] as number;
}

/**
 * Per-service symptoms from spans and logs over a sliding window, with hysteresis: a symptom
 * turns on above one threshold and off only below a lower one, so it does not flap.
 */
export class ServiceSymptomDetector {
  readonly #t: ServiceSymptomThresholds;
  readonly #slices = new Map<string, { service: ServiceKey; slices: Slice[] }>();
  readonly #active = new Map<string, number>();

  constructor(thresholds: Partial<ServiceSymptomThresholds> = {}) {
    this.#t = { ...DEFAULT_SERVICE_SYMPTOM_THRESHOLDS, ...thresholds };
  }

  add(
    service: ServiceKey,
    nowMs: number,
    counts: { requests?: number; errors?: number; durations?: readonly number[]; logErrors?: number },
  ): void {
    const id = entityId.service(service.namespace, service.name);
    let s = this.#slices.get(id);
    if (!s) this.#slices.set(id, (s = { service, slices: [] }));
    s.slices.push({
      atMs: nowMs,
      requests: counts.requests ?? 0,
      errors: counts.errors ?? 0,
      durations: counts.durations ?? [],
      logErrors: counts.logErrors ?? 0,
    });
  }

  /** Evaluates every service and returns the symptoms that changed state. */
  evaluate(nowMs: number): ServiceSymptomChange[] {
    const t = this.#t;
    const changes: ServiceSymptomChange[] = [];
    for (const [id, s] of this.#slices) {
      s.slices = s.slices.filter((x) => nowMs - x.atMs < t.windowMs);
      let requests = 0;
      let errors = 0;
      let logErrors = 0;
      const durations: number[] = [];
      for (const x of s.slices) {
        requests += x.requests;
        errors += x.errors;
        logErrors += x.logErrors;
        for (const d of x.durations) durations.push(d);
      }
      const enoughRequests = requests >= t.minRequests;
      const rate = requests > 0 ? errors / requests : 0;
      const latency = p95(durations);
      this.#decide(
        changes,
        id,
        "high_error_rate",
        nowMs,
        enoughRequests && rate >= t.errorRateOn,
        !enoughRequests || rate < t.errorRateOff,
        {
          summary: `${errors} of ${requests} requests failed (${(rate * 100).toFixed(1)}%) in ${t.windowMs / 1000} s`,
          evidence: { requests, errors, error_ratio: rate },
        },
      );
      this.#decide(
        changes,
        id,
        "high_latency",
        nowMs,
        enoughRequests && latency >= t.latencyP95OnSeconds,
        !enoughRequests || latency < t.latencyP95OffSeconds,
        {
          summary: `p95 latency ${(latency * 1000).toFixed(0)} ms over ${requests} requests`,
          evidence: { requests, p95_seconds: latency },
        },
      );
      this.#decide(
        changes,
        id,
        "log_error_spike",
        nowMs,
        logErrors >= t.logErrorsOn,
        logErrors < t.logErrorsOff,
        {
          summary: `${logErrors} error log records in ${t.windowMs / 1000} s`,
          evidence: { error_logs: logErrors },
        },
      );
      if (s.slices.length === 0 && ![...this.#active.keys()].some((k) => k.startsWith(`${id}\u0000`)))
        this.#slices.delete(id);
    }
    return changes;
  }

  #decide(
    out: ServiceSymptomChange[],
    id: string,
    type: ServiceSymptomChange["type"],
    nowMs: number,
    turnOn: boolean,
    turnOff: boolean,
    why: { summary: string; evidence: Record<string, number> },
  ): void {
    const key = `${id}\u0000${type}`;
    const since = this.#active.get(key);
    if (since === undefined && turnOn) {
      this.#active.set(key, nowMs);
      out.push({
        entityId: id,
        type,
        active: true,
        sinceUnixMs: nowMs,
        evidenceSummary: why.summary,
        evidence: why.evidence,
      });
    } else if (since !== undefined && turnOff) {
      this.#active.delete(key);
      out.push({
        entityId: id,
        type,
        active: false,
        sinceUnixMs: nowMs,
        evidenceSummary: why.summary,
        evidence: why.evidence,
      });
    }
  }
}
