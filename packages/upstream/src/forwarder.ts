import { randomUUID } from "node:crypto";
import { join } from "node:path";
import { type Masker } from "@causeway/masking";
import { silentLogger, type Logger } from "@causeway/runtime";
import WebSocket from "ws";
import {
  abstractEntity,
  abstractRelation,
  abstractRootCause,
  abstractSymptom,
  type AbstractRootCause,
  type AbstractionPolicy,
  type RootCauseOffer,
  type SymptomOffer,
  type TopologyOffer,
} from "./abstraction.js";
import { Backoff } from "./backoff.js";
import { EncryptedDiskQueue, type QueuePosition, type QueuedMessage } from "./disk-queue.js";
import { EgressLedger } from "./egress-ledger.js";
import { boundEvidence, type EvidenceProvider } from "./evidence.js";
import { UpstreamMetrics } from "./metrics.js";
import {
  CLUSTER_HEADER,
  PROTOCOL_HEADER,
  PROTOCOL_VERSION,
  TENANT_HEADER,
  parseServerFrame,
  type Category,
  type EvidenceRequestFrame,
} from "./wire.js";

export interface UpstreamForwarderOptions {
  /** wss:// URL of the upstream receiver. */
  readonly url: string;
  readonly tenantId: string;
  readonly clusterId: string;
  /** The API token (from a mounted Secret); sent only in the upgrade request, never logged. */
  readonly token: string;
  /** The 32-byte key-encryption key (from a mounted Secret). */
  readonly kek: Uint8Array;
  readonly queueDir: string;
  readonly maxQueueBytes: number;
  readonly segmentMaxBytes?: number;
  /** Where the egress ledger lives. Default `<queueDir>/ledger`. */
  readonly ledgerDir?: string;
  readonly ledgerMaxEntries?: number;
  readonly masker: Masker;
  readonly labelAllowlist: readonly string[];
  readonly attributeAllowlist?: readonly string[];
  readonly evidenceProvider?: EvidenceProvider;
  /** Upper bound on one evidence answer, after masking. Default 256 KiB. */
  readonly evidenceMaxBytes?: number;
  /** Default look-back before a root cause's detection; upstream may ask for less, never more. Default 30 min. */
  readonly evidenceWindowMs?: number;
  readonly evidenceTimeoutMs?: number;
  readonly reconnectInitialDelayMs?: number;
  readonly reconnectMaxDelayMs?: number;
  /** Messages sent and not yet acknowledged. Default 256. */
  readonly maxInFlight?: number;
  /** Entities plus relations per topology message; bigger snapshots are split. Default 1000. */
  readonly maxItemsPerMessage?: number;
  /** Larger messages are dropped (counted as `too_large`). Default 768 KiB. */
  readonly maxMessageBytes?: number;
  /** Root causes remembered for evidence requests. Default 1000. */
  readonly rememberedRootCauses?: number;
  /** Extra CA certificates (PEM) to trust, for a self-hosted receiver. */
  readonly ca?: string | Buffer;
  readonly pingIntervalMs?: number;
  readonly handshakeTimeoutMs?: number;
  readonly metrics?: UpstreamMetrics;
  readonly log?: Logger;
  readonly clock?: () => number;
  readonly random?: () => number;
  /** Waits `ms` or until `signal` aborts; tests pass a compressed clock. */
  readonly sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}

