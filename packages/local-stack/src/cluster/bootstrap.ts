import { chmod, mkdir, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { ACTION_RBAC, REMEDIATION_ACTIONS, actionServiceAccountName } from "@causeway/remediation";
import { KubeRequestError, type KubeClient, type KubeObject } from "../kube/kube-client.js";
import { kubeconfigYaml } from "./kubeconfig.js";

/** The namespace the suite's own ServiceAccounts live in (the chart's release namespace). */
export const SUITE_NAMESPACE = "causeway";
/** The audience agent (and executor) tokens carry for the mediator. */
export const MEDIATOR_AUDIENCE = "causeway-mediator";
/** The ServiceAccount a local user approves remediations as. */
export const APPROVER_SERVICE_ACCOUNT = "causeway-approver";

/** Files the components read their credentials from, all under the data dir (mode 0600). */
export interface ClusterCredentials {
  readonly caFile: string;
  readonly mediatorKubeconfig: string;
  readonly agentKubeconfig: string;
  readonly agentMediatorTokenFile: string;
  readonly executorTokenFile: string;
  /** The executor's token for the mediator's ExecutorService (the mediator's audience). */
  readonly executorMediatorTokenFile: string;
  readonly approverTokenFile: string;
}

const TOKEN_SECONDS = 24 * 3600;

const rbac = (kind: string, name: string, rest: KubeObject, namespace?: string): KubeObject => ({
  apiVersion: "rbac.authorization.k8s.io/v1",
  kind,
  metadata: {
    name,
    ...(namespace ? { namespace } : {}),
    labels: { "app.kubernetes.io/part-of": "causeway" },
  },
  ...rest,
});
const sa = (name: string): KubeObject => ({
  apiVersion: "v1",
  kind: "ServiceAccount",
  metadata: { name, namespace: SUITE_NAMESPACE },
  automountServiceAccountToken: false,
});
const bindCluster = (name: string, role: string, account: string): KubeObject =>
  rbac("ClusterRoleBinding", name, {
    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: role },
    subjects: [{ kind: "ServiceAccount", name: account, namespace: SUITE_NAMESPACE }],
  });

/**
 * The suite's identities and rights, as the Helm chart creates them (charts/causeway/templates):
 * mediator (watch, TokenReview, SubjectAccessReview), agent (its node's pods), executor (per-task
 * Secrets, tokens of the per-action ServiceAccounts, SelfSubjectAccessReview), one ServiceAccount
 * and ClusterRole per remediation action (ADR 0003), and the approver role, bound to a local
 * approver ServiceAccount.
 */
