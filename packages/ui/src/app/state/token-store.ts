const KEY = "causeway.approverToken";

/**
 * The approver's Kubernetes bearer token, kept in this tab's sessionStorage only: it is gone when
 * the tab closes, never reaches localStorage or a cookie, and is sent only with approve and reject.
 */
export class TokenStore {
  readonly #storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | undefined;

  constructor(storage: Pick<Storage, "getItem" | "setItem" | "removeItem"> | undefined) {
    this.#storage = storage;
  }

  get(): string {
    try {
      return this.#storage?.getItem(KEY) ?? "";
    } catch {
      return "";
    }
  }

  set(token: string): void {
    const t = token.trim();
    try {
      if (t === "") this.#storage?.removeItem(KEY);
      else this.#storage?.setItem(KEY, t);
    } catch {
      // storage disabled: the token lives in the field only
    }
  }

  clear(): void {
    this.set("");
  }
}
