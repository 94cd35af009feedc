/** A failed call to the mediator, with its stable error code when the body had one. */
export class MediatorError extends Error {
  readonly status: number;
  readonly code: string | undefined;
  constructor(status: number, code: string | undefined, message: string) {
    super(message);
    this.name = "MediatorError";
    this.status = status;
    this.code = code;
  }
}

/** The mediator's HTTP API, as the CLI uses it. */
export class MediatorClient {
  readonly #baseUrl: string;
  readonly #token: string | undefined;

  constructor(baseUrl: string, token: string | undefined) {
    this.#baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = token;
  }

  async getJson<T>(path: string): Promise<T> {
    return (await this.#send("GET", path)).json() as Promise<T>;
  }

  async getText(path: string): Promise<string> {
    return (await this.#send("GET", path)).text();
  }

  async postJson<T>(path: string, body: unknown): Promise<T> {
    return (await this.#send("POST", path, body)).json() as Promise<T>;
  }

  async #send(method: string, path: string, body?: unknown): Promise<Response> {
    const headers: Record<string, string> = { accept: "application/json" };
    if (this.#token) headers.authorization = `Bearer ${this.#token}`;
    if (body !== undefined) headers["content-type"] = "application/json";
    let res: Response;
    try {
      res = await fetch(`${this.#baseUrl}${path}`, {
        method,
        headers,
        ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
      });
    } catch (error) {
      throw new MediatorError(
        0,
        undefined,
        `cannot reach the mediator at ${this.#baseUrl}: ${(error as Error).message}`,
      );
    }
    if (!res.ok) {
      let code: string | undefined;
      let message = `HTTP ${res.status}`;
      try {
        const err = ((await res.json()) as { error?: { code?: string; message?: string } }).error;
        code = err?.code;
        if (err?.message) message = `${err.message} (HTTP ${res.status}${code ? `, ${code}` : ""})`;
      } catch {
        // not JSON
      }
      throw new MediatorError(res.status, code, message);
    }
    return res;
  }
}
