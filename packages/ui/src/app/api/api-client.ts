/** An error answer of the mediator's API, `{"error": {code, message}}`, or a network failure (status 0). */
export class ApiError extends Error {
  readonly status: number;
  readonly code: string;
  constructor(status: number, code: string, message: string) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
  }

  /** One line for the screen: `403 CW_FORBIDDEN: alice may not approve…`. */
  describe(): string {
    if (this.status === 0) return `cannot reach the mediator: ${this.message}`;
    return `${this.status} ${this.code}: ${this.message}`;
  }
}

/** One line for the screen about any failure: an API error's own description, anything else as text. */
export function describeError(error: unknown): string {
  return error instanceof ApiError ? error.describe() : String(error);
}

type FetchFn = (input: string, init?: RequestInit) => Promise<Response>;

/**
 * The mediator's HTTP API, addressed relative to the page: the UI is served at `<root>/ui/`, the API
 * at `<root>/api/v1/`, so the same bundle works at `/`, behind `kubectl port-forward` and under any
 * path prefix.
 */
export class ApiClient {
  readonly #root: string;
  readonly #fetch: FetchFn;

  /** `root` is the URL the API paths are resolved against, e.g. `new URL("../", document.baseURI)`. */
  constructor(root: string | URL, fetchFn: FetchFn = (input, init) => fetch(input, init)) {
    this.#root = String(root).endsWith("/") ? String(root) : `${String(root)}/`;
    this.#fetch = fetchFn;
  }

  url(path: string): string {
    return new URL(path.replace(/^\/+/, ""), this.#root).toString();
  }

  async #send(path: string, init: RequestInit): Promise<Response> {
    let res: Response;
    try {
      res = await this.#fetch(this.url(path), { cache: "no-store", ...init });
    } catch (error) {
      throw new ApiError(0, "NETWORK", (error as Error).message);
    }
    if (!res.ok) throw await errorOf(res);
    return res;
  }

  async getJson<T>(path: string, signal?: AbortSignal): Promise<T> {
    const res = await this.#send(path, {
      headers: { accept: "application/json" },
      ...(signal ? { signal } : {}),
    });
    return (await res.json()) as T;
  }

  async getText(path: string, signal?: AbortSignal): Promise<string> {
    const res = await this.#send(path, signal ? { signal } : {});
    return res.text();
  }

  /** POSTs JSON with the user's bearer token; the token goes nowhere else. */
  async postJson<T>(path: string, body: unknown, bearerToken: string): Promise<T> {
    const res = await this.#send(path, {
      method: "POST",
      headers: {
        accept: "application/json",
        "content-type": "application/json",
        authorization: `Bearer ${bearerToken}`,
      },
      body: JSON.stringify(body),
    });
    return (await res.json()) as T;
  }
}

async function errorOf(res: Response): Promise<ApiError> {
  const text = await res.text().catch(() => "");
  try {
    const body = JSON.parse(text) as { error?: { code?: unknown; message?: unknown } };
    if (body.error && typeof body.error.message === "string") {
      return new ApiError(res.status, String(body.error.code ?? "UNKNOWN"), body.error.message);
    }
  } catch {
    // not JSON: fall through
  }
  return new ApiError(
    res.status,
    `HTTP_${res.status}`,
    text.slice(0, 200) || res.statusText || "request failed",
  );
}
