import { randomSuffix, type KubeApiServer } from "../api-server.js";
import { TYPES } from "../resources.js";
import { type KubeObject, parseEntry } from "../store.js";
import { timestamp } from "./pod-template.js";
import { podFromTemplate } from "./replicaset-controller.js";

type Any = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any -- free-form API objects

/**
 * Job → Pods: keeps `parallelism` pods running until `completions` succeeded, counts failures
 * against `backoffLimit`, and sets the Complete or Failed condition.
 */
export function reconcileJob(server: KubeApiServer, namespace: string, name: string): void {
  const job = server.store.get(TYPES.jobs, namespace, name) as (KubeObject & Any) | undefined;
  if (!job || job.metadata.deletionTimestamp) return;
  const now = server.clock();
  const pods = server.store
    .dependentEntries(job.metadata.uid, TYPES.pods)
    .map((e) => parseEntry(e) as KubeObject & Any);
  const succeeded = pods.filter((p) => p.status?.phase === "Succeeded").length;
  const failed = pods.filter((p) => p.status?.phase === "Failed").length;
  let active = pods.filter(
    (p) => !p.metadata.deletionTimestamp && p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed",
  ).length;
  const completions: number = job.spec?.completions ?? 1;
  const parallelism: number = job.spec?.parallelism ?? 1;
  const conditions: Any[] = [...(job.status?.conditions ?? [])];
  const finished = conditions.some(
    (c) => (c.type === "Complete" || c.type === "Failed") && c.status === "True",
  );
  const status: Any = { ...(job.status ?? {}), startTime: job.status?.startTime ?? timestamp(now) };
  if (!finished && !job.spec?.suspend) {
    if (failed > (job.spec?.backoffLimit ?? 6)) {
      for (const p of pods)
        if (p.status?.phase !== "Succeeded" && p.status?.phase !== "Failed")
          server.remove(TYPES.pods, namespace, p.metadata.name);
      active = 0;
      conditions.push(
        {
          type: "FailureTarget",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastProbeTime: timestamp(now),
          lastTransitionTime: timestamp(now),
        },
        {
          type: "Failed",
          status: "True",
          reason: "BackoffLimitExceeded",
          message: "Job has reached the specified backoff limit",
          lastProbeTime: timestamp(now),
          lastTransitionTime: timestamp(now),
        },
      );
    } else if (succeeded >= completions) {
      conditions.push(
        {
          type: "SuccessCriteriaMet",
          status: "True",
          reason: "CompletionsReached",
          message: "Reached expected number of succeeded pods",
          lastProbeTime: timestamp(now),
          lastTransitionTime: timestamp(now),
        },
        {
          type: "Complete",
          status: "True",
          reason: "CompletionsReached",
          message: "Reached expected number of succeeded pods",
          lastProbeTime: timestamp(now),
          lastTransitionTime: timestamp(now),
        },
      );
      status.completionTime = timestamp(now);
      server.events.record({
        involved: job,
        type: "Normal",
        reason: "Completed",
        message: "Job completed",
        component: "job-controller",
      });
    } else {
      const want = Math.min(parallelism, completions - succeeded);
      for (; active < want; active++) {
        const podName = `${name}-${randomSuffix()}`;
        server.create(TYPES.pods, podFromTemplate(job, podName), namespace);
        server.events.record({
          involved: job,
          type: "Normal",
          reason: "SuccessfulCreate",
          message: `Created pod: ${podName}`,
          component: "job-controller",
        });
      }
    }
  }
  status.active = active;
  status.succeeded = succeeded;
  status.failed = failed;
  status.ready = 0;
  for (const k of ["active", "succeeded", "failed"]) if (status[k] === 0) delete status[k];
  status.conditions = conditions.length > 0 ? conditions : undefined;
  if (!status.conditions) delete status.conditions;
  server.write(TYPES.jobs, { ...job, status });
}
