import { readFile } from "node:fs/promises";
import { type Server as HttpServer } from "node:http";
import { join, resolve } from "node:path";
import { Server as GrpcServer, ServerCredentials, status, type ServerDuplexStream } from "@grpc/grpc-js";
import { KubeConfig } from "@kubernetes/client-node";
import { AuditLog } from "@causeway/audit";
import {
  OtlpReceiver,
  VictoriaMetricsWriter,
  bindGrpc,
  createOtlpGrpcServer,
  createOtlpHttpServer,
  listenHttp,
} from "@causeway/otlp-receiver";
import {
  AgentServiceService,
  ExecutorServiceService,
  GRPC_SERVICE_NAMES,
  addHealthService,
  type ExecutorDirective,
  type ExecutorMessage,
} from "@causeway/protocol";
import { RemediationLifecycle, executorServiceHandlers, kubeAccessReviewer } from "@causeway/remediation";
import { createLogger, type Logger } from "@causeway/runtime";
import { createUiHandler } from "@causeway/ui";
import { AgentIngest } from "./agents/agent-ingest.js";
import { AgentRegistry } from "./agents/agent-registry.js";
import {
  agentServiceHandlers,
  decodeJournalRecord,
  supersedeEarlierSessions,
} from "./agents/agent-service.js";
import { TokenAuthenticator, type AuthResult, type TokenReviewFn } from "./agents/token-authenticator.js";
import { type MediatorConfig } from "./config.js";
import { CausalEngineAdapter } from "./engine/causal-engine-adapter.js";
import { NoRootCauseEngine, type RootCauseEngine } from "./engine/root-cause-engine.js";
import { IpIndex } from "./graph/ip-index.js";
import { TopologyGraph } from "./graph/topology-graph.js";
import { createApiHandler, createApiServer } from "./http/api-server.js";
import { ClusterModel } from "./kube/cluster-model.js";
import { InformerSet } from "./kube/informers.js";
import { KubeApi } from "./kube/kube-api.js";
import { MediatorMetrics } from "./metrics.js";
import { OtlpBridge } from "./otlp/otlp-bridge.js";
import { loadSigningKey } from "./remediation/signing-key-file.js";
import { kubeStateSeries } from "./series/kube-state-series.js";
import { Journal } from "./state/journal.js";
import { readSnapshot, writeSnapshot, type SnapshotStats } from "./state/snapshot.js";
import { SymptomStore } from "./symptoms/symptom-store.js";

export interface MediatorOptions {
  readonly config: Readonly<MediatorConfig>;
  readonly log?: Logger;
  /** Overrides the kubeconfig named by the configuration (tests, benchmarks). */
  readonly kubeConfig?: KubeConfig;
  /** Replaces the causal engine the configuration selects (tests). */
  readonly engine?: RootCauseEngine;
  readonly clock?: () => number;
}

/** Addresses the mediator listens on (ports resolved when configured as 0). */
export interface MediatorPorts {
  readonly grpc: number;
  readonly http: number;
  readonly otlpGrpc: number | undefined;
  readonly otlpHttp: number | undefined;
}

function loadKubeConfig(config: Readonly<MediatorConfig>): KubeConfig {
  const kc = new KubeConfig();
  if (config.kube.kubeconfig !== "") kc.loadFromFile(config.kube.kubeconfig);
  else kc.loadFromDefault();
  if (config.kube.context !== "") kc.setCurrentContext(config.kube.context);
  return kc;
}

/**
 * The in-cluster hub. Owns the topology graph and the symptom store; fills them from the
 * Kubernetes API (informers), agents (AgentService on :50051, authenticated with TokenReview) and
 * OTLP (:4317/:4318); serves the HTTP API on :8080; hosts the remediation lifecycle
 * (ExecutorService on :50051, approvals on :8080); snapshots its state to the data dir and
 * journals agent messages before acknowledging them.
 */
