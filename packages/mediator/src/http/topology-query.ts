import { CausewayError } from "@causeway/runtime";
import { type GraphEntity, type GraphRelation, type TopologyGraph } from "../graph/topology-graph.js";

export const DEFAULT_PAGE_LIMIT = 1000;
export const MAX_PAGE_LIMIT = 10_000;
export const MAX_DEPTH = 4;

export interface EntityView {
  readonly id: string;
  readonly kind: string;
  readonly name: string;
  readonly namespace: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sources: readonly string[];
  readonly updatedUnixMs: number;
}

export interface RelationView {
  readonly fromId: string;
  readonly toId: string;
  readonly type: string;
  readonly attributes: Readonly<Record<string, string>>;
  readonly sources: readonly string[];
}

export interface TopologyPage {
  readonly entities: EntityView[];
  readonly relations: RelationView[];
  /** Pass back as `continue` for the next page; absent on the last page. */
  readonly continue?: string;
  /** Entities matching the filter, across all pages. */
  readonly total: number;
  /** Set on a neighbourhood cut short by the limit. */
  readonly truncated?: boolean;
}

export interface TopologyQuery {
  readonly namespace?: string;
  readonly kinds?: readonly string[];
  /** Neighbourhood of this entity (both directions) instead of a filtered listing. */
  readonly entity?: string;
  readonly depth?: number;
  readonly limit?: number;
  readonly continue?: string;
  /** Relation types followed and returned (all when absent). */
  readonly relationTypes?: readonly string[];
}

export function entityView(e: GraphEntity): EntityView {
  return {
    id: e.id,
    kind: e.kind,
    name: e.name,
    namespace: e.namespace,
    attributes: e.attributes,
    sources: e.sources,
    updatedUnixMs: e.updatedUnixMs,
  };
}

export function relationView(r: GraphRelation): RelationView {
  return { fromId: r.fromId, toId: r.toId, type: r.type, attributes: r.attributes, sources: r.sources };
}

function intParam(value: string | null, name: string, min: number, max: number, fallback: number): number {
  if (value === null || value === "") return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) {
    throw new CausewayError("CW_BAD_REQUEST", `${name} must be an integer from ${min} to ${max}`);
  }
  return n;
}

function list(value: string | null): string[] | undefined {
  if (value === null || value === "") return undefined;
  return value
    .split(",")
    .map((s) => s.trim())
    .filter((s) => s !== "");
}

/** Parses /api/v1/topology query parameters, refusing bad ones with CW_BAD_REQUEST. */
export function parseTopologyQuery(params: URLSearchParams): TopologyQuery {
  const namespace = params.get("namespace") ?? undefined;
  const kinds = list(params.get("kind"));
  const relationTypes = list(params.get("relation"));
  const entity = params.get("entity") ?? undefined;
  const cont = params.get("continue") ?? undefined;
  if (entity !== undefined && cont !== undefined) {
    throw new CausewayError(
      "CW_BAD_REQUEST",
      "continue applies to listings, not to a neighbourhood (entity)",
    );
  }
  return {
    ...(namespace !== undefined ? { namespace } : {}),
    ...(kinds ? { kinds } : {}),
    ...(relationTypes ? { relationTypes } : {}),
    ...(entity !== undefined ? { entity } : {}),
    ...(cont !== undefined ? { continue: cont } : {}),
    depth: intParam(params.get("depth"), "depth", 0, MAX_DEPTH, 1),
    limit: intParam(params.get("limit"), "limit", 1, MAX_PAGE_LIMIT, DEFAULT_PAGE_LIMIT),
  };
}

function decodeContinue(token: string): string {
  try {
    const decoded = Buffer.from(token, "base64url").toString("utf8");
    if (!decoded.startsWith("after:")) throw new Error("bad prefix");
    return decoded.slice("after:".length);
  } catch {
    throw new CausewayError("CW_BAD_REQUEST", "continue is not a token this API issued");
  }
}

