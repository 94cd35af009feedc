/* eslint-disable @typescript-eslint/no-explicit-any -- free-form API objects in assertions */
import { waitFor } from "@causeway/testkit";
import { describe, expect, it } from "vitest";
import { TYPES, startKubeSim } from "../index.js";
import { parseCronSchedule } from "./cronjob-controller.js";

const at = (iso: string) => Date.parse(iso);

describe("cron schedules", () => {
  it("match minutes like cron, and refuse malformed ones", () => {
    const every15 = parseCronSchedule("*/15 * * * *");
    expect(every15?.(at("2026-01-01T10:30:00Z"))).toBe(true);
    expect(every15?.(at("2026-01-01T10:31:00Z"))).toBe(false);
    const weekdays9 = parseCronSchedule("0 9 * * 1-5");
    expect(weekdays9?.(at("2026-01-02T09:00:00Z"))).toBe(true); // a Friday
    expect(weekdays9?.(at("2026-01-03T09:00:00Z"))).toBe(false); // a Saturday
    expect(parseCronSchedule("@hourly")?.(at("2026-01-01T07:00:00Z"))).toBe(true);
    expect(parseCronSchedule("61 * * * *")).toBeUndefined();
    expect(parseCronSchedule("* * *")).toBeUndefined();
  });
});

describe("CronJob controller", () => {
  it("creates a Job at each scheduled minute, runs it, and records the schedule and success", async () => {
    let now = at("2026-01-01T10:00:30Z");
    const sim = await startKubeSim({ clock: () => now, controllers: { kubeletTickMs: 10, jobPodRunMs: 0 } });
    try {
      sim.server.seed({ apiVersion: "v1", kind: "Node", metadata: { name: "n1" } });
      sim.server.seed({
        apiVersion: "batch/v1",
        kind: "CronJob",
        metadata: { name: "report", namespace: "default" },
        spec: {
          schedule: "*/5 * * * *",
          concurrencyPolicy: "Forbid",
          jobTemplate: {
            spec: {
              template: { spec: { restartPolicy: "Never", containers: [{ name: "c", image: "report:1" }] } },
            },
          },
        },
      });
      await waitFor(() => sim.controllers?.pending === 0, { what: "settled" });
      expect(sim.server.store.count(TYPES.jobs)).toBe(0);
      now = at("2026-01-01T10:05:10Z");
      const job = await waitFor(
        () =>
          sim.server.store.get(TYPES.jobs, "default", `report-${at("2026-01-01T10:05:00Z") / 60_000}`) as any,
        {
          what: "the 10:05 Job",
        },
      );
      expect(job.metadata.ownerReferences[0]).toMatchObject({
        kind: "CronJob",
        name: "report",
        controller: true,
      });
      await waitFor(
        () => (sim.server.store.get(TYPES.cronJobs, "default", "report") as any).status?.lastSuccessfulTime,
        {
          what: "the Job to succeed",
        },
      );
      const cj = sim.server.store.get(TYPES.cronJobs, "default", "report") as any;
      expect(cj.status.lastScheduleTime).toBe("2026-01-01T10:05:00Z");
      expect(cj.status.active).toBeUndefined();
      expect(sim.server.store.count(TYPES.jobs)).toBe(1);
    } finally {
      await sim.close();
    }
  });
});
