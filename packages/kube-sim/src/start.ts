import { randomBytes } from "node:crypto";
import { KubeApiServer, type KubeApiServerOptions } from "./api-server.js";
import { ControllerManager, type ControllerManagerOptions } from "./controllers/controller-manager.js";
import { installFaultApi } from "./faults/fault-api.js";
import { writeKubeconfig } from "./kubeconfig.js";
import { type UserInfo } from "./rbac.js";
import { TYPES } from "./resources.js";
import { createServingCertificate } from "./tls.js";

/** Options of {@link startKubeSim}; all optional. */
export interface StartKubeSimOptions extends Omit<KubeApiServerOptions, "tls"> {
  /** Port to listen on; 0 (default) picks a free one. */
  readonly port?: number;
  /** Address to listen on. Default 127.0.0.1. */
  readonly host?: string;
  /** Serve HTTPS with a fresh CA (its certificate is `caCert`). Default false. */
  readonly https?: boolean;
  /** Run the controllers, scheduler and simulated kubelet. Default true. */
  readonly controllers?: boolean | ControllerManagerOptions;
  /** The admin's bearer token. Default: random. */
  readonly adminToken?: string;
}

/** A running simulator. */
export interface RunningKubeSim {
  /** e.g. http://127.0.0.1:41234 or https://127.0.0.1:41234 */
  readonly url: string;
  /** A token of the `kube-sim-admin` user in `system:masters`. */
  readonly adminToken: string;
  /** PEM CA certificate when serving HTTPS. */
  readonly caCert: string | undefined;
  readonly server: KubeApiServer;
  /** The controllers, scheduler, kubelet and fault hooks; undefined when started without them. */
  readonly controllers: ControllerManager | undefined;
  /** Registers a static token for a user (any name and groups) and returns it. */
  createUserToken(user: UserInfo): string;
  /**
   * Creates (if needed) a ServiceAccount and returns a TokenRequest token for it (default 1 h,
   * default audience).
   */
  serviceAccountToken(
    namespace: string,
    name: string,
    options?: { expirationSeconds?: number; audiences?: string[] },
  ): Promise<string>;
  /** Writes a kubeconfig for this server; the admin's token unless another is given. */
  writeKubeconfig(
    path: string,
    options?: { token?: string; namespace?: string; user?: string },
  ): Promise<void>;
  close(): Promise<void>;
}

/** Starts a simulated API server (port 0 by default) with an admin token, controllers and kubelet. */
export async function startKubeSim(options: StartKubeSimOptions = {}): Promise<RunningKubeSim> {
  const host = options.host ?? "127.0.0.1";
  const tls = options.https ? await createServingCertificate([host, "127.0.0.1", "localhost"]) : undefined;
  const server = new KubeApiServer({ ...options, ...(tls ? { tls: { key: tls.key, cert: tls.cert } } : {}) });
  const adminToken = options.adminToken ?? randomBytes(24).toString("hex");
  server.addStaticToken(adminToken, {
    username: "kube-sim-admin",
    groups: ["system:masters", "system:authenticated"],
  });
  const controllers =
    options.controllers === false
      ? undefined
      : new ControllerManager(server, typeof options.controllers === "object" ? options.controllers : {});
  if (controllers) installFaultApi(server, controllers.faults);
  await new Promise<void>((resolve, reject) => {
    server.http.once("error", reject);
    server.http.listen(options.port ?? 0, host, () => resolve());
  });
  controllers?.start();
  const address = server.http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  const url = `${tls ? "https" : "http"}://${host.includes(":") ? `[${host}]` : host}:${port}`;
  return {
    url,
    adminToken,
    caCert: tls?.caCert,
    server,
    controllers,
    createUserToken(user) {
      const token = randomBytes(24).toString("hex");
      server.addStaticToken(token, {
        ...user,
        groups: [...new Set([...user.groups, "system:authenticated"])],
      });
      return token;
    },
    serviceAccountToken(namespace, name, opts = {}) {
      if (!server.store.entry(TYPES.serviceAccounts, namespace, name))
        server.seed({ apiVersion: "v1", kind: "ServiceAccount", metadata: { name, namespace } });
      const tr = server.requestToken(namespace, name, { spec: opts }, false) as { status: { token: string } };
      return Promise.resolve(tr.status.token);
    },
    writeKubeconfig: (path, opts = {}) =>
      writeKubeconfig(path, {
        server: url,
        ...(tls ? { caCert: tls.caCert } : {}),
        token: opts.token ?? adminToken,
        ...(opts.user ? { user: opts.user } : {}),
        ...(opts.namespace ? { namespace: opts.namespace } : {}),
      }),
    close: async () => {
      controllers?.stop();
      server.shutdown();
      await new Promise<void>((resolve) => {
        server.http.closeAllConnections();
        server.http.close(() => resolve());
      });
    },
  };
}
