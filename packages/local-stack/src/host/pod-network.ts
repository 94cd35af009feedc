import { existsSync, readdirSync } from "node:fs";
import { run, runQuietly } from "./exec.js";

/** Names of everything the local stack creates in the host's network stack. */
export const NETWORK_NAMES = {
  bridge: "causeway0",
  /** Network namespaces are `causeway-<8 hex of the pod UID>`. */
  netnsPrefix: "causeway-",
  /** Host ends of the pods' veth pairs are `cwv<8 hex>` (interface names stop at 15 bytes). */
  vethPrefix: "cwv",
  /** The nftables table (bridge family: it sees pod-to-pod frames) holding packet-loss rules. */
  nftTable: "causeway_local",
} as const;

const NETNS_DIR = "/run/netns";

/** A pod's network: its namespace, its address and the host end of its veth pair. */
export interface PodNetworkHandle {
  readonly netns: string;
  readonly netnsPath: string;
  readonly ip: string;
  readonly hostVeth: string;
}

/** One packet-loss rule: frames from any of `fromIps` to any of `toIps`, both directions, dropped at `percent`. */
export interface LossRule {
  readonly fromIps: readonly string[];
  readonly toIps: readonly string[];
  readonly percent: number;
}

function ipToInt(ip: string): number {
  return ip.split(".").reduce((n, o) => n * 256 + Number(o), 0);
}
function intToIp(n: number): string {
  return [24, 16, 8, 0].map((s) => (n >>> s) & 255).join(".");
}

/**
 * The pods' network on this host: a bridge holding the gateway address (the first of the pod
 * CIDR), and per pod a network namespace joined to it by a veth pair, with an address from the
 * CIDR. Pods reach each other over the bridge and the host (the mediator's OTLP port) at the
 * gateway; no forwarding or NAT is set up, so pods reach nothing else.
 */
export class PodNetwork {
  readonly cidr: string;
  readonly gateway: string;
  readonly prefixLength: number;
  readonly #base: number;
  readonly #size: number;
  readonly #used = new Set<string>();

