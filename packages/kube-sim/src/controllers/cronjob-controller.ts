import { type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { type KubeObject, parseEntry } from "../store.js";
import { controllerRef, timestamp } from "./pod-template.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

const MACROS: Readonly<Record<string, string>> = {
  "@yearly": "0 0 1 1 *",
  "@annually": "0 0 1 1 *",
  "@monthly": "0 0 1 * *",
  "@weekly": "0 0 * * 0",
  "@daily": "0 0 * * *",
  "@midnight": "0 0 * * *",
  "@hourly": "0 * * * *",
};

/** Missed schedules looked back over, as the real controller caps it. */
const MAX_MISSED = 100;

function field(spec: string, min: number, max: number): Set<number> | undefined {
  const out = new Set<number>();
  for (const part of spec.split(",")) {
    const m = /^(\*|\d+(?:-\d+)?)(?:\/(\d+))?$/.exec(part);
    if (!m) return undefined;
    const step = m[2] ? Number(m[2]) : 1;
    let lo = min;
    let hi = max;
    if (m[1] !== "*") {
      const [a, b] = (m[1] as string).split("-").map(Number) as [number, number | undefined];
      lo = a;
      hi = b ?? (m[2] ? max : a);
    }
    if (lo < min || hi > max || lo > hi || step < 1) return undefined;
    for (let v = lo; v <= hi; v += step) out.add(v);
  }
  return out;
}

/** A standard five-field cron schedule (or @hourly-style macro) as a per-minute predicate, UTC. */
export function parseCronSchedule(expr: string): ((minuteStartMs: number) => boolean) | undefined {
  const fields = (MACROS[expr.trim()] ?? expr).trim().split(/\s+/);
  if (fields.length !== 5) return undefined;
  const [minute, hour, dom, month, dow] = [
    field(fields[0] as string, 0, 59),
    field(fields[1] as string, 0, 23),
    field(fields[2] as string, 1, 31),
    field(fields[3] as string, 1, 12),
    field((fields[4] as string).replace(/\b7\b/g, "0"), 0, 6),
  ];
  if (!minute || !hour || !dom || !month || !dow) return undefined;
  const domAny = fields[2] === "*";
  const dowAny = fields[4] === "*";
  return (ms) => {
    const d = new Date(ms);
    if (!minute.has(d.getUTCMinutes()) || !hour.has(d.getUTCHours()) || !month.has(d.getUTCMonth() + 1))
      return false;
    // Cron's rule: when both day fields are restricted, either may match.
    const byDom = dom.has(d.getUTCDate());
    const byDow = dow.has(d.getUTCDay());
    return domAny || dowAny ? byDom && byDow : byDom || byDow;
  };
}

const finished = (job: Any): boolean =>
  ((job.status?.conditions ?? []) as Any[]).some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );

/**
 * CronJob → Jobs: at each scheduled minute (UTC, by the server clock) creates
 * `<name>-<minutes since epoch>` from the job template, honouring suspend and the
 * Allow/Forbid/Replace concurrency policies, prunes finished Jobs beyond the history limits and
 * reports active Jobs and the last schedule and success times.
 */
export function reconcileCronJob(server: KubeApiServer, namespace: string, name: string): void {
  const cj = server.store.get(TYPES.cronJobs, namespace, name) as (KubeObject & Any) | undefined;
  if (!cj || cj.metadata.deletionTimestamp) return;
  const now = server.clock();
  let jobs = server.store
    .dependentEntries(cj.metadata.uid, TYPES.jobs)
    .map((e) => parseEntry(e) as KubeObject & Any);
  const schedule = parseCronSchedule(String(cj.spec?.schedule ?? ""));
  const status: Any = { ...(cj.status ?? {}) };
  if (schedule && !cj.spec?.suspend) {
    const since = Date.parse(status.lastScheduleTime ?? cj.metadata.creationTimestamp);
    let due: number | undefined;
    for (
      let m = Math.floor(now / 60_000) * 60_000, n = 0;
      m > since && n < MAX_MISSED * 60;
      m -= 60_000, n++
    ) {
      if (schedule(m)) {
        due = m;
        break;
      }
    }
    const active = jobs.filter((j) => !finished(j));
    const policy: string = cj.spec?.concurrencyPolicy ?? "Allow";
    if (due !== undefined && !(policy === "Forbid" && active.length > 0)) {
      if (policy === "Replace") for (const j of active) server.remove(TYPES.jobs, namespace, j.metadata.name);
      const jobName = `${name}-${Math.floor(due / 60_000)}`;
      if (!server.store.entry(TYPES.jobs, namespace, jobName)) {
        const template = (cj.spec?.jobTemplate ?? {}) as Any;
        const job = server.create(
          TYPES.jobs,
          {
            apiVersion: "batch/v1",
            kind: "Job",
            metadata: {
              name: jobName,
              namespace,
              labels: template.metadata?.labels ?? {},
              annotations: {
                ...(template.metadata?.annotations ?? {}),
                "batch.kubernetes.io/cronjob-scheduled-timestamp": timestamp(due),
              },
              ownerReferences: [controllerRef(cj)],
            },
            spec: structuredClone(template.spec ?? {}),
          },
          namespace,
        ) as KubeObject & Any;
        jobs.push(job);
        server.events.record({
          involved: cj,
          type: "Normal",
          reason: "SuccessfulCreate",
          message: `Created job ${jobName}`,
          component: "cronjob-controller",
        });
      }
      status.lastScheduleTime = timestamp(due);
    }
  }
  const byAge = (a: Any, b: Any) =>
    Date.parse(a.metadata.creationTimestamp) - Date.parse(b.metadata.creationTimestamp);
  const succeeded = jobs
    .filter((j) =>
      ((j.status?.conditions ?? []) as Any[]).some((c) => c.type === "Complete" && c.status === "True"),
    )
    .sort(byAge);
  const failed = jobs
    .filter((j) =>
      ((j.status?.conditions ?? []) as Any[]).some((c) => c.type === "Failed" && c.status === "True"),
    )
    .sort(byAge);
  for (const j of succeeded.slice(
    0,
    Math.max(0, succeeded.length - (cj.spec?.successfulJobsHistoryLimit ?? 3)),
  ))
    server.remove(TYPES.jobs, namespace, j.metadata.name);
  for (const j of failed.slice(0, Math.max(0, failed.length - (cj.spec?.failedJobsHistoryLimit ?? 1))))
    server.remove(TYPES.jobs, namespace, j.metadata.name);
  jobs = jobs.filter((j) => server.store.entry(TYPES.jobs, namespace, j.metadata.name));
  const active = jobs.filter((j) => !finished(j));
  if (active.length > 0) {
    status.active = active.map((j) => ({
      kind: "Job",
      namespace,
      name: j.metadata.name,
      uid: j.metadata.uid,
      apiVersion: "batch/v1",
    }));
  } else delete status.active;
  const lastSuccess = succeeded.at(-1)?.status?.completionTime;
  if (lastSuccess) status.lastSuccessfulTime = lastSuccess;
  const latest = server.store.get(TYPES.cronJobs, namespace, name);
  if (latest) server.write(TYPES.cronJobs, { ...latest, status });
}
