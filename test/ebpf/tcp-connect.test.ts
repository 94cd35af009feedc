import { spawn } from "node:child_process";
import { createConnection, createServer, type Server, type Socket } from "node:net";
import { checkBtf, checkRoot, skipUnless } from "@causeway/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cgroupV2Root, createCgroup, joinCgroupsScript, type TestCgroup } from "./support/cgroups.js";
import { HelperHarness, buildHelper } from "./support/helper-harness.js";

const skip = skipUnless("ebpf tcp connects", checkRoot(), checkBtf());

function listen(host: string, onConnection: (s: Socket) => void = (s) => s.destroy()): Promise<Server> {
  const server = createServer(onConnection);
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(0, host, () => resolve(server));
  });
}

function portOf(server: Server): number {
  const address = server.address();
  if (address === null || typeof address === "string") throw new Error("server has no TCP address");
  return address.port;
}

function close(server: Server): Promise<void> {
  return new Promise((resolve) => server.close(() => resolve()));
}

describe.skipIf(skip)("eBPF helper: TCP connects", () => {
  const harness = new HelperHarness();
  let cgroup: TestCgroup | undefined;
  const servers: Server[] = [];

  beforeAll(async () => {
    buildHelper();
    await harness.start();
  });
  afterAll(() => harness.stop());
  afterEach(async () => {
    await Promise.all(servers.splice(0).map(close));
    await cgroup?.remove();
    cgroup = undefined;
  });

  /** Connects with bash's /dev/tcp from a shell in a fresh cgroup; resolves with its pid and exit code. */
  function connectFromCgroup(host: string, port: number): Promise<{ pid: number; code: number | null }> {
    cgroup = createCgroup(cgroupV2Root(), "cw-tcp");
    const script = `${joinCgroupsScript([cgroup])} && exec 3<>/dev/tcp/${host}/${port}`;
    const child = spawn("bash", ["-c", script], { stdio: "ignore" });
    return new Promise((resolve) => child.once("exit", (code) => resolve({ pid: child.pid ?? 0, code })));
  }

  it("reports a connect to a closed loopback port as failed, with addresses, ports and cgroup", async () => {
    const probe = await listen("127.0.0.1");
    const closedPort = portOf(probe);
    await close(probe);

    const { pid, code } = await connectFromCgroup("127.0.0.1", closedPort);
    expect(code).not.toBe(0);
    const event = await harness.waitForEvent("tcp-connect", (e) => e.pid === pid);
    expect(event).toMatchObject({
      ok: false,
      family: 4,
      cgroupId: cgroup?.id,
      source: { address: "127.0.0.1" },
      destination: { address: "127.0.0.1", port: closedPort },
    });
    expect(event.source.port).toBeGreaterThan(0);
    const id = cgroup?.id ?? 0n;
    await harness.waitForCounters(
      (s) => (s.cgroups.get(id)?.tcpConnectsFailed ?? 0) >= 1,
      "failed-connect counter",
    );
  });

  it("reports a connect to a listener as successful, with the ports both ends saw", async () => {
    const peers: { port: number | undefined }[] = [];
    const server = await listen("127.0.0.1", (s) => {
      peers.push({ port: s.remotePort });
      s.destroy();
    });
    servers.push(server);
    const serverPort = portOf(server);

    const listenEvent = await harness.waitForEvent("tcp-listen", (e) => e.local.port === serverPort);
    expect(listenEvent).toMatchObject({ listening: true, pid: process.pid, local: { address: "127.0.0.1" } });

    const { pid, code } = await connectFromCgroup("127.0.0.1", serverPort);
    expect(code).toBe(0);
    const event = await harness.waitForEvent("tcp-connect", (e) => e.pid === pid);
    expect(event).toMatchObject({
      ok: true,
      family: 4,
      cgroupId: cgroup?.id,
      source: { address: "127.0.0.1", port: peers[0]?.port },
      destination: { address: "127.0.0.1", port: serverPort },
    });
    const id = cgroup?.id ?? 0n;
    await harness.waitForCounters(
      (s) => (s.cgroups.get(id)?.tcpConnectsOk ?? 0) >= 1,
      "successful-connect counter",
    );
  });

  it("attributes a listener and its accepted connections to the listener's cgroup", async () => {
    cgroup = createCgroup(cgroupV2Root(), "cw-listen");
    const serverScript = `const s = require("net").createServer(() => {}); s.listen(0, "127.0.0.1", () => console.log(s.address().port));`;
    const server = spawn(
      "sh",
      ["-c", `${joinCgroupsScript([cgroup])} && exec ${process.execPath} -e '${serverScript}'`],
      {
        stdio: ["ignore", "pipe", "inherit"],
      },
    );
    const port = await new Promise<number>((resolve) =>
      server.stdout.once("data", (c: Buffer) => resolve(Number(c.toString().trim()))),
    );
    const id = cgroup.id;

    const opened = await harness.waitForEvent("tcp-listen", (e) => e.local.port === port && e.listening);
    expect(opened).toMatchObject({
      cgroupId: id,
      pid: server.pid,
      family: 4,
      local: { address: "127.0.0.1" },
    });

    const client = createConnection({ host: "127.0.0.1", port });
    await new Promise((resolve) => client.once("connect", resolve));
    // the accepted socket is established in softirq: it must still count for the listener's cgroup
    await harness.waitForCounters((s) => {
      const c = s.cgroups.get(id);
      return c && c.tcpListening === 1 && c.tcpActive === 1;
    }, "listening and active gauges of the listener's cgroup");
    client.destroy();

    server.kill("SIGKILL");
    const closed = await harness.waitForEvent("tcp-listen", (e) => e.local.port === port && !e.listening);
    expect(closed.cgroupId).toBe(id);
    await harness.waitForCounters(
      (s) => s.cgroups.get(id)?.tcpListening === 0,
      "listening gauge back to zero",
    );
  });

  it("reports IPv6 connects", async () => {
    const server = await listen("::1");
    servers.push(server);
    const serverPort = portOf(server);
    const { pid } = await connectFromCgroup("::1", serverPort);
    const event = await harness.waitForEvent("tcp-connect", (e) => e.pid === pid);
    expect(event).toMatchObject({
      ok: true,
      family: 6,
      cgroupId: cgroup?.id,
      source: { address: "::1" },
      destination: { address: "::1", port: serverPort },
    });
  });
});
