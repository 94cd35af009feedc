import { request as httpRequest, type IncomingMessage } from "node:http";
import { request as httpsRequest } from "node:https";

// Kubernetes objects are read loosely here: the local stack touches a few fields of each.
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- free-form API objects
export type KubeObject = Record<string, any>;

/** A non-2xx answer of the API server, with its Status message. */
export class KubeRequestError extends Error {
  readonly status: number;
  readonly reason: string;
  constructor(method: string, path: string, status: number, body: KubeObject | undefined) {
    super(`${method} ${path}: HTTP ${status}${body?.message ? `: ${String(body.message)}` : ""}`);
    this.name = "KubeRequestError";
    this.status = status;
    this.reason = typeof body?.reason === "string" ? body.reason : "";
  }
}

/** A watch event as the API server streams it. */
export interface WatchEvent {
  readonly type: "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";
  readonly object: KubeObject;
}

const PATCH_TYPES = {
  merge: "application/merge-patch+json",
  strategic: "application/strategic-merge-patch+json",
  json: "application/json-patch+json",
} as const;

/**
 * A small client of the Kubernetes REST API (bearer token, optional CA) for what the local stack
 * does as kubelet, installer and fault injector: CRUD, patches, status writes and watches.
 */
export class KubeClient {
  readonly url: URL;
  readonly #token: string;
  readonly #ca: string | undefined;

  constructor(options: { readonly url: string; readonly token: string; readonly ca?: string }) {
    this.url = new URL(options.url);
    this.#token = options.token;
    this.#ca = options.ca;
  }

  /** A client of the same server acting with another token. */
  withToken(token: string): KubeClient {
    return new KubeClient({ url: this.url.toString(), token, ...(this.#ca ? { ca: this.#ca } : {}) });
  }

  #open(
    method: string,
    path: string,
    headers: Record<string, string>,
    onResponse: (res: IncomingMessage) => void,
  ) {
    const options = {
      method,
      hostname: this.url.hostname,
      port: this.url.port,
      path,
      headers: { authorization: `Bearer ${this.#token}`, accept: "application/json", ...headers },
      ...(this.#ca ? { ca: this.#ca } : {}),
    };
    return this.url.protocol === "https:"
      ? httpsRequest(options, onResponse)
      : httpRequest(options, onResponse);
  }

  /** One request; resolves with the parsed body, rejects with {@link KubeRequestError} on non-2xx. */
  request(
    method: string,
    path: string,
    body?: unknown,
    contentType = "application/json",
  ): Promise<KubeObject> {
    const payload = body === undefined ? undefined : JSON.stringify(body);
    return new Promise((resolve, reject) => {
      const req = this.#open(
        method,
        path,
        payload !== undefined
          ? { "content-type": contentType, "content-length": String(Buffer.byteLength(payload)) }
          : {},
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("error", reject);
          res.on("end", () => {
            const text = Buffer.concat(chunks).toString("utf8");
            let parsed: KubeObject | undefined;
            try {
              parsed = text === "" ? {} : (JSON.parse(text) as KubeObject);
            } catch {
              parsed = undefined;
            }
            const status = res.statusCode ?? 0;
            if (status >= 200 && status < 300 && parsed) resolve(parsed);
            else reject(new KubeRequestError(method, path, status, parsed));
          });
        },
      );
      req.on("error", reject);
      req.end(payload);
    });
  }

  get(path: string): Promise<KubeObject> {
    return this.request("GET", path);
  }

  /** GET that resolves undefined on 404. */
  async find(path: string): Promise<KubeObject | undefined> {
    try {
      return await this.get(path);
    } catch (error) {
      if (error instanceof KubeRequestError && error.status === 404) return undefined;
      throw error;
    }
  }

  post(path: string, body: unknown): Promise<KubeObject> {
    return this.request("POST", path, body);
  }

  put(path: string, body: unknown): Promise<KubeObject> {
    return this.request("PUT", path, body);
  }

  patch(path: string, body: unknown, type: keyof typeof PATCH_TYPES = "merge"): Promise<KubeObject> {
    return this.request("PATCH", path, body, PATCH_TYPES[type]);
  }

  /** DELETE that resolves false when the object was already gone. */
  async delete(path: string, body?: unknown): Promise<boolean> {
    try {
      await this.request("DELETE", path, body);
      return true;
    } catch (error) {
      if (error instanceof KubeRequestError && error.status === 404) return false;
      throw error;
    }
  }

  /**
   * Streams watch events of `path` (a collection, with its query) from `resourceVersion` until the
   * server ends the watch or `signal` aborts; resolves when it ends.
   */
  watch(
    path: string,
    resourceVersion: string,
    onEvent: (event: WatchEvent) => void,
    signal: AbortSignal,
  ): Promise<void> {
    const sep = path.includes("?") ? "&" : "?";
    const full = `${path}${sep}watch=true&allowWatchBookmarks=true&resourceVersion=${encodeURIComponent(resourceVersion)}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) return resolve();
      const req = this.#open("GET", full, {}, (res) => {
        if ((res.statusCode ?? 0) >= 300) {
          res.resume();
          reject(new KubeRequestError("WATCH", path, res.statusCode ?? 0, undefined));
          return;
        }
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let nl: number;
          while ((nl = buffer.indexOf("\n")) >= 0) {
            const line = buffer.slice(0, nl).trim();
            buffer = buffer.slice(nl + 1);
            if (line === "") continue;
            try {
              onEvent(JSON.parse(line) as WatchEvent);
            } catch (error) {
              req.destroy(error as Error);
            }
          }
        });
        res.on("end", () => resolve());
        res.on("error", (error) => (signal.aborted ? resolve() : reject(error)));
      });
      const abort = (): void => {
        req.destroy();
        resolve();
      };
      signal.addEventListener("abort", abort, { once: true });
      req.on("error", (error) => (signal.aborted ? resolve() : reject(error)));
      req.on("close", () => signal.removeEventListener("abort", abort));
      req.end();
    });
  }
}

/** The collection path of a namespaced or cluster-scoped resource. */
export function collectionPath(apiVersion: string, resource: string, namespace?: string): string {
  const base = apiVersion.includes("/") ? `/apis/${apiVersion}` : `/api/${apiVersion}`;
  return namespace ? `${base}/namespaces/${namespace}/${resource}` : `${base}/${resource}`;
}
