// Measures the eBPF helper on the real kernel: the cost per event of every BPF program
// (kernel.bpf_stats_enabled, run_time_ns / run_cnt), the slowdown of `perf bench sched pipe`
// (a context-switch storm) with the helper loaded versus not, alternated in one run — both as
// `perf bench sched pipe` runs by default and in the worst case with both tasks pinned to one CPU —
// and the helper's resident memory. Needs root. Last line: key=value figures.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { createConnection, createServer } from "node:net";
import { FrameDecoder, defaultHelperPath, nativeSourceDir } from "@causeway/ebpf-helper";

const ROUNDS = Number(process.env.CW_BENCH_ROUNDS ?? 9);
const PIPE_LOOPS = Number(process.env.CW_BENCH_PIPE_LOOPS ?? 200_000);
/** Unpinned round trips cross CPUs and take about ten times longer: fewer loops, same duration. */
const UNPINNED_PIPE_LOOPS = Number(process.env.CW_BENCH_UNPINNED_PIPE_LOOPS ?? 40_000);
const PIPE_CPU = process.env.CW_BENCH_PIPE_CPU ?? "1";
const STATS_SYSCTL = "/proc/sys/kernel/bpf_stats_enabled";

interface ProgStats {
  readonly name: string;
  readonly runTimeNs: number;
  readonly runCount: number;
}

function helperPrograms(): ProgStats[] {
  const progs = JSON.parse(execFileSync("bpftool", ["prog", "show", "--json"], { encoding: "utf8" })) as {
    name?: string;
    run_time_ns?: number;
    run_cnt?: number;
  }[];
  return progs
    .filter((p) => p.name?.startsWith("cw_"))
    .map((p) => ({ name: p.name ?? "", runTimeNs: p.run_time_ns ?? 0, runCount: p.run_cnt ?? 0 }));
}

/**
 * Microseconds per pipe round trip. Pinned, both tasks share one CPU, so every round trip is
 * exactly two context switches (the worst case for a sched_switch hook); unpinned is the default
 * `perf bench sched pipe`, whose round trips cross CPUs and swing more with placement.
 */
function perfPipeUsecPerOp(pinned = true): number {
  const perf = ["perf", "bench", "sched", "pipe", "-l", String(pinned ? PIPE_LOOPS : UNPINNED_PIPE_LOOPS)];
  const [command, ...args] = pinned ? ["taskset", "-c", PIPE_CPU, ...perf] : perf;
  const out = execFileSync(command as string, args, { encoding: "utf8" });
  const match = /([\d.]+)\s+usecs\/op/.exec(out);
  if (!match?.[1]) throw new Error(`cannot parse perf bench output:\n${out}`);
  return Number(match[1]);
}

