import { pino, type Logger, type DestinationStream } from "pino";

/** Paths whose values are never written to logs, whatever component logs them. */
export const REDACTED_LOG_PATHS: readonly string[] = [
  "token",
  "*.token",
  "*.*.token",
  "authorization",
  "*.authorization",
  "headers.authorization",
  "*.headers.authorization",
  "req.headers.authorization",
  "password",
  "*.password",
  "secret",
  "*.secret",
  "apiToken",
  "*.apiToken",
  "privateKey",
  "*.privateKey",
  "kek",
  "*.kek",
];

export interface LoggerOptions {
  /** Service or library component name, logged as `component`. */
  readonly component: string;
  readonly level?: string;
  /** Destination stream; defaults to stdout. Tests pass a buffer to inspect output. */
  readonly destination?: DestinationStream;
}

/** Creates the one structured logger of a service; children add a `component` per module. */
export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      level: options.level ?? "info",
      base: { component: options.component },
      redact: { paths: [...REDACTED_LOG_PATHS], censor: "[REDACTED]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** A logger that discards everything, for libraries used without one. */
export function silentLogger(): Logger {
  return pino({ level: "silent" });
}

export type { Logger };