export function suiteRbacObjects(): KubeObject[] {
  const objects: KubeObject[] = [
    { apiVersion: "v1", kind: "Namespace", metadata: { name: SUITE_NAMESPACE } },
    sa("causeway-mediator"),
    rbac("ClusterRole", "causeway-mediator", {
      rules: [
        {
          apiGroups: [""],
          resources: ["nodes", "pods", "services", "events"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["discovery.k8s.io"], resources: ["endpointslices"], verbs: ["get", "list", "watch"] },
        {
          apiGroups: ["apps"],
          resources: ["deployments", "replicasets", "statefulsets", "daemonsets"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["batch"], resources: ["jobs", "cronjobs"], verbs: ["get", "list", "watch"] },
        {
          apiGroups: ["autoscaling"],
          resources: ["horizontalpodautoscalers"],
          verbs: ["get", "list", "watch"],
        },
        { apiGroups: ["authentication.k8s.io"], resources: ["tokenreviews"], verbs: ["create"] },
        { apiGroups: ["authorization.k8s.io"], resources: ["subjectaccessreviews"], verbs: ["create"] },
      ],
    }),
    bindCluster("causeway-mediator", "causeway-mediator", "causeway-mediator"),
    sa("causeway-agent"),
    rbac("ClusterRole", "causeway-agent", {
      rules: [
        { apiGroups: [""], resources: ["pods"], verbs: ["get", "list", "watch"] },
        { apiGroups: [""], resources: ["nodes"], verbs: ["get"] },
      ],
    }),
    bindCluster("causeway-agent", "causeway-agent", "causeway-agent"),
    sa("causeway-executor"),
    rbac(
      "Role",
      "causeway-executor",
      {
        rules: [
          { apiGroups: [""], resources: ["secrets"], verbs: ["create", "delete"] },
          {
            apiGroups: [""],
            resources: ["serviceaccounts/token"],
            verbs: ["create"],
            resourceNames: REMEDIATION_ACTIONS.map((a) => actionServiceAccountName(a)),
          },
        ],
      },
      SUITE_NAMESPACE,
    ),
    rbac(
      "RoleBinding",
      "causeway-executor",
      {
        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: "causeway-executor" },
        subjects: [{ kind: "ServiceAccount", name: "causeway-executor", namespace: SUITE_NAMESPACE }],
      },
      SUITE_NAMESPACE,
    ),
    rbac("ClusterRole", "causeway-executor", {
      rules: [
        { apiGroups: ["authorization.k8s.io"], resources: ["selfsubjectaccessreviews"], verbs: ["create"] },
      ],
    }),
    bindCluster("causeway-executor", "causeway-executor", "causeway-executor"),
  ];
  for (const action of REMEDIATION_ACTIONS) {
    const account = actionServiceAccountName(action);
    objects.push(
      sa(account),
      rbac("ClusterRole", `causeway-action-${action}`, { rules: ACTION_RBAC[action].rules }),
      bindCluster(`causeway-action-${action}`, `causeway-action-${action}`, account),
    );
  }
  objects.push(
    rbac("ClusterRole", "causeway-approver", {
      rules: [{ apiGroups: ["causeway.dev"], resources: ["remediations"], verbs: ["approve"] }],
    }),
    sa(APPROVER_SERVICE_ACCOUNT),
    bindCluster("causeway-approver", "causeway-approver", APPROVER_SERVICE_ACCOUNT),
  );
  return objects;
}

/** The REST path of an object's collection. */
export function objectCollectionPath(o: KubeObject): string {
  const [group, version] = String(o.apiVersion).includes("/")
    ? String(o.apiVersion).split("/")
    : ["", o.apiVersion];
  const plural: Record<string, string> = {
    Namespace: "namespaces",
    ServiceAccount: "serviceaccounts",
    ClusterRole: "clusterroles",
    ClusterRoleBinding: "clusterrolebindings",
    Role: "roles",
    RoleBinding: "rolebindings",
    Deployment: "deployments",
    Service: "services",
  };
  const resource = plural[String(o.kind)];
  if (!resource) throw new Error(`no resource for kind ${String(o.kind)}`);
  const base = group ? `/apis/${group}/${String(version)}` : `/api/${String(version)}`;
  const ns = o.metadata?.namespace as string | undefined;
  return ns ? `${base}/namespaces/${ns}/${resource}` : `${base}/${resource}`;
}

/** Creates each object, keeping one that already exists (kube-sim starts empty; a retry may not). */
export async function createAll(kube: KubeClient, objects: readonly KubeObject[]): Promise<void> {
  for (const o of objects) {
    try {
      await kube.post(objectCollectionPath(o), o);
    } catch (error) {
      if (!(error instanceof KubeRequestError && error.status === 409)) throw error;
    }
  }
}

async function token(kube: KubeClient, account: string, audiences?: string[]): Promise<string> {
  const tr = await kube.post(`/api/v1/namespaces/${SUITE_NAMESPACE}/serviceaccounts/${account}/token`, {
    apiVersion: "authentication.k8s.io/v1",
    kind: "TokenRequest",
    spec: { expirationSeconds: TOKEN_SECONDS, ...(audiences ? { audiences } : {}) },
  });
  return String(tr.status.token);
}

async function secretFile(path: string, content: string): Promise<string> {
  await writeFile(path, content, { mode: 0o600 });
  await chmod(path, 0o600);
  return path;
}

/**
 * Creates the suite's RBAC objects and writes each component's credentials under `dir`: tokens
 * from TokenRequest (24 h), kubeconfigs for the mediator and the agent, the API server's CA.
 */
export async function bootstrapCluster(
  kube: KubeClient,
  options: { readonly dir: string; readonly server: string; readonly ca: string },
): Promise<ClusterCredentials> {
  await createAll(kube, suiteRbacObjects());
  await mkdir(options.dir, { recursive: true, mode: 0o700 });
  const d = options.dir;
  const caFile = await secretFile(join(d, "ca.crt"), options.ca);
  const kubeconfig = async (file: string, account: string): Promise<string> =>
    secretFile(
      join(d, file),
      kubeconfigYaml({
        server: options.server,
        caCert: options.ca,
        token: await token(kube, account),
        user: account,
        namespace: SUITE_NAMESPACE,
      }),
    );
  return {
    caFile,
    mediatorKubeconfig: await kubeconfig("mediator.kubeconfig", "causeway-mediator"),
    agentKubeconfig: await kubeconfig("agent.kubeconfig", "causeway-agent"),
    agentMediatorTokenFile: await secretFile(
      join(d, "agent-mediator.token"),
      await token(kube, "causeway-agent", [MEDIATOR_AUDIENCE]),
    ),
    executorTokenFile: await secretFile(join(d, "executor.token"), await token(kube, "causeway-executor")),
    executorMediatorTokenFile: await secretFile(
      join(d, "executor-mediator.token"),
      await token(kube, "causeway-executor", [MEDIATOR_AUDIENCE]),
    ),
    approverTokenFile: await secretFile(
      join(d, "approver.token"),
      await token(kube, APPROVER_SERVICE_ACCOUNT),
    ),
  };
}
