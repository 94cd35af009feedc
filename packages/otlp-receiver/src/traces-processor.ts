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

interface RedEntry {
  readonly service: ServiceKey;
  readonly operation: string;
  readonly counters: RedCounters;
}

interface WindowCounts {
  readonly service: ServiceKey;
  requests: number;
  errors: number;
  durations: number[];
}

/** What the processor keeps per service, found once per resource rather than once per span. */
interface ServiceState {
  readonly id: string;
  /** Operations admitted under their own name (at most maxOperationsPerService), with their entry. */
  readonly operations: Map<string, RedEntry>;
  /** Entries by operation label, "other" included. */
  readonly entries: Map<string, RedEntry>;
  /** Ids this service already has a call edge to. */
  readonly callees: Set<string>;
  /** Counts since the last `drainWindow`, if any. */
  window: WindowCounts | undefined;
}

/** One half of a client/server span pair, waiting for the other. */
interface PendingHalf {
  readonly from: ServiceKey;
  readonly state: ServiceState;
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
  readonly #services = new Map<string, ServiceState>();
  /** Every RED entry, in the order they were created (the order series are written in). */
  readonly #red: RedEntry[] = [];
  /** Client spans whose server child has not been seen yet, by (trace, span) key. */
  readonly #pendingClients = new Map<string, PendingHalf>();
  /** Server spans whose parent (client) span has not been seen yet, by (trace, parent) key. */
  readonly #pendingServers = new Map<string, PendingHalf>();
  /** Services with counts since the last `drainWindow`, in the order they were first counted. */
  #windowed: ServiceState[] = [];
  droppedClientSpans = 0;

  constructor(options: TracesProcessorOptions) {
    this.#o = options;
  }

  /** Processes one request's spans; returns how many spans were rejected (none today). */
  process(data: readonly ResourceSpansView[], peerIp: string | undefined, nowMs: number): number {
    for (const rs of data) {
      const service = attributeResource(rs.resource.attributes, peerIp, this.#o.resolvePeer, nowMs);
      const state = this.#state(service);
      for (const span of rs.spans) {
        const kind = span.kind;
        const hasParent = span.hasParent;
        if (kind === SPAN_KIND.SERVER || kind === SPAN_KIND.CONSUMER || !hasParent) {
          const durationSeconds = Math.max(0, (span.endUnixNano - span.startUnixNano) / 1e9);
          this.#observe(state, service, span.name, durationSeconds, span.statusCode === STATUS_ERROR);
          if (hasParent) {
            // The caller's client span may arrive before or after this one, from another process.
            const key = span.parentKey;
            const caller = this.#pendingClients.get(key);
            if (caller) this.#pairEdge(caller.from, caller.state, service, state);
            else this.#remember(this.#pendingServers, key, { from: service, state, atMs: nowMs });
          }
        }
        if (kind === SPAN_KIND.CLIENT || kind === SPAN_KIND.PRODUCER) {
          const key = span.spanKey;
          const server = this.#pendingServers.get(key);
          if (server) this.#pairEdge(service, state, server.from, server.state);
          else this.#remember(this.#pendingClients, key, { from: service, state, atMs: nowMs });
          const named = calleeOf(span.attributes);
          if (named.service) {
            const to = { namespace: service.namespace, name: named.service };
            this.#edge(state, service, serviceId(to), to, undefined);
          } else if (named.address) {
            this.#edge(state, service, `external/${named.address}`, undefined, named.address);
          }
        }
      }
    }
    return 0;
  }

  /** Cumulative RED series in Prometheus text format. */
  seriesLines(nowMs: number): string[] {
    const lines: string[] = [];
    for (const { service, operation, counters } of this.#red) {
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
    const out: WindowCounts[] = [];
    for (const state of this.#windowed) {
      if (state.window) out.push(state.window);
      state.window = undefined;
    }
    this.#windowed = [];
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

  #remember(pending: Map<string, PendingHalf>, key: string, value: PendingHalf): void {
    if (pending.size >= this.#o.maxPendingClientSpans) {
      const oldest = pending.keys().next().value;
      if (oldest !== undefined) pending.delete(oldest);
      this.droppedClientSpans++;
    }
    pending.set(key, value);
  }

  #state(service: ServiceKey): ServiceState {
    const id = serviceId(service);
    let state = this.#services.get(id);
    if (!state) {
      state = { id, operations: new Map(), entries: new Map(), callees: new Set(), window: undefined };
      this.#services.set(id, state);
    }
    return state;
  }

  #pairEdge(from: ServiceKey, fromState: ServiceState, to: ServiceKey, toState: ServiceState): void {
    if (from.name !== to.name || from.namespace !== to.namespace)
      this.#edge(fromState, from, toState.id, to, undefined);
  }

  #observe(
    state: ServiceState,
    service: ServiceKey,
    spanName: string,
    durationSeconds: number,
    isError: boolean,
  ): void {
    let entry = state.operations.get(spanName);
    if (entry === undefined) {
      if (state.operations.size >= this.#o.maxOperationsPerService) {
        entry = this.#entry(state, service, "other");
      } else {
        entry = this.#entry(state, service, spanName);
        state.operations.set(spanName, entry);
      }
    }
    entry.counters.observe(durationSeconds, isError);
    let w = state.window;
    if (!w) {
      state.window = w = { service, requests: 0, errors: 0, durations: [] };
      this.#windowed.push(state);
    }
    w.requests++;
    if (isError) w.errors++;
    if (w.durations.length < 10_000) w.durations.push(durationSeconds);
  }

  #entry(state: ServiceState, service: ServiceKey, operation: string): RedEntry {
    let entry = state.entries.get(operation);
    if (!entry) {
      entry = { service, operation, counters: new RedCounters() };
      state.entries.set(operation, entry);
      this.#red.push(entry);
    }
    return entry;
  }

  #edge(
    state: ServiceState,
    from: ServiceKey,
    toId: string,
    to: ServiceKey | undefined,
    address: string | undefined,
  ): void {
    if (state.callees.has(toId)) return;
    state.callees.add(toId);
    this.#o.onEdge({ fromId: state.id, toId, from, to, address });
  }
}
