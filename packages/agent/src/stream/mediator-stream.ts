import { randomBytes } from "node:crypto";
import { EventEmitter } from "node:events";
import { readFile } from "node:fs/promises";
import {
  Metadata,
  credentials as grpcCredentials,
  type ChannelCredentials,
  type ClientDuplexStream,
} from "@grpc/grpc-js";
import {
  AgentMessage,
  AgentServiceClient,
  type Capabilities,
  type ConfigUpdate,
  type MediatorMessage,
} from "@causeway/protocol";
import { backoffDelayMs, realDelay, type BackoffPolicy, type DelayFunction } from "@causeway/ebpf-helper";
import { type Logger } from "@causeway/runtime";
import { ReplayBuffer, type PendingMessage } from "./replay-buffer.js";

/** The body of an agent message, without its sequence number. */
export type AgentMessageBody = NonNullable<AgentMessage["body"]>;

/** TLS towards the mediator; absent means plaintext (in-cluster default without cert-manager). */
export interface MediatorTls {
  /** PEM bundle of the CA that signed the mediator's certificate; system roots when absent. */
  readonly caFile?: string | undefined;
  /** Name to verify in the mediator's certificate when it differs from the address host. */
  readonly serverName?: string | undefined;
}

export interface MediatorStreamOptions {
  /** host:port of the mediator's gRPC server. */
  readonly address: string;
  readonly nodeName: string;
  readonly version: string;
  /** Evaluated for each hello, so a late eBPF failure is reported on the next connect. */
  readonly capabilities: () => Capabilities;
  /** Projected ServiceAccount token, re-read on every connect (the kubelet rotates it). */
  readonly tokenFile?: string | undefined;
  readonly tls?: MediatorTls | undefined;
  readonly maxUnackedMessages: number;
  readonly maxUnackedBytes: number;
  readonly heartbeatIntervalMs: number;
  readonly reconnect: BackoffPolicy;
  /** How long to wait for the channel to connect before backing off. */
  readonly connectTimeoutMs: number;
  /** A stream up at least this long resets the reconnect backoff. */
  readonly stableStreamMs?: number;
  readonly log: Logger;
  readonly now?: () => number;
  readonly delay?: DelayFunction;
  /** Random part of the agent id (boot id); injected in tests. */
  readonly newSessionId?: () => string;
}

export interface MediatorStreamEvents {
  connected: [{ readonly agentId: string; readonly generation: number }];
  disconnected: [{ readonly reason: string }];
  acked: [number];
  config: [ConfigUpdate];
  /**
   * The replay buffer overflowed and was discarded: a new agent id and sequence space began. The
   * owner must send a full topology snapshot and every active symptom again.
   */
  resync: [{ readonly agentId: string; readonly droppedMessages: number }];
}

/** Where the stream stands, for metrics and tests. */
export interface MediatorStreamStats {
  readonly agentId: string;
  readonly connected: boolean;
  readonly lastSeq: number;
  readonly highestAckedSeq: number;
  readonly unackedMessages: number;
  readonly unackedBytes: number;
  readonly droppedMessages: number;
  readonly reconnects: number;
  readonly throttled: boolean;
}

interface Session {
  readonly generation: number;
  readonly call: ClientDuplexStream<AgentMessage, MediatorMessage>;
  waitingForDrain: boolean;
  pumpTimer: NodeJS.Timeout | undefined;
}

/**
 * The agent's one stream to the mediator (AgentService.Connect). Every message gets the next
 * sequence number and stays in a bounded replay buffer until the mediator acknowledges it; after a
 * reconnect the stream opens with a hello and replays every unacknowledged message with its
 * original number, so a mediator restart loses nothing. gRPC flow control (`write` returning
 * false) and the mediator's ThrottleHint are honoured. When the buffer bound is hit, the buffer is
 * discarded and counted, and a new agent id starts a new sequence space (docs/adr/0040).
 */
