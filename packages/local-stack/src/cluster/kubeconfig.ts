/** What a kubeconfig with one cluster, one token user and one context holds. */
export interface KubeconfigSpec {
  readonly server: string;
  /** PEM CA certificate of an https server. */
  readonly caCert?: string;
  readonly token: string;
  readonly user: string;
  readonly namespace?: string;
  /** Cluster and context name. Default `causeway-local`. */
  readonly name?: string;
}

/** A kubeconfig (YAML) for one server, user and context, as kubectl and client-node read it. */
export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const name = spec.name ?? "causeway-local";
  const q = (s: string): string => JSON.stringify(s);
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${q(name)}`,
    "  cluster:",
    `    server: ${q(spec.server)}`,
    ...(spec.caCert
      ? [`    certificate-authority-data: ${Buffer.from(spec.caCert).toString("base64")}`]
      : []),
    "users:",
    `- name: ${q(spec.user)}`,
    "  user:",
    `    token: ${q(spec.token)}`,
    "contexts:",
    `- name: ${q(name)}`,
    "  context:",
    `    cluster: ${q(name)}`,
    `    user: ${q(spec.user)}`,
    ...(spec.namespace ? [`    namespace: ${q(spec.namespace)}`] : []),
    `current-context: ${q(name)}`,
    "",
  ].join("\n");
}

/** The server URL and CA certificate (PEM) in a kubeconfig written by kube-sim or {@link kubeconfigYaml}. */
export function readKubeconfigCluster(yaml: string): { server: string; ca: string | undefined } {
  const server = /^\s*server:\s*"?([^"\n]+)"?\s*$/m.exec(yaml)?.[1];
  if (!server) throw new Error("the kubeconfig names no server");
  const caData = /^\s*certificate-authority-data:\s*"?([A-Za-z0-9+/=]+)"?\s*$/m.exec(yaml)?.[1];
  return { server, ca: caData ? Buffer.from(caData, "base64").toString("utf8") : undefined };
}

/** The bearer token of a kubeconfig's (only) user. */
export function readKubeconfigToken(yaml: string): string | undefined {
  return /^\s*token:\s*"?([^"\n]+)"?\s*$/m.exec(yaml)?.[1];
}
