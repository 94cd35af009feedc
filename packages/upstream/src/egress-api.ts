import { CausewayError } from "@causeway/runtime";
import { MAX_EGRESS_QUERY_LIMIT, type EgressLedger, type EgressQuery } from "./egress-ledger.js";
import { CATEGORIES, type Category } from "./wire.js";

export interface EgressApiRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly searchParams: URLSearchParams;
}

export interface EgressApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

function json(status: number, value: unknown): EgressApiResponse {
  return { status, contentType: "application/json", body: JSON.stringify(value) };
}

function error(e: CausewayError): EgressApiResponse {
  return json(e.httpStatus, e.toJSON());
}

/** Parses `?sinceUnixMs=&limit=&category=`; every problem is reported at once. */
export function parseEgressQuery(params: URLSearchParams): EgressQuery | CausewayError {
  const problems: string[] = [];
  const query: { sinceUnixMs?: number; limit?: number; category?: string } = {};
  const since = params.get("sinceUnixMs");
  if (since !== null) {
    if (/^\d{1,16}$/.test(since)) query.sinceUnixMs = Number(since);
    else problems.push("sinceUnixMs must be a non-negative integer (Unix milliseconds)");
  }
  const limit = params.get("limit");
  if (limit !== null) {
    const n = Number(limit);
    if (Number.isInteger(n) && n >= 1 && n <= MAX_EGRESS_QUERY_LIMIT) query.limit = n;
    else problems.push(`limit must be an integer from 1 to ${MAX_EGRESS_QUERY_LIMIT}`);
  }
  const category = params.get("category");
  if (category !== null) {
    if (CATEGORIES.includes(category as Category)) query.category = category;
    else problems.push(`category must be one of ${CATEGORIES.join(", ")}`);
  }
  if (problems.length > 0) return new CausewayError("CW_BAD_REQUEST", problems.join("; "), { problems });
  return query;
}

/**
 * GET /api/v1/egress: the egress ledger, newest first, for the mediator's HTTP API. Returns
 * undefined for other paths, so the mediator can chain it with its other routes. With upstream
 * disabled, pass no ledger: the route answers with an empty list and `enabled: false`.
 */
export function handleEgressApi(
  ledger: EgressLedger | undefined,
  req: EgressApiRequest,
): EgressApiResponse | undefined {
  if (req.path !== "/api/v1/egress" && req.path !== "/api/v1/egress/") return undefined;
  if (req.method !== "GET")
    return error(new CausewayError("CW_BAD_REQUEST", `${req.method} is not allowed here`));
  const query = parseEgressQuery(req.searchParams);
  if (query instanceof CausewayError) return error(query);
  if (!ledger) return json(200, { enabled: false, entries: [] });
  return json(200, { enabled: true, entries: ledger.list(query) });
}
