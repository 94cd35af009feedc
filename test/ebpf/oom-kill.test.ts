import { spawn } from "node:child_process";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { checkBtf, checkRoot, skipUnless } from "@causeway/testkit";
import { afterEach, describe, expect, it } from "vitest";
import {
  cgroupV2Root,
  createCgroup,
  joinCgroupsScript,
  v1ControllerRoot,
  type TestCgroup,
} from "./support/cgroups.js";
import { HelperHarness, buildHelper } from "./support/helper-harness.js";

const skip = skipUnless("ebpf OOM kills", checkRoot(), checkBtf());
const LIMIT_BYTES = 64 * 1024 * 1024;

/**
 * Where a memory limit can be set: memory.max in the v2 hierarchy when the memory controller is
 * enabled there (pure v2 hosts), else the v1 memory controller (this hybrid host). Swap is
 * limited too where the kernel accounts it, so that the process cannot escape into swap.
 */
function memoryCgroup(): { cgroup: TestCgroup; v1: boolean } {
  const v2Root = cgroupV2Root();
  const controllers = readFileSync(join(v2Root, "cgroup.controllers"), "utf8");
  const subtree = readFileSync(join(v2Root, "cgroup.subtree_control"), "utf8");
  const v1Root = v1ControllerRoot("memory");
  const v1 = !(/\bmemory\b/.test(controllers) && /\bmemory\b/.test(subtree));
  if (v1 && !v1Root) throw new Error("no memory controller in either cgroup hierarchy");
  const cgroup = createCgroup(v1 ? (v1Root ?? "") : v2Root, "cw-oom");
  const limits: [string, string][] = v1
    ? [
        ["memory.limit_in_bytes", String(LIMIT_BYTES)],
        ["memory.memsw.limit_in_bytes", String(LIMIT_BYTES)],
      ]
    : [
        ["memory.max", String(LIMIT_BYTES)],
        ["memory.swap.max", "0"],
      ];
  for (const [file, value] of limits) {
    const path = join(cgroup.path, file);
    if (existsSync(path)) writeFileSync(path, value);
  }
  const limitFile = join(cgroup.path, v1 ? "memory.limit_in_bytes" : "memory.max");
  if (readFileSync(limitFile, "utf8").trim() !== String(LIMIT_BYTES))
    throw new Error(`could not set ${limitFile}`);
  return { cgroup, v1 };
}

describe.skipIf(skip)("eBPF helper: OOM kills", () => {
  const cgroups: TestCgroup[] = [];
  let harness: HelperHarness | undefined;

  afterEach(async () => {
    await harness?.stop();
    await Promise.all(cgroups.splice(0).map((c) => c.remove()));
  });

  it("reports the OOM-killed process of a memory-limited cgroup with its pid and cgroup", async () => {
    buildHelper();
    harness = new HelperHarness();
    const hello = await harness.start();

    const task = createCgroup(cgroupV2Root(), "cw-oom-task");
    cgroups.push(task);
    const memory = memoryCgroup();
    cgroups.push(memory.cgroup);
    const joined = memory.v1 ? [task, memory.cgroup] : [memory.cgroup];

    // touches 1 MiB buffers until the limit is hit
    const hog = `node -e 'const a = []; for (;;) a.push(Buffer.alloc(1 << 20, 1))'`;
    const child = spawn("sh", ["-c", `${joinCgroupsScript(joined)} && exec ${hog}`], { stdio: "ignore" });
    const exited = new Promise<NodeJS.Signals | null>((resolve) =>
      child.once("exit", (_code, signal) => resolve(signal)),
    );
    expect(await exited).toBe("SIGKILL");

    const event = await harness.waitForEvent("oom-kill", (e) => e.pid === child.pid);
    const v2Id = memory.v1 ? task.id : memory.cgroup.id;
    expect(event.comm).toBe("node");
    expect(event.memcgId).toBe(memory.cgroup.id);
    // the victim's own cgroup v2 id is known when the kernel passes the victim task (>= 6.8)
    if (hello.oomVictimTask) expect(event.cgroupId).toBe(v2Id);
  });
});
