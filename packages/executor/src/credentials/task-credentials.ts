import { type RemediationAction, actionServiceAccountName } from "@causeway/remediation";
import { type KubeClient } from "../kube/kube-client.js";

/** The Kubernetes minimum for a TokenRequest, and what every task token gets. */
export const TASK_TOKEN_SECONDS = 600;

export interface IssueTaskCredentialsOptions {
  readonly kube: KubeClient;
  /** The executor's own token: allowed to create and delete Secrets and request action tokens. */
  readonly executorToken: string;
  /** Where the per-action ServiceAccounts and per-task Secrets live. */
  readonly namespace: string;
  readonly taskId: string;
  readonly action: RemediationAction;
  readonly audiences?: readonly string[];
}

/**
 * Short-lived credentials for one task: a TokenRequest token for the action's ServiceAccount,
 * bound to a Secret created for this task. Deleting the Secret (`revoke`) invalidates the token at
 * once. The token is held in memory only and never serialised.
 */
export class TaskCredentials {
  readonly secretName: string;
  readonly serviceAccount: string;
  readonly expiresAt: string;
  readonly #token: string;
  readonly #kube: KubeClient;
  readonly #executorToken: string;
  readonly #namespace: string;
  #revoked = false;

  private constructor(fields: {
    secretName: string;
    serviceAccount: string;
    expiresAt: string;
    token: string;
    kube: KubeClient;
    executorToken: string;
    namespace: string;
  }) {
    this.secretName = fields.secretName;
    this.serviceAccount = fields.serviceAccount;
    this.expiresAt = fields.expiresAt;
    this.#token = fields.token;
    this.#kube = fields.kube;
    this.#executorToken = fields.executorToken;
    this.#namespace = fields.namespace;
  }

  static async issue(options: IssueTaskCredentialsOptions): Promise<TaskCredentials> {
    const { kube, executorToken, namespace, taskId, action } = options;
    const secretName = `causeway-task-${taskId.toLowerCase().replace(/[^a-z0-9-]/g, "-")}`.slice(0, 63);
    const serviceAccount = actionServiceAccountName(action);
    const secret = await kube.call<{ metadata: { uid: string } }>(executorToken, {
      method: "POST",
      path: `/api/v1/namespaces/${namespace}/secrets`,
      body: {
        apiVersion: "v1",
        kind: "Secret",
        metadata: {
          name: secretName,
          labels: { "app.kubernetes.io/managed-by": "causeway-executor", "causeway.dev/task": secretName },
        },
        type: "Opaque",
      },
    });
    try {
      const review = await kube.call<{ status: { token: string; expirationTimestamp: string } }>(
        executorToken,
        {
          method: "POST",
          path: `/api/v1/namespaces/${namespace}/serviceaccounts/${serviceAccount}/token`,
          body: {
            apiVersion: "authentication.k8s.io/v1",
            kind: "TokenRequest",
            spec: {
              ...(options.audiences ? { audiences: options.audiences } : {}),
              expirationSeconds: TASK_TOKEN_SECONDS,
              boundObjectRef: {
                apiVersion: "v1",
                kind: "Secret",
                name: secretName,
                uid: secret.metadata.uid,
              },
            },
          },
        },
      );
      return new TaskCredentials({
        secretName,
        serviceAccount,
        expiresAt: review.status.expirationTimestamp,
        token: review.status.token,
        kube,
        executorToken,
        namespace,
      });
    } catch (error) {
      await kube
        .call(executorToken, {
          method: "DELETE",
          path: `/api/v1/namespaces/${namespace}/secrets/${secretName}`,
        })
        .catch(() => undefined);
      throw error;
    }
  }

  /** The bearer token, for the calls this task makes. */
  get token(): string {
    if (this.#revoked) throw new Error("task credentials were revoked");
    return this.#token;
  }

  get revoked(): boolean {
    return this.#revoked;
  }

  /** Deletes the bound Secret, which invalidates the token. Safe to call twice. */
  async revoke(): Promise<void> {
    if (this.#revoked) return;
    await this.#kube.call(this.#executorToken, {
      method: "DELETE",
      path: `/api/v1/namespaces/${this.#namespace}/secrets/${this.secretName}`,
    });
    this.#revoked = true;
  }

  /** What may be logged about these credentials: never the token. */
  toJSON(): Record<string, string> {
    return { secretName: this.secretName, serviceAccount: this.serviceAccount, expiresAt: this.expiresAt };
  }
}
