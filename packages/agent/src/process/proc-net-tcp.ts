import { readFileSync } from "node:fs";
import { join } from "node:path";
import { formatIpv6, type Endpoint } from "@causeway/ebpf-helper";

/** TCP states as numbered in /proc/net/tcp. */
export const TCP_STATE = { established: 1, synSent: 2, listen: 10 } as const;

export interface TcpSocketEntry {
  readonly local: Endpoint;
  readonly remote: Endpoint;
  readonly state: number;
  readonly inode: number;
}

function ipv4(hex: string): string {
  const n = parseInt(hex, 16);
  return `${n & 0xff}.${(n >>> 8) & 0xff}.${(n >>> 16) & 0xff}.${(n >>> 24) & 0xff}`;
}

function ipv6(hex: string): string {
  const bytes = new Uint8Array(16);
  // four 32-bit words, each in host (little-endian) byte order
  for (let w = 0; w < 4; w++) {
    const word = hex.slice(w * 8, w * 8 + 8);
    for (let b = 0; b < 4; b++) bytes[w * 4 + b] = parseInt(word.slice(6 - b * 2, 8 - b * 2), 16);
  }
  return formatIpv6(bytes);
}

function endpoint(text: string, family: 4 | 6): Endpoint {
  const [addr, port] = text.split(":") as [string, string];
  return { address: family === 4 ? ipv4(addr) : ipv6(addr), port: parseInt(port, 16) };
}

/** Parses /proc/net/tcp or /proc/net/tcp6. */
export function parseProcNetTcp(text: string, family: 4 | 6): TcpSocketEntry[] {
  const out: TcpSocketEntry[] = [];
  const lines = text.split("\n");
  for (let i = 1; i < lines.length; i++) {
    const f = (lines[i] as string).trim().split(/\s+/);
    if (f.length < 10) continue;
    out.push({
      local: endpoint(f[1] as string, family),
      remote: endpoint(f[2] as string, family),
      state: parseInt(f[3] as string, 16),
      inode: Number(f[9]),
    });
  }
  return out;
}

/** TCP sockets of the network namespace `pid` lives in (IPv4 and IPv6). */
export function readTcpSockets(hostProc: string, pid: number | "self"): TcpSocketEntry[] {
  const out: TcpSocketEntry[] = [];
  for (const [file, family] of [
    ["tcp", 4],
    ["tcp6", 6],
  ] as const) {
    try {
      out.push(...parseProcNetTcp(readFileSync(join(hostProc, String(pid), "net", file), "utf8"), family));
    } catch {
      // no IPv6, or the process is gone
    }
  }
  return out;
}
