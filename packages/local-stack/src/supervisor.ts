import { spawn, type ChildProcess } from "node:child_process";
import { type Logger } from "@causeway/runtime";

export interface ManagedProcess {
  readonly name: string;
  readonly child: ChildProcess;
}

/** Starts child processes, and on shutdown stops them in reverse order, waiting for each. */
export class Supervisor {
  readonly #log: Logger;
  readonly #processes: ManagedProcess[] = [];

  constructor(log: Logger) {
    this.#log = log;
  }

  spawn(name: string, command: string, args: readonly string[]): ManagedProcess {
    const child = spawn(command, args, { stdio: ["ignore", "ignore", "pipe"] });
    const managed = { name, child };
    this.#processes.push(managed);
    child.stderr?.on("data", (chunk: Buffer) => this.#log.debug({ process: name }, chunk.toString().trim()));
    child.on("exit", (code, signal) => this.#log.info({ process: name, code, signal }, "process exited"));
    child.on("error", (error) => this.#log.error({ process: name, err: error }, "process failed to start"));
    return managed;
  }

  async stopAll(timeoutMs = 10_000): Promise<void> {
    for (const { name, child } of [...this.#processes].reverse()) {
      if (child.exitCode !== null || child.signalCode !== null) continue;
      const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      child.kill("SIGTERM");
      const timer = setTimeout(() => {
        this.#log.warn({ process: name }, "did not stop in time; killing");
        child.kill("SIGKILL");
      }, timeoutMs);
      await exited;
      clearTimeout(timer);
    }
  }
}
