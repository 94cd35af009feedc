// Agent cost: CPU (share of one core) and RSS of the agent process at 100 and 500 simulated
// containers and a 10 s interval, side by side in the same run with prometheus-node-exporter
// (Debian) scraped at the same interval. Simulated containers are real cgroups in the kubelet's
// layout with a sleeping process each. The agent runs as its own process (the built CLI, host
// mode, eBPF helper on, writing to a real VictoriaMetrics and streaming to a gRPC sink). CPU comes
// from /proc/<pid>/stat (utime + stime) over the measured window, RSS from /proc/<pid>/status.
// Targets: at 100 containers ≤ 1% of one core and ≤ 80 MiB RSS. Last line: key=value figures.
import { spawn, execFileSync, type ChildProcess } from "node:child_process";
import { randomBytes, randomUUID } from "node:crypto";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, rmdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { type ServerDuplexStream } from "@grpc/grpc-js";
import { AgentServiceService, type AgentMessage, type MediatorMessage } from "@causeway/protocol";
import { TestGrpcServer, findFreePort, startVictoriaMetrics, waitFor } from "@causeway/testkit";

const INTERVAL_MS = Number(process.env.AGENT_BENCH_INTERVAL_MS ?? 10_000);
const WARMUP_INTERVALS = 2;
const MEASURED_INTERVALS = Number(process.env.AGENT_BENCH_INTERVALS ?? 6);
const SIZES = (process.env.AGENT_BENCH_SIZES ?? "100,500").split(",").map(Number);
const CLK_TCK = 100;
/**
 * Node flags of the agent's image (deploy/docker/agent/Dockerfile and the CLI's shebang): a 1 MiB
 * young-generation semi-space keeps the heap small; AGENT_BENCH_NODE_FLAGS adds more (profiling).
 */
const AGENT_NODE_FLAGS = [
  "--max-semi-space-size=1",
  ...(process.env.AGENT_BENCH_NODE_FLAGS ?? "").split(" "),
].filter((f) => f !== "");
const repo = fileURLToPath(new URL("../..", import.meta.url));

function cpuTicks(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
  const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return Number(rest[11]) + Number(rest[12]);
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) * 1024 : 0;
}

function childPids(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, "utf8")
      .trim()
      .split(/\s+/)
      .filter(Boolean)
      .map(Number);
  } catch {
    return [];
  }
}

/** Real cgroups in the kubelet's cgroupfs layout, one sleeping process each, in every hierarchy. */
class SimContainers {
  readonly prefix = `cw-agent-bench-${process.pid}-${randomBytes(3).toString("hex")}`;
  readonly #roots: string[];
  readonly #dirs: string[] = [];
  readonly #procs: ChildProcess[] = [];

  constructor() {
    const root = "/sys/fs/cgroup";
    this.#roots = existsSync(join(root, "cgroup.controllers"))
      ? [root]
      : ["unified", "cpu", "cpuacct", "memory"]
          .map((h) => join(root, h))
          .filter((p) => existsSync(join(p, "cgroup.procs")));
  }

