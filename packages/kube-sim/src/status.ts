/** One field problem of a 422 Invalid. */
export interface FieldCause {
  readonly field: string;
  readonly message: string;
  /** FieldValueInvalid (default), FieldValueRequired, FieldValueNotSupported, FieldValueForbidden… */
  readonly reason?: string;
}

/** A Kubernetes `Status` failure, as the real API server returns it. */
export class ApiStatusError extends Error {
  readonly code: number;
  readonly reason: string;
  readonly details: Record<string, unknown> | undefined;
  constructor(code: number, reason: string, message: string, details?: Record<string, unknown>) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }

  toStatus(): Record<string, unknown> {
    return {
      kind: "Status",
      apiVersion: "v1",
      metadata: {},
      status: "Failure",
      message: this.message,
      reason: this.reason,
      ...(this.details ? { details: this.details } : {}),
      code: this.code,
    };
  }
}

const what = (kind: string, group: string): string => (group ? `${kind}.${group}` : kind);

export const statusErrors = {
  notFound: (resource: string, group: string, name: string) =>
    new ApiStatusError(404, "NotFound", `${what(resource, group)} "${name}" not found`, {
      name,
      group,
      kind: resource,
    }),
  alreadyExists: (resource: string, group: string, name: string) =>
    new ApiStatusError(409, "AlreadyExists", `${what(resource, group)} "${name}" already exists`, {
      name,
      group,
      kind: resource,
    }),
  conflict: (resource: string, group: string, name: string) =>
    new ApiStatusError(
      409,
      "Conflict",
      `Operation cannot be fulfilled on ${what(resource, group)} "${name}": the object has been modified; please apply your changes to the latest version and try again`,
      { name, group, kind: resource },
    ),
  invalid: (kind: string, group: string, name: string, causes: readonly FieldCause[]) =>
    new ApiStatusError(
      422,
      "Invalid",
      `${what(kind, group)} "${name}" is invalid: ${causes.length > 1 ? "[" : ""}${causes.map((c) => `${c.field}: ${c.message}`).join(", ")}${causes.length > 1 ? "]" : ""}`,
      { name, group, kind, causes: causes.map((c) => ({ reason: "FieldValueInvalid", ...c })) },
    ),
  /** 410 Gone: the requested resourceVersion is older than the retained history. */
  expired: (message: string) => new ApiStatusError(410, "Expired", message),
  gone: (message: string) => new ApiStatusError(410, "Gone", message),
  tooLargeResourceVersion: (requested: number, current: number) =>
    new ApiStatusError(
      504,
      "Timeout",
      `Timeout: Too large resource version: ${requested}, current: ${current}`,
      {
        causes: [{ reason: "ResourceVersionTooLarge", message: "Too large resource version" }],
        retryAfterSeconds: 1,
      },
    ),
  forbidden: (
    user: string,
    verb: string,
    resource: string,
    group: string,
    namespace: string | undefined,
    name?: string,
  ) =>
    new ApiStatusError(
      403,
      "Forbidden",
      `${resource.split("/")[0] ?? resource}${group ? `.${group}` : ""}${name ? ` "${name}"` : ""} is forbidden: User "${user}" cannot ${verb} resource "${resource}" in API group "${group}"${namespace ? ` in the namespace "${namespace}"` : " at the cluster scope"}`,
      { ...(name ? { name } : {}), group, kind: resource.split("/")[0] ?? resource },
    ),
  forbiddenPath: (user: string, verb: string, path: string) =>
    new ApiStatusError(403, "Forbidden", `forbidden: User "${user}" cannot ${verb} path "${path}"`),
  unauthorized: () => new ApiStatusError(401, "Unauthorized", "Unauthorized"),
  badRequest: (message: string) => new ApiStatusError(400, "BadRequest", message),
  methodNotAllowed: (message: string) => new ApiStatusError(405, "MethodNotAllowed", message),
  unsupportedMediaType: (type: string) =>
    new ApiStatusError(
      415,
      "UnsupportedMediaType",
      `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/strategic-merge-patch+json; got ${type}`,
    ),
};
