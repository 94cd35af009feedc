import { readFile } from "node:fs/promises";
import { homedir } from "node:os";
import { join } from "node:path";
import { parse } from "yaml";

export interface KubeCredentials {
  readonly context: string;
  readonly server: string;
  readonly token: string | undefined;
}

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string; namespace?: string } }[];
  clusters?: { name: string; cluster: { server: string } }[];
  users?: { name: string; user: { token?: string; tokenFile?: string } }[];
}

/** The kubeconfig path kubectl would use: --kubeconfig, else the first of $KUBECONFIG, else ~/.kube/config. */
export function kubeconfigPath(explicit: string | undefined, env: NodeJS.ProcessEnv): string {
  if (explicit) return explicit;
  const fromEnv = env.KUBECONFIG?.split(":").find((p) => p !== "");
  return fromEnv ?? join(homedir(), ".kube", "config");
}

/** Reads the bearer token and server of a kubeconfig context (the current one by default). */
export async function readKubeCredentials(path: string, contextName?: string): Promise<KubeCredentials> {
  let doc: KubeconfigFile;
  try {
    doc = (parse(await readFile(path, "utf8")) ?? {}) as KubeconfigFile;
  } catch (error) {
    throw new Error(`cannot read kubeconfig ${path}: ${(error as Error).message}`);
  }
  const name = contextName ?? doc["current-context"];
  const context = doc.contexts?.find((c) => c.name === name);
  if (!name || !context)
    throw new Error(`kubeconfig ${path} has no context ${name ?? "(current-context unset)"}`);
  const cluster = doc.clusters?.find((c) => c.name === context.context.cluster);
  const user = doc.users?.find((u) => u.name === context.context.user);
  if (!cluster)
    throw new Error(`kubeconfig ${path}: context ${name} names unknown cluster ${context.context.cluster}`);
  let token = user?.user.token;
  if (!token && user?.user.tokenFile) token = (await readFile(user.user.tokenFile, "utf8")).trim();
  return { context: name, server: cluster.cluster.server, token };
}
