import { type Endpoint } from "@causeway/ebpf-helper";
import { listPids, netNamespace, readProcess, socketInodes, type ProcessInfo } from "./proc-process.js";
import { TCP_STATE, readTcpSockets, type TcpSocketEntry } from "./proc-net-tcp.js";

/** A process worth a topology entity: a container's main process, or one that listens. */
export interface NotableProcess {
  readonly info: ProcessInfo;
  /** Key of the container it runs in (cgroup path), or undefined for a host process. */
  readonly containerKey: string | undefined;
  readonly listening: readonly Endpoint[];
}

/** An outgoing TCP connection seen in a socket table. */
export interface ObservedConnection {
  readonly containerKey: string;
  readonly remote: Endpoint;
}

export interface ProcessScanInput {
  readonly hostProc: string;
  /** Container key → the pids in its cgroup. */
  readonly containers: ReadonlyMap<string, readonly number[]>;
  readonly maxProcessesPerContainer: number;
  /** Host processes (outside containers) to report, listening ones; 0 skips the host scan. */
  readonly maxHostProcesses: number;
}

export interface ProcessScanResult {
  readonly processes: NotableProcess[];
  /** Container key → listening endpoints. */
  readonly listening: Map<string, Endpoint[]>;
  readonly connections: ObservedConnection[];
}

/** Pids examined per container: enough to find the main processes and their sockets. */
const MAX_PIDS_PER_CONTAINER = 64;

/**
 * Finds notable processes, listening sockets and outgoing connections from /proc: each network
 * namespace's TCP tables are read once, and sockets are attributed to processes through the
 * socket inodes in /proc/<pid>/fd. A connection is outgoing when its local port is not one the
 * namespace listens on.
 */
export function scanProcesses(input: ProcessScanInput): ProcessScanResult {
  const owners = new Map<number, { pid: number; containerKey: string | undefined }>();
  const infos = new Map<number, ProcessInfo>();
  const tablesByNetns = new Map<string, TcpSocketEntry[]>();
  const main = new Map<string, ProcessInfo[]>();
  const containerOf = new Map<number, string | undefined>();

  const visit = (pid: number, containerKey: string | undefined): void => {
    const info = readProcess(input.hostProc, pid);
    if (!info) return;
    infos.set(pid, info);
    containerOf.set(pid, containerKey);
    for (const inode of socketInodes(input.hostProc, pid)) owners.set(inode, { pid, containerKey });
    const ns = netNamespace(input.hostProc, pid);
    if (ns !== undefined && !tablesByNetns.has(ns))
      tablesByNetns.set(ns, readTcpSockets(input.hostProc, pid));
  };

  const inContainer = new Set<number>();
  for (const [key, pids] of input.containers) {
    const sample = pids.slice(0, MAX_PIDS_PER_CONTAINER);
    for (const pid of pids) inContainer.add(pid);
    for (const pid of sample) visit(pid, key);
    const pidSet = new Set(sample);
    const roots = sample
      .map((pid) => infos.get(pid))
      .filter((i): i is ProcessInfo => i !== undefined && !pidSet.has(i.ppid))
      .sort((a, b) => a.startTimeTicks - b.startTimeTicks);
    main.set(key, roots.slice(0, input.maxProcessesPerContainer));
  }
  if (input.maxHostProcesses > 0) {
    for (const pid of listPids(input.hostProc)) if (!inContainer.has(pid)) visit(pid, undefined);
  }

  const listeningByPid = new Map<number, Endpoint[]>();
  const listening = new Map<string, Endpoint[]>();
  const connections: ObservedConnection[] = [];
  for (const table of tablesByNetns.values()) {
    const listenPorts = new Set<number>();
    for (const s of table) {
      if (s.state !== TCP_STATE.listen) continue;
      listenPorts.add(s.local.port);
      const owner = owners.get(s.inode);
      if (!owner) continue;
      const byPid = listeningByPid.get(owner.pid) ?? [];
      byPid.push(s.local);
      listeningByPid.set(owner.pid, byPid);
      if (owner.containerKey !== undefined) {
        const list = listening.get(owner.containerKey) ?? [];
        if (!list.some((e) => e.port === s.local.port && e.address === s.local.address)) list.push(s.local);
        listening.set(owner.containerKey, list);
      }
    }
    for (const s of table) {
      if (s.state !== TCP_STATE.established || listenPorts.has(s.local.port)) continue;
      const owner = owners.get(s.inode);
      if (owner?.containerKey !== undefined)
        connections.push({ containerKey: owner.containerKey, remote: s.remote });
    }
  }

  const processes: NotableProcess[] = [];
  const seen = new Set<number>();
  for (const [key, roots] of main) {
    for (const info of roots) {
      seen.add(info.pid);
      processes.push({ info, containerKey: key, listening: listeningByPid.get(info.pid) ?? [] });
    }
  }
  let hostCount = 0;
  for (const [pid, endpoints] of listeningByPid) {
    if (seen.has(pid)) continue;
    const info = infos.get(pid);
    if (!info) continue;
    const containerKey = containerOf.get(pid);
    if (containerKey === undefined) {
      if (hostCount >= input.maxHostProcesses) continue;
      hostCount++;
    }
    seen.add(pid);
    processes.push({ info, containerKey, listening: endpoints });
  }
  return { processes, listening, connections };
}
