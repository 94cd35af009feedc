import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { checkBtf, checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { cgroupV2Root, createCgroup, joinCgroupsScript, type TestCgroup } from "./support/cgroups.js";
import { HelperHarness, buildHelper } from "./support/helper-harness.js";

const skip = skipUnless("ebpf process exits", checkRoot(), checkBtf());

describe.skipIf(skip)("eBPF helper: process exits", () => {
  const harness = new HelperHarness();
  let cgroup: TestCgroup | undefined;

  beforeAll(async () => {
    buildHelper();
    await harness.start();
  });
  afterAll(() => harness.stop());
  afterEach(async () => {
    await cgroup?.remove();
    cgroup = undefined;
  });

  /** Runs `script` in a shell that first joins a fresh cgroup; resolves with its pid once it ends. */
  function runInCgroup(script: string, onSpawn?: (pid: number) => void): Promise<number> {
    cgroup = createCgroup(cgroupV2Root(), "cw-exit");
    const child = spawn("sh", ["-c", `${joinCgroupsScript([cgroup])} && exec ${script}`], {
      stdio: "ignore",
    });
    const pid = child.pid ?? 0;
    onSpawn?.(pid);
    return new Promise((resolve) => child.once("exit", () => resolve(pid)));
  }

  it("reports a crash by SIGSEGV with the signal and the process's cgroup", async () => {
    const pid = await runInCgroup(`sh -c 'kill -SEGV $$'`);
    const event = await harness.waitForEvent("process-exit", (e) => e.pid === pid);
    expect(event).toMatchObject({ signal: 11, exitStatus: null, cgroupId: cgroup?.id, comm: "sh" });
  });

  it("reports SIGKILL", async () => {
    const pid = await runInCgroup("sleep 60", (p) => {
      // the shell joins the cgroup, then execs sleep under the same pid: kill it once it has
      void waitFor(() => readFileSync(`/proc/${p}/comm`, "utf8") === "sleep\n", {
        what: "exec of sleep",
      }).then(() => process.kill(p, "SIGKILL"));
    });
    const event = await harness.waitForEvent("process-exit", (e) => e.pid === pid);
    expect(event).toMatchObject({
      signal: 9,
      exitStatus: null,
      coreDumped: false,
      cgroupId: cgroup?.id,
      comm: "sleep",
    });
  });

  it("reports a non-zero exit with its status", async () => {
    const pid = await runInCgroup(`sh -c 'exit 42'`);
    const event = await harness.waitForEvent("process-exit", (e) => e.pid === pid);
    expect(event).toMatchObject({ signal: null, exitStatus: 42, cgroupId: cgroup?.id, ppid: process.pid });
  });
});
