/**
 * Stable error codes returned by Causeway's HTTP and gRPC APIs. Every code is documented in
 * docs/errors.md; a test checks the two agree. Codes are never renamed or reused.
 */
export const ERROR_CODES = {
  CW_BAD_REQUEST: { httpStatus: 400, grpcCode: 3, summary: "The request is malformed or fails validation." },
  CW_UNAUTHENTICATED: { httpStatus: 401, grpcCode: 16, summary: "No valid credentials were presented." },
  CW_FORBIDDEN: {
    httpStatus: 403,
    grpcCode: 7,
    summary: "The caller is authenticated but not allowed to do this.",
  },
  CW_NOT_FOUND: { httpStatus: 404, grpcCode: 5, summary: "The named object does not exist." },
  CW_CONFLICT: { httpStatus: 409, grpcCode: 10, summary: "The request conflicts with the current state." },
  CW_PAYLOAD_TOO_LARGE: {
    httpStatus: 413,
    grpcCode: 8,
    summary: "The message exceeds the configured size limit.",
  },
  CW_UNSUPPORTED_MEDIA_TYPE: {
    httpStatus: 415,
    grpcCode: 3,
    summary: "The content type is not accepted here.",
  },
  CW_RATE_LIMITED: {
    httpStatus: 429,
    grpcCode: 8,
    summary: "Too many requests; retry after the advertised delay.",
  },
  CW_UNAVAILABLE: {
    httpStatus: 503,
    grpcCode: 14,
    summary: "Temporarily overloaded or not ready; retry later.",
  },
  CW_INTERNAL: {
    httpStatus: 500,
    grpcCode: 13,
    summary: "An unexpected error; the details are in the server log.",
  },
} as const satisfies Record<string, { httpStatus: number; grpcCode: number; summary: string }>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** An expected failure with a stable code, safe to show to API clients. */
export class CausewayError extends Error {
  readonly code: ErrorCode;
  readonly details: Readonly<Record<string, unknown>> | undefined;
  constructor(code: ErrorCode, message: string, details?: Record<string, unknown>) {
    super(message);
    this.name = "CausewayError";
    this.code = code;
    this.details = details;
  }
  get httpStatus(): number {
    return ERROR_CODES[this.code].httpStatus;
  }
  get grpcCode(): number {
    return ERROR_CODES[this.code].grpcCode;
  }
  /** The JSON body of an HTTP error response. */
  toJSON(): { error: { code: ErrorCode; message: string; details?: Record<string, unknown> } } {
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(this.details ? { details: { ...this.details } } : {}),
      },
    };
  }
}
