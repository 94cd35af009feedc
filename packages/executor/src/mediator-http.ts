import { readFile } from "node:fs/promises";
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

export interface MediatorHttpOptions {
  /** e.g. https://causeway-mediator.causeway.svc:8080 */
  readonly baseUrl: string;
  /** CA bundle (PEM) for an https mediator; empty: the system roots. */
  readonly caFile?: string;
  readonly timeoutMs?: number;
}

/** An answer from the mediator's HTTP API. */
export interface MediatorHttpAnswer {
  readonly status: number;
  readonly text: string;
}

const MAX_BODY_BYTES = 64 * 1024 * 1024;

/**
 * GETs from the mediator's HTTP API, trusting the mediator's CA when it serves https (global fetch
 * cannot be given a CA). The CA is re-read per request, as Secrets are updated in place.
 */
export function mediatorHttpGet(options: MediatorHttpOptions): (path: string) => Promise<MediatorHttpAnswer> {
  return async (path) => {
    const url = new URL(path, options.baseUrl);
    const ca = url.protocol === "https:" && options.caFile ? await readFile(options.caFile) : undefined;
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise((resolve, reject) => {
      const req = send(
        url,
        { method: "GET", timeout: options.timeoutMs ?? 30_000, ...(ca ? { ca } : {}) },
        (res) => {
          const chunks: Buffer[] = [];
          let size = 0;
          res.on("data", (chunk: Buffer) => {
            size += chunk.length;
            if (size > MAX_BODY_BYTES) req.destroy(new Error(`GET ${url.pathname}: answer too large`));
            else chunks.push(chunk);
          });
          res.on("error", reject);
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
        },
      );
      req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
      req.on("error", reject);
      req.end();
    });
  };
}
