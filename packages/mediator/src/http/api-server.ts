import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { handleRemediationApi, type RemediationLifecycle } from "@causeway/remediation";
import { type AuditLog } from "@causeway/audit";
import { CausewayError, type Logger } from "@causeway/runtime";
import { type AgentRegistry } from "../agents/agent-registry.js";
import { type RootCauseEngine } from "../engine/root-cause-engine.js";
import { type TopologyGraph } from "../graph/topology-graph.js";
import { type WarningEvent } from "../kube/cluster-model.js";
import { type MediatorMetrics } from "../metrics.js";
import { type SymptomStore } from "../symptoms/symptom-store.js";
import { sendError, sendJson } from "./json-response.js";
import { entityView, parseTopologyQuery, queryTopology, relationView } from "./topology-query.js";

const MAX_BODY_BYTES = 64 * 1024;
const MAX_RELATIONS_PER_DIRECTION = 1000;

export interface ApiContext {
  readonly graph: TopologyGraph;
  readonly symptoms: SymptomStore;
  readonly agents: AgentRegistry;
  readonly engine: RootCauseEngine;
  readonly metrics: MediatorMetrics;
  readonly warningEvents: (entityId: string) => readonly WarningEvent[];
  /** Undefined when ready; otherwise what is still missing. */
  readonly notReady: () => Record<string, unknown> | undefined;
  readonly remediation?: {
    readonly lifecycle: RemediationLifecycle;
    readonly audit: AuditLog;
    readonly publicKeyPem: string;
  };
  readonly log: Logger;
}

class BodyError extends Error {
  readonly code: "CW_PAYLOAD_TOO_LARGE" | "CW_BAD_REQUEST" | "CW_UNSUPPORTED_MEDIA_TYPE";
  constructor(code: BodyError["code"], message: string) {
    super(message);
    this.code = code;
  }
}

