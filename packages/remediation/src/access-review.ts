/** The identity TokenReview returns for a bearer token. */
export interface ReviewedUser {
  readonly username: string;
  readonly uid?: string;
  readonly groups: readonly string[];
  readonly extra?: Readonly<Record<string, readonly string[]>>;
}

/** Authentication and authorization through the Kubernetes API (TokenReview, SubjectAccessReview). */
export interface AccessReviewer {
  /** The user behind `token`, or undefined when the API server does not authenticate it. */
  authenticate(token: string): Promise<ReviewedUser | undefined>;
  /** Whether `user` may `verb` the resource, per the cluster's RBAC. */
  authorize(
    user: ReviewedUser,
    attributes: {
      readonly verb: string;
      readonly group: string;
      readonly resource: string;
      readonly namespace?: string;
      readonly name?: string;
    },
  ): Promise<{ allowed: boolean; reason: string }>;
}

/** Sends a JSON POST to the Kubernetes API with the mediator's own credentials. */
export type KubePost = (path: string, body: unknown) => Promise<unknown>;

/** An AccessReviewer over the real TokenReview and SubjectAccessReview APIs. */
export function kubeAccessReviewer(
  post: KubePost,
  options: { readonly audiences?: readonly string[] } = {},
): AccessReviewer {
  return {
    async authenticate(token) {
      const review = (await post("/apis/authentication.k8s.io/v1/tokenreviews", {
        apiVersion: "authentication.k8s.io/v1",
        kind: "TokenReview",
        spec: { token, ...(options.audiences ? { audiences: options.audiences } : {}) },
      })) as { status?: { authenticated?: boolean; user?: ReviewedUser } };
      if (!review.status?.authenticated || !review.status.user?.username) return undefined;
      const u = review.status.user;
      return {
        username: u.username,
        groups: u.groups ?? [],
        ...(u.uid ? { uid: u.uid } : {}),
        ...(u.extra ? { extra: u.extra } : {}),
      };
    },
    async authorize(user, attributes) {
      const review = (await post("/apis/authorization.k8s.io/v1/subjectaccessreviews", {
        apiVersion: "authorization.k8s.io/v1",
        kind: "SubjectAccessReview",
        spec: {
          user: user.username,
          groups: user.groups,
          ...(user.uid ? { uid: user.uid } : {}),
          ...(user.extra ? { extra: user.extra } : {}),
          resourceAttributes: attributes,
        },
      })) as { status?: { allowed?: boolean; reason?: string } };
      return { allowed: review.status?.allowed === true, reason: review.status?.reason ?? "" };
    },
  };
}
