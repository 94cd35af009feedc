import { mkdir, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

/** What a kubeconfig for the simulator holds. */
export interface KubeconfigSpec {
  /** e.g. https://127.0.0.1:6443 */
  readonly server: string;
  /** PEM CA certificate for an https server. */
  readonly caCert?: string;
  readonly token: string;
  /** Name of the user entry. Default `kube-sim-admin`. */
  readonly user?: string;
  /** Default namespace of the context. */
  readonly namespace?: string;
  /** Name of the cluster and context. Default `kube-sim`. */
  readonly name?: string;
}

const quote = (s: string): string => JSON.stringify(s);

/** A kubeconfig (YAML) with one cluster, one user with a bearer token and one current context. */
export function kubeconfigYaml(spec: KubeconfigSpec): string {
  const name = spec.name ?? "kube-sim";
  const user = spec.user ?? "kube-sim-admin";
  const ca = spec.caCert
    ? `    certificate-authority-data: ${Buffer.from(spec.caCert).toString("base64")}\n`
    : "";
  return [
    "apiVersion: v1",
    "kind: Config",
    "clusters:",
    `- name: ${quote(name)}`,
    "  cluster:",
    `    server: ${quote(spec.server)}`,
    ca.trimEnd(),
    "users:",
    `- name: ${quote(user)}`,
    "  user:",
    `    token: ${quote(spec.token)}`,
    "contexts:",
    `- name: ${quote(name)}`,
    "  context:",
    `    cluster: ${quote(name)}`,
    `    user: ${quote(user)}`,
    spec.namespace ? `    namespace: ${quote(spec.namespace)}` : "",
    `current-context: ${quote(name)}`,
    "preferences: {}",
    "",
  ]
    .filter((l, i, all) => l !== "" || i === all.length - 1)
    .join("\n");
}

/** Writes a kubeconfig file (mode 0600, it holds a token), creating its directory. */
export async function writeKubeconfig(path: string, spec: KubeconfigSpec): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, kubeconfigYaml(spec), { mode: 0o600 });
}
