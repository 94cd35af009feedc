import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";

/** Packages whose command-line entry the stack runs as a child process. */
export type ComponentPackage = "kube-sim" | "mediator" | "agent" | "executor" | "demo-app";

/**
 * The built entry (`dist/cli/main.js`) of a sibling package. From src/ (tests) and dist/ alike the
 * packages directory is two levels up.
 */
export function componentEntry(pkg: ComponentPackage): string {
  const path = fileURLToPath(new URL(`../../${pkg}/dist/cli/main.js`, import.meta.url));
  if (!existsSync(path)) throw new Error(`${path} is missing: run \`pnpm build\` first`);
  return path;
}

/** `port`, or a free one when it is 0 (components are told a concrete port). */
export async function resolvePort(port: number, host = "127.0.0.1"): Promise<number> {
  if (port !== 0) return port;
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, host, () => {
      const address = server.address();
      const free = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(free));
    });
  });
}

/** Polls until `check` resolves a value, or rejects after `timeoutMs` with what it waited for. */
export async function until<T>(
  what: string,
  check: () => Promise<T | undefined> | T | undefined,
  timeoutMs: number,
  intervalMs = 200,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: Error | undefined;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (error) {
      lastError = error as Error;
    }
    if (Date.now() > deadline)
      throw new Error(`${what}: not within ${timeoutMs} ms${lastError ? ` (${lastError.message})` : ""}`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** True once `url` answers 2xx. */
export async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url, { signal: AbortSignal.timeout(2000) });
  await res.body?.cancel();
  return res.ok ? true : undefined;
}