  async add(n: number): Promise<void> {
    const scripts: string[] = [];
    for (let i = 0; i < n; i++) {
      const rel = `${this.prefix}/kubepods/burstable/pod${randomUUID()}/${randomBytes(32).toString("hex")}`;
      for (const root of this.#roots) {
        let path = root;
        for (const part of rel.split("/")) {
          path = join(path, part);
          if (!existsSync(path)) {
            mkdirSync(path);
            this.#dirs.push(path);
          }
        }
      }
      scripts.push(this.#roots.map((r) => `echo $$ > ${join(r, rel)}/cgroup.procs`).join(" && "));
    }
    for (const script of scripts) {
      const child = spawn("sh", ["-c", `${script} && exec sleep 100000`], { stdio: "ignore" });
      this.#procs.push(child);
    }
    await waitFor(() => this.#procs.every((p) => p.pid !== undefined), { what: "sleepers" });
  }

  async cleanup(): Promise<void> {
    await Promise.all(
      this.#procs.map(
        (p) =>
          new Promise<void>((resolve) => {
            if (p.exitCode !== null || p.signalCode !== null) return resolve();
            p.once("exit", () => resolve());
            p.kill("SIGKILL");
          }),
      ),
    );
    for (const dir of this.#dirs.reverse()) {
      await waitFor(
        () => {
          if (existsSync(dir)) rmdirSync(dir);
          return true;
        },
        { what: `removal of ${dir}` },
      ).catch(() => undefined);
    }
  }
}

interface Measured {
  readonly cpuPct: number;
  readonly rssMiB: number;
  readonly peakRssMiB: number;
}

/** CPU share of one core and RSS of `pid` over `intervals` intervals, sampled each interval. */
async function measure(pids: () => number[], intervals: number): Promise<Measured> {
  const ticks = (): number => pids().reduce((sum, pid) => sum + cpuTicks(pid), 0);
  const rss = (): number => pids().reduce((sum, pid) => sum + rssBytes(pid), 0);
  const t0 = performance.now();
  const c0 = ticks();
  let peak = 0;
  for (let i = 0; i < intervals; i++) {
    await new Promise((r) => setTimeout(r, INTERVAL_MS));
    peak = Math.max(peak, rss());
  }
  const elapsedS = (performance.now() - t0) / 1000;
  return {
    cpuPct: ((ticks() - c0) / CLK_TCK / elapsedS) * 100,
    rssMiB: rss() / 2 ** 20,
    peakRssMiB: peak / 2 ** 20,
  };
}

async function run(size: number): Promise<Record<string, number>> {
  const sims = new SimContainers();
  const dir = mkdtempSync(join(tmpdir(), "cw-agent-bench-"));
  const vm = await startVictoriaMetrics();
  const sink = new TestGrpcServer();
  let messages = 0;
  sink.addService(AgentServiceService, {
    connect(call: ServerDuplexStream<AgentMessage, MediatorMessage>) {
      call.on("data", (m: AgentMessage) => {
        messages++;
        call.write({ body: { $case: "ack", value: { highestContiguousSeq: m.seq } } });
      });
      call.on("error", () => undefined);
    },
  });
  await sink.start();
  const exporterPort = await findFreePort();
  let agent: ChildProcess | undefined;
  let exporter: ChildProcess | undefined;
  try {
    await sims.add(size);
    exporter = spawn(
      "/usr/bin/prometheus-node-exporter",
      [`--web.listen-address=127.0.0.1:${exporterPort}`],
      {
        stdio: "ignore",
      },
    );
    agent = spawn(
      process.execPath,
      [
        ...AGENT_NODE_FLAGS,
        join(repo, "packages/agent/dist/cli/main.js"),
        `--nodeName=bench-${size}`,
        `--intervalMs=${INTERVAL_MS}`,
        `--topologyIntervalMs=${INTERVAL_MS * 3}`,
        "--kube.mode=none",
        `--mediator.address=${sink.target}`,
        `--victoriaMetrics.url=${vm.url}`,
        `--victoriaMetrics.queueDir=${join(dir, "queue")}`,
        "--http.port=0",
        "--logLevel=warn",
      ],
      { stdio: ["ignore", "ignore", "inherit"] },
    );
    const agentPid = agent.pid as number;
    const exporterPid = exporter.pid as number;
    // node-exporter is scraped at the agent's interval, as Prometheus would
    const scrape = setInterval(() => {
      void fetch(`http://127.0.0.1:${exporterPort}/metrics`)
        .then((r) => r.text())
        .catch(() => undefined);
    }, INTERVAL_MS);
    await waitFor(
      async () =>
        (await vm.query(`count(causeway_container_processes{node="bench-${size}"})`))[0]?.value === size,
      { what: `the agent to report ${size} containers`, timeoutMs: 4 * INTERVAL_MS + 30_000 },
    );
    await new Promise((r) => setTimeout(r, WARMUP_INTERVALS * INTERVAL_MS));
    const helperPids = (): number[] => childPids(agentPid);
    const [agentCost, helperCost, exporterCost] = await Promise.all([
      measure(() => [agentPid], MEASURED_INTERVALS),
      measure(helperPids, MEASURED_INTERVALS),
      measure(() => [exporterPid], MEASURED_INTERVALS),
    ]);
    clearInterval(scrape);
    const cycle = await fetchCycleSeconds(agentPid);
    const out = {
      [`agent_cpu_pct_${size}`]: agentCost.cpuPct,
      [`agent_rss_mib_${size}`]: agentCost.rssMiB,
      [`agent_peak_rss_mib_${size}`]: agentCost.peakRssMiB,
      [`helper_cpu_pct_${size}`]: helperCost.cpuPct,
      [`helper_rss_mib_${size}`]: helperCost.rssMiB,
      [`node_exporter_cpu_pct_${size}`]: exporterCost.cpuPct,
      [`node_exporter_rss_mib_${size}`]: exporterCost.rssMiB,
      [`agent_cycle_ms_${size}`]: cycle * 1000,
      [`stream_messages_${size}`]: messages,
    };
    console.log(
      `${size} containers: agent ${agentCost.cpuPct.toFixed(2)}% CPU, ${agentCost.rssMiB.toFixed(1)} MiB RSS ` +
        `(helper ${helperCost.cpuPct.toFixed(2)}%, ${helperCost.rssMiB.toFixed(1)} MiB); node-exporter ` +
        `${exporterCost.cpuPct.toFixed(2)}% CPU, ${exporterCost.rssMiB.toFixed(1)} MiB RSS; cycle ${(cycle * 1000).toFixed(1)} ms`,
    );
    return out;
  } finally {
    agent?.kill("SIGTERM");
    exporter?.kill("SIGTERM");
    await Promise.all(
      [agent, exporter].map((p) =>
        p && p.exitCode === null ? new Promise((r) => p.once("exit", r)) : undefined,
      ),
    );
    sink.kill();
    await vm.dispose();
    await sims.cleanup();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Mean cycle duration from the agent's own histogram (its HTTP port is found through /proc). */
async function fetchCycleSeconds(pid: number): Promise<number> {
  const inodes = new Set<string>();
  try {
    for (const fd of execFileSync("ls", [`/proc/${pid}/fd`], { encoding: "utf8" }).split("\n")) {
      try {
        const target = execFileSync("readlink", [`/proc/${pid}/fd/${fd}`], { encoding: "utf8" }).trim();
        const m = /^socket:\[(\d+)\]$/.exec(target);
        if (m) inodes.add(m[1] as string);
      } catch {
        // closed
      }
    }
  } catch {
    return Number.NaN;
  }
  for (const line of readFileSync("/proc/net/tcp", "utf8").split("\n").slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f[3] === "0A" && inodes.has(f[9] ?? "")) {
      const port = parseInt((f[1] ?? "").split(":")[1] ?? "0", 16);
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text().catch(() => "");
      const sum = Number(/^causeway_agent_cycle_duration_seconds_sum (\S+)$/m.exec(text)?.[1]);
      const count = Number(/^causeway_agent_cycle_duration_seconds_count (\S+)$/m.exec(text)?.[1]);
      if (count > 0) return sum / count;
    }
  }
  return Number.NaN;
}

if (process.getuid?.() !== 0) {
  console.error("bench:agent needs root (cgroups, eBPF)");
  process.exit(1);
}
// The agent runs from its build, as in the image; build it (a cache hit when up to date).
execFileSync(
  "pnpm",
  ["exec", "turbo", "run", "build", "--filter=@causeway/agent...", "--output-logs=errors-only"],
  {
    cwd: repo,
    stdio: ["ignore", "ignore", "inherit"],
  },
);
const figures: Record<string, number> = {
  interval_s: INTERVAL_MS / 1000,
  measured_intervals: MEASURED_INTERVALS,
};
for (const size of SIZES) Object.assign(figures, await run(size));
console.log(
  Object.entries(figures)
    .map(([k, v]) => `${k}=${Number.isInteger(v) ? v : v.toFixed(2)}`)
    .join(" "),
);
