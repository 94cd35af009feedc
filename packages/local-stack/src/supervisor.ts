import { spawn, type ChildProcess } from "node:child_process";
import { createWriteStream, type WriteStream } from "node:fs";
import { join } from "node:path";
import { type Logger } from "@causeway/runtime";
import { type ProcessRegistry } from "./host/process-registry.js";

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
  /** Resolves when the process has exited. */
  readonly exited: Promise<void>;
  /** Lines the process printed on stdout (for components that report their address there). */
  readonly stdoutLines: string[];
}

export interface SpawnOptions {
  readonly env?: Readonly<Record<string, string>>;
  /** Called when the process exits while the supervisor is not stopping it. */
  readonly onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
}

/**
 * Starts the stack's components as child processes, each with its output in
 * `<logDir>/<name>.log` and its pid in the registry (so a crashed run's leftovers can be found),
 * and stops them in reverse order, waiting for each.
 */
export class Supervisor {
  readonly #log: Logger;
  readonly #logDir: string;
  readonly #registry: ProcessRegistry | undefined;
  readonly #processes: ManagedProcess[] = [];
  #stopping = false;

  constructor(log: Logger, logDir: string, registry?: ProcessRegistry) {
    this.#log = log;
    this.#logDir = logDir;
    this.#registry = registry;
  }

  get processes(): readonly ManagedProcess[] {
    return this.#processes;
  }

  spawn(name: string, command: string, args: readonly string[], options: SpawnOptions = {}): ManagedProcess {
    const out: WriteStream = createWriteStream(join(this.#logDir, `${name}.log`), { flags: "a" });
    const child = spawn(command, args, {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...options.env },
    });
    const stdoutLines: string[] = [];
    let partial = "";
    child.stdout?.on("data", (chunk: Buffer) => {
      out.write(chunk);
      partial += chunk.toString("utf8");
      const lines = partial.split("\n");
      partial = lines.pop() ?? "";
      if (stdoutLines.length < 100) stdoutLines.push(...lines.slice(0, 100 - stdoutLines.length));
    });
    child.stderr?.pipe(out, { end: false });
    const exited = new Promise<void>((resolve) =>
      child.once("exit", (code, signal) => {
        out.end();
        void this.#registry?.forget(child.pid);
        if (this.#stopping) this.#log.debug({ process: name, code, signal }, "process stopped");
        else {
          this.#log.error({ process: name, code, signal }, "process exited unexpectedly");
          options.onUnexpectedExit?.(code, signal);
        }
        resolve();
      }),
    );
    child.on("error", (error) =>
      this.#log.error({ process: name, err: error.message }, "process failed to start"),
    );
    if (child.pid !== undefined) void this.#registry?.remember(name, child.pid);
    const managed = { name, child, exited, stdoutLines };
    this.#processes.push(managed);
    return managed;
  }

  /** Stops every process, newest first: SIGTERM, then SIGKILL after `timeoutMs` (an executor in the middle of a verification does not stop sooner). */
  async stopAll(timeoutMs = 5000): Promise<void> {
    this.#stopping = true;
    for (const p of [...this.#processes].reverse()) await this.stop(p, timeoutMs);
  }

  async stop(p: ManagedProcess, timeoutMs = 10_000): Promise<void> {
    const { name, child } = p;
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.kill("SIGTERM");
    const timer = setTimeout(() => {
      this.#log.warn({ process: name }, "did not stop in time; killing");
      child.kill("SIGKILL");
    }, timeoutMs);
    await p.exited;
    clearTimeout(timer);
  }
}
