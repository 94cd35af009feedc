import { spawn } from "node:child_process";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ProcessRegistry, processStartTicks } from "./process-registry.js";

describe("ProcessRegistry", () => {
  it("kills what a crashed run left running, and never a process that only reuses a listed pid", async () => {
    const dir = await mkdtemp(join(tmpdir(), "registry-"));
    const path = join(dir, "processes.json");
    const child = spawn("sleep", ["60"], { stdio: "ignore" });
    const exited = new Promise((r) => child.once("exit", r));
    try {
      const crashed = new ProcessRegistry(path);
      await crashed.remember("sleeper", child.pid as number);
      // A listed pid whose start time differs is another process now.
      await writeFile(
        path,
        JSON.stringify([
          { name: "sleeper", pid: child.pid, startTicks: processStartTicks(child.pid as number) },
          { name: "impostor", pid: process.pid, startTicks: "1" },
        ]),
      );
      const next = new ProcessRegistry(path);
      expect(await next.killLeftovers()).toEqual([`sleeper (pid ${child.pid})`]);
      await exited;
      expect(child.signalCode).toBe("SIGKILL");
      expect(await next.killLeftovers()).toEqual([]);
    } finally {
      child.kill("SIGKILL");
      await rm(dir, { recursive: true, force: true });
    }
  });
});
