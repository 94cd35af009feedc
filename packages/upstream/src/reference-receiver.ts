import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import { type IncomingMessage, type ServerResponse } from "node:http";
import { createServer, type Server } from "node:https";
import { type Duplex } from "node:stream";
import { CausewayError, silentLogger, type Logger } from "@causeway/runtime";
import { WebSocketServer, type WebSocket } from "ws";
import { type FileTenantStore, type TenantView } from "./tenant-store.js";
import { CATEGORIES, CLUSTER_HEADER, TENANT_HEADER, parseDataFrame, type Category } from "./wire.js";

/** A tenant allowed to connect: the SHA-256 (hex) of its API token, never the token itself. */
export interface TenantCredential {
  readonly tenantId: string;
  readonly tokenSha256: string;
}

export interface UpstreamReceiverOptions {
  readonly tls: { readonly cert: string | Buffer; readonly key: string | Buffer };
  readonly host?: string;
  /** 0 (the default) picks a free port. */
  readonly port?: number;
  readonly tenants: readonly TenantCredential[];
  readonly store: FileTenantStore;
  readonly maxPayloadBytes?: number;
  /** Called with every data frame's bytes as received, before parsing (tests inspect them). */
  readonly onFrame?: (tenantId: string, raw: Buffer) => void;
  readonly log?: Logger;
  readonly clock?: () => number;
}

/** A stored message as the receiver keeps it. */
export interface StoredMessage {
  readonly id: string;
  readonly clusterId: string;
  readonly category: Category;
  readonly createdUnixMs: number;
  readonly receivedUnixMs: number;
  readonly body: unknown;
}

export interface ReceiverStats {
  framesReceived: number;
  stored: number;
  duplicates: number;
  rejectedFrames: number;
  authFailures: number;
}

const CLUSTER_ID = /^[A-Za-z0-9._-]{1,63}$/;

export const sha256Hex = (text: string): string => createHash("sha256").update(text, "utf8").digest("hex");

/** Every message a tenant's view holds for one cluster, oldest first, optionally one category. */
export function listMessages(view: TenantView, clusterId: string, category?: Category): StoredMessage[] {
  const out: StoredMessage[] = [];
  for (const c of category ? [category] : CATEGORIES) {
    for (const id of view.list([clusterId, c])) out.push(view.get([clusterId, c, id]) as StoredMessage);
  }
  return out.sort((a, b) => a.createdUnixMs - b.createdUnixMs || a.receivedUnixMs - b.receivedUnixMs);
}

interface Session {
  readonly tenantId: string;
  readonly clusterId: string;
  readonly ws: WebSocket;
}

/**
 * The reference upstream receiver: a WSS server that authenticates each mediator by its tenant
 * token, stores every message under that tenant's own key prefix (deduplicated by message id),
 * acknowledges what it stored, and can ask a connected mediator for a root cause's evidence.
 * The same HTTPS port serves a small query API authenticated with the tenant's token:
 * `GET /api/v1/clusters/{cluster}/messages?category=…` and
 * `POST /api/v1/clusters/{cluster}/evidence-requests` with `{"rootCauseId", "windowMs"?}`.
 */
export class UpstreamReceiver {
  readonly stats: ReceiverStats = {
    framesReceived: 0,
    stored: 0,
    duplicates: 0,
    rejectedFrames: 0,
    authFailures: 0,
  };
  readonly #o: UpstreamReceiverOptions;
  readonly #log: Logger;
  readonly #clock: () => number;
  readonly #server: Server;
  readonly #wss: WebSocketServer;
  readonly #sessions = new Map<string, Session>();
  readonly #tokens: { tenantId: string; digest: Buffer }[];
  #port = 0;

