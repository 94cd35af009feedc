import { describe, expect, it } from "vitest";
import { TokenAuthenticator, jwtExpiryMs, type TokenReviewFn } from "./token-authenticator.js";

function jwt(claims: Record<string, unknown>): string {
  const b = (v: unknown) => Buffer.from(JSON.stringify(v)).toString("base64url");
  return `${b({ alg: "RS256" })}.${b(claims)}.sig`;
}

describe("TokenAuthenticator", () => {
  it("caches an accepted token until it expires and never past maxCacheMs", async () => {
    let now = 1_000_000;
    const calls: string[][] = [];
    const review: TokenReviewFn = async (_token, audiences) => {
      calls.push([...audiences]);
      return { authenticated: true, user: { username: "system:serviceaccount:causeway:agent", groups: [] } };
    };
    const auth = new TokenAuthenticator({
      review,
      audiences: ["causeway-mediator"],
      maxCacheMs: 60_000,
      clock: () => now,
    });
    const token = jwt({ exp: (now + 30_000) / 1000 });
    expect(jwtExpiryMs(token)).toBe(now + 30_000);
    expect(await auth.authenticate(token)).toMatchObject({ ok: true, cached: false });
    expect(await auth.authenticate(token)).toMatchObject({ ok: true, cached: true });
    expect(calls).toEqual([["causeway-mediator"]]);
    now += 30_000;
    expect(await auth.authenticate(token)).toMatchObject({ ok: false, reason: "the token has expired" });
    const longLived = jwt({ exp: (now + 3_600_000) / 1000 });
    await auth.authenticate(longLived);
    now += 61_000;
    expect(await auth.authenticate(longLived)).toMatchObject({ ok: true, cached: false });
    expect(auth.reviews).toBe(3);
  });

  it("refuses what TokenReview refuses, and usernames not allowed; shares concurrent reviews", async () => {
    let reviews = 0;
    const review: TokenReviewFn = async (token) => {
      reviews++;
      await new Promise((r) => setTimeout(r, 5));
      return token === "wrong-audience"
        ? { authenticated: false, error: "audience" }
        : { authenticated: true, user: { username: token, groups: [] } };
    };
    const auth = new TokenAuthenticator({
      review,
      audiences: ["a"],
      allowedUsernames: ["agent"],
      maxCacheMs: 60_000,
    });
    expect(await auth.authenticate("")).toMatchObject({ ok: false });
    expect(await auth.authenticate("wrong-audience")).toMatchObject({ ok: false });
    expect(await auth.authenticate("intruder")).toMatchObject({
      ok: false,
      reason: "intruder is not allowed to connect",
    });
    reviews = 0;
    const results = await Promise.all([
      auth.authenticate("agent"),
      auth.authenticate("agent"),
      auth.authenticate("agent"),
    ]);
    expect(results.every((r) => r.ok)).toBe(true);
    expect(reviews).toBe(1);
  });

  it("does not cache a failed review", async () => {
    let fail = true;
    const auth = new TokenAuthenticator({
      review: async () => {
        if (fail) throw new Error("API down");
        return { authenticated: true, user: { username: "u", groups: [] } };
      },
      audiences: ["a"],
      maxCacheMs: 1000,
    });
    expect(await auth.authenticate("t")).toMatchObject({ ok: false, reason: "TokenReview failed: API down" });
    fail = false;
    expect(await auth.authenticate("t")).toMatchObject({ ok: true });
  });
});