async function readJsonBody(req: IncomingMessage): Promise<unknown> {
  const declared = Number(req.headers["content-length"] ?? "0");
  if (declared > MAX_BODY_BYTES)
    throw new BodyError("CW_PAYLOAD_TOO_LARGE", `body exceeds ${MAX_BODY_BYTES} bytes`);
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new BodyError("CW_PAYLOAD_TOO_LARGE", `body exceeds ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  if (size === 0) return undefined;
  const type = (req.headers["content-type"] ?? "").split(";")[0]?.trim().toLowerCase();
  if (type !== "application/json")
    throw new BodyError("CW_UNSUPPORTED_MEDIA_TYPE", "the body must be application/json");
  try {
    return JSON.parse(Buffer.concat(chunks).toString("utf8"));
  } catch (error) {
    throw new BodyError("CW_BAD_REQUEST", `the body is not valid JSON: ${(error as Error).message}`);
  }
}

function boolParam(value: string | null, name: string): boolean | undefined {
  if (value === null || value === "") return undefined;
  if (value === "true") return true;
  if (value === "false") return false;
  throw new CausewayError("CW_BAD_REQUEST", `${name} must be true or false`);
}

/** The route label for metrics: the path with ids removed. */
function routeOf(path: string): string {
  if (path.startsWith("/api/v1/entities/")) return "/api/v1/entities/{id}";
  if (path.startsWith("/api/v1/remediations/")) return "/api/v1/remediations/{id}";
  if (path.startsWith("/api/v1/")) return path;
  return ["/healthz", "/readyz", "/metrics"].includes(path) ? path : "other";
}

/**
 * The mediator's HTTP API on :8080: health, readiness, Prometheus metrics, the topology, entities,
 * symptoms, agents and root causes as JSON, and the remediation and audit routes of
 * @causeway/remediation. Errors are `{"error": {code, message}}` with a stable code. `/ui` is left
 * for the web UI.
 */
export function createApiHandler(ctx: ApiContext): (req: IncomingMessage, res: ServerResponse) => void {
  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? "/", "http://mediator");
    const path = url.pathname;
    const method = req.method ?? "GET";
    if (path === "/healthz") {
      res.writeHead(200, { "content-type": "text/plain" });
      res.end("ok\n");
      return;
    }
    if (path === "/readyz") {
      const missing = ctx.notReady();
      if (missing) sendError(res, "CW_UNAVAILABLE", "not ready", missing);
      else sendJson(res, 200, { status: "ready" });
      return;
    }
    if (path === "/metrics") {
      ctx.metrics.graphEntities.set(ctx.graph.entityCount);
      ctx.metrics.graphRelations.set(ctx.graph.relationCount);
      ctx.metrics.symptomsActive.set(ctx.symptoms.activeCount);
      ctx.metrics.agentsConnected.set(ctx.agents.connectedCount);
      const text = await ctx.metrics.registry.metrics();
      res.writeHead(200, { "content-type": ctx.metrics.registry.contentType });
      res.end(text);
      return;
    }
    if (ctx.remediation && (path.startsWith("/api/v1/remediations") || path.startsWith("/api/v1/audit/"))) {
      const body = method === "POST" ? await readJsonBody(req) : undefined;
      const answer = await handleRemediationApi(
        ctx.remediation.lifecycle,
        ctx.remediation.audit,
        ctx.remediation.publicKeyPem,
        {
          method,
          path,
          authorization: req.headers.authorization,
          body,
        },
      );
      if (answer) {
        res.writeHead(answer.status, { "content-type": answer.contentType });
        res.end(answer.body);
        return;
      }
    }
    if (method !== "GET") throw new CausewayError("CW_NOT_FOUND", `no ${method} route at ${path}`);
    if (path === "/api/v1/topology") {
      sendJson(res, 200, queryTopology(ctx.graph, parseTopologyQuery(url.searchParams)));
      return;
    }
    if (path.startsWith("/api/v1/entities/")) {
      const id = decodeURIComponent(path.slice("/api/v1/entities/".length));
      const e = ctx.graph.getEntity(id);
      if (!e) throw new CausewayError("CW_NOT_FOUND", `entity ${id} not found`);
      const outgoing = [...ctx.graph.outgoing(id)].slice(0, MAX_RELATIONS_PER_DIRECTION).map(relationView);
      const incoming = [...ctx.graph.incoming(id)].slice(0, MAX_RELATIONS_PER_DIRECTION).map(relationView);
      sendJson(res, 200, {
        entity: entityView(e),
        outgoing,
        incoming,
        symptoms: ctx.symptoms.ofEntity(id),
        warningEvents: ctx.warningEvents(id),
      });
      return;
    }
    if (path === "/api/v1/symptoms") {
      const p = url.searchParams;
      const active = boolParam(p.get("active"), "active");
      const limitText = p.get("limit");
      const limit = limitText === null ? 1000 : Number(limitText);
      if (!Number.isInteger(limit) || limit < 1 || limit > 10_000)
        throw new CausewayError("CW_BAD_REQUEST", "limit must be an integer from 1 to 10000");
      const list = ctx.symptoms
        .list({
          ...(p.get("entity") ? { entityId: p.get("entity") as string } : {}),
          ...(p.get("type") ? { type: p.get("type") as string } : {}),
          ...(p.get("source") ? { source: p.get("source") as string } : {}),
          ...(p.get("namespace") !== null ? { namespace: p.get("namespace") as string } : {}),
          ...(active !== undefined ? { active } : {}),
        })
        .sort((a, b) => b.sinceUnixMs - a.sinceUnixMs);
      sendJson(res, 200, { symptoms: list.slice(0, limit), total: list.length });
      return;
    }
    if (path === "/api/v1/agents") {
      const agents = [...ctx.agents.all()]
        .map((a) => ctx.agents.view(a))
        .sort((a, b) => (a.agentId < b.agentId ? -1 : 1));
      sendJson(res, 200, { agents });
      return;
    }
    if (path === "/api/v1/rootcauses") {
      sendJson(res, 200, { engine: ctx.engine.name, ...ctx.engine.report() });
      return;
    }
    throw new CausewayError("CW_NOT_FOUND", `no route at ${path}`);
  };
  return (req, res) => {
    const path = (req.url ?? "/").split("?")[0] ?? "/";
    res.on("finish", () =>
      ctx.metrics.httpRequests.inc({ route: routeOf(path), status: String(res.statusCode) }),
    );
    handle(req, res).catch((error: unknown) => {
      if (res.headersSent) {
        res.destroy();
        return;
      }
      if (error instanceof CausewayError) sendJson(res, error.httpStatus, error.toJSON());
      else if (error instanceof BodyError) sendError(res, error.code, error.message);
      else {
        ctx.log.error({ err: (error as Error).message, path }, "HTTP API error");
        sendError(res, "CW_INTERNAL", "internal error");
      }
    });
  };
}

/** An HTTP server (HTTPS when given a certificate) running the API handler. */
export function createApiServer(
  handler: (req: IncomingMessage, res: ServerResponse) => void,
  tls?: { readonly cert: Buffer; readonly key: Buffer },
): Server {
  return tls ? createHttpsServer({ cert: tls.cert, key: tls.key }, handler) : createHttpServer(handler);
}
