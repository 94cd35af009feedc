import { spawn, type ChildProcess } from "node:child_process";

/**
 * Runs `kubectl port-forward` to the mediator's Service on a free local port and resolves with
 * the local URL once kubectl reports the forward; `close()` stops kubectl.
 */
export async function portForwardToMediator(options: {
  readonly kubectl?: string;
  readonly kubeconfig?: string;
  readonly context?: string;
  readonly namespace: string;
  readonly service: string;
  readonly remotePort: number;
  readonly timeoutMs?: number;
}): Promise<{ url: string; close: () => void }> {
  const args = ["port-forward", "-n", options.namespace, `svc/${options.service}`, `:${options.remotePort}`];
  if (options.kubeconfig) args.push("--kubeconfig", options.kubeconfig);
  if (options.context) args.push("--context", options.context);
  const child: ChildProcess = spawn(options.kubectl ?? "kubectl", args, {
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(
        new Error(
          `kubectl port-forward did not start within ${options.timeoutMs ?? 15_000} ms: ${stderr.trim()}`,
        ),
      );
    }, options.timeoutMs ?? 15_000);
    child.stdout?.on("data", (c: Buffer) => {
      const m = /Forwarding from 127\.0\.0\.1:(\d+)/.exec(c.toString());
      if (m) {
        clearTimeout(timer);
        resolve(`http://127.0.0.1:${m[1]}`);
      }
    });
    child.on("error", (e) => {
      clearTimeout(timer);
      reject(new Error(`cannot run kubectl: ${e.message}`));
    });
    child.on("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`kubectl port-forward exited with ${code}: ${stderr.trim()}`));
    });
  });
  return { url, close: () => child.kill() };
}
