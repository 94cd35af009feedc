import { status, type ServerDuplexStream, type ServiceError } from "@grpc/grpc-js";
import { AgentMessage, type AgentServiceServer, type MediatorMessage } from "@causeway/protocol";
import { type Logger } from "@causeway/runtime";
import { type Journal } from "../state/journal.js";
import { type AgentIngest } from "./agent-ingest.js";
import { type AgentRegistry, type AgentState } from "./agent-registry.js";
import { type AuthResult } from "./token-authenticator.js";

export interface AgentServiceLimits {
  /** Concurrent streams one agent id may hold; more are refused with RESOURCE_EXHAUSTED. */
  readonly maxStreamsPerAgent: number;
  /** Sustained messages per second per agent; above it the agent is told to slow down and paused. */
  readonly maxMessagesPerSecond: number;
  /** How long a throttled stream is paused. */
  readonly throttlePauseMs: number;
  /** Journal bytes waiting for disk above which streams stop being read until it drains. */
  readonly maxJournalPendingBytes: number;
}

export interface AgentServiceOptions {
  readonly registry: AgentRegistry;
  readonly ingest: AgentIngest;
  /** Authenticates the bearer token of a stream; undefined disables authentication (tests, local stack). */
  readonly authenticate: ((token: string) => Promise<AuthResult>) | undefined;
  /** Accepted messages are journalled before they are acknowledged; undefined acknowledges at once. */
  readonly journal: () => Journal | undefined;
  readonly limits: AgentServiceLimits;
  readonly log: Logger;
  readonly clock?: () => number;
  readonly metrics?: {
    readonly messages: (result: "new" | "duplicate" | "overflow" | "invalid") => void;
    readonly refused: (code: string) => void;
    readonly throttled: () => void;
  };
}

/** Encodes a journal record: agent id, then the message bytes. */
export function encodeJournalRecord(agentId: string, message: AgentMessage): Uint8Array {
  const id = Buffer.from(agentId, "utf8");
  const body = AgentMessage.encode(message).finish();
  const out = Buffer.allocUnsafe(2 + id.length + body.length);
  out.writeUInt16LE(id.length, 0);
  id.copy(out, 2);
  out.set(body, 2 + id.length);
  return out;
}

export function decodeJournalRecord(record: Buffer): { agentId: string; message: AgentMessage } {
  const idLength = record.readUInt16LE(0);
  const agentId = record.subarray(2, 2 + idLength).toString("utf8");
  return { agentId, message: AgentMessage.decode(record.subarray(2 + idLength)) };
}

/**
 * Other, disconnected agent ids of the same node are earlier sessions of it (an agent takes a new
 * id when it restarts or resyncs): its full snapshot replaces their view. Returns the ids dropped.
 */
export function supersedeEarlierSessions(
  registry: AgentRegistry,
  ingest: AgentIngest,
  current: AgentState,
): string[] {
  if (current.nodeName === "") return [];
  const dropped: string[] = [];
  for (const other of [...registry.all()]) {
    if (other === current || other.nodeName !== current.nodeName || other.openStreams > 0) continue;
    ingest.dropAgent(other.agentId);
    registry.forget(other.agentId);
    dropped.push(other.agentId);
  }
  return dropped;
}

function bearerOf(call: ServerDuplexStream<AgentMessage, MediatorMessage>): string {
  const value = call.metadata.get("authorization")[0];
  const m = /^Bearer\s+(\S+)\s*$/i.exec(typeof value === "string" ? value : "");
  return m?.[1] ?? "";
}

function fail(code: status, details: string): Partial<ServiceError> {
  return { code, details, message: details };
}

/**
 * The mediator's side of AgentService.Connect. A stream is authenticated first (the agent's
 * ServiceAccount token, TokenReview), then must open with a hello naming the agent. Each message's
 * sequence number is checked against everything stored for that agent id: duplicates (replays
 * after a reconnect or a mediator restart) are dropped, new messages are applied and journalled,
 * and the highest contiguous stored sequence is acknowledged once it is on disk.
 */
