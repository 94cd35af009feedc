import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@causeway/runtime";
import { waitFor } from "@causeway/testkit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HELPER_EXIT_CODES } from "./exit-codes.js";
import { EbpfHelper, type CounterSnapshot, type HelperExit } from "./helper-supervisor.js";
import { RECORD_LAYOUTS } from "./layout.js";
import type { HelperEvent } from "./records.js";

// The helper here is a real child process (a Node script) speaking the real framing, so the
// supervisor's spawning, decoding, restarting and stopping run for real; only the kernel is absent.

let dir: string;

function script(name: string, body: string): string {
  const file = join(dir, `${name}.mjs`);
  writeFileSync(
    file,
    `const L = ${JSON.stringify(RECORD_LAYOUTS)};
function frame(layout, fill) {
  const b = Buffer.alloc(layout.size);
  b.writeUInt32LE(layout.type, 0);
  fill(b, layout.fields);
  const h = Buffer.alloc(4); h.writeUInt32LE(b.length);
  process.stdout.write(Buffer.concat([h, b]));
}
${body}
`,
  );
  return file;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "cw-supervisor-"));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe("EbpfHelper supervisor", () => {
  it("emits typed events and counter snapshots, and restarts with capped exponential backoff", async () => {
    const crasher = script(
      "crasher",
      `frame(L.cw_hello, (b, f) => b.writeUInt32LE(3, f.flags.offset));
frame(L.cw_process_exit, (b, f) => { b.writeUInt32LE(321, f.pid.offset); b.writeUInt32LE(9, f.exit_code.offset); });
frame(L.cw_cgroup_counters, (b, f) => { b.writeBigUInt64LE(55n, f.cgroup_id.offset); b.writeBigUInt64LE(4n, f.runq_delay_count.offset); });
frame(L.cw_interval_end, (b, f) => b.writeUInt32LE(1, f.cgroups.offset));
process.stderr.write("simulated crash\\n");
process.stdout.end(() => process.exit(1));`,
    );
    const delays: number[] = [];
    const helper = new EbpfHelper({
      logger: silentLogger(),
      helperPath: process.execPath,
      helperArgs: [crasher],
      backoff: { initialDelayMs: 100, maxDelayMs: 500 },
      delay: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
    });
    const events: HelperEvent[] = [];
    const snapshots: CounterSnapshot[] = [];
    const exits: HelperExit[] = [];
    helper.on("event", (e) => events.push(e));
    helper.on("counters", (s) => snapshots.push(s));
    helper.on("exit", (e) => exits.push(e));
    helper.start();
    await waitFor(() => helper.restarts >= 5, { what: "five restarts" });
    await helper.stop();

    expect(delays.slice(0, 5)).toEqual([100, 200, 400, 500, 500]);
    expect(events[0]).toMatchObject({ kind: "process-exit", pid: 321, signal: 9, exitStatus: null });
    expect(snapshots[0]?.cgroups.get(55n)).toMatchObject({ runqDelayCount: 4 });
    expect(exits[0]).toMatchObject({ code: 1, willRestart: true, restartDelayMs: 100 });
    expect(exits[0]?.reason).toContain("simulated crash");
  });

  it("resets the backoff after a run that lasted long enough", async () => {
    const quick = script("quick", "process.exit(1);");
    // now() is read at the start and end of every run; the third run (index 2) lasts 2 s
    let calls = 0;
    const now = (): number => {
      const call = calls++;
      const run = Math.floor(call / 2);
      return run * 10_000 + (call % 2 === 1 && run === 2 ? 2000 : 0);
    };
    const delays: number[] = [];
    const helper = new EbpfHelper({
      logger: silentLogger(),
      helperPath: process.execPath,
      helperArgs: [quick],
      backoff: { initialDelayMs: 10, maxDelayMs: 1000 },
      stableRunMs: 1000,
      now,
      delay: (ms) => {
        delays.push(ms);
        return Promise.resolve();
      },
    });
    helper.start();
    await waitFor(() => delays.length >= 6, { what: "six restarts" });
    await helper.stop();
    expect(delays.slice(0, 6)).toEqual([10, 20, 10, 20, 40, 80]);
  });

  it("gives up with `unavailable` when the kernel lacks BTF", async () => {
    const noBtf = script(
      "no-btf",
      `process.stderr.write("kernel BTF not readable\\n"); process.exit(${HELPER_EXIT_CODES.noBtf});`,
    );
    const helper = new EbpfHelper({
      logger: silentLogger(),
      helperPath: process.execPath,
      helperArgs: [noBtf],
      delay: () => Promise.reject(new Error("must not restart")),
    });
    const unavailable = new Promise<HelperExit>((resolve) => helper.once("unavailable", resolve));
    helper.start();
    const exit = await unavailable;
    await helper.stop();
    expect(exit).toMatchObject({ code: 3, willRestart: false });
    expect(exit.reason).toBe("exit code 3 (noBtf): kernel BTF not readable");
    expect(helper.restarts).toBe(0);
  });

  it("gives up with `unavailable` when the helper executable is missing", async () => {
    const helper = new EbpfHelper({
      logger: silentLogger(),
      helperPath: join(dir, "no-such-helper"),
      delay: () => Promise.reject(new Error("must not restart")),
    });
    const unavailable = new Promise<HelperExit>((resolve) => helper.once("unavailable", resolve));
    helper.start();
    const exit = await unavailable;
    await helper.stop();
    expect(exit).toMatchObject({ code: null, willRestart: false });
    expect(exit.reason).toContain("ENOENT");
  });

  it("kills and restarts a helper whose stream is corrupt", async () => {
    const corrupt = script(
      "corrupt",
      `process.stdout.write(Buffer.from([255, 255, 255, 255, 0, 0, 0, 0])); setInterval(() => {}, 1000);`,
    );
    const exits: HelperExit[] = [];
    const helper = new EbpfHelper({
      logger: silentLogger(),
      helperPath: process.execPath,
      helperArgs: [corrupt],
      delay: () => Promise.resolve(),
    });
    helper.on("exit", (e) => exits.push(e));
    helper.start();
    await waitFor(() => exits.length >= 1, { what: "the corrupt helper to be killed" });
    await helper.stop();
    expect(exits[0]).toMatchObject({ signal: "SIGKILL", willRestart: true });
    expect(exits[0]?.reason).toContain("frame length 4294967295");
  });

  it("stop() ends a running helper with SIGTERM", async () => {
    const sleeper = script(
      "sleeper",
      `process.on("SIGTERM", () => process.exit(0)); frame(L.cw_hello, () => {}); setInterval(() => {}, 1000);`,
    );
    const helper = new EbpfHelper({
      logger: silentLogger(),
      helperPath: process.execPath,
      helperArgs: [sleeper],
    });
    const ready = new Promise((resolve) => helper.once("ready", resolve));
    const exits: HelperExit[] = [];
    helper.on("exit", (e) => exits.push(e));
    helper.start();
    await ready;
    await helper.stop();
    expect(exits).toEqual([{ code: 0, signal: null, reason: "exit code 0 (ok)", willRestart: false }]);
  });
});