  private constructor(options: UpstreamReceiverOptions) {
    this.#o = options;
    this.#log = options.log ?? silentLogger();
    this.#clock = options.clock ?? Date.now;
    this.#tokens = options.tenants.map((t) => ({
      tenantId: t.tenantId,
      digest: Buffer.from(t.tokenSha256, "hex"),
    }));
    this.#server = createServer(
      { cert: options.tls.cert, key: options.tls.key, minVersion: "TLSv1.2" },
      (req, res) => {
        this.#onHttp(req, res).catch((error: unknown) => {
          this.#log.error({ err: error }, "receiver API error");
          if (!res.headersSent) this.#sendError(res, new CausewayError("CW_INTERNAL", "internal error"));
        });
      },
    );
    this.#wss = new WebSocketServer({
      noServer: true,
      perMessageDeflate: false,
      maxPayload: options.maxPayloadBytes ?? 1024 * 1024,
    });
    this.#server.on("upgrade", (req, socket, head) => this.#onUpgrade(req, socket, head));
  }

  static async start(options: UpstreamReceiverOptions): Promise<UpstreamReceiver> {
    const receiver = new UpstreamReceiver(options);
    await new Promise<void>((resolve, reject) => {
      receiver.#server.once("error", reject);
      receiver.#server.listen(options.port ?? 0, options.host ?? "127.0.0.1", () => {
        receiver.#server.off("error", reject);
        resolve();
      });
    });
    const address = receiver.#server.address();
    receiver.#port = typeof address === "object" && address ? address.port : 0;
    return receiver;
  }

  get port(): number {
    return this.#port;
  }

  get url(): string {
    return `wss://127.0.0.1:${this.#port}`;
  }

  /** The tenant whose token this is, or undefined. */
  #tenantOf(authorization: string | undefined): string | undefined {
    const m = /^Bearer (\S+)$/i.exec(authorization ?? "");
    if (!m) return undefined;
    const digest = createHash("sha256")
      .update(m[1] as string, "utf8")
      .digest();
    let found: string | undefined;
    for (const t of this.#tokens) {
      if (t.digest.length === digest.length && timingSafeEqual(t.digest, digest)) found = t.tenantId;
    }
    return found;
  }

  /** The stored data of one tenant: the only way to read the store. */
  tenant(tenantId: string): TenantView {
    return this.#o.store.forTenant(tenantId);
  }

  #onUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const tenantId = this.#tenantOf(req.headers.authorization);
    const claimedTenant = req.headers[TENANT_HEADER];
    const clusterId = req.headers[CLUSTER_HEADER];
    if (
      !tenantId ||
      claimedTenant !== tenantId ||
      typeof clusterId !== "string" ||
      !CLUSTER_ID.test(clusterId)
    ) {
      this.stats.authFailures++;
      this.#log.warn({ claimedTenant, remote: req.socket.remoteAddress }, "refused an upstream connection");
      socket.end("HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
      return;
    }
    this.#wss.handleUpgrade(req, socket, head, (ws) => this.#onSession({ tenantId, clusterId, ws }));
  }

  #onSession(session: Session): void {
    const key = `${session.tenantId}\u0000${session.clusterId}`;
    this.#sessions.get(key)?.ws.close(4000, "replaced by a newer connection");
    this.#sessions.set(key, session);
    const view = this.#o.store.forTenant(session.tenantId);
    this.#log.info({ tenantId: session.tenantId, clusterId: session.clusterId }, "mediator connected");
    let pendingAcks: string[] = [];
    const flushAcks = (): void => {
      if (pendingAcks.length === 0) return;
      const ids = pendingAcks;
      pendingAcks = [];
      if (session.ws.readyState === session.ws.OPEN) session.ws.send(JSON.stringify({ type: "ack", ids }));
    };
    session.ws.on("message", (data, isBinary) => {
      const raw = Buffer.isBuffer(data) ? data : Buffer.concat(data as Buffer[]);
      this.stats.framesReceived++;
      this.#o.onFrame?.(session.tenantId, raw);
      const frame = isBinary ? "binary frames are not accepted" : parseDataFrame(raw.toString("utf8"));
      if (
        typeof frame === "string" ||
        frame.tenantId !== session.tenantId ||
        frame.clusterId !== session.clusterId
      ) {
        this.stats.rejectedFrames++;
        this.#log.warn(
          {
            tenantId: session.tenantId,
            reason: typeof frame === "string" ? frame : "tenant or cluster mismatch",
          },
          "rejected a frame; closing",
        );
        session.ws.close(1008, "invalid frame");
        return;
      }
      const stored: StoredMessage = {
        id: frame.id,
        clusterId: frame.clusterId,
        category: frame.category,
        createdUnixMs: frame.createdUnixMs,
        receivedUnixMs: this.#clock(),
        body: frame.body,
      };
      if (view.putIfAbsent([frame.clusterId, frame.category, frame.id], stored)) this.stats.stored++;
      else this.stats.duplicates++;
      if (pendingAcks.length === 0) setImmediate(flushAcks);
      pendingAcks.push(frame.id);
    });
    session.ws.on("close", () => {
      if (this.#sessions.get(key) === session) this.#sessions.delete(key);
    });
    session.ws.on("error", (error) => this.#log.debug({ err: error.message }, "mediator connection error"));
  }

  /** Whether a mediator of this tenant and cluster is connected. */
  connected(tenantId: string, clusterId: string): boolean {
    return this.#sessions.has(`${tenantId}\u0000${clusterId}`);
  }

  /** Asks the connected mediator for a root cause's evidence; returns the request id. */
  requestEvidence(tenantId: string, clusterId: string, rootCauseId: string, windowMs?: number): string {
    const session = this.#sessions.get(`${tenantId}\u0000${clusterId}`);
    if (!session) throw new CausewayError("CW_UNAVAILABLE", `cluster ${clusterId} is not connected`);
    const requestId = randomUUID();
    session.ws.send(
      JSON.stringify({ type: "evidence_request", requestId, rootCauseId, ...(windowMs ? { windowMs } : {}) }),
    );
    return requestId;
  }

  async #onHttp(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const tenantId = this.#tenantOf(req.headers.authorization);
    if (!tenantId) {
      this.stats.authFailures++;
      return this.#sendError(res, new CausewayError("CW_UNAUTHENTICATED", "a tenant API token is required"));
    }
    const url = new URL(req.url ?? "/", "https://receiver");
    const m = /^\/api\/v1\/clusters\/([^/]+)\/(messages|evidence-requests)$/.exec(url.pathname);
    if (!m || !CLUSTER_ID.test(decodeURIComponent(m[1] as string))) {
      return this.#sendError(res, new CausewayError("CW_NOT_FOUND", "no such route"));
    }
    const clusterId = decodeURIComponent(m[1] as string);
    if (m[2] === "messages" && req.method === "GET") {
      const category = url.searchParams.get("category") ?? undefined;
      if (category !== undefined && !CATEGORIES.includes(category as Category)) {
        return this.#sendError(res, new CausewayError("CW_BAD_REQUEST", `unknown category ${category}`));
      }
      const messages = listMessages(this.tenant(tenantId), clusterId, category as Category | undefined);
      return this.#sendJson(res, 200, { messages });
    }
    if (m[2] === "evidence-requests" && req.method === "POST") {
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of req) {
        size += (chunk as Buffer).length;
        if (size > 4096)
          return this.#sendError(res, new CausewayError("CW_PAYLOAD_TOO_LARGE", "body too large"));
        chunks.push(chunk as Buffer);
      }
      let body: { rootCauseId?: unknown; windowMs?: unknown };
      try {
        body = JSON.parse(Buffer.concat(chunks).toString("utf8")) as typeof body;
      } catch {
        return this.#sendError(res, new CausewayError("CW_BAD_REQUEST", "the body must be JSON"));
      }
      if (typeof body.rootCauseId !== "string" || body.rootCauseId === "") {
        return this.#sendError(res, new CausewayError("CW_BAD_REQUEST", "rootCauseId is required"));
      }
      const windowMs = typeof body.windowMs === "number" && body.windowMs > 0 ? body.windowMs : undefined;
      try {
        const requestId = this.requestEvidence(tenantId, clusterId, body.rootCauseId, windowMs);
        return this.#sendJson(res, 202, { requestId });
      } catch (error) {
        if (error instanceof CausewayError) return this.#sendError(res, error);
        throw error;
      }
    }
    return this.#sendError(
      res,
      new CausewayError("CW_BAD_REQUEST", `${req.method ?? "?"} is not allowed here`),
    );
  }

  #sendJson(res: ServerResponse, status: number, body: unknown): void {
    const text = JSON.stringify(body);
    res.writeHead(status, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
    res.end(text);
  }

  #sendError(res: ServerResponse, error: CausewayError): void {
    this.#sendJson(res, error.httpStatus, error.toJSON());
  }

  /** Closes every connection and stops listening. */
  async close(): Promise<void> {
    for (const client of this.#wss.clients) client.terminate();
    this.#wss.close();
    this.#server.closeAllConnections();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}
