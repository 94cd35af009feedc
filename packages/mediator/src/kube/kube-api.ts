import { request as httpRequest } from "node:http";
import { request as httpsRequest, type RequestOptions } from "node:https";
import { type KubeConfig } from "@kubernetes/client-node";

/** A failed Kubernetes API call, with the HTTP status (410 Gone means: relist). */
export class KubeApiError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = "KubeApiError";
    this.statusCode = statusCode;
  }
}

/**
 * Plain JSON calls to the Kubernetes API with a kubeconfig's credentials (TLS client certs, CA,
 * bearer token). Used for paginated lists and reviews, where the generated clients' model classes
 * would cost time and memory for nothing.
 */
export class KubeApi {
  readonly #kc: KubeConfig;
  readonly #timeoutMs: number;

  constructor(kc: KubeConfig, options: { readonly timeoutMs?: number } = {}) {
    this.#kc = kc;
    this.#timeoutMs = options.timeoutMs ?? 60_000;
  }

  get server(): string {
    const cluster = this.#kc.getCurrentCluster();
    if (!cluster) throw new Error("the kubeconfig has no current cluster");
    return cluster.server.replace(/\/+$/, "");
  }

  get<T>(path: string): Promise<T> {
    return this.#send<T>("GET", path, undefined);
  }

  post<T>(path: string, body: unknown): Promise<T> {
    return this.#send<T>("POST", path, body);
  }

  /**
   * Lists every object at `path`, `pageSize` at a time (limit/continue), mapping each item as it
   * arrives so whole objects never accumulate. An expired continue token (410) restarts the list.
   */
  async listAll<T>(
    path: string,
    pageSize: number,
    map: (item: unknown) => T,
    query: Readonly<Record<string, string>> = {},
  ): Promise<{ items: T[]; resourceVersion: string }> {
    for (let attempt = 0; ; attempt++) {
      const items: T[] = [];
      let continueToken = "";
      let resourceVersion = "";
      try {
        do {
          const params = new URLSearchParams({ ...query, limit: String(pageSize) });
          if (continueToken) params.set("continue", continueToken);
          const page = await this.get<{
            metadata?: { resourceVersion?: string; continue?: string };
            items?: unknown[];
          }>(`${path}?${params.toString()}`);
          for (const item of page.items ?? []) items.push(map(item));
          resourceVersion = page.metadata?.resourceVersion ?? resourceVersion;
          continueToken = page.metadata?.continue ?? "";
        } while (continueToken);
        return { items, resourceVersion };
      } catch (error) {
        if (error instanceof KubeApiError && error.statusCode === 410 && attempt < 3) continue;
        throw error;
      }
    }
  }

  async #send<T>(method: string, path: string, body: unknown): Promise<T> {
    const url = new URL(this.server + path);
    const options: RequestOptions = { method, headers: {} };
    await this.#kc.applyToHTTPSOptions(options);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
    const headers: Record<string, string | number> = {
      ...(options.headers as Record<string, string>),
      accept: "application/json",
    };
    if (payload) {
      headers["content-type"] = "application/json";
      headers["content-length"] = payload.length;
    }
    const send = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<T>((resolve, reject) => {
      const req = send(
        url,
        { ...options, headers, method, timeout: this.#timeoutMs, agent: undefined },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            const status = res.statusCode ?? 0;
            if (status < 200 || status >= 300) {
              let message = text.slice(0, 500);
              try {
                message = (JSON.parse(text) as { message?: string }).message ?? message;
              } catch {
                // not a Status object
              }
              reject(new KubeApiError(status, `${method} ${path}: HTTP ${status}: ${message}`));
              return;
            }
            try {
              resolve(JSON.parse(text) as T);
            } catch (error) {
              reject(new Error(`${method} ${path}: invalid JSON: ${(error as Error).message}`));
            }
          });
        },
      );
      req.on("timeout", () =>
        req.destroy(new Error(`${method} ${path}: timed out after ${this.#timeoutMs} ms`)),
      );
      req.on("error", reject);
      if (payload) req.write(payload);
      req.end();
    });
  }
}
