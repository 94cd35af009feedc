import { execFile } from "node:child_process";

/** A command that failed, with what it printed on stderr. */
export class CommandError extends Error {
  readonly stderr: string;
  readonly exitCode: number | null;
  constructor(command: string, exitCode: number | null, stderr: string) {
    super(`${command} failed (exit ${exitCode ?? "?"}): ${stderr.trim() || "no output"}`);
    this.name = "CommandError";
    this.stderr = stderr;
    this.exitCode = exitCode;
  }
}

/** Runs a host command (ip, nft, ...) with arguments, no shell; resolves with stdout. */
export function run(command: string, args: readonly string[], input?: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(command, args, { maxBuffer: 16 * 1024 * 1024 }, (error, stdout, stderr) => {
      if (error) {
        const code = typeof error.code === "number" ? error.code : null;
        reject(new CommandError([command, ...args].join(" "), code, stderr || error.message));
      } else resolve(stdout);
    });
    if (input !== undefined) child.stdin?.end(input);
  });
}

/** Runs a command and ignores its failure (clean-up of what may already be gone). */
export async function runQuietly(command: string, args: readonly string[]): Promise<boolean> {
  try {
    await run(command, args);
    return true;
  } catch {
    return false;
  }
}
