import { status, type ServerDuplexStream } from "@grpc/grpc-js";
import { type ExecutorDirective, type ExecutorMessage } from "@causeway/protocol";
import { type Logger } from "@causeway/runtime";
import { type AuthResult } from "../agents/token-authenticator.js";

type SessionCall = ServerDuplexStream<ExecutorMessage, ExecutorDirective>;

/** The `session` handler of ExecutorService, as @causeway/remediation provides it. */
export interface ExecutorSessionHandler {
  session(call: SessionCall): void;
}

export interface ExecutorSessionAuthOptions {
  /** Checks the stream's bearer token (TokenReview, audience and username allowlist). */
  readonly authenticate: (token: string) => Promise<AuthResult>;
  readonly log: Logger;
  /** Counts a refused stream by reason. */
  readonly refused?: (reason: "unauthenticated") => void;
}

function bearerOf(call: SessionCall): string {
  const header = call.metadata.get("authorization")[0];
  return /^Bearer\s+(\S+)\s*$/i.exec(typeof header === "string" ? header : "")?.[1] ?? "";
}

/**
 * Wraps the executor's Session handler so that nothing reaches the remediation lifecycle before
 * the executor's ServiceAccount token is verified: the stream is paused (its hello waits), the
 * token reviewed, and a refused executor gets UNAUTHENTICATED without ever being registered, so
 * no task is handed to it.
 */
export function authenticatedExecutorSession(
  inner: ExecutorSessionHandler,
  options: ExecutorSessionAuthOptions,
): ExecutorSessionHandler {
  return {
    session(call: SessionCall): void {
      call.pause();
      void options.authenticate(bearerOf(call)).then(
        (result) => {
          if (call.cancelled) return;
          if (!result.ok) {
            options.refused?.("unauthenticated");
            options.log.warn({ reason: result.reason, peer: call.getPeer() }, "executor refused");
            call.emit("error", {
              code: status.UNAUTHENTICATED,
              details: `executor not authenticated: ${result.reason}`,
            });
            return;
          }
          options.log.info({ username: result.identity.username }, "executor authenticated");
          inner.session(call);
          call.resume();
        },
        (error: Error) => {
          options.log.error({ err: error.message }, "cannot authenticate an executor");
          call.emit("error", { code: status.UNAVAILABLE, details: "cannot authenticate; retry later" });
        },
      );
    },
  };
}
