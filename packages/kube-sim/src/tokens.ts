import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";

/** The audience a token gets when its TokenRequest names none, as on most clusters. */
export const DEFAULT_AUDIENCE = "https://kubernetes.default.svc.cluster.local";

export interface BoundObjectRef {
  readonly kind: "Secret" | "Pod";
  readonly name: string;
  readonly uid: string;
}

export interface ServiceAccountClaims {
  readonly iss: string;
  readonly sub: string;
  readonly aud: readonly string[];
  readonly iat: number;
  readonly nbf: number;
  readonly exp: number;
  readonly "kubernetes.io": {
    readonly namespace: string;
    readonly serviceaccount: { readonly name: string; readonly uid: string };
    readonly secret?: { readonly name: string; readonly uid: string };
    readonly pod?: { readonly name: string; readonly uid: string };
  };
}

const b64url = (data: Buffer | string): string => Buffer.from(data).toString("base64url");

/** Signs and verifies ServiceAccount tokens (JWT, HS256 with a per-server key). */
export class TokenSigner {
  readonly #key = randomBytes(32);
  readonly issuer: string;

  constructor(issuer: string) {
    this.issuer = issuer;
  }

  sign(claims: ServiceAccountClaims): string {
    const head = b64url(JSON.stringify({ alg: "HS256", typ: "JWT" }));
    const body = b64url(JSON.stringify(claims));
    const sig = createHmac("sha256", this.#key).update(`${head}.${body}`).digest("base64url");
    return `${head}.${body}.${sig}`;
  }

  /** The claims of a token this server signed, or undefined (any tampering, or not a JWT). */
  verify(token: string): ServiceAccountClaims | undefined {
    const parts = token.split(".");
    if (parts.length !== 3) return undefined;
    const [head, body, sig] = parts as [string, string, string];
    const expected = createHmac("sha256", this.#key).update(`${head}.${body}`).digest();
    const given = Buffer.from(sig, "base64url");
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(body, "base64url").toString("utf8")) as ServiceAccountClaims;
      return claims.iss === this.issuer ? claims : undefined;
    } catch {
      return undefined;
    }
  }
}
