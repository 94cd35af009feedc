import { entityId } from "@causeway/protocol";
import { attributeResource, calleeOf, type PeerResolver, type ServiceKey } from "./attribution.js";
import { SPAN_KIND, STATUS_ERROR, type ResourceSpansView } from "./model.js";
import { DURATION_BUCKETS_SECONDS, RedCounters } from "./red-histogram.js";
import { sampleLine } from "./prom-text.js";

/** A call from one service to another service, or to an address outside the cluster. */
export interface CallEdge {
  readonly fromId: string;
  readonly toId: string;
  readonly from: ServiceKey;
  /** The callee service, or undefined for an external address. */
  readonly to: ServiceKey | undefined;
  readonly address: string | undefined;
}

export interface TracesProcessorOptions {
  readonly resolvePeer?: PeerResolver;
  /** At most this many operations per service get their own series; the rest are "other". */
  readonly maxOperationsPerService: number;
  /** Client spans kept while waiting for their server half. */
  readonly maxPendingClientSpans: number;
  readonly onEdge: (edge: CallEdge) => void;
}

interface PendingClient {
  readonly from: ServiceKey;
  readonly atMs: number;
}

function serviceId(s: ServiceKey): string {
  return entityId.service(s.namespace, s.name);
}

/**
 * Turns spans into per-service and per-operation RED counters and service call edges. Edges come
 * from client/server span pairs (a server span whose parent is another service's client span) and
 * from client spans that name their callee (peer.service, server.address).
 */
export class TracesProcessor {
  readonly #o: TracesProcessorOptions;
  readonly #red = new Map<string, { service: ServiceKey; operation: string; counters: RedCounters }>();
  readonly #operations = new Map<string, Set<string>>();
  readonly #pendingClients = new Map<string, PendingClient>();
  /** Server spans whose parent (client) span has not been seen yet, by trace/parent id. */
  readonly #pendingServers = new Map<string, PendingClient>();
  readonly #edges = new Set<string>();
  /** Per service: requests and errors since the last `drainWindow`. */
  readonly #window = new Map<
    string,
    { service: ServiceKey; requests: number; errors: number; durations: number[] }
  >();
  droppedClientSpans = 0;

  constructor(options: TracesProcessorOptions) {
    this.#o = options;
  }