function encodeContinue(lastId: string): string {
  return Buffer.from(`after:${lastId}`, "utf8").toString("base64url");
}

/**
 * Answers a topology query from the graph's indexes. A listing is ordered by entity id and paged
 * with an opaque continue token (the last id returned), so it stays stable while the graph
 * changes; each page carries the relations leaving its entities, so that all pages together hold
 * every matching relation exactly once. A neighbourhood walks relations both ways up to `depth`,
 * bounded by `limit` entities.
 */
export function queryTopology(graph: TopologyGraph, q: TopologyQuery): TopologyPage {
  const limit = q.limit ?? DEFAULT_PAGE_LIMIT;
  const typeOk = (r: GraphRelation) => !q.relationTypes || q.relationTypes.includes(r.type);
  const entityOk = (e: GraphEntity) =>
    (q.namespace === undefined || e.namespace === q.namespace) && (!q.kinds || q.kinds.includes(e.kind));
  if (q.entity !== undefined) {
    const start = graph.getEntity(q.entity);
    if (!start) throw new CausewayError("CW_NOT_FOUND", `entity ${q.entity} not found`);
    const seen = new Set<string>([start.id]);
    let frontier = [start.id];
    let truncated = false;
    for (let d = 0; d < (q.depth ?? 1) && frontier.length > 0 && !truncated; d++) {
      const next: string[] = [];
      for (const id of frontier) {
        for (const r of [...graph.outgoing(id), ...graph.incoming(id)]) {
          if (!typeOk(r)) continue;
          const other = r.fromId === id ? r.toId : r.fromId;
          if (seen.has(other)) continue;
          const e = graph.getEntity(other);
          if (!e || !entityOk(e)) continue;
          if (seen.size >= limit) {
            truncated = true;
            break;
          }
          seen.add(other);
          next.push(other);
        }
        if (truncated) break;
      }
      frontier = next;
    }
    const entities: EntityView[] = [];
    const relations: RelationView[] = [];
    for (const id of seen) {
      const e = graph.getEntity(id);
      if (e) entities.push(entityView(e));
      for (const r of graph.outgoing(id)) if (typeOk(r) && seen.has(r.toId)) relations.push(relationView(r));
    }
    return { entities, relations, total: entities.length, ...(truncated ? { truncated } : {}) };
  }
  // Start from the smallest index that applies, then filter.
  let candidates: Iterable<string>;
  if (q.kinds && q.kinds.length > 0) {
    const sets = q.kinds.map((k) => graph.idsOfKind(k));
    candidates = sets.length === 1 ? (sets[0] as ReadonlySet<string>) : sets.flatMap((s) => [...s]);
  } else if (q.namespace !== undefined) {
    candidates = graph.idsInNamespace(q.namespace);
  } else {
    candidates = (function* () {
      for (const e of graph.entities()) yield e.id;
    })();
  }
  const ids: string[] = [];
  for (const id of candidates) {
    const e = graph.getEntity(id);
    if (e && entityOk(e)) ids.push(id);
  }
  ids.sort();
  let startIndex = 0;
  if (q.continue !== undefined) {
    const after = decodeContinue(q.continue);
    let lo = 0;
    let hi = ids.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if ((ids[mid] as string) <= after) lo = mid + 1;
      else hi = mid;
    }
    startIndex = lo;
  }
  const pageIds = ids.slice(startIndex, startIndex + limit);
  const entities: EntityView[] = [];
  const relations: RelationView[] = [];
  for (const id of pageIds) {
    const e = graph.getEntity(id);
    if (!e) continue;
    entities.push(entityView(e));
    for (const r of graph.outgoing(id)) if (typeOk(r)) relations.push(relationView(r));
  }
  const more = startIndex + limit < ids.length;
  const last = pageIds.at(-1);
  return {
    entities,
    relations,
    total: ids.length,
    ...(more && last !== undefined ? { continue: encodeContinue(last) } : {}),
  };
}