export class MediatorStream extends EventEmitter<MediatorStreamEvents> {
  readonly #o: MediatorStreamOptions;
  readonly #buffer: ReplayBuffer;
  readonly #now: () => number;
  readonly #delay: DelayFunction;
  readonly #newSessionId: () => string;
  readonly #stop = new AbortController();
  #agentId: string;
  #seq = 0;
  #highestAcked = 0;
  #dropped = 0;
  #reconnects = 0;
  #generation = 0;
  #session: Session | undefined;
  #client: AgentServiceClient | undefined;
  #running: Promise<void> | undefined;
  #heartbeat: NodeJS.Timeout | undefined;
  #pausedUntilMs = 0;
  #minWriteSpacingMs = 0;
  #nextWriteAtMs = 0;
  #ackWaiters: (() => void)[] = [];
  #heartbeatIntervalMs: number;

  constructor(options: MediatorStreamOptions) {
    super();
    this.#o = options;
    this.#buffer = new ReplayBuffer({
      maxMessages: options.maxUnackedMessages,
      maxBytes: options.maxUnackedBytes,
    });
    this.#now = options.now ?? Date.now;
    this.#delay = options.delay ?? realDelay;
    this.#newSessionId = options.newSessionId ?? (() => randomBytes(6).toString("hex"));
    this.#agentId = `${options.nodeName}/${this.#newSessionId()}`;
    this.#heartbeatIntervalMs = options.heartbeatIntervalMs;
  }

  /** Changes the heartbeat interval (a ConfigUpdate from the mediator); applies at once. */
  setHeartbeatInterval(ms: number): void {
    if (ms <= 0 || ms === this.#heartbeatIntervalMs) return;
    this.#heartbeatIntervalMs = ms;
    if (this.#heartbeat) this.#startHeartbeat();
  }

  get agentId(): string {
    return this.#agentId;
  }

  get stats(): MediatorStreamStats {
    return {
      agentId: this.#agentId,
      connected: this.#session !== undefined,
      lastSeq: this.#seq,
      highestAckedSeq: this.#highestAcked,
      unackedMessages: this.#buffer.size,
      unackedBytes: this.#buffer.bytes,
      droppedMessages: this.#dropped,
      reconnects: this.#reconnects,
      throttled: this.#pausedUntilMs > this.#now() || this.#minWriteSpacingMs > 0,
    };
  }

  start(): void {
    if (this.#running) throw new Error("MediatorStream already started");
    this.#running = this.#run();
  }

  /**
   * Queues a message; it is written at once when connected and replayed after reconnects until
   * acknowledged. Returns its sequence number, or undefined when it was dropped (buffer overflow).
   */
  send(body: AgentMessageBody): number | undefined {
    const pending = this.#enqueue(body);
    this.#pump();
    return pending?.message.seq;
  }

  /** Resolves when every message queued so far is acknowledged, or after `timeoutMs`. */
  async waitForAcks(timeoutMs: number): Promise<boolean> {
    if (this.#buffer.size === 0) return true;
    const target = this.#buffer.lastSeq ?? 0;
    const deadline = this.#now() + timeoutMs;
    while (this.#highestAcked < target && this.#buffer.size > 0) {
      const remaining = deadline - this.#now();
      if (remaining <= 0 || this.#stop.signal.aborted) return false;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, Math.min(remaining, 1000));
        this.#ackWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
    return true;
  }

  /** Waits up to `drainTimeoutMs` for outstanding acks, then closes the stream. */
  async stop(drainTimeoutMs = 0): Promise<void> {
    if (drainTimeoutMs > 0 && this.#session) await this.waitForAcks(drainTimeoutMs);
    this.#stop.abort();
    // acks were awaited above: cancel rather than wait for the mediator to end its side
    this.#session?.call.cancel();
    this.#client?.close();
    await this.#running;
  }

  #enqueue(body: AgentMessageBody): PendingMessage | undefined {
    const message: AgentMessage = { seq: this.#seq + 1, createdUnixMs: this.#now(), body };
    const sizeBytes = AgentMessage.encode(message).finish().length;
    if (this.#buffer.wouldOverflow(sizeBytes)) {
      if (this.#buffer.size === 0) {
        // A single message larger than the whole bound can never be delivered.
        this.#dropped++;
        this.#o.log.error({ sizeBytes, type: body.$case }, "message larger than the replay buffer; dropped");
        return undefined;
      }
      this.#resync();
      // The resync listeners queued a fresh snapshot; this message is part of the old epoch.
      this.#dropped++;
      return undefined;
    }
    this.#seq++;
    return this.#buffer.push(message, sizeBytes);
  }

  #resync(): void {
    const droppedMessages = this.#buffer.clear();
    this.#dropped += droppedMessages;
    this.#seq = 0;
    this.#highestAcked = 0;
    this.#agentId = `${this.#o.nodeName}/${this.#newSessionId()}`;
    this.#o.log.warn(
      { droppedMessages, agentId: this.#agentId },
      "replay buffer full; discarded it and started a new sequence with a full snapshot",
    );
    // The open stream belongs to the old agent id: end it so the next one says hello again.
    this.#session?.call.cancel();
    this.emit("resync", { agentId: this.#agentId, droppedMessages });
  }

  async #run(): Promise<void> {
    const signal = this.#stop.signal;
    let attempt = 0;
    while (!signal.aborted) {
      const startedAt = this.#now();
      const outcome = await this.#connectOnce().catch((error: unknown) => ({
        acked: false,
        reason: error instanceof Error ? error.message : String(error),
      }));
      if (signal.aborted) break;
      this.emit("disconnected", { reason: outcome.reason });
      if (outcome.acked || this.#now() - startedAt >= (this.#o.stableStreamMs ?? 30_000)) attempt = 0;
      const delayMs = backoffDelayMs(this.#o.reconnect, attempt++);
      this.#o.log.debug({ reason: outcome.reason, delayMs }, "mediator stream down; reconnecting");
      this.#reconnects++;
      await this.#delay(delayMs, signal);
    }
  }

  async #credentials(): Promise<ChannelCredentials> {
    const tls = this.#o.tls;
    if (!tls) return grpcCredentials.createInsecure();
    const ca = tls.caFile ? await readFile(tls.caFile) : null;
    return grpcCredentials.createSsl(ca);
  }

  async #metadata(): Promise<Metadata> {
    const metadata = new Metadata();
    if (this.#o.tokenFile) {
      try {
        const token = (await readFile(this.#o.tokenFile, "utf8")).trim();
        if (token !== "") metadata.set("authorization", `Bearer ${token}`);
      } catch (error) {
        this.#o.log.error(
          { tokenFile: this.#o.tokenFile, err: (error as Error).message },
          "cannot read the ServiceAccount token; connecting without it",
        );
      }
    }
    return metadata;
  }

  async #connectOnce(): Promise<{ acked: boolean; reason: string }> {
    const channelOptions: Record<string, string | number> = {
      "grpc.keepalive_time_ms": 30_000,
      "grpc.keepalive_timeout_ms": 10_000,
      "grpc.keepalive_permit_without_calls": 1,
      // the agent owns reconnects (with its own backoff and a fresh token each time)
      "grpc.enable_retries": 0,
    };
    if (this.#o.tls?.serverName) channelOptions["grpc.ssl_target_name_override"] = this.#o.tls.serverName;
    const client = new AgentServiceClient(this.#o.address, await this.#credentials(), channelOptions);
    this.#client = client;
    try {
      await new Promise<void>((resolve, reject) =>
        client.waitForReady(this.#now() + this.#o.connectTimeoutMs, (error) =>
          error ? reject(error) : resolve(),
        ),
      );
      if (this.#stop.signal.aborted) return { acked: false, reason: "stopped" };
      const metadata = await this.#metadata();
      return await this.#stream(client, metadata);
    } finally {
      client.close();
      if (this.#client === client) this.#client = undefined;
    }
  }

  #stream(client: AgentServiceClient, metadata: Metadata): Promise<{ acked: boolean; reason: string }> {
    const generation = ++this.#generation;
    const call = client.connect(metadata);
    const session: Session = { generation, call, waitingForDrain: false, pumpTimer: undefined };
    this.#session = session;
    let acked = false;
    return new Promise((resolve) => {
      let settled = false;
      const finish = (reason: string): void => {
        if (settled) return;
        settled = true;
        if (this.#session === session) this.#session = undefined;
        if (session.pumpTimer) clearTimeout(session.pumpTimer);
        this.#stopHeartbeat();
        resolve({ acked, reason });
      };
      call.on("data", (message: MediatorMessage) => {
        const body = message.body;
        if (!body) return;
        if (body.$case === "ack") {
          acked = true;
          this.#onAck(body.value.highestContiguousSeq);
        } else if (body.$case === "throttle") {
          this.#onThrottle(body.value.maxMessagesPerSecond, body.value.pauseMs, body.value.reason);
        } else {
          this.emit("config", body.value);
        }
      });
      call.on("drain", () => {
        session.waitingForDrain = false;
        this.#pump();
      });
      call.on("error", (error) => finish(error.message));
      call.on("end", () => finish("mediator ended the stream"));
      call.on("close", () => finish("stream closed"));

      // A hello opens every stream; it is sequenced like any other message and written first,
      // then every unacknowledged message follows in order.
      const hello = this.#enqueue({
        $case: "hello",
        value: {
          agentId: this.#agentId,
          nodeName: this.#o.nodeName,
          version: this.#o.version,
          capabilities: this.#o.capabilities(),
        },
      });
      this.#buffer.rewind();
      if (hello) this.#write(session, hello);
      this.#o.log.info(
        { agentId: this.#agentId, generation, replaying: this.#buffer.size - 1 },
        "mediator stream connected",
      );
      this.emit("connected", { agentId: this.#agentId, generation });
      this.#startHeartbeat();
      this.#pump();
    });
  }

  #write(session: Session, item: PendingMessage): boolean {
    item.writtenOnStream = session.generation;
    const ok = session.call.write(item.message);
    if (this.#minWriteSpacingMs > 0) this.#nextWriteAtMs = this.#now() + this.#minWriteSpacingMs;
    if (!ok) session.waitingForDrain = true;
    return ok;
  }

  #pump(): void {
    const session = this.#session;
    if (!session || session.waitingForDrain || session.pumpTimer) return;
    for (;;) {
      const now = this.#now();
      const waitUntil = Math.max(this.#pausedUntilMs, this.#minWriteSpacingMs > 0 ? this.#nextWriteAtMs : 0);
      if (waitUntil > now) {
        session.pumpTimer = setTimeout(() => {
          session.pumpTimer = undefined;
          this.#pump();
        }, waitUntil - now);
        return;
      }
      const item = this.#buffer.nextUnwritten(session.generation);
      if (!item) return;
      if (!this.#write(session, item)) return;
    }
  }

  #onAck(seq: number): void {
    if (seq <= this.#highestAcked) return;
    this.#highestAcked = seq;
    this.#buffer.ackUpTo(seq);
    this.emit("acked", seq);
    const waiters = this.#ackWaiters;
    this.#ackWaiters = [];
    for (const w of waiters) w();
  }

  #onThrottle(maxMessagesPerSecond: number, pauseMs: number, reason: string): void {
    this.#pausedUntilMs = pauseMs > 0 ? this.#now() + pauseMs : 0;
    this.#minWriteSpacingMs = maxMessagesPerSecond > 0 ? 1000 / maxMessagesPerSecond : 0;
    this.#o.log.info({ maxMessagesPerSecond, pauseMs, reason }, "mediator asked the agent to slow down");
    const session = this.#session;
    if (session?.pumpTimer) {
      clearTimeout(session.pumpTimer);
      session.pumpTimer = undefined;
    }
    this.#pump();
  }

  #startHeartbeat(): void {
    this.#stopHeartbeat();
    this.#heartbeat = setInterval(() => {
      this.send({
        $case: "heartbeat",
        value: { unackedMessages: this.#buffer.size, droppedMessages: this.#dropped },
      });
    }, this.#heartbeatIntervalMs);
    this.#heartbeat.unref();
  }

  #stopHeartbeat(): void {
    if (this.#heartbeat) clearInterval(this.#heartbeat);
    this.#heartbeat = undefined;
  }
}
