import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** Where and how to reach the Kubernetes API; `token` is supplied per request. */
export interface KubeEndpoint {
  /** e.g. https://10.96.0.1:443 */
  readonly url: string;
  /** PEM CA bundle for an https URL. */
  readonly ca?: string;
  readonly timeoutMs?: number;
}

/** A Kubernetes `Status` error, as the API server returns it. */
export class KubeApiError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(method: string, path: string, status: number, body: unknown) {
    const b = (body ?? {}) as { message?: string; reason?: string };
    super(`${method} ${path}: HTTP ${status}${b.message ? `: ${b.message}` : ""}`);
    this.name = "KubeApiError";
    this.status = status;
    this.reason = b.reason ?? "";
  }
}

export type PatchType = "merge" | "strategic" | "json";
const PATCH_CONTENT_TYPES: Record<PatchType, string> = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
};

export interface KubeRequest {
  readonly method: "GET" | "POST" | "PUT" | "PATCH" | "DELETE";
  readonly path: string;
  readonly query?: Readonly<Record<string, string>>;
  readonly body?: unknown;
  readonly patchType?: PatchType;
}

/**
 * A deliberately small client for the few calls the executor makes. Every call names the bearer
 * token it uses, so it is always clear which credential (the executor's own, or a task's) acted.
 */
export class KubeClient {
  readonly #endpoint: KubeEndpoint;

  constructor(endpoint: KubeEndpoint) {
    this.#endpoint = endpoint;
  }

  async call<T = unknown>(token: string, req: KubeRequest): Promise<T> {
    const url = new URL(req.path, this.#endpoint.url);
    for (const [k, v] of Object.entries(req.query ?? {})) url.searchParams.set(k, v);
    const payload = req.body === undefined ? undefined : Buffer.from(JSON.stringify(req.body));
    const headers: Record<string, string> = { accept: "application/json", authorization: `Bearer ${token}` };
    if (payload) {
      headers["content-type"] =
        req.method === "PATCH" ? PATCH_CONTENT_TYPES[req.patchType ?? "merge"] : "application/json";
      headers["content-length"] = String(payload.length);
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    const { status, text } = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const r = send(
        url,
        {
          method: req.method,
          headers,
          timeout: this.#endpoint.timeoutMs ?? 15_000,
          ...(url.protocol === "https:" && this.#endpoint.ca ? { ca: this.#endpoint.ca } : {}),
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString("utf8") }),
          );
          res.on("error", reject);
        },
      );
      r.on("timeout", () => r.destroy(new Error(`${req.method} ${url.pathname}: timed out`)));
      r.on("error", reject);
      r.end(payload);
    });
    let body: unknown = undefined;
    try {
      body = text === "" ? undefined : JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 200) };
    }
    if (status < 200 || status >= 300) throw new KubeApiError(req.method, url.pathname, status, body);
    return body as T;
  }
}
