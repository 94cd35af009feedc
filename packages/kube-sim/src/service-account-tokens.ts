import { type UserInfo } from "./rbac.js";
import { TYPES } from "./resources.js";
import { ApiStatusError, statusErrors } from "./status.js";
import { type ObjectStore } from "./store.js";
import { DEFAULT_AUDIENCE, TokenSigner, type BoundObjectRef } from "./tokens.js";

/** The Kubernetes minimum for TokenRequest expirationSeconds. */
export const MIN_TOKEN_SECONDS = 600;

function asObject(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== "object" || Array.isArray(v))
    throw statusErrors.badRequest("the request body must be a JSON object");
  return v as Record<string, unknown>;
}

/**
 * ServiceAccount tokens: TokenRequest (signed JWTs with audiences, expiry and an optional bound
 * Secret or Pod) and their validation, which fails once the token expires or the ServiceAccount or
 * bound object is gone or replaced.
 */
export class ServiceAccountTokens {
  readonly signer = new TokenSigner("https://kube-sim.causeway.local");
  readonly #store: ObjectStore;
  readonly #clock: () => number;

  constructor(store: ObjectStore, clock: () => number) {
    this.#store = store;
    this.#clock = clock;
  }

  /** A TokenRequest for a ServiceAccount, as POST .../serviceaccounts/NAME/token (no authorization here). */
  request(namespace: string, serviceAccount: string, body: unknown, dryRun: boolean): unknown {
    const route = { namespace };
    const sa = this.#store.get(TYPES.serviceAccounts, namespace, serviceAccount);
    if (!sa) throw statusErrors.notFound("serviceaccounts", "", serviceAccount);
    const spec = (asObject(body).spec ?? {}) as {
      audiences?: string[];
      expirationSeconds?: number;
      boundObjectRef?: { kind?: string; name?: string; uid?: string; apiVersion?: string };
    };
    const seconds = spec.expirationSeconds ?? 3600;
    const causes: { field: string; message: string }[] = [];
    if (!Number.isInteger(seconds) || seconds < MIN_TOKEN_SECONDS) {
      causes.push({
        field: "spec.expirationSeconds",
        message: `may not specify a duration less than ${MIN_TOKEN_SECONDS} seconds`,
      });
    }
    if (seconds > 2 ** 32)
      causes.push({
        field: "spec.expirationSeconds",
        message: "may not specify a duration larger than 2^32 seconds",
      });
    let bound: BoundObjectRef | undefined;
    if (spec.boundObjectRef) {
      const kind = spec.boundObjectRef.kind;
      if (kind !== "Secret" && kind !== "Pod") {
        causes.push({
          field: "spec.boundObjectRef.kind",
          message: `Unsupported value: "${String(kind)}": supported values: "Pod", "Secret"`,
        });
      } else {
        const type = kind === "Secret" ? TYPES.secrets : TYPES.pods;
        const target = this.#store.get(type, route.namespace, spec.boundObjectRef.name ?? "");
        if (!target) throw statusErrors.notFound(type.resource, "", spec.boundObjectRef.name ?? "");
        if (spec.boundObjectRef.uid && spec.boundObjectRef.uid !== target.metadata.uid) {
          throw new ApiStatusError(
            409,
            "Conflict",
            `the UID in the bound object reference (${spec.boundObjectRef.uid}) does not match the UID in record. The object might have been deleted and then recreated`,
          );
        }
        bound = { kind, name: target.metadata.name, uid: target.metadata.uid };
      }
    }
    if (causes.length > 0)
      throw statusErrors.invalid("TokenRequest", "authentication.k8s.io", sa.metadata.name, causes);
    const nowS = Math.floor(this.#clock() / 1000);
    const audiences = spec.audiences && spec.audiences.length > 0 ? spec.audiences : [DEFAULT_AUDIENCE];
    const token = dryRun
      ? ""
      : this.signer.sign({
          iss: this.signer.issuer,
          sub: `system:serviceaccount:${route.namespace ?? ""}:${sa.metadata.name}`,
          aud: audiences,
          iat: nowS,
          nbf: nowS,
          exp: nowS + seconds,
          "kubernetes.io": {
            namespace: route.namespace ?? "",
            serviceaccount: { name: sa.metadata.name, uid: sa.metadata.uid },
            ...(bound?.kind === "Secret" ? { secret: { name: bound.name, uid: bound.uid } } : {}),
            ...(bound?.kind === "Pod" ? { pod: { name: bound.name, uid: bound.uid } } : {}),
          },
        });
    return {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: sa.metadata.name, namespace: route.namespace, creationTimestamp: null },
      spec: { audiences, expirationSeconds: seconds, boundObjectRef: spec.boundObjectRef ?? null },
      status: {
        token,
        expirationTimestamp: new Date((nowS + seconds) * 1000).toISOString().replace(/\.\d+Z$/, "Z"),
      },
    };
  }

  /**
   * Validates a ServiceAccount token: signature, expiry, audience, and that the ServiceAccount and
   * the bound object still exist with the same UIDs (deleting the bound Secret revokes the token).
   */
  review(
    token: string,
    audiences: readonly string[] | undefined,
  ): { user: UserInfo; audiences: string[] } | undefined {
    const claims = this.signer.verify(token);
    if (!claims) return undefined;
    const nowS = this.#clock() / 1000;
    if (claims.exp <= nowS || claims.nbf > nowS + 1) return undefined;
    const wanted = audiences && audiences.length > 0 ? audiences : [DEFAULT_AUDIENCE];
    const matching = claims.aud.filter((a) => wanted.includes(a));
    if (matching.length === 0) return undefined;
    const info = claims["kubernetes.io"];
    const sa = this.#store.entry(TYPES.serviceAccounts, info.namespace, info.serviceaccount.name);
    if (!sa || sa.uid !== info.serviceaccount.uid) return undefined;
    if (info.secret) {
      const s = this.#store.entry(TYPES.secrets, info.namespace, info.secret.name);
      if (!s || s.uid !== info.secret.uid) return undefined;
    }
    if (info.pod) {
      const p = this.#store.entry(TYPES.pods, info.namespace, info.pod.name);
      if (!p || p.uid !== info.pod.uid) return undefined;
    }
    return {
      user: {
        username: claims.sub,
        uid: info.serviceaccount.uid,
        groups: [
          "system:serviceaccounts",
          `system:serviceaccounts:${info.namespace}`,
          "system:authenticated",
        ],
        ...(info.pod || info.secret
          ? {
              extra: {
                ...(info.pod
                  ? {
                      "authentication.kubernetes.io/pod-name": [info.pod.name],
                      "authentication.kubernetes.io/pod-uid": [info.pod.uid],
                    }
                  : {}),
                ...(info.secret
                  ? { "authentication.kubernetes.io/credential-id": [`JTI=${info.secret.uid}`] }
                  : {}),
              },
            }
          : {}),
      },
      audiences: matching,
    };
  }
}
