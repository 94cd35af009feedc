import { readFileSync } from "node:fs";
import { mkdir, readFile, rename, writeFile } from "node:fs/promises";
import { dirname } from "node:path";

interface Entry {
  readonly name: string;
  readonly pid: number;
  /** Start time in clock ticks since boot (/proc/<pid>/stat field 22): a reused pid does not match. */
  readonly startTicks: string;
}

/** A process's start time, or undefined when it is gone. */
export function processStartTicks(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    // Fields after the command name, which may contain spaces and parentheses.
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19];
  } catch {
    return undefined;
  }
}

/**
 * The pids of the stack's components, on disk: a run that crashed (SIGKILL, power cut) leaves them
 * listed, and the next start kills those still alive (same pid and start time) before starting.
 */
export class ProcessRegistry {
  readonly #path: string;
  #entries: Entry[] = [];
  #writing: Promise<void> = Promise.resolve();

  constructor(path: string) {
    this.#path = path;
  }

  remember(name: string, pid: number): Promise<void> {
    const startTicks = processStartTicks(pid);
    if (startTicks !== undefined) this.#entries.push({ name, pid, startTicks });
    return this.#save();
  }

  forget(pid: number | undefined): Promise<void> {
    this.#entries = this.#entries.filter((e) => e.pid !== pid);
    return this.#save();
  }

  #save(): Promise<void> {
    const text = `${JSON.stringify(this.#entries)}\n`;
    this.#writing = this.#writing.then(async () => {
      await mkdir(dirname(this.#path), { recursive: true });
      await writeFile(`${this.#path}.tmp`, text);
      await rename(`${this.#path}.tmp`, this.#path);
    });
    return this.#writing;
  }

  /** Kills what a previous run left listed and still running; returns their names. */
  async killLeftovers(): Promise<string[]> {
    let entries: Entry[] = [];
    try {
      entries = JSON.parse(await readFile(this.#path, "utf8")) as Entry[];
    } catch {
      return [];
    }
    const killed: string[] = [];
    for (const e of entries) {
      if (processStartTicks(e.pid) !== e.startTicks) continue;
      try {
        process.kill(e.pid, "SIGKILL");
        killed.push(`${e.name} (pid ${e.pid})`);
      } catch {
        // gone meanwhile
      }
    }
    this.#entries = [];
    await this.#save();
    return killed;
  }
}
