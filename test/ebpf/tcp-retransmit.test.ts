import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { checkBtf, checkRoot, skipUnless } from "@causeway/testkit";
import { afterEach, describe, expect, it } from "vitest";
import { cgroupV2Root, createCgroup, joinCgroupsScript, type TestCgroup } from "./support/cgroups.js";
import { HelperHarness, buildHelper } from "./support/helper-harness.js";

const skip = skipUnless("ebpf TCP retransmits", checkRoot(), checkBtf());
const LOSS_PERCENT = 20;

function run(cmd: string, args: readonly string[], input?: string): string {
  return execFileSync(cmd, args, { encoding: "utf8", input, stdio: ["pipe", "pipe", "pipe"] });
}

function tryRun(cmd: string, args: readonly string[]): void {
  try {
    run(cmd, args);
  } catch {
    // cleanup of something that may not exist
  }
}

/** Two network namespaces joined by a veth pair, with random loss on both ends' input. */
class LossyLink {
  readonly tag = `${process.pid % 10000}${Date.now().toString(36).slice(-3)}`;
  readonly server = `cw-srv-${this.tag}`;
  readonly client = `cw-cli-${this.tag}`;
  readonly serverAddress = "10.250.77.1";
  readonly clientAddress = "10.250.77.2";

  create(): void {
    const vs = `cws${this.tag}`;
    const vc = `cwc${this.tag}`;
    run("ip", ["netns", "add", this.server]);
    run("ip", ["netns", "add", this.client]);
    run("ip", [
      "link",
      "add",
      vs,
      "netns",
      this.server,
      "type",
      "veth",
      "peer",
      "name",
      vc,
      "netns",
      this.client,
    ]);
    for (const [ns, dev, addr] of [
      [this.server, vs, this.serverAddress],
      [this.client, vc, this.clientAddress],
    ] as const) {
      run("ip", ["-n", ns, "addr", "add", `${addr}/24`, "dev", dev]);
      run("ip", ["-n", ns, "link", "set", dev, "up"]);
      run("ip", ["-n", ns, "link", "set", "lo", "up"]);
      // tc netem is not available on this kernel: drop a random share of TCP packets with nftables
      run(
        "ip",
        ["netns", "exec", ns, "nft", "-f", "-"],
        `table inet cwloss {
  chain input {
    type filter hook input priority 0; policy accept;
    meta l4proto tcp numgen random mod 100 < ${LOSS_PERCENT} drop
  }
}
`,
      );
    }
  }

  destroy(): void {
    // deleting a namespace deletes its veth end, nftables table and sockets
    tryRun("ip", ["netns", "del", this.server]);
    tryRun("ip", ["netns", "del", this.client]);
  }
}

describe.skipIf(skip)("eBPF helper: TCP retransmits", () => {
  let link: LossyLink | undefined;
  let cgroup: TestCgroup | undefined;
  let harness: HelperHarness | undefined;
  const children: ChildProcess[] = [];

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await harness?.stop();
    await cgroup?.remove();
    link?.destroy();
  });

  it("counts retransmits over a lossy veth link and attributes them to the sender's cgroup and connection", async () => {
    buildHelper();
    harness = new HelperHarness();
    await harness.start();
    link = new LossyLink();
    link.create();
    cgroup = createCgroup(cgroupV2Root(), "cw-retrans");

    // a sink in the server namespace on a kernel-chosen port, which it prints
    const sinkScript = `const s = require("net").createServer((c) => c.resume()); s.listen(0, "${link.serverAddress}", () => console.log(s.address().port));`;
    const sink = spawn("ip", ["netns", "exec", link.server, process.execPath, "-e", sinkScript], {
      stdio: ["ignore", "pipe", "inherit"],
    });
    children.push(sink);
    const port = await new Promise<number>((resolve, reject) => {
      sink.stdout.once("data", (chunk: Buffer) => resolve(Number(chunk.toString().trim())));
      sink.once("exit", (code) => reject(new Error(`sink exited with ${code}`)));
    });

    // the sender streams data from a fresh cgroup in the client namespace until told to stop
    const sendScript = `${joinCgroupsScript([cgroup])} && exec ip netns exec ${link.client} bash -c 'exec 3<>/dev/tcp/${link.serverAddress}/${port}; while :; do head -c 65536 /dev/zero >&3 || exit 1; done'`;
    const sender = spawn("sh", ["-c", sendScript], { stdio: "ignore" });
    children.push(sender);

    const id = cgroup.id;
    const counters = await harness.waitForCounters(
      (s) => {
        const c = s.cgroups.get(id);
        // A lost SYN is retransmitted before the connection is established: wait for both.
        return c && c.tcpRetransmits > 0 && c.tcpActive > 0 && s.connections.some((x) => x.cgroupId === id)
          ? s
          : undefined;
      },
      "retransmits attributed to the sender's cgroup",
      60_000,
    );

    expect(counters.cgroups.get(id)?.tcpActive).toBe(1);
    const conn = counters.connections.find((x) => x.cgroupId === id);
    expect(conn).toMatchObject({
      family: 4,
      source: { address: link.clientAddress },
      destination: { address: link.serverAddress, port },
    });
    expect(conn?.retransmits).toBeGreaterThan(0);
  });
});
