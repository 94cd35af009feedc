import { type ServerResponse } from "node:http";
import { CausewayError, type ErrorCode } from "@causeway/runtime";

/** Writes a JSON body. */
export function sendJson(
  res: ServerResponse,
  status: number,
  value: unknown,
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify(value);
  res.writeHead(status, {
    "content-type": "application/json",
    "content-length": Buffer.byteLength(body),
    ...headers,
  });
  res.end(body);
}

/** Writes a `{"error": {code, message}}` body with the code's HTTP status. */
export function sendError(
  res: ServerResponse,
  code: ErrorCode,
  message: string,
  details?: Record<string, unknown>,
): void {
  const error = new CausewayError(code, message, details);
  sendJson(res, error.httpStatus, error.toJSON());
}
