import { readFileSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** What /proc says about one process. */
export interface ProcessInfo {
  readonly pid: number;
  readonly ppid: number;
  readonly comm: string;
  readonly state: string;
  /** Start time after boot in clock ticks: with the pid, a stable process identity. */
  readonly startTimeTicks: number;
  /** utime + stime, clock ticks. */
  readonly cpuTicks: number;
  readonly rssPages: number;
}

/** Parses /proc/<pid>/stat; the command name may itself contain spaces and parentheses. */
export function parseProcStat(pid: number, text: string): ProcessInfo | undefined {
  const open = text.indexOf("(");
  const close = text.lastIndexOf(")");
  if (open < 0 || close < open) return undefined;
  const rest = text.slice(close + 2).split(" ");
  // rest[0] is field 3 (state); field n is rest[n - 3]
  const field = (n: number): number => Number(rest[n - 3] ?? 0);
  return {
    pid,
    comm: text.slice(open + 1, close),
    state: rest[0] ?? "?",
    ppid: field(4),
    cpuTicks: field(14) + field(15),
    startTimeTicks: field(22),
    rssPages: field(24),
  };
}

export function readProcess(hostProc: string, pid: number): ProcessInfo | undefined {
  try {
    return parseProcStat(pid, readFileSync(join(hostProc, String(pid), "stat"), "utf8"));
  } catch {
    return undefined;
  }
}

/** Time the process waited on a run queue, nanoseconds (second field of /proc/<pid>/schedstat). */
export function readRunDelayNs(hostProc: string, pid: number): number | undefined {
  try {
    const fields = readFileSync(join(hostProc, String(pid), "schedstat"), "utf8").split(" ");
    const v = Number(fields[1]);
    return Number.isFinite(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

/** Every process id in `hostProc`. */
export function listPids(hostProc: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync(hostProc)) {
    const c = name.charCodeAt(0);
    if (c >= 48 && c <= 57) pids.push(Number(name));
  }
  return pids;
}

/** The process's cgroup v2 path (the `0::` line), or undefined. */
export function readCgroupV2Path(hostProc: string, pid: number): string | undefined {
  try {
    const text = readFileSync(join(hostProc, String(pid), "cgroup"), "utf8");
    for (const line of text.split("\n")) if (line.startsWith("0::")) return line.slice(3);
  } catch {
    // gone
  }
  return undefined;
}

/** Inodes of the sockets the process holds open (`socket:[inode]` links in /proc/<pid>/fd). */
export function socketInodes(hostProc: string, pid: number): number[] {
  const dir = join(hostProc, String(pid), "fd");
  const out: number[] = [];
  let fds: string[];
  try {
    fds = readdirSync(dir);
  } catch {
    return out;
  }
  for (const fd of fds) {
    try {
      const target = readlinkSync(join(dir, fd));
      if (target.startsWith("socket:[")) out.push(Number(target.slice(8, -1)));
    } catch {
      // closed meanwhile
    }
  }
  return out;
}

/** The network namespace inode of a process (`net:[inode]`), to read each namespace's tables once. */
export function netNamespace(hostProc: string, pid: number): string | undefined {
  try {
    return readlinkSync(join(hostProc, String(pid), "ns/net"));
  } catch {
    return undefined;
  }
}