export function agentServiceHandlers(options: AgentServiceOptions): AgentServiceServer {
  const clock = options.clock ?? Date.now;
  const { registry, ingest, limits, log } = options;
  return {
    connect(call: ServerDuplexStream<AgentMessage, MediatorMessage>) {
      let agent: AgentState | undefined;
      let closed = false;
      let authenticated = options.authenticate === undefined;
      let username = "";
      const early: AgentMessage[] = [];
      let tokens = limits.maxMessagesPerSecond;
      let refillAt = clock();
      let pausedUntil = 0;
      let ackScheduled = false;
      let lastAckSent = -1;
      const peer = call.getPeer();

      const refuse = (code: status, name: string, details: string): void => {
        if (closed) return;
        options.metrics?.refused(name);
        log.warn({ peer, agentId: agent?.agentId, code: name }, details);
        closed = true;
        call.emit("error", fail(code, details));
      };

      const sendAck = (): void => {
        ackScheduled = false;
        if (closed || !agent) return;
        const highest = agent.sequence.highestContiguous;
        if (highest === lastAckSent) return;
        lastAckSent = highest;
        agent.ackedSeq = Math.max(agent.ackedSeq, highest);
        const ok = call.write({ body: { $case: "ack", value: { highestContiguousSeq: highest } } });
        if (!ok) {
          // The agent is not reading its acks: stop reading its messages until it does.
          call.pause();
          call.once("drain", () => call.resume());
        }
      };

      const scheduleAck = (durable: Promise<void> | undefined): void => {
        if (ackScheduled) return;
        ackScheduled = true;
        if (!durable) {
          setImmediate(sendAck);
          return;
        }
        durable.then(sendAck, (error: Error) => {
          ackScheduled = false;
          log.error({ err: error.message }, "journal write failed; not acknowledging");
        });
      };

      const throttle = (): boolean => {
        const now = clock();
        if (now < pausedUntil) return true;
        tokens = Math.min(
          limits.maxMessagesPerSecond,
          tokens + ((now - refillAt) / 1000) * limits.maxMessagesPerSecond,
        );
        refillAt = now;
        if (tokens >= 1) {
          tokens -= 1;
          return false;
        }
        pausedUntil = now + limits.throttlePauseMs;
        options.metrics?.throttled();
        call.write({
          body: {
            $case: "throttle",
            value: {
              maxMessagesPerSecond: limits.maxMessagesPerSecond,
              pauseMs: limits.throttlePauseMs,
              reason: "per-agent message rate exceeded",
            },
          },
        });
        call.pause();
        setTimeout(() => {
          if (!closed) call.resume();
        }, limits.throttlePauseMs).unref();
        return false;
      };

      const supersede = (current: AgentState): void => {
        for (const id of supersedeEarlierSessions(registry, ingest, current)) {
          log.info({ agentId: id, by: current.agentId, node: current.nodeName }, "agent id superseded");
        }
      };

      const handle = (message: AgentMessage): void => {
        if (closed) return;
        const now = clock();
        if (!agent) {
          if (message.body?.$case !== "hello" || message.body.value.agentId === "") {
            options.metrics?.messages("invalid");
            refuse(
              status.FAILED_PRECONDITION,
              "no-hello",
              "the first message must be a hello with an agent id",
            );
            return;
          }
          const hello = message.body.value;
          const state = registry.getOrCreate(hello.agentId);
          if (state.openStreams >= limits.maxStreamsPerAgent) {
            refuse(
              status.RESOURCE_EXHAUSTED,
              "too-many-streams",
              `agent ${hello.agentId} already has ${state.openStreams} open stream(s) (limit ${limits.maxStreamsPerAgent})`,
            );
            return;
          }
          agent = state;
          agent.openStreams++;
          agent.nodeName = hello.nodeName;
          agent.version = hello.version;
          agent.capabilities = hello.capabilities;
          agent.username = username;
          agent.connectedSinceUnixMs = now;
          agent.disconnectedUnixMs = undefined;
          log.info(
            {
              agentId: agent.agentId,
              node: hello.nodeName,
              peer,
              resumeAfterSeq: agent.sequence.highestContiguous,
            },
            "agent connected",
          );
        }
        if (message.body?.$case === "hello" && message.body.value.agentId !== agent.agentId) {
          refuse(status.INVALID_ARGUMENT, "agent-id-changed", "an agent id cannot change within a stream");
          return;
        }
        agent.lastSeenUnixMs = now;
        if (message.createdUnixMs > 0) agent.lagMs = Math.max(0, now - message.createdUnixMs);
        if (message.body?.$case === "heartbeat") {
          agent.unackedMessages = message.body.value.unackedMessages;
          agent.droppedMessages = message.body.value.droppedMessages;
        }
        let result: "new" | "duplicate" | "overflow";
        try {
          result = agent.sequence.accept(message.seq);
        } catch {
          options.metrics?.messages("invalid");
          refuse(status.INVALID_ARGUMENT, "bad-seq", `invalid sequence number ${message.seq}`);
          return;
        }
        options.metrics?.messages(result);
        if (result === "duplicate") {
          agent.duplicates++;
          scheduleAck(undefined);
          return;
        }
        if (result === "overflow") {
          // Too far ahead of a gap: not stored, so not acknowledged; the agent replays it.
          agent.refusedOverflow++;
          return;
        }
        agent.messages++;
        try {
          ingest.apply(agent.agentId, message);
        } catch (error) {
          log.error(
            { agentId: agent.agentId, seq: message.seq, err: (error as Error).message },
            "cannot apply agent message",
          );
        }
        if (message.body?.$case === "topology" && message.body.value.fullSnapshot) supersede(agent);
        const journal = options.journal();
        const durable = journal?.append(encodeJournalRecord(agent.agentId, message));
        scheduleAck(durable);
        if (journal && journal.pendingBytes > limits.maxJournalPendingBytes && durable) {
          call.pause();
          void durable.finally(() => {
            if (!closed) call.resume();
          });
        }
        throttle();
      };

      call.on("data", (message: AgentMessage) => {
        if (!authenticated) {
          early.push(message);
          return;
        }
        handle(message);
      });
      const close = (): void => {
        if (closed && !agent) return;
        closed = true;
        if (agent) {
          agent.openStreams = Math.max(0, agent.openStreams - 1);
          if (agent.openStreams === 0) {
            agent.disconnectedUnixMs = clock();
            log.info({ agentId: agent.agentId, peer }, "agent disconnected");
          }
          agent = undefined;
        }
      };
      call.on("end", () => {
        close();
        call.end();
      });
      call.on("cancelled", close);
      call.on("error", close);
      call.on("close", close);

      if (options.authenticate) {
        call.pause();
        options
          .authenticate(bearerOf(call))
          .then((result) => {
            if (!result.ok) {
              refuse(status.UNAUTHENTICATED, "unauthenticated", `agent not authenticated: ${result.reason}`);
              return;
            }
            username = result.identity.username;
            authenticated = true;
            for (const m of early.splice(0)) handle(m);
            call.resume();
          })
          .catch((error: Error) =>
            refuse(status.UNAVAILABLE, "auth-error", `cannot authenticate: ${error.message}`),
          );
      }
    },
  };
}