export class Mediator {
  readonly config: Readonly<MediatorConfig>;
  readonly log: Logger;
  readonly graph: TopologyGraph;
  readonly symptoms: SymptomStore;
  readonly ips: IpIndex;
  readonly agents: AgentRegistry;
  readonly ingest: AgentIngest;
  readonly model: ClusterModel;
  readonly metrics = new MediatorMetrics();
  readonly engine: RootCauseEngine;
  readonly #clock: () => number;
  readonly #dataDir: string;
  #informers: InformerSet | undefined;
  #journal: Journal | undefined;
  #grpc: GrpcServer | undefined;
  #http: HttpServer | undefined;
  #otlpGrpc: GrpcServer | undefined;
  #otlpHttp: HttpServer | undefined;
  #otlp: OtlpReceiver | undefined;
  #writer: VictoriaMetricsWriter | undefined;
  #audit: AuditLog | undefined;
  #lifecycle: RemediationLifecycle | undefined;
  #ports: MediatorPorts | undefined;
  #timers: NodeJS.Timeout[] = [];
  #snapshotting: Promise<SnapshotStats> | undefined;
  #stateLoaded = false;
  #stopped = false;
  lastSnapshot: (SnapshotStats & { atUnixMs: number }) | undefined;

  private constructor(options: MediatorOptions) {
    this.config = options.config;
    this.log = options.log ?? createLogger({ component: "mediator", level: options.config.logLevel });
    this.#clock = options.clock ?? Date.now;
    this.#dataDir = resolve(options.config.dataDir);
    this.graph = new TopologyGraph({ clock: this.#clock });
    this.symptoms = new SymptomStore({
      clock: this.#clock,
      inactiveRetentionMs: options.config.symptoms.inactiveRetentionMs,
    });
    this.ips = new IpIndex();
    this.agents = new AgentRegistry();
    this.ingest = new AgentIngest({ graph: this.graph, symptoms: this.symptoms, ips: this.ips });
    this.model = new ClusterModel({
      graph: this.graph,
      symptoms: this.symptoms,
      ips: this.ips,
      clock: this.#clock,
      windows: options.config.symptoms,
      onNodeDeleted: (node) => this.#forgetNodeAgents(node),
    });
    this.engine =
      options.engine ??
      (options.config.engine.enabled
        ? new CausalEngineAdapter({
            options: { maxResults: options.config.engine.maxResults },
            now: this.#clock,
          })
        : new NoRootCauseEngine());
  }

  /** A node left the cluster: what its disconnected agents reported goes with it. */
  #forgetNodeAgents(nodeName: string): void {
    for (const a of [...this.agents.all()]) {
      if (a.nodeName !== nodeName || a.openStreams > 0) continue;
      this.ingest.dropAgent(a.agentId);
      this.agents.forget(a.agentId);
      this.log.info(
        { agentId: a.agentId, node: nodeName },
        "node left the cluster; its agent's reports are withdrawn",
      );
    }
  }

  /** Starts everything; resolves when every listener is bound (informers may still be syncing). */
  static async start(options: MediatorOptions): Promise<Mediator> {
    const m = new Mediator(options);
    try {
      await m.#start(options);
    } catch (error) {
      await m.stop().catch(() => undefined);
      throw error;
    }
    return m;
  }

  get ports(): MediatorPorts {
    if (!this.#ports) throw new Error("the mediator has not started");
    return this.#ports;
  }

  /** True once the state is loaded and every informer has listed. */
  get ready(): boolean {
    return this.#notReady() === undefined;
  }

  get lifecycle(): RemediationLifecycle | undefined {
    return this.#lifecycle;
  }

  get otlpReceiver(): OtlpReceiver | undefined {
    return this.#otlp;
  }

  get informers(): InformerSet | undefined {
    return this.#informers;
  }

  #notReady(): Record<string, unknown> | undefined {
    if (!this.#stateLoaded) return { state: "loading" };
    if (this.#informers && !this.#informers.synced) {
      return {
        informers: this.#informers
          .status()
          .filter((s) => !s.synced)
          .map((s) => s.kind),
      };
    }
    return undefined;
  }

  async #start(options: MediatorOptions): Promise<void> {
    const c = this.config;
    const log = this.log;
    await this.#loadState();

    // Kubernetes
    let kubeApi: KubeApi | undefined;
    if (c.kube.enabled) {
      const kc = options.kubeConfig ?? loadKubeConfig(c);
      kubeApi = new KubeApi(kc);
      this.#informers = new InformerSet({
        kubeConfig: kc,
        api: kubeApi,
        model: this.model,
        log: log.child({ module: "informers" }),
        listPageSize: c.kube.listPageSize,
        watchTimeoutSeconds: { min: c.kube.watchTimeoutMinSeconds, max: c.kube.watchTimeoutMaxSeconds },
        maxBackoffMs: c.kube.maxBackoffMs,
        onApplied: (kind, type) => this.metrics.kubeEvents.inc({ resource: kind, type }),
      });
    }

