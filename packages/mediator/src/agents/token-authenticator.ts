import { createHash } from "node:crypto";

/** Who a token belongs to, as TokenReview says. */
export interface TokenIdentity {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
}

/** Sends one TokenReview; resolves with its status. */
export type TokenReviewFn = (
  token: string,
  audiences: readonly string[],
) => Promise<{ authenticated: boolean; user?: TokenIdentity; error?: string }>;

export type AuthResult =
  | { readonly ok: true; readonly identity: TokenIdentity; readonly cached: boolean }
  | { readonly ok: false; readonly reason: string };

export interface TokenAuthenticatorOptions {
  readonly review: TokenReviewFn;
  /** Audiences the token must carry (the mediator's, e.g. "causeway-mediator"). */
  readonly audiences: readonly string[];
  /** Usernames allowed (e.g. system:serviceaccount:causeway:causeway-agent); empty allows any. */
  readonly allowedUsernames?: readonly string[];
  /** Upper bound on how long a review is trusted, even for tokens that expire later. */
  readonly maxCacheMs: number;
  /** A token without an exp claim is trusted this long. */
  readonly defaultCacheMs?: number;
  readonly maxEntries?: number;
  readonly clock?: () => number;
}

/** The exp claim of a JWT, in Unix ms, without verifying it (TokenReview does that). */
export function jwtExpiryMs(token: string): number | undefined {
  const body = token.split(".")[1];
  if (!body) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as { exp?: unknown };
    return typeof claims.exp === "number" ? claims.exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

/**
 * Authenticates bearer tokens with TokenReview against the configured audiences, caching each
 * accepted token (by its SHA-256, never the token itself) until it expires or `maxCacheMs`
 * passes, whichever is first. Concurrent reviews of one token share one request. Refusals are
 * not cached: a refused token costs one review per attempt, and agents back off.
 */
export class TokenAuthenticator {
  readonly #o: TokenAuthenticatorOptions;
  readonly #clock: () => number;
  readonly #cache = new Map<string, { identity: TokenIdentity; untilMs: number }>();
  readonly #inflight = new Map<string, Promise<AuthResult>>();
  reviews = 0;

  constructor(options: TokenAuthenticatorOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
  }

  get cacheSize(): number {
    return this.#cache.size;
  }

  async authenticate(token: string): Promise<AuthResult> {
    if (token === "") return { ok: false, reason: "no bearer token" };
    const now = this.#clock();
    const expiry = jwtExpiryMs(token);
    if (expiry !== undefined && expiry <= now) return { ok: false, reason: "the token has expired" };
    const key = createHash("sha256").update(token).digest("hex");
    const hit = this.#cache.get(key);
    if (hit && hit.untilMs > now) return { ok: true, identity: hit.identity, cached: true };
    if (hit) this.#cache.delete(key);
    const pending = this.#inflight.get(key);
    if (pending) return pending;
    const review = this.#review(token, key, expiry).finally(() => this.#inflight.delete(key));
    this.#inflight.set(key, review);
    return review;
  }

  async #review(token: string, key: string, expiry: number | undefined): Promise<AuthResult> {
    this.reviews++;
    let status: Awaited<ReturnType<TokenReviewFn>>;
    try {
      status = await this.#o.review(token, this.#o.audiences);
    } catch (error) {
      return { ok: false, reason: `TokenReview failed: ${(error as Error).message}` };
    }
    if (!status.authenticated || !status.user) {
      return {
        ok: false,
        reason: "the token was not accepted for this audience (missing, expired or wrong audience)",
      };
    }
    const allowed = this.#o.allowedUsernames ?? [];
    if (allowed.length > 0 && !allowed.includes(status.user.username)) {
      return { ok: false, reason: `${status.user.username} is not allowed to connect` };
    }
    const now = this.#clock();
    const untilMs = Math.min(expiry ?? now + (this.#o.defaultCacheMs ?? 60_000), now + this.#o.maxCacheMs);
    this.#cache.set(key, { identity: status.user, untilMs });
    this.#evict(now);
    return { ok: true, identity: status.user, cached: false };
  }

  #evict(now: number): void {
    const max = this.#o.maxEntries ?? 10_000;
    if (this.#cache.size <= max) return;
    for (const [k, v] of this.#cache) if (v.untilMs <= now) this.#cache.delete(k);
    while (this.#cache.size > max) {
      const oldest = this.#cache.keys().next().value;
      if (oldest === undefined) break;
      this.#cache.delete(oldest);
    }
  }
}