  /** Processes one request's spans; returns how many spans were rejected (none today). */
  process(data: readonly ResourceSpansView[], peerIp: string | undefined, nowMs: number): number {
    for (const rs of data) {
      const service = attributeResource(rs.resource.attributes, peerIp, this.#o.resolvePeer, nowMs);
      for (const span of rs.spans) {
        const durationSeconds = Math.max(0, (span.endUnixNano - span.startUnixNano) / 1e9);
        const isError = span.statusCode === STATUS_ERROR;
        if (span.kind === SPAN_KIND.SERVER || span.kind === SPAN_KIND.CONSUMER || !span.hasParent) {
          this.#observe(service, span.name, durationSeconds, isError);
          if (span.hasParent) {
            // The caller's client span may arrive before or after this one, from another process.
            const key = span.parentKey;
            const caller = this.#pendingClients.get(key);
            if (caller) this.#pairEdge(caller.from, service);
            else this.#remember(this.#pendingServers, key, { from: service, atMs: nowMs });
          }
        }
        if (span.kind === SPAN_KIND.CLIENT || span.kind === SPAN_KIND.PRODUCER) {
          const key = span.spanKey;
          const server = this.#pendingServers.get(key);
          if (server) this.#pairEdge(service, server.from);
          else this.#remember(this.#pendingClients, key, { from: service, atMs: nowMs });
          const named = calleeOf(span.attributes);
          if (named.service)
            this.#edge(service, { namespace: service.namespace, name: named.service }, undefined);
          else if (named.address) this.#edge(service, undefined, named.address);
        }
      }
    }
    return 0;
  }

  /** Cumulative RED series in Prometheus text format. */
  seriesLines(nowMs: number): string[] {
    const lines: string[] = [];
    for (const { service, operation, counters } of this.#red.values()) {
      const labels: [string, string][] = [
        ["namespace", service.namespace],
        ["service", service.name],
        ["operation", operation],
      ];
      lines.push(sampleLine("causeway_service_requests_total", labels, counters.requests, nowMs));
      lines.push(sampleLine("causeway_service_errors_total", labels, counters.errors, nowMs));
      let cumulative = 0;
      DURATION_BUCKETS_SECONDS.forEach((le, i) => {
        cumulative += counters.buckets[i] ?? 0;
        lines.push(
          sampleLine(
            "causeway_service_request_duration_seconds_bucket",
            [...labels, ["le", String(le)]],
            cumulative,
            nowMs,
          ),
        );
      });
      lines.push(
        sampleLine(
          "causeway_service_request_duration_seconds_bucket",
          [...labels, ["le", "+Inf"]],
          counters.requests,
          nowMs,
        ),
      );
      lines.push(
        sampleLine(
          "causeway_service_request_duration_seconds_sum",
          labels,
          counters.durationSumSeconds,
          nowMs,
        ),
      );
      lines.push(
        sampleLine("causeway_service_request_duration_seconds_count", labels, counters.requests, nowMs),
      );
    }
    return lines;
  }

  /** Takes the per-service counts accumulated since the last call (for symptom windows). */
  drainWindow(): { service: ServiceKey; requests: number; errors: number; durations: number[] }[] {
    const out = [...this.#window.values()];
    this.#window.clear();
    return out;
  }

  /** Forgets span halves older than `maxAgeMs` that never met their other half. */
  expire(nowMs: number, maxAgeMs: number): void {
    for (const pending of [this.#pendingClients, this.#pendingServers]) {
      for (const [k, v] of pending) {
        if (nowMs - v.atMs <= maxAgeMs) break;
        pending.delete(k);
      }
    }
  }

  #remember(pending: Map<string, PendingClient>, key: string, value: PendingClient): void {
    if (pending.size >= this.#o.maxPendingClientSpans) {
      const oldest = pending.keys().next().value;
      if (oldest !== undefined) pending.delete(oldest);
      this.droppedClientSpans++;
    }
    pending.set(key, value);
  }

  #pairEdge(from: ServiceKey, to: ServiceKey): void {
    if (from.name !== to.name || from.namespace !== to.namespace) this.#edge(from, to, undefined);
  }

  #observe(service: ServiceKey, spanName: string, durationSeconds: number, isError: boolean): void {
    const sid = serviceId(service);
    let ops = this.#operations.get(sid);
    if (!ops) this.#operations.set(sid, (ops = new Set()));
    let operation = spanName;
    if (!ops.has(operation)) {
      if (ops.size >= this.#o.maxOperationsPerService) operation = "other";
      else ops.add(operation);
    }
    const key = `${sid}\u0000${operation}`;
    let entry = this.#red.get(key);
    if (!entry) this.#red.set(key, (entry = { service, operation, counters: new RedCounters() }));
    entry.counters.observe(durationSeconds, isError);
    let w = this.#window.get(sid);
    if (!w) this.#window.set(sid, (w = { service, requests: 0, errors: 0, durations: [] }));
    w.requests++;
    if (isError) w.errors++;
    if (w.durations.length < 10_000) w.durations.push(durationSeconds);
  }

  #edge(from: ServiceKey, to: ServiceKey | undefined, address: string | undefined): void {
    const fromId = serviceId(from);
    const toId = to ? serviceId(to) : `external/${address ?? "unknown"}`;
    const key = `${fromId}>${toId}`;
    if (this.#edges.has(key)) return;
    this.#edges.add(key);
    this.#o.onEdge({ fromId, toId, from, to, address });
  }
}