const defaultSleep = (ms: number, signal: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    signal.addEventListener(
      "abort",
      () => {
        clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });

interface InFlight {
  readonly id: string;
  readonly position: QueuePosition;
  acked: boolean;
}

/** Default bound on one message; the reference receiver accepts frames up to 1 MiB. */
const MAX_MESSAGE_BYTES = 768 * 1024;

/** Remembers which message ids were already sent (for the ledger's `resend` flag), bounded. */
const SENT_IDS_REMEMBERED = 100_000;

/**
 * The upstream forwarder (off by default; the mediator creates it only when configured). The
 * mediator offers topology changes, symptom changes and root causes; each is abstracted (only
 * kinds, names, namespaces, allowlisted labels, states), masked, and appended to the encrypted
 * on-disk queue. A connection loop sends the queue over WSS with capped exponential backoff,
 * replays everything unacknowledged after an outage or restart, records every frame in the
 * egress ledger, and answers evidence requests for root causes it forwarded.
 */
export class UpstreamForwarder {
  readonly metrics: UpstreamMetrics;
  readonly ledger: EgressLedger;
  readonly #o: UpstreamForwarderOptions;
  readonly #queue: EncryptedDiskQueue;
  readonly #policy: AbstractionPolicy;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #backoff: Backoff;
  readonly #abort = new AbortController();
  readonly #rootCauses = new Map<string, AbstractRootCause>();
  readonly #lastRootCause = new Map<string, string>();
  readonly #sentIds = new Set<string>();
  #inFlight: InFlight[] = [];
  #inFlightById = new Map<string, InFlight>();
  #ws: WebSocket | undefined;
  #loop: Promise<void> | undefined;
  #evidenceRunning = 0;
  #closed = false;

  constructor(options: UpstreamForwarderOptions) {
    if (!options.url.startsWith("wss://")) throw new Error("the upstream URL must be wss://");
    this.#o = options;
    this.#log = options.log ?? silentLogger();
    this.#clock = options.clock ?? Date.now;
    this.metrics = options.metrics ?? new UpstreamMetrics();
    this.#policy = {
      labelAllowlist: options.labelAllowlist,
      attributeAllowlist: options.attributeAllowlist ?? [],
    };
    this.#backoff = new Backoff(
      options.reconnectInitialDelayMs ?? 500,
      options.reconnectMaxDelayMs ?? 60_000,
      options.random,
    );
    this.#queue = EncryptedDiskQueue.open({
      dir: options.queueDir,
      tenantId: options.tenantId,
      clusterId: options.clusterId,
      kek: options.kek,
      maxBytes: options.maxQueueBytes,
      metrics: this.metrics,
      log: this.#log,
      clock: this.#clock,
      ...(options.segmentMaxBytes !== undefined ? { segmentMaxBytes: options.segmentMaxBytes } : {}),
    });
    this.ledger = EgressLedger.open({
      dir: options.ledgerDir ?? join(options.queueDir, "ledger"),
      clock: this.#clock,
      log: this.#log,
      ...(options.ledgerMaxEntries !== undefined ? { maxEntries: options.ledgerMaxEntries } : {}),
    });
    for (const entry of this.ledger.list({ limit: 1000 })) this.#sentIds.add(entry.messageId);
  }

  /** Starts connecting (and reconnecting) in the background. */
  start(): void {
    this.#loop ??= this.#connectLoop();
  }

  /** Whether a connection to upstream is open. */
  get connected(): boolean {
    return this.#ws?.readyState === WebSocket.OPEN;
  }

  /** Messages in the queue not yet acknowledged by upstream. */
  pendingMessages(): number {
    return this.#queue.pending();
  }

  // --- what the mediator offers -------------------------------------------------------------

  /** Offers a topology change; a full snapshot larger than one message is split into parts. */
  offerTopology(offer: TopologyOffer): void {
    const entities = (offer.upsertEntities ?? []).map((e) => abstractEntity(e, this.#policy));
    const relations = (offer.upsertRelations ?? []).map(abstractRelation);
    const deletedEntities = (offer.deleteEntityIds ?? []).map((id) => String(id).slice(0, 800));
    const deletedRelations = (offer.deleteRelations ?? []).map(abstractRelation);
    const perMessage = this.#o.maxItemsPerMessage ?? 1000;
    const items = entities.length + relations.length + deletedEntities.length + deletedRelations.length;
    const parts = Math.max(1, Math.ceil(items / perMessage));
    const snapshotId = offer.fullSnapshot ? randomUUID() : undefined;
    let e = 0;
    let r = 0;
    let de = 0;
    let dr = 0;
    for (let part = 0; part < parts; part++) {
      let room = perMessage;
      const take = <T>(list: T[], from: number): T[] => {
        const slice = list.slice(from, from + room);
        room -= slice.length;
        return slice;
      };
      const upsertEntities = take(entities, e);
      e += upsertEntities.length;
      const upsertRelations = take(relations, r);
      r += upsertRelations.length;
      const deleteEntityIds = take(deletedEntities, de);
      de += deleteEntityIds.length;
      const deleteRelations = take(deletedRelations, dr);
      dr += deleteRelations.length;
      this.#enqueue("topology", {
        ...(snapshotId ? { snapshot: { id: snapshotId, part: part + 1, parts } } : {}),
        upsertEntities,
        upsertRelations,
        deleteEntityIds,
        deleteRelations,
      });
    }
  }

  /** Offers symptom state changes. */
  offerSymptoms(changes: readonly SymptomOffer[]): void {
    const perMessage = this.#o.maxItemsPerMessage ?? 1000;
    for (let i = 0; i < changes.length; i += perMessage) {
      this.#enqueue("symptoms", { changes: changes.slice(i, i + perMessage).map(abstractSymptom) });
    }
  }

  /** Offers a root cause; it is remembered so that upstream can ask for its evidence. */
  offerRootCause(rootCause: RootCauseOffer): void {
    const abstract = abstractRootCause(rootCause);
    const masked = this.#o.masker.mask({ rootCause: abstract });
    // The engine re-ranks continuously: an unchanged root cause is not sent again.
    const key = JSON.stringify(masked);
    if (this.#lastRootCause.get(masked.rootCause.id) === key) return;
    this.#lastRootCause.delete(masked.rootCause.id);
    this.#lastRootCause.set(masked.rootCause.id, key);
    this.#enqueueMasked("root_cause", masked);
    // Upstream asks by the id it saw (masked); selectors need the real names.
    this.#rootCauses.delete(masked.rootCause.id);
    this.#rootCauses.set(masked.rootCause.id, abstract);
    const max = this.#o.rememberedRootCauses ?? 1000;
    while (this.#rootCauses.size > max) {
      this.#rootCauses.delete(this.#rootCauses.keys().next().value as string);
    }
    while (this.#lastRootCause.size > max) {
      this.#lastRootCause.delete(this.#lastRootCause.keys().next().value as string);
    }
  }

  /** Masks `body`, appends it to the queue and sends it when connected. */
  #enqueue(category: Category, body: unknown): void {
    this.#enqueueMasked(category, this.#o.masker.mask(body));
  }

  #enqueueMasked(category: Category, masked: unknown): void {
    if (this.#closed) throw new Error("the upstream forwarder is closed");
    const message = { id: randomUUID(), category, createdUnixMs: this.#clock(), body: masked };
    // A frame the receiver would refuse must not block the queue behind it forever.
    const bytes = Buffer.byteLength(JSON.stringify(message));
    const max = this.#o.maxMessageBytes ?? MAX_MESSAGE_BYTES;
    if (bytes > max) {
      this.metrics.dropped.inc(1, "too_large");
      this.#log.warn({ category, bytes, maxBytes: max }, "upstream message too large; dropped");
      return;
    }
    this.#queue.append(message);
    this.#pump();
  }

  // --- the connection -----------------------------------------------------------------------

  async #connectLoop(): Promise<void> {
    while (!this.#closed) {
      await this.#connectOnce();
      if (this.#closed) break;
      this.metrics.reconnects.inc();
      await (this.#o.sleep ?? defaultSleep)(this.#backoff.next(), this.#abort.signal);
    }
  }

  #connectOnce(): Promise<void> {
    return new Promise((resolve) => {
      const ws = new WebSocket(this.#o.url, {
        headers: {
          authorization: `Bearer ${this.#o.token}`,
          [TENANT_HEADER]: this.#o.tenantId,
          [CLUSTER_HEADER]: this.#o.clusterId,
          [PROTOCOL_HEADER]: String(PROTOCOL_VERSION),
        },
        perMessageDeflate: false,
        handshakeTimeout: this.#o.handshakeTimeoutMs ?? 10_000,
        maxPayload: 1024 * 1024,
        ...(this.#o.ca ? { ca: this.#o.ca } : {}),
      });
      this.#ws = ws;
      let ping: NodeJS.Timeout | undefined;
      let alive = true;
      let done = false;
      const finish = (): void => {
        if (done) return;
        done = true;
        if (ping) clearInterval(ping);
        this.metrics.connected.set(0);
        this.#inFlight = [];
        this.#inFlightById.clear();
        if (this.#ws === ws) this.#ws = undefined;
        resolve();
      };
      ws.on("unexpected-response", (_req, res) => {
        this.#log.error({ status: res.statusCode, url: this.#o.url }, "upstream refused the connection");
        ws.terminate();
        finish();
      });
      ws.on("open", () => {
        this.#log.info({ url: this.#o.url, pending: this.#queue.pending() }, "connected upstream");
        this.metrics.connected.set(1);
        this.#backoff.reset();
        this.#queue.rewind();
        ping = setInterval(() => {
          if (!alive) {
            this.#log.warn("upstream stopped answering pings; reconnecting");
            ws.terminate();
            return;
          }
          alive = false;
          ws.ping();
        }, this.#o.pingIntervalMs ?? 20_000);
        ping.unref();
        this.#pump();
      });
      ws.on("pong", () => {
        alive = true;
      });
      ws.on("message", (data, isBinary) => {
        alive = true;
        if (isBinary) return;
        this.#onFrame(
          Buffer.isBuffer(data) ? data.toString("utf8") : Buffer.concat(data as Buffer[]).toString("utf8"),
        );
      });
      ws.on("error", (error) => {
        this.#log.debug({ err: error.message }, "upstream connection error");
      });
      ws.on("close", finish);
    });
  }

  #onFrame(raw: string): void {
    const frame = parseServerFrame(raw);
    if (!frame) {
      this.#log.warn({ bytes: raw.length }, "ignoring a malformed frame from upstream");
      return;
    }
    if (frame.type === "ack") this.#onAck(frame.ids);
    else this.#onEvidenceRequest(frame);
  }

  #onAck(ids: readonly string[]): void {
    for (const id of ids) {
      const entry = this.#inFlightById.get(id);
      if (entry) entry.acked = true;
    }
    let last: QueuePosition | undefined;
    let n = 0;
    while (n < this.#inFlight.length && (this.#inFlight[n] as InFlight).acked) {
      const entry = this.#inFlight[n] as InFlight;
      last = entry.position;
      this.#inFlightById.delete(entry.id);
      n++;
    }
    if (n > 0) this.#inFlight = this.#inFlight.slice(n);
    if (last) this.#queue.ack(last);
    this.#pump();
  }

  /** Sends queued messages while connected and the in-flight window has room. */
  #pump(): void {
    const ws = this.#ws;
    if (!ws || ws.readyState !== WebSocket.OPEN) return;
    const max = this.#o.maxInFlight ?? 256;
    while (this.#inFlight.length < max) {
      const next = this.#queue.next();
      if (!next) break;
      this.#send(ws, next.message, next.position);
    }
  }

  #send(ws: WebSocket, message: QueuedMessage, position: QueuePosition): void {
    const frame = JSON.stringify({
      type: "data",
      id: message.id,
      tenantId: this.#o.tenantId,
      clusterId: this.#o.clusterId,
      category: message.category,
      createdUnixMs: message.createdUnixMs,
      body: message.body,
    });
    // The ledger line is written before the frame leaves: a crash between the two then records
    // a send that may not have happened, never a send without a record.
    const resend = this.#sentIds.has(message.id);
    if (!resend) {
      this.#sentIds.add(message.id);
      if (this.#sentIds.size > SENT_IDS_REMEMBERED)
        this.#sentIds.delete(this.#sentIds.values().next().value as string);
    }
    this.ledger.record({
      messageId: message.id,
      category: message.category,
      frame,
      resend,
      summary: summarize(message),
    });
    ws.send(frame);
    this.metrics.sent.inc(1, message.category);
    const entry: InFlight = { id: message.id, position, acked: false };
    this.#inFlight.push(entry);
    this.#inFlightById.set(message.id, entry);
  }

  // --- evidence -----------------------------------------------------------------------------

  #onEvidenceRequest(request: EvidenceRequestFrame): void {
    const rootCause = this.#rootCauses.get(request.rootCauseId);
    const answer = (outcome: string, body: Record<string, unknown>): void => {
      this.metrics.evidenceRequests.inc(1, outcome);
      if (!this.#closed)
        this.#enqueue("evidence", {
          requestId: request.requestId,
          rootCauseId: request.rootCauseId,
          ...body,
        });
    };
    if (!rootCause) return answer("unknown_root_cause", { error: "unknown root cause" });
    const provider = this.#o.evidenceProvider;
    if (!provider) return answer("unavailable", { error: "evidence is not available from this cluster" });
    if (this.#evidenceRunning >= 2) return answer("busy", { error: "busy; ask again later" });
    const defaultWindow = this.#o.evidenceWindowMs ?? 30 * 60_000;
    const windowMs = Math.min(request.windowMs ?? defaultWindow, defaultWindow);
    const endUnixMs = this.#clock();
    const anchor = rootCause.detectedAtUnixMs ?? endUnixMs;
    const startUnixMs = Math.min(anchor, endUnixMs) - windowMs;
    const maxBytes = this.#o.evidenceMaxBytes ?? 256 * 1024;
    this.#evidenceRunning++;
    const timeout = AbortSignal.timeout(this.#o.evidenceTimeoutMs ?? 30_000);
    const timedOut = new Promise<never>((_, reject) =>
      timeout.addEventListener("abort", () => reject(new Error("evidence provider timed out")), {
        once: true,
      }),
    );
    timedOut.catch(() => undefined);
    Promise.race([provider({ rootCause, startUnixMs, endUnixMs, maxBytes }), timedOut])
      .then((evidence) => {
        const bounded = boundEvidence(this.#o.masker.mask(evidence), maxBytes);
        answer("answered", { startUnixMs, endUnixMs, ...bounded });
      })
      .catch((error: unknown) => {
        this.#log.warn(
          { err: (error as Error).message, requestId: request.requestId },
          "evidence request failed",
        );
        answer("failed", { error: "evidence could not be collected" });
      })
      .finally(() => {
        this.#evidenceRunning--;
      });
  }

  /** Stops reconnecting, closes the connection and the queue (unsent messages stay on disk). */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    this.#abort.abort();
    const ws = this.#ws;
    if (ws && ws.readyState !== WebSocket.CLOSED) {
      const closed = new Promise<void>((resolve) => ws.once("close", () => resolve()));
      ws.close(1001, "shutting down");
      const timer = setTimeout(() => ws.terminate(), 2000);
      await closed;
      clearTimeout(timer);
    }
    await this.#loop;
    this.#queue.close();
  }
}

/** A one-line description of a queued message for the egress ledger (from the masked body). */
function summarize(message: QueuedMessage): string {
  const body = message.body as Record<string, unknown>;
  const count = (key: string): number => (Array.isArray(body[key]) ? (body[key] as unknown[]).length : 0);
  switch (message.category) {
    case "topology": {
      const snap = body.snapshot as { part: number; parts: number } | undefined;
      return (
        `topology: ${count("upsertEntities")} entities, ${count("upsertRelations")} relations, ` +
        `${count("deleteEntityIds") + count("deleteRelations")} deletions` +
        (snap ? ` (snapshot part ${snap.part}/${snap.parts})` : "")
      );
    }
    case "symptoms":
      return `symptoms: ${count("changes")} changes`;
    case "root_cause": {
      const rc = body.rootCause as { type?: string; entityId?: string } | undefined;
      return `root cause ${rc?.type ?? "?"} on ${rc?.entityId ?? "?"}`;
    }
    case "evidence":
      return typeof body.error === "string"
        ? `evidence refused for ${String(body.rootCauseId)}: ${body.error}`
        : `evidence for ${String(body.rootCauseId)}: ${count("series")} series, ${count("events")} events`;
    default:
      return message.category;
  }
}
