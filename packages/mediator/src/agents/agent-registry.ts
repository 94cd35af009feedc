import { ContiguousSequence, type Capabilities } from "@causeway/protocol";

/** What the mediator knows of one agent (by agent id), across its streams and restarts. */
export interface AgentState {
  readonly agentId: string;
  nodeName: string;
  version: string;
  capabilities: Capabilities | undefined;
  /** The ServiceAccount user its token belongs to. */
  username: string;
  readonly sequence: ContiguousSequence;
  /** The highest sequence acknowledged to the agent (stored durably). */
  ackedSeq: number;
  openStreams: number;
  connectedSinceUnixMs: number | undefined;
  lastSeenUnixMs: number;
  disconnectedUnixMs: number | undefined;
  /** Receive time minus the message's creation time, for the newest message. */
  lagMs: number;
  unackedMessages: number;
  droppedMessages: number;
  messages: number;
  duplicates: number;
  refusedOverflow: number;
}

/** The JSON view of an agent in /api/v1/agents. */
export interface AgentView {
  readonly agentId: string;
  readonly nodeName: string;
  readonly version: string;
  readonly username: string;
  readonly connected: boolean;
  readonly openStreams: number;
  readonly connectedSinceUnixMs: number | null;
  readonly disconnectedUnixMs: number | null;
  readonly lastSeenUnixMs: number;
  readonly lagMs: number;
  readonly highestContiguousSeq: number;
  readonly ackedSeq: number;
  readonly unackedMessages: number;
  readonly droppedMessages: number;
  readonly messages: number;
  readonly duplicates: number;
  readonly ebpf: boolean;
  readonly degradedReasons: readonly string[];
}

/** Persisted per agent in snapshots: enough to deduplicate replays after a restart. */
export interface AgentSnapshot {
  readonly agentId: string;
  readonly nodeName: string;
  readonly highestContiguous: number;
  readonly lastSeenUnixMs: number;
}

/** Every agent ever seen (until forgotten), connected or not. */
export class AgentRegistry {
  readonly #agents = new Map<string, AgentState>();
  readonly #maxPendingSequences: number;

  constructor(options: { readonly maxPendingSequences?: number } = {}) {
    this.#maxPendingSequences = options.maxPendingSequences ?? 10_000;
  }

  get(agentId: string): AgentState | undefined {
    return this.#agents.get(agentId);
  }

  getOrCreate(agentId: string): AgentState {
    let a = this.#agents.get(agentId);
    if (!a) {
      a = {
        agentId,
        nodeName: "",
        version: "",
        capabilities: undefined,
        username: "",
        sequence: new ContiguousSequence({ maxPending: this.#maxPendingSequences }),
        ackedSeq: 0,
        openStreams: 0,
        connectedSinceUnixMs: undefined,
        lastSeenUnixMs: 0,
        disconnectedUnixMs: undefined,
        lagMs: 0,
        unackedMessages: 0,
        droppedMessages: 0,
        messages: 0,
        duplicates: 0,
        refusedOverflow: 0,
      };
      this.#agents.set(agentId, a);
    }
    return a;
  }

  forget(agentId: string): void {
    this.#agents.delete(agentId);
  }

  all(): IterableIterator<AgentState> {
    return this.#agents.values();
  }

  get connectedCount(): number {
    let n = 0;
    for (const a of this.#agents.values()) if (a.openStreams > 0) n++;
    return n;
  }

  view(a: AgentState): AgentView {
    return {
      agentId: a.agentId,
      nodeName: a.nodeName,
      version: a.version,
      username: a.username,
      connected: a.openStreams > 0,
      openStreams: a.openStreams,
      connectedSinceUnixMs: a.connectedSinceUnixMs ?? null,
      disconnectedUnixMs: a.disconnectedUnixMs ?? null,
      lastSeenUnixMs: a.lastSeenUnixMs,
      lagMs: a.lagMs,
      highestContiguousSeq: a.sequence.highestContiguous,
      ackedSeq: a.ackedSeq,
      unackedMessages: a.unackedMessages,
      droppedMessages: a.droppedMessages,
      messages: a.messages,
      duplicates: a.duplicates,
      ebpf: a.capabilities?.ebpf ?? false,
      degradedReasons: a.capabilities?.degradedReasons ?? [],
    };
  }

  snapshot(): AgentSnapshot[] {
    return [...this.#agents.values()].map((a) => ({
      agentId: a.agentId,
      nodeName: a.nodeName,
      highestContiguous: a.sequence.highestContiguous,
      lastSeenUnixMs: a.lastSeenUnixMs,
    }));
  }

  load(snapshots: readonly AgentSnapshot[]): void {
    for (const s of snapshots) {
      const a: AgentState = {
        ...this.getOrCreate(s.agentId),
        sequence: new ContiguousSequence({
          highestContiguous: s.highestContiguous,
          maxPending: this.#maxPendingSequences,
        }),
      };
      a.nodeName = s.nodeName;
      a.lastSeenUnixMs = s.lastSeenUnixMs;
      a.ackedSeq = s.highestContiguous;
      this.#agents.set(s.agentId, a);
    }
  }
}
