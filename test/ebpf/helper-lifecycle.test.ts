import { execFileSync, spawn, spawnSync } from "node:child_process";
import { defaultHelperPath, FrameDecoder, HELPER_EXIT_CODES, type HelperRecord } from "@causeway/ebpf-helper";
import { checkBtf, checkRoot, skipUnless, waitFor } from "@causeway/testkit";
import { beforeAll, describe, expect, it } from "vitest";
import { buildHelper } from "./support/helper-harness.js";

const skip = skipUnless("ebpf helper lifecycle", checkRoot(), checkBtf());

/** Ids of the helper's programs (named cw_*) currently loaded in the kernel, by any process. */
function loadedHelperPrograms(): number[] {
  const progs = JSON.parse(execFileSync("bpftool", ["prog", "show", "--json"], { encoding: "utf8" })) as {
    id: number;
    name?: string;
  }[];
  return progs.filter((p) => (p.name ?? "").startsWith("cw_")).map((p) => p.id);
}

describe.skipIf(skip)("eBPF helper: lifecycle and fallbacks", () => {
  beforeAll(() => buildHelper());

  it("rejects a bad flag with the usage exit code and a message", () => {
    const result = spawnSync(defaultHelperPath(), ["--interval-ms", "5"], { encoding: "utf8" });
    expect(result.status).toBe(HELPER_EXIT_CODES.usage);
    expect(result.stderr).toContain("--interval-ms must be 10..3600000");
  });

  it("exits with the no-permission code and says what is missing when run unprivileged", () => {
    // uid/gid 65534 (nobody) with no capabilities
    const result = spawnSync(
      "setpriv",
      ["--reuid=65534", "--regid=65534", "--clear-groups", defaultHelperPath()],
      {
        encoding: "utf8",
      },
    );
    expect(result.status).toBe(HELPER_EXIT_CODES.noPermission);
    expect(result.stderr).toContain("permission denied loading BPF programs");
  });

  it.each([
    ["tp_btf and ring buffer", [], { tpBtf: true, ringBuffer: true }],
    [
      "raw tracepoints and perf buffer",
      ["--raw-tracepoints", "--perf-buffer"],
      { tpBtf: false, ringBuffer: false },
    ],
  ] as const)(
    "reports events with %s, and detaches everything on SIGTERM",
    async (_name, flags, expected) => {
      // Other helpers (other tests, an agent) may run at the same time: track only this one's programs.
      const before = new Set(loadedHelperPrograms());
      const helper = spawn(defaultHelperPath(), ["--interval-ms", "100", ...flags], {
        stdio: ["ignore", "pipe", "inherit"],
      });
      const records: HelperRecord[] = [];
      const decoder = new FrameDecoder();
      helper.stdout.on("data", (chunk: Buffer) => {
        for (const out of decoder.push(chunk)) if (out.ok) records.push(out.record);
      });
      const exited = new Promise<number | null>((resolve) => helper.once("exit", (code) => resolve(code)));

      const hello = await waitFor(() => records.find((r) => r.kind === "hello"), { what: "hello" });
      expect(hello).toMatchObject(expected);
      const ours = loadedHelperPrograms().filter((id) => !before.has(id));
      expect(ours.length).toBeGreaterThan(0);

      const probe = spawnSync("sh", ["-c", "exit 7"]);
      await waitFor(
        () => records.some((r) => r.kind === "process-exit" && r.pid === probe.pid && r.exitStatus === 7),
        {
          what: "the probe's exit",
        },
      );
      await waitFor(() => records.some((r) => r.kind === "interval-end"), {
        what: "an interval of counters",
      });

      helper.kill("SIGTERM");
      expect(await exited).toBe(HELPER_EXIT_CODES.ok);
      // the kernel frees programs shortly after their last reference goes (RCU)
      await waitFor(() => !loadedHelperPrograms().some((id) => ours.includes(id)), {
        what: "the helper's programs to be unloaded",
      });
    },
  );
});
