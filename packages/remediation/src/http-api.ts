import { type AuditLog } from "@causeway/audit";
import { CausewayError, type ErrorCode } from "@causeway/runtime";
import { LifecycleError, type RemediationLifecycle } from "./lifecycle.js";

export interface ApiRequest {
  readonly method: string;
  /** Path without the query string. */
  readonly path: string;
  readonly authorization: string | undefined;
  /** Parsed JSON body, or undefined. */
  readonly body: unknown;
}

export interface ApiResponse {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
}

const LIFECYCLE_CODES: Readonly<Record<LifecycleError["code"], ErrorCode>> = {
  "not-found": "CW_NOT_FOUND",
  unauthenticated: "CW_UNAUTHENTICATED",
  forbidden: "CW_FORBIDDEN",
  conflict: "CW_CONFLICT",
  invalid: "CW_BAD_REQUEST",
};

function json(status: number, value: unknown): ApiResponse {
  return { status, contentType: "application/json", body: JSON.stringify(value) };
}

function bearer(authorization: string | undefined): string {
  const m = /^Bearer\s+(\S+)\s*$/i.exec(authorization ?? "");
  return m?.[1] ?? "";
}

function field(body: unknown, name: string): unknown {
  return body !== null && typeof body === "object" ? (body as Record<string, unknown>)[name] : undefined;
}

/**
 * The remediation and audit routes of the mediator's HTTP API, independent of the HTTP server:
 * returns undefined for paths it does not own.
 *
 * GET  /api/v1/remediations                list
 * GET  /api/v1/remediations/{id}           one, with its exact change and steps
 * POST /api/v1/remediations/{id}/approve   Authorization: Bearer <approver's token>; {changeSha256?}
 * POST /api/v1/remediations/{id}/reject    Authorization: Bearer <token>; {reason}
 * GET  /api/v1/audit/export                the trail, NDJSON
 * GET  /api/v1/audit/public-key            the key that signs checkpoints and tasks, PEM
 */
export async function handleRemediationApi(
  lifecycle: RemediationLifecycle,
  audit: AuditLog,
  publicKeyPem: string,
  req: ApiRequest,
): Promise<ApiResponse | undefined> {
  const parts = req.path.split("/").filter((p) => p !== "");
  if (parts[0] !== "api" || parts[1] !== "v1") return undefined;
  const [, , resource, id, verb] = parts;
  try {
    if (resource === "audit" && req.method === "GET") {
      if (id === "export" && !verb)
        return { status: 200, contentType: "application/x-ndjson", body: audit.exportNdjson() };
      if (id === "public-key" && !verb)
        return { status: 200, contentType: "application/x-pem-file", body: publicKeyPem };
      return undefined;
    }
    if (resource !== "remediations") return undefined;
    if (req.method === "GET" && !id) return json(200, { remediations: lifecycle.list() });
    if (req.method === "GET" && id && !verb) return json(200, lifecycle.get(decodeURIComponent(id)));
    if (req.method === "POST" && id && verb === "approve") {
      const sha = field(req.body, "changeSha256");
      if (sha !== undefined && typeof sha !== "string")
        throw new CausewayError("CW_BAD_REQUEST", "changeSha256 must be a string");
      return json(200, await lifecycle.approve(decodeURIComponent(id), bearer(req.authorization), sha));
    }
    if (req.method === "POST" && id && verb === "reject") {
      const reason = field(req.body, "reason");
      if (typeof reason !== "string") throw new CausewayError("CW_BAD_REQUEST", "reason must be a string");
      return json(200, await lifecycle.reject(decodeURIComponent(id), bearer(req.authorization), reason));
    }
    return undefined;
  } catch (error) {
    // Anything unexpected propagates to the server, which logs it and answers CW_INTERNAL.
    if (!(error instanceof LifecycleError) && !(error instanceof CausewayError)) throw error;
    const e =
      error instanceof LifecycleError ? new CausewayError(LIFECYCLE_CODES[error.code], error.message) : error;
    return json(e.httpStatus, e.toJSON());
  }
}
