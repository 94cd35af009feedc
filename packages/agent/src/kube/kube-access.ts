import { readFileSync } from "node:fs";
import { Agent as HttpsAgent } from "node:https";
import { Agent as HttpAgent, request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";

/** Where the API server is and how to authenticate, from in-cluster files or a kubeconfig. */
export interface KubeAccess {
  readonly server: string;
  /** Bearer token, read anew for every request (projected tokens rotate). */
  readonly token: (() => string | undefined) | undefined;
  readonly agent: HttpAgent | HttpsAgent;
}

const SA_DIR = "/var/run/secrets/kubernetes.io/serviceaccount";

/** The pod's ServiceAccount: KUBERNETES_SERVICE_HOST/PORT, its token and CA. */
export function inClusterAccess(
  env: NodeJS.ProcessEnv = process.env,
  files: { readonly tokenFile: string; readonly caFile: string } = {
    tokenFile: `${SA_DIR}/token`,
    caFile: `${SA_DIR}/ca.crt`,
  },
): KubeAccess {
  const host = env.KUBERNETES_SERVICE_HOST;
  const port = env.KUBERNETES_SERVICE_PORT ?? "443";
  if (!host) throw new Error("not in a cluster: KUBERNETES_SERVICE_HOST is not set");
  const server = `https://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    server,
    token: () => readFileSync(files.tokenFile, "utf8").trim(),
    agent: new HttpsAgent({ ca: readFileSync(files.caFile), keepAlive: true }),
  };
}

interface KubeconfigFile {
  "current-context"?: string;
  contexts?: { name: string; context: { cluster: string; user: string } }[];
  clusters?: {
    name: string;
    cluster: {
      server: string;
      "certificate-authority-data"?: string;
      "certificate-authority"?: string;
      "insecure-skip-tls-verify"?: boolean;
    };
  }[];
  users?: {
    name: string;
    user: {
      token?: string;
      tokenFile?: string;
      "client-certificate-data"?: string;
      "client-key-data"?: string;
      "client-certificate"?: string;
      "client-key"?: string;
    };
  }[];
}

/**
 * Reads the current context of a kubeconfig: server, CA, and a token (inline or file) or a client
 * certificate. Exec plugins and auth providers are not supported (an agent runs in-cluster).
 */
export async function kubeconfigAccess(path: string): Promise<KubeAccess> {
  // loaded only when a kubeconfig is used (development, tests): in-cluster agents never need it
  const { parse } = await import("yaml");
  const file = parse(readFileSync(path, "utf8")) as KubeconfigFile;
  const contextName = file["current-context"];
  const context = file.contexts?.find((c) => c.name === contextName)?.context ?? file.contexts?.[0]?.context;
  if (!context) throw new Error(`${path}: no context`);
  const cluster = file.clusters?.find((c) => c.name === context.cluster)?.cluster;
  if (!cluster) throw new Error(`${path}: no cluster ${context.cluster}`);
  const user = file.users?.find((u) => u.name === context.user)?.user ?? {};
  const b64 = (v: string | undefined): Buffer | undefined => (v ? Buffer.from(v, "base64") : undefined);
  const fileOrData = (data: string | undefined, filePath: string | undefined): Buffer | undefined =>
    b64(data) ?? (filePath ? readFileSync(filePath) : undefined);
  const ca = fileOrData(cluster["certificate-authority-data"], cluster["certificate-authority"]);
  const cert = fileOrData(user["client-certificate-data"], user["client-certificate"]);
  const key = fileOrData(user["client-key-data"], user["client-key"]);
  const https = cluster.server.startsWith("https:");
  const token = user.token
    ? () => user.token
    : user.tokenFile
      ? () => readFileSync(user.tokenFile as string, "utf8").trim()
      : undefined;
  return {
    server: cluster.server.replace(/\/+$/, ""),
    token,
    agent: https
      ? new HttpsAgent({
          keepAlive: true,
          ...(ca ? { ca } : {}),
          ...(cert ? { cert } : {}),
          ...(key ? { key } : {}),
          rejectUnauthorized: cluster["insecure-skip-tls-verify"] !== true,
        })
      : new HttpAgent({ keepAlive: true }),
  };
}

/** Request headers for `access`. */
export function authHeaders(access: KubeAccess): Record<string, string> {
  const token = access.token?.();
  return token ? { authorization: `Bearer ${token}` } : {};
}

/** Thrown for non-2xx answers; `statusCode` 410 means the resourceVersion is too old. */
export class KubeHttpError extends Error {
  readonly statusCode: number;
  constructor(statusCode: number, message: string) {
    super(message);
    this.name = "KubeHttpError";
    this.statusCode = statusCode;
  }
}

/** GETs a JSON document from the API server. */
export function getJson<T>(access: KubeAccess, path: string, timeoutMs = 30_000): Promise<T> {
  const url = new URL(access.server + path);
  const request = url.protocol === "https:" ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: "GET",
        agent: access.agent,
        headers: { accept: "application/json", ...authHeaders(access) },
        timeout: timeoutMs,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("error", reject);
        res.on("end", () => {
          const body = Buffer.concat(chunks).toString("utf8");
          const status = res.statusCode ?? 0;
          if (status < 200 || status >= 300) {
            reject(new KubeHttpError(status, `GET ${url.pathname}: HTTP ${status}: ${body.slice(0, 200)}`));
            return;
          }
          try {
            resolve(JSON.parse(body) as T);
          } catch (error) {
            reject(error as Error);
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`GET ${url.pathname}: timed out`)));
    req.on("error", reject);
    req.end();
  });
}
