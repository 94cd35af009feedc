/**
 * The upstream wire protocol: JSON text frames over one WSS connection per mediator. The
 * connection is authenticated at the upgrade (`Authorization: Bearer <token>`, plus the tenant
 * and cluster ids in headers); every data frame repeats the tenant and cluster ids, and the
 * receiver refuses a frame whose ids differ from the authenticated ones.
 */

export const PROTOCOL_VERSION = 1;
export const TENANT_HEADER = "x-causeway-tenant";
export const CLUSTER_HEADER = "x-causeway-cluster";
export const PROTOCOL_HEADER = "x-causeway-upstream-protocol";

/** What a data frame carries. */
export const CATEGORIES = ["topology", "symptoms", "root_cause", "evidence"] as const;
export type Category = (typeof CATEGORIES)[number];

/** Mediator → upstream. */
export interface DataFrame {
  readonly type: "data";
  readonly id: string;
  readonly tenantId: string;
  readonly clusterId: string;
  readonly category: Category;
  readonly createdUnixMs: number;
  readonly body: unknown;
}

/** Upstream → mediator: these message ids are stored (deduplicated) and need not be sent again. */
export interface AckFrame {
  readonly type: "ack";
  readonly ids: readonly string[];
}

/** Upstream → mediator: send the evidence for a root cause the mediator reported. */
export interface EvidenceRequestFrame {
  readonly type: "evidence_request";
  readonly requestId: string;
  readonly rootCauseId: string;
  /** How far back from the root cause's detection; bounded by the mediator's own limit. */
  readonly windowMs?: number;
}

export type ServerFrame = AckFrame | EvidenceRequestFrame;

const ID = /^[A-Za-z0-9._:-]{1,128}$/;

/** Parses a frame from upstream; undefined for anything malformed (ignored, and logged by the caller). */
export function parseServerFrame(raw: string): ServerFrame | undefined {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== "object") return undefined;
  const f = v as Record<string, unknown>;
  if (f.type === "ack" && Array.isArray(f.ids) && f.ids.every((id) => typeof id === "string")) {
    return { type: "ack", ids: f.ids as string[] };
  }
  if (
    f.type === "evidence_request" &&
    typeof f.requestId === "string" &&
    ID.test(f.requestId) &&
    typeof f.rootCauseId === "string" &&
    f.rootCauseId.length > 0 &&
    f.rootCauseId.length <= 253 &&
    (f.windowMs === undefined ||
      (typeof f.windowMs === "number" && Number.isFinite(f.windowMs) && f.windowMs > 0))
  ) {
    return {
      type: "evidence_request",
      requestId: f.requestId,
      rootCauseId: f.rootCauseId,
      ...(f.windowMs !== undefined ? { windowMs: f.windowMs as number } : {}),
    };
  }
  return undefined;
}

/** Parses a data frame from a mediator; returns a reason string when it is malformed. */
export function parseDataFrame(raw: string): DataFrame | string {
  let v: unknown;
  try {
    v = JSON.parse(raw);
  } catch {
    return "not JSON";
  }
  if (v === null || typeof v !== "object") return "not an object";
  const f = v as Record<string, unknown>;
  if (f.type !== "data") return `unknown frame type ${JSON.stringify(f.type)}`;
  if (typeof f.id !== "string" || !ID.test(f.id)) return "bad id";
  if (typeof f.tenantId !== "string" || typeof f.clusterId !== "string")
    return "missing tenant or cluster id";
  if (!CATEGORIES.includes(f.category as Category)) return "unknown category";
  if (typeof f.createdUnixMs !== "number") return "missing createdUnixMs";
  return f as unknown as DataFrame;
}
