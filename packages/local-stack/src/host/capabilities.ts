import { accessSync, constants, existsSync } from "node:fs";

/** What this machine lets the local stack do, and what is missing for the rest. */
export interface HostCapabilities {
  readonly mode: "full" | "degraded";
  readonly root: boolean;
  readonly ebpf: boolean;
  /** Why the stack runs degraded or without eBPF, one line each (empty when nothing is missing). */
  readonly missing: readonly string[];
}

function onPath(command: string): boolean {
  return (process.env.PATH ?? "/usr/sbin:/usr/bin:/sbin:/bin")
    .split(":")
    .concat(["/usr/sbin", "/sbin"])
    .some((dir) => existsSync(`${dir}/${command}`));
}

/**
 * Cgroups, network namespaces and eBPF need root, the `ip`, `nft` and `nsenter` commands and a
 * kernel with BTF. Without them the stack still runs: pods share the host network on their own
 * loopback addresses in the stack's cgroup, the agent runs without eBPF and packet loss is off.
 */
export function detectCapabilities(requested: "auto" | "degraded"): HostCapabilities {
  const root = typeof process.getuid === "function" && process.getuid() === 0;
  const missing: string[] = [];
  if (requested === "degraded") missing.push("degraded mode requested (--mode=degraded)");
  if (!root) missing.push("not root: no cgroups, network namespaces or eBPF (run as root for all of them)");
  for (const command of ["ip", "nft", "nsenter"])
    if (!onPath(command)) missing.push(`no ${command} command: no pod network namespaces`);
  if (!existsSync("/sys/fs/cgroup/cgroup.procs") && !existsSync("/sys/fs/cgroup/memory/cgroup.procs"))
    missing.push("no cgroup hierarchy at /sys/fs/cgroup");
  let btf = true;
  try {
    accessSync("/sys/kernel/btf/vmlinux", constants.R_OK);
  } catch {
    btf = false;
  }
  const full = missing.length === 0;
  if (full && !btf) missing.push("no kernel BTF at /sys/kernel/btf/vmlinux: the agent runs without eBPF");
  return { mode: full ? "full" : "degraded", root, ebpf: full && btf, missing };
}
