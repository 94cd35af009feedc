import { createServer } from "node:net";
import { describe, expect, it } from "vitest";
import { parseProcStat as parseNodeStat, parseSnmpTcp, readNodeStats } from "../node/node-stats.js";
import { parseProcNetTcp, readTcpSockets, TCP_STATE } from "./proc-net-tcp.js";
import { parseProcStat, readProcess, socketInodes } from "./proc-process.js";

describe("/proc parsers", () => {
  it("parses a process stat line whose command holds spaces and parentheses", () => {
    const text =
      "4242 (my (odd) proc) S 1 4242 4242 0 -1 4194560 500 0 0 0 120 30 0 0 20 0 3 0 987654 1000000 2560 18446744073709551615";
    expect(parseProcStat(4242, text)).toEqual({
      pid: 4242,
      comm: "my (odd) proc",
      state: "S",
      ppid: 1,
      cpuTicks: 150,
      startTimeTicks: 987654,
      rssPages: 2560,
    });
  });

  it("parses /proc/stat, /proc/net/snmp and /proc/net/tcp{,6}", () => {
    const stat = parseNodeStat(
      "cpu  100 0 50 1000 10 0 5 0 0 0\ncpu0 50 0 25 500 5 0 2 0 0 0\ncpu1 50 0 25 500 5 0 3 0 0 0\n",
    );
    expect(stat.cores).toBe(2);
    expect(stat.secondsByMode).toMatchObject({ user: 1, system: 0.5, idle: 10, iowait: 0.1 });
    const snmp =
      "Tcp: RtoAlgorithm RtoMin RtoMax MaxConn ActiveOpens PassiveOpens AttemptFails EstabResets CurrEstab InSegs OutSegs RetransSegs InErrs OutRsts InCsumErrors\n" +
      "Tcp: 1 200 120000 -1 10 20 3 4 5 1000 2000 7 0 0 0\n";
    expect(parseSnmpTcp(snmp)).toEqual({
      activeOpens: 10,
      passiveOpens: 20,
      attemptFails: 3,
      estabResets: 4,
      currEstab: 5,
      inSegs: 1000,
      outSegs: 2000,
      retransSegs: 7,
    });
    const tcp =
      "  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
      "   0: 0100007F:1F90 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 12345 1 0000000000000000 100 0 0 10 0\n" +
      "   1: 0100007F:C350 0100007F:1F90 01 00000000:00000000 00:00000000 00000000     0        0 23456 1 0000000000000000 20 4 30 10 -1\n";
    expect(parseProcNetTcp(tcp, 4)).toEqual([
      {
        local: { address: "127.0.0.1", port: 8080 },
        remote: { address: "0.0.0.0", port: 0 },
        state: TCP_STATE.listen,
        inode: 12345,
      },
      {
        local: { address: "127.0.0.1", port: 50000 },
        remote: { address: "127.0.0.1", port: 8080 },
        state: TCP_STATE.established,
        inode: 23456,
      },
    ]);
    const tcp6 =
      "  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n" +
      "   0: 00000000000000000000000001000000:1F90 00000000000000000000000000000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 777 1 0000000000000000 100 0 0 10 0\n";
    expect(parseProcNetTcp(tcp6, 6)[0]?.local).toEqual({ address: "::1", port: 8080 });
  });

  it("reads the real /proc: this process, its listening socket and the node", async () => {
    const server = createServer();
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    const port = (server.address() as { port: number }).port;
    try {
      const self = readProcess("/proc", process.pid);
      expect(self?.ppid).toBe(process.ppid);
      const listening = readTcpSockets("/proc", process.pid).find(
        (s) => s.state === TCP_STATE.listen && s.local.port === port,
      );
      expect(listening).toBeDefined();
      expect(socketInodes("/proc", process.pid)).toContain(listening?.inode);
      const node = readNodeStats("/proc", ["/"]);
      expect(node.cpuCores).toBeGreaterThan(0);
      expect(node.memoryTotalBytes).toBeGreaterThan(node.memoryAvailableBytes);
      expect(node.filesystems[0]?.sizeBytes).toBeGreaterThan(0);
    } finally {
      server.close();
    }
  });
});
