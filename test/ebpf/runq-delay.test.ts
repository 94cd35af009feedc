import { spawn, type ChildProcess } from "node:child_process";
import { checkBtf, checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import type { CgroupCounters } from "@causeway/ebpf-helper";
import { afterEach, describe, expect, it } from "vitest";
import { cgroupV2Root, createCgroup, joinCgroupsScript, type TestCgroup } from "./support/cgroups.js";
import { HelperHarness, buildHelper } from "./support/helper-harness.js";

const skip = skipUnless("ebpf run-queue delay", checkRoot(), checkBtf());

describe.skipIf(skip)("eBPF helper: run-queue delay", () => {
  const cgroups: TestCgroup[] = [];
  const children: ChildProcess[] = [];
  let harness: HelperHarness | undefined;

  afterEach(async () => {
    for (const child of children.splice(0)) child.kill("SIGKILL");
    await harness?.stop();
    await Promise.all(cgroups.splice(0).map((c) => c.remove()));
  });

  function startIn(cgroup: TestCgroup, command: string): void {
    const child = spawn("sh", ["-c", `${joinCgroupsScript([cgroup])} && exec ${command}`], {
      stdio: "ignore",
    });
    children.push(child);
  }

  it.each([
    ["scheduler accounting (sched_info)", [], true],
    ["timed wake-ups", ["--wakeup-timing"], false],
    ["raw tracepoints", ["--raw-tracepoints"], false],
  ] as const)(
    "shows delay for two CPU-bound cgroups sharing one CPU and almost none for an idle one: %s",
    async (_name, flags, schedInfo) => {
      buildHelper();
      harness = new HelperHarness(200, flags);
      expect((await harness.start()).schedInfo).toBe(schedInfo);
      const root = cgroupV2Root();
      const busyA = createCgroup(root, "cw-busy-a");
      const busyB = createCgroup(root, "cw-busy-b");
      const idle = createCgroup(root, "cw-idle");
      cgroups.push(busyA, busyB, idle);

      startIn(busyA, `taskset -c 0 sh -c 'while :; do :; done'`);
      startIn(busyB, `taskset -c 0 sh -c 'while :; do :; done'`);
      // wakes up every 20 ms and does almost nothing, on the other CPU; real-time priority so that
      // whatever else runs on this machine (other tests) cannot make it wait for a CPU either
      startIn(idle, `taskset -c 1 chrt -f 10 sh -c 'while :; do sleep 0.02; done'`);

      const get = (id: bigint): CgroupCounters | undefined => harness?.latest?.cgroups.get(id);
      await harness.waitForCounters(
        (s) =>
          [busyA, busyB].every((c) => (s.cgroups.get(c.id)?.runqDelayCount ?? 0) >= 50) &&
          (s.cgroups.get(idle.id)?.runqDelayCount ?? 0) >= 50,
        "run-queue samples from all three cgroups",
        30_000,
      );
      // a further interval so that the figures compare like with like
      const seen = harness.latest;
      await waitFor(() => harness?.latest !== seen, { what: "one more interval" });

      const a = get(busyA.id);
      const b = get(busyB.id);
      const i = get(idle.id);
      if (!a || !b || !i) throw new Error("counters vanished");
      const mean = (c: CgroupCounters): number => c.runqDelaySumNs / c.runqDelayCount;
      // each busy loop waits out the other's time slice: around a millisecond or more per switch
      expect(mean(a)).toBeGreaterThan(500_000);
      expect(mean(b)).toBeGreaterThan(500_000);
      // the idle cgroup, though it woke as often, waited a small fraction as long per wake-up
      expect(mean(i)).toBeLessThan(Math.min(mean(a), mean(b)) / 10);
      // histogram and count agree (per-CPU values are read while the kernel may be updating one)
      for (const c of [a, b, i]) {
        expect(
          Math.abs(c.runqDelayHistogram.reduce((x, y) => x + y, 0) - c.runqDelayCount),
        ).toBeLessThanOrEqual(2);
      }
      process.stdout.write(
        `${_name}: run-queue mean delay ns: busyA=${mean(a).toFixed(0)} busyB=${mean(b).toFixed(0)} idle=${mean(i).toFixed(0)}; sums busyA=${a.runqDelaySumNs} busyB=${b.runqDelaySumNs} idle=${i.runqDelaySumNs}\n`,
      );
    },
  );
});