async function startHelper(): Promise<ChildProcess> {
  const child = spawn(defaultHelperPath(), ["--interval-ms", "1000"], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  const decoder = new FrameDecoder();
  await new Promise<void>((resolve, reject) => {
    child.once("exit", (code) => reject(new Error(`helper exited with ${code}`)));
    child.stdout.on("data", (chunk: Buffer) => {
      for (const out of decoder.push(chunk)) if (out.ok && out.record.kind === "hello") resolve();
    });
  });
  return child;
}

async function stopHelper(child: ChildProcess): Promise<void> {
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGTERM");
  await exited;
}

async function loopbackConnections(count: number): Promise<void> {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : 0;
  for (let i = 0; i < count; i++) {
    await new Promise<void>((resolve, reject) => {
      const socket = createConnection({ host: "127.0.0.1", port }, () => socket.end());
      socket.on("close", () => resolve());
      socket.on("error", reject);
    });
  }
  await new Promise((resolve) => server.close(resolve));
}

function rssKib(pid: number): number {
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return Number(match?.[1] ?? 0);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

execFileSync("make", ["-s", "-C", nativeSourceDir()], { stdio: "inherit" });
const statsBefore = readFileSync(STATS_SYSCTL, "utf8").trim();

// 1. Slowdown: alternate rounds without and with the helper, statistics collection off.
writeFileSync(STATS_SYSCTL, "0");
const without: number[] = [];
const withHelper: number[] = [];
const unpinnedWithout: number[] = [];
const unpinnedWith: number[] = [];
let rss = 0;
perfPipeUsecPerOp(); // warm-up
for (let round = 0; round < ROUNDS; round++) {
  without.push(perfPipeUsecPerOp());
  unpinnedWithout.push(perfPipeUsecPerOp(false));
  const helper = await startHelper();
  withHelper.push(perfPipeUsecPerOp());
  unpinnedWith.push(perfPipeUsecPerOp(false));
  rss = Math.max(rss, rssKib(helper.pid ?? 0));
  await stopHelper(helper);
  console.log(
    `round ${round}: pinned without=${without.at(-1)} with=${withHelper.at(-1)} us/op; ` +
      `default without=${unpinnedWithout.at(-1)} with=${unpinnedWith.at(-1)} us/op`,
  );
}
// each round's pair ran back to back, so its ratio cancels slow drift of the machine
const slowdown = (w: readonly number[], wo: readonly number[]): number =>
  median(w.map((x, i) => (x / (wo[i] ?? x) - 1) * 100));
const baseUs = median(without);
const loadedUs = median(withHelper);
const slowdownPct = slowdown(withHelper, without);
const defaultSlowdownPct = slowdown(unpinnedWith, unpinnedWithout);

// 2. Cost per event: run the same load with bpf_stats on and read each program's totals.
writeFileSync(STATS_SYSCTL, "1");
const costs = new Map<string, number>();
try {
  const helper = await startHelper();
  perfPipeUsecPerOp();
  // some exits and loopback TCP connections for the programs off the hot path
  for (let i = 0; i < 50; i++) execFileSync("sh", ["-c", "exit 0"]);
  await loopbackConnections(200);
  for (const p of helperPrograms()) {
    if (p.runCount > 0) costs.set(p.name, p.runTimeNs / p.runCount);
    console.log(
      `${p.name}: ${p.runCount} runs, ${(p.runCount ? p.runTimeNs / p.runCount : 0).toFixed(1)} ns/event`,
    );
  }
  await stopHelper(helper);
} finally {
  writeFileSync(STATS_SYSCTL, statsBefore);
}

const ns = (name: string): string => (costs.get(name) ?? 0).toFixed(1);
const switchNs = costs.get("cw_btf_sched_switch") ?? costs.get("cw_raw_sched_switch") ?? 0;
console.log(
  [
    `sched_switch_ns_per_event=${switchNs.toFixed(1)}`,
    `sched_wakeup_ns_per_event=${ns("cw_btf_sched_wakeup")}`,
    `runq_method=${costs.has("cw_btf_sched_wakeup") ? "wakeup-timing" : "sched_info"}`,
    `process_exit_ns_per_event=${ns("cw_btf_sched_process_exit")}`,
    `inet_sock_set_state_ns_per_event=${ns("cw_btf_inet_sock_set_state")}`,
    `perf_pipe_us_per_op_without=${median(unpinnedWithout).toFixed(3)}`,
    `perf_pipe_us_per_op_with=${median(unpinnedWith).toFixed(3)}`,
    `perf_pipe_slowdown_pct=${defaultSlowdownPct.toFixed(2)}`,
    `pinned_perf_pipe_us_per_op_without=${baseUs.toFixed(3)}`,
    `pinned_perf_pipe_us_per_op_with=${loadedUs.toFixed(3)}`,
    `pinned_perf_pipe_slowdown_pct=${slowdownPct.toFixed(2)}`,
    `helper_rss_kib=${rss}`,
    `sched_switch_target_150ns_met=${switchNs <= 150}`,
    `slowdown_target_3pct_met=${defaultSlowdownPct <= 3}`,
    `pinned_slowdown_target_3pct_met=${slowdownPct <= 3}`,
  ].join(" "),
);
