import { createServer } from "node:net";

/**
 * Asks the kernel for a free TCP port on 127.0.0.1. Only for programs that cannot bind port 0
 * themselves and report it (such as VictoriaMetrics); everything else should listen on port 0.
 */
export async function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}
