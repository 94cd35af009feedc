import { randomBytes } from "node:crypto";
import { KubeApiServer } from "./api-server.js";

export { KubeApiServer } from "./api-server.js";
export { ApiStatusError } from "./status.js";
export { DEFAULT_AUDIENCE } from "./tokens.js";
export { RESOURCE_TYPES, type ResourceType } from "./resources.js";
export { type UserInfo, type ResourceAttributes } from "./rbac.js";
export { type KubeObject } from "./store.js";

export interface RunningKubeSim {
  /** e.g. http://127.0.0.1:41234 */
  readonly url: string;
  /** A token of the `kube-sim-admin` user in `system:masters`. */
  readonly adminToken: string;
  readonly server: KubeApiServer;
  close(): Promise<void>;
}

/** Starts a simulated API server on 127.0.0.1 (port 0 by default) with an admin token. */
export async function startKubeSim(
  options: { port?: number; clock?: () => number } = {},
): Promise<RunningKubeSim> {
  const server = new KubeApiServer(options.clock ? { clock: options.clock } : {});
  const adminToken = randomBytes(24).toString("hex");
  server.addStaticToken(adminToken, {
    username: "kube-sim-admin",
    groups: ["system:masters", "system:authenticated"],
  });
  await new Promise<void>((resolve, reject) => {
    server.http.once("error", reject);
    server.http.listen(options.port ?? 0, "127.0.0.1", () => resolve());
  });
  const address = server.http.address();
  const port = typeof address === "object" && address ? address.port : 0;
  return {
    url: `http://127.0.0.1:${port}`,
    adminToken,
    server,
    close: () =>
      new Promise<void>((resolve) => {
        server.http.closeAllConnections();
        server.http.close(() => resolve());
      }),
  };
}