  constructor(cidr: string) {
    const m = /^(\d+\.\d+\.\d+\.\d+)\/(\d+)$/.exec(cidr);
    if (!m) throw new Error(`bad pod CIDR ${cidr}`);
    this.cidr = cidr;
    this.prefixLength = Number(m[2]);
    this.#size = 2 ** (32 - this.prefixLength);
    this.#base = ipToInt(m[1] as string) & ~(this.#size - 1);
    this.gateway = intToIp(this.#base + 1);
  }

  /** Creates the bridge with the gateway address (idempotent). */
  async setUp(): Promise<void> {
    const b = NETWORK_NAMES.bridge;
    if (!existsSync(`/sys/class/net/${b}`)) await run("ip", ["link", "add", b, "type", "bridge"]);
    await runQuietly("ip", ["addr", "add", `${this.gateway}/${this.prefixLength}`, "dev", b]);
    await run("ip", ["link", "set", b, "up"]);
  }

  #allocate(): string {
    for (let i = 2; i < this.#size - 1; i++) {
      const ip = intToIp(this.#base + i);
      if (!this.#used.has(ip)) {
        this.#used.add(ip);
        return ip;
      }
    }
    throw new Error(`pod CIDR ${this.cidr} is full`);
  }

  /** Creates a pod's namespace, veth pair and address; `key` is 8 hex characters of its UID. */
  async addPod(key: string): Promise<PodNetworkHandle> {
    const netns = `${NETWORK_NAMES.netnsPrefix}${key}`;
    const hostVeth = `${NETWORK_NAMES.vethPrefix}${key}`;
    const ip = this.#allocate();
    try {
      await runQuietly("ip", ["netns", "del", netns]);
      await runQuietly("ip", ["link", "del", hostVeth]);
      await run("ip", ["netns", "add", netns]);
      await run("ip", ["link", "add", hostVeth, "type", "veth", "peer", "name", "eth0", "netns", netns]);
      await run("ip", ["link", "set", hostVeth, "master", NETWORK_NAMES.bridge, "up"]);
      await run("ip", ["-n", netns, "addr", "add", `${ip}/${this.prefixLength}`, "dev", "eth0"]);
      await run("ip", ["-n", netns, "link", "set", "lo", "up"]);
      await run("ip", ["-n", netns, "link", "set", "eth0", "up"]);
      await run("ip", ["-n", netns, "route", "add", "default", "via", this.gateway]);
    } catch (error) {
      this.#used.delete(ip);
      await this.removePod({ netns, netnsPath: `${NETNS_DIR}/${netns}`, ip, hostVeth });
      throw error;
    }
    return { netns, netnsPath: `${NETNS_DIR}/${netns}`, ip, hostVeth };
  }

  /** Deletes a pod's namespace (its end of the veth pair goes with it) and frees its address. */
  async removePod(handle: PodNetworkHandle): Promise<void> {
    await runQuietly("ip", ["netns", "del", handle.netns]);
    await runQuietly("ip", ["link", "del", handle.hostVeth]);
    this.#used.delete(handle.ip);
  }

  /**
   * Replaces the packet-loss rules: nftables `numgen random mod 100 < N drop` on bridged frames
   * between the given pod addresses (this kernel has no tc netem). No rules removes the table.
   */
  async setLoss(rules: readonly LossRule[]): Promise<void> {
    const t = NETWORK_NAMES.nftTable;
    await runQuietly("nft", ["delete", "table", "bridge", t]);
    const lines: string[] = [];
    for (const r of rules) {
      if (r.fromIps.length === 0 || r.toIps.length === 0) continue;
      const set = (ips: readonly string[]) => `{ ${ips.join(", ")} }`;
      for (const [a, b] of [
        [r.fromIps, r.toIps],
        [r.toIps, r.fromIps],
      ] as const)
        lines.push(
          `    ip saddr ${set(a)} ip daddr ${set(b)} numgen random mod 100 < ${Math.round(r.percent)} counter drop`,
        );
    }
    if (lines.length === 0) return;
    const ruleset = [
      `table bridge ${t} {`,
      "  chain packet_loss {",
      "    type filter hook forward priority 0; policy accept;",
      ...lines,
      "  }",
      "}",
      "",
    ].join("\n");
    await run("nft", ["-f", "-"], ruleset);
  }

  /** Frames dropped by the loss rules so far. */
  async droppedPackets(): Promise<number> {
    try {
      const out = await run("nft", ["list", "table", "bridge", NETWORK_NAMES.nftTable]);
      return [...out.matchAll(/counter packets (\d+)/g)].reduce((n, m) => n + Number(m[1]), 0);
    } catch {
      return 0;
    }
  }
}

/**
 * Removes every namespace, veth, bridge and nftables table the local stack creates, whoever
 * created them (this run, or a previous one that crashed). Returns what it removed.
 */
export async function removeNetworkLeftovers(): Promise<string[]> {
  const removed: string[] = [];
  const netns = existsSync(NETNS_DIR) ? readdirSync(NETNS_DIR) : [];
  for (const name of netns.filter((n) => n.startsWith(NETWORK_NAMES.netnsPrefix))) {
    if (await runQuietly("ip", ["netns", "del", name])) removed.push(`netns ${name}`);
  }
  const links = existsSync("/sys/class/net") ? readdirSync("/sys/class/net") : [];
  for (const name of links.filter((n) => n.startsWith(NETWORK_NAMES.vethPrefix))) {
    if (await runQuietly("ip", ["link", "del", name])) removed.push(`veth ${name}`);
  }
  if (links.includes(NETWORK_NAMES.bridge) && (await runQuietly("ip", ["link", "del", NETWORK_NAMES.bridge])))
    removed.push(`bridge ${NETWORK_NAMES.bridge}`);
  if (await runQuietly("nft", ["delete", "table", "bridge", NETWORK_NAMES.nftTable]))
    removed.push(`nftables table bridge ${NETWORK_NAMES.nftTable}`);
  return removed;
}