    // Remediations and the audit trail
    const { key, origin } = await loadSigningKey({
      secretFile: c.remediation.signingKeyFile,
      dataDirFile: join(this.#dataDir, "signing-key.pem"),
    });
    log.info({ keyOrigin: origin, keyId: key.keyId }, "signing key loaded");
    this.#audit = await AuditLog.open({
      path: join(this.#dataDir, "audit", "audit.ndjson"),
      signingKey: key,
      log: log.child({ module: "audit" }),
    });
    const post = async (path: string, body: unknown): Promise<unknown> => {
      if (!kubeApi) throw new Error("the Kubernetes API is not configured");
      return kubeApi.post(path, body);
    };
    this.#lifecycle = new RemediationLifecycle({
      audit: this.#audit,
      signingKey: key,
      reviewer: kubeAccessReviewer(post),
      approvalTtlMs: c.remediation.approvalTtlMs,
      clock: this.#clock,
    });
    const publicKeyPem = key.publicKey.export({ type: "spki", format: "pem" }).toString();

    // Agent authentication
    const review: TokenReviewFn = async (token, audiences) => {
      const r = (await post("/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token, audiences },
      })) as {
        status?: {
          authenticated?: boolean;
          user?: { username: string; uid?: string; groups?: string[] };
          error?: string;
        };
      };
      const user = r.status?.user;
      return {
        authenticated: r.status?.authenticated === true,
        ...(user
          ? {
              user: {
                username: user.username,
                groups: user.groups ?? [],
                ...(user.uid ? { uid: user.uid } : {}),
              },
            }
          : {}),
        ...(r.status?.error ? { error: r.status.error } : {}),
      };
    };
    const authenticator = (usernames: readonly string[]) =>
      new TokenAuthenticator({
        review,
        audiences: [c.auth.audience],
        allowedUsernames: usernames,
        maxCacheMs: c.auth.tokenCacheMaxMs,
        clock: this.#clock,
      });
    const agentAuth = c.auth.enabled ? authenticator(c.auth.agentUsernames) : undefined;
    const executorAuth =
      c.auth.enabled && c.auth.requireExecutorToken ? authenticator(c.auth.executorUsernames) : undefined;

    // gRPC :50051
    let tls: { cert: Buffer; key: Buffer; ca: Buffer | null } | undefined;
    if (c.tls.certFile !== "") {
      tls = {
        cert: await readFile(c.tls.certFile),
        key: await readFile(c.tls.keyFile),
        ca: c.tls.caFile !== "" ? await readFile(c.tls.caFile) : null,
      };
    }
    const grpc = new GrpcServer({
      "grpc.max_receive_message_length": c.grpc.maxMessageBytes,
      "grpc.keepalive_time_ms": c.grpc.keepaliveTimeMs,
      "grpc.keepalive_timeout_ms": c.grpc.keepaliveTimeoutMs,
      "grpc.keepalive_permit_without_calls": 1,
    });
    this.#grpc = grpc;
    grpc.addService(
      AgentServiceService,
      agentServiceHandlers({
        registry: this.agents,
        ingest: this.ingest,
        authenticate: agentAuth
          ? (token: string): Promise<AuthResult> => agentAuth.authenticate(token)
          : undefined,
        journal: () => this.#journal,
        limits: {
          maxStreamsPerAgent: c.grpc.maxStreamsPerAgent,
          maxMessagesPerSecond: c.grpc.maxMessagesPerSecondPerAgent,
          throttlePauseMs: c.grpc.throttlePauseMs,
          maxJournalPendingBytes: c.grpc.maxJournalPendingBytes,
        },
        log: log.child({ module: "agents" }),
        clock: this.#clock,
        metrics: {
          messages: (result) => this.metrics.agentMessages.inc({ result }),
          refused: (reason) => this.metrics.agentRefused.inc({ reason }),
          throttled: () => this.metrics.agentThrottled.inc(),
        },
      }) as never,
    );
    const executor = executorServiceHandlers(this.#lifecycle);
    grpc.addService(ExecutorServiceService, {
      session(call: ServerDuplexStream<ExecutorMessage, ExecutorDirective>) {
        if (!executorAuth) {
          executor.session(call);
          return;
        }
        call.pause();
        const header = call.metadata.get("authorization")[0];
        const token = /^Bearer\s+(\S+)\s*$/i.exec(typeof header === "string" ? header : "")?.[1] ?? "";
        void executorAuth.authenticate(token).then((result) => {
          if (!result.ok) {
            call.emit("error", {
              code: status.UNAUTHENTICATED,
              details: `executor not authenticated: ${result.reason}`,
            });
            return;
          }
          executor.session(call);
          call.resume();
        });
      },
    } as never);
    addHealthService(grpc, {
      "": "SERVING",
      [GRPC_SERVICE_NAMES.agent]: "SERVING",
      [GRPC_SERVICE_NAMES.executor]: "SERVING",
    });
    const grpcCredentials = tls
      ? ServerCredentials.createSsl(
          tls.ca,
          [{ private_key: tls.key, cert_chain: tls.cert }],
          c.tls.requireClientCert,
        )
      : ServerCredentials.createInsecure();
    const grpcPort = await bindGrpc(grpc, `${c.grpc.host}:${c.grpc.port}`, grpcCredentials);

    // VictoriaMetrics
    if (c.victoriaMetrics.url !== "") {
      this.#writer = new VictoriaMetricsWriter({
        url: c.victoriaMetrics.url,
        maxQueuedLines: c.victoriaMetrics.maxQueuedLines,
        maxBatchLines: c.victoriaMetrics.maxBatchLines,
        maxBackoffMs: 10_000,
        log: log.child({ module: "vm-writer" }),
      });
    }

    // OTLP :4317 / :4318
    let otlpGrpcPort: number | undefined;
    let otlpHttpPort: number | undefined;
    if (c.otlp.enabled) {
      const bridge = new OtlpBridge({
        graph: this.graph,
        symptoms: this.symptoms,
        ips: this.ips,
        clock: this.#clock,
      });
      const writer = this.#writer;
      this.#otlp = new OtlpReceiver({
        series: writer ?? { write: () => undefined },
        ...(writer ? { backpressure: () => writer.saturated } : {}),
        resolvePeer: bridge.resolvePeer,
        onEdge: bridge.onEdge,
        onSymptom: bridge.onSymptom,
        log: log.child({ module: "otlp" }),
        clock: this.#clock,
      });
      this.#otlpGrpc = createOtlpGrpcServer({
        receiver: this.#otlp,
        maxMessageBytes: c.otlp.maxMessageBytes,
      });
      otlpGrpcPort = await bindGrpc(this.#otlpGrpc, `${c.otlp.grpc.host}:${c.otlp.grpc.port}`);
      this.#otlpHttp = createOtlpHttpServer({ receiver: this.#otlp, maxBodyBytes: c.otlp.maxMessageBytes });
      otlpHttpPort = await listenHttp(this.#otlpHttp, c.otlp.http.host, c.otlp.http.port);
      this.#otlp.start(c.otlp.tickIntervalMs);
    }

    // HTTP :8080
    const handler = createApiHandler({
      graph: this.graph,
      symptoms: this.symptoms,
      agents: this.agents,
      engine: this.engine,
      metrics: this.metrics,
      warningEvents: (id) => this.model.warningEvents(id),
      notReady: () => this.#notReady(),
      remediation: { lifecycle: this.#lifecycle, audit: this.#audit, publicKeyPem },
      log: log.child({ module: "http" }),
    });
    // The web UI at /ui (@causeway/ui); everything else is the API.
    const ui = createUiHandler();
    this.#http = createApiServer(
      (req, res) => {
        if (!ui(req, res)) handler(req, res);
      },
      tls ? { cert: tls.cert, key: tls.key } : undefined,
    ) as HttpServer;
    const httpPort = await listenHttp(this.#http, c.http.host, c.http.port);
    this.#ports = { grpc: grpcPort, http: httpPort, otlpGrpc: otlpGrpcPort, otlpHttp: otlpHttpPort };

    this.engine.start({ graph: this.graph, symptoms: this.symptoms });
    this.#every(c.symptoms.tickIntervalMs, () => {
      this.model.tick();
      this.symptoms.prune();
      this.#proposeRemediations();
    });
    this.#every(c.state.snapshotIntervalMs, () => {
      void this.snapshot().catch(() => undefined);
    });
    if (this.#writer) {
      this.#every(c.victoriaMetrics.writeIntervalMs, () => {
        this.#writeClusterSeries().catch((error: Error) =>
          log.warn({ err: error.message }, "cannot write cluster series"),
        );
      });
    }
    await this.#informers?.start();
    log.info({ ...this.#ports, dataDir: this.#dataDir }, "mediator listening");
    // Make the replayed journal part of a snapshot at once, so it is not replayed twice.
    void this.snapshot().catch(() => undefined);
  }

  #every(intervalMs: number, f: () => void): void {
    const timer = setInterval(() => {
      try {
        f();
      } catch (error) {
        this.log.error({ err: (error as Error).message }, "periodic task failed");
      }
    }, intervalMs);
    timer.unref();
    this.#timers.push(timer);
  }

  async #loadState(): Promise<void> {
    const started = Date.now();
    const snapshotPath = join(this.#dataDir, "state", "snapshot.ndjson");
    const journalDir = join(this.#dataDir, "state", "journal");
    const loaded = await readSnapshot(snapshotPath, {
      graph: this.graph,
      symptoms: this.symptoms,
      agents: this.agents,
      ips: this.ips,
    });
    let replayed = 0;
    for (const record of await Journal.read(journalDir, loaded?.journalGeneration ?? 0)) {
      let decoded;
      try {
        decoded = decodeJournalRecord(record);
      } catch {
        continue;
      }
      const { agentId, message } = decoded;
      const agent = this.agents.getOrCreate(agentId);
      if (message.body?.$case === "hello") agent.nodeName = message.body.value.nodeName;
      let result: string;
      try {
        result = agent.sequence.accept(message.seq);
      } catch {
        continue;
      }
      if (result !== "new") continue;
      this.ingest.apply(agentId, message);
      if (message.body?.$case === "topology" && message.body.value.fullSnapshot) {
        supersedeEarlierSessions(this.agents, this.ingest, agent);
      }
      agent.ackedSeq = agent.sequence.highestContiguous;
      replayed++;
    }
    this.#journal = await Journal.open(journalDir, {
      flushIntervalMs: this.config.state.journalFlushIntervalMs,
    });
    this.#stateLoaded = true;
    this.log.info(
      {
        snapshot: loaded ? new Date(loaded.savedUnixMs).toISOString() : null,
        entities: this.graph.entityCount,
        symptoms: this.symptoms.size,
        agents: [...this.agents.all()].length,
        replayedMessages: replayed,
        ms: Date.now() - started,
      },
      "state loaded",
    );
  }

  /** Writes a snapshot now (one at a time); the journal generations it covers are deleted. */
  snapshot(): Promise<SnapshotStats> {
    if (this.#snapshotting) return this.#snapshotting;
    const journal = this.#journal;
    if (!journal) return Promise.reject(new Error("the journal is not open"));
    const started = Date.now();
    const run = (async () => {
      const generation = await journal.rotate();
      const stats = await writeSnapshot(
        join(this.#dataDir, "state", "snapshot.ndjson"),
        { graph: this.graph, symptoms: this.symptoms, agents: this.agents, ips: this.ips },
        generation,
        this.#clock,
      );
      await journal.truncateBefore(generation);
      this.metrics.snapshotSeconds.observe((Date.now() - started) / 1000);
      this.lastSnapshot = { ...stats, atUnixMs: this.#clock() };
      this.log.debug({ ...stats, ms: Date.now() - started }, "snapshot written");
      return stats;
    })();
    this.#snapshotting = run.finally(() => {
      this.#snapshotting = undefined;
    });
    run.catch((error: Error) => {
      this.metrics.snapshotFailures.inc();
      this.log.error({ err: error.message }, "snapshot failed");
    });
    return this.#snapshotting;
  }

  #writingSeries = false;

  async #writeClusterSeries(): Promise<void> {
    const writer = this.#writer;
    const informers = this.#informers;
    if (!writer || !informers || this.#writingSeries) return;
    this.#writingSeries = true;
    try {
      await kubeStateSeries(
        (kind) => informers.cached(kind),
        this.#clock(),
        (lines) => writer.write(lines),
      );
    } finally {
      this.#writingSeries = false;
    }
    this.metrics.seriesDropped.set(writer.dropped);
  }

  /** Writes the cluster-level series now (tests). */
  async flushSeries(): Promise<void> {
    await this.#writeClusterSeries();
    this.#otlp?.tick();
    await this.#writer?.flush();
  }

  #proposing = false;
  #proposed = new Set<string>();

  /** Proposes, once each, the remediations of the engine's primary root causes. */
  #proposeRemediations(): void {
    const lifecycle = this.#lifecycle;
    if (!lifecycle || this.#proposing || !this.config.engine.proposeRemediations) return;
    const causes = this.engine.report().rootCauses;
    // Forget causes that are gone, so the set stays bounded and a cause that returns is proposed again.
    const current = new Set(causes.map((r) => r.id));
    for (const id of this.#proposed) if (!current.has(id)) this.#proposed.delete(id);
    const pending = causes.filter((r) => r.primary && r.remediation && !this.#proposed.has(r.id));
    if (pending.length === 0) return;
    this.#proposing = true;
    void (async () => {
      for (const r of pending) {
        this.#proposed.add(r.id);
        try {
          await lifecycle.propose({
            change: r.remediation?.change,
            reason: r.remediation?.summary ?? r.explanation,
            rootCauseId: r.id,
          });
        } catch (error) {
          this.log.warn(
            { rootCause: r.id, err: (error as Error).message },
            "cannot propose the engine's remediation",
          );
        }
      }
    })().finally(() => {
      this.#proposing = false;
    });
  }

  /**
   * Stops listeners and informers, writes a final snapshot and closes the journal and audit trail.
   * `snapshot: false` skips the snapshot, leaving the journal to replay (what a crash leaves).
   */
  async stop(options: { readonly snapshot?: boolean } = {}): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    for (const t of this.#timers) clearInterval(t);
    this.engine.stop();
    await this.#informers?.stop();
    this.#otlp?.stop();
    const grpcDown = (server: GrpcServer | undefined) =>
      new Promise<void>((r) => {
        if (!server) return r();
        server.tryShutdown(() => r());
        setTimeout(() => {
          server.forceShutdown();
          r();
        }, 1000).unref();
      });
    await Promise.all([grpcDown(this.#grpc), grpcDown(this.#otlpGrpc)]);
    for (const http of [this.#http, this.#otlpHttp]) {
      if (!http) continue;
      http.closeAllConnections();
      await new Promise((r) => http.close(r));
    }
    if (this.#journal && this.#stateLoaded) {
      if (options.snapshot !== false) await this.snapshot().catch(() => undefined);
      else await this.#snapshotting?.catch(() => undefined);
      await this.#journal.close();
    }
    if (this.#writer) {
      this.#otlp?.tick();
      await this.#writer.flush().catch(() => undefined);
      this.#writer.close();
    }
    await this.#audit?.close();
  }
}
