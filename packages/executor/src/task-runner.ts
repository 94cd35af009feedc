import { type KeyObject } from "node:crypto";
import { type Logger } from "@causeway/runtime";
import { Task, TaskOutcome, type SignedTask, type TaskResult } from "@causeway/protocol";
import {
  type NonceStore,
  requiredAccess,
  verifySignedTask,
  type RemediationChange,
} from "@causeway/remediation";
import { checkApprovalInTrail } from "./approval-check.js";
import { TaskCredentials } from "./credentials/task-credentials.js";
import { requestForChange, rollbackOf, targetPath } from "./kube/change-requests.js";
import { type KubeClient } from "./kube/kube-client.js";
import { type SafetyPolicy } from "./safety/safety-policy.js";

/** Steps reported to the mediator, which records each in the audit trail. */
export type TaskStep =
  | "refused"
  | "credential-issue"
  | "scope-check"
  | "dry-run"
  | "execution"
  | "verification"
  | "rollback"
  | "credential-revoke";

export interface TaskRunnerOptions {
  readonly kube: KubeClient;
  /** Returns the executor's own ServiceAccount token (re-read, as projected tokens rotate). */
  readonly executorToken: () => Promise<string>;
  /** Namespace of the per-action ServiceAccounts and per-task Secrets. */
  readonly namespace: string;
  /** Keys of the mediator, for task signatures and audit checkpoints. */
  readonly mediatorKeys: readonly KeyObject[];
  readonly nonces: NonceStore;
  readonly safety: SafetyPolicy;
  /** The mediator's audit trail as NDJSON. */
  readonly fetchAuditTrail: () => Promise<string>;
  /** Whether the symptom the change should fix has cleared; polled until `verifyWindowMs`. */
  readonly symptomCleared: (task: Task, change: RemediationChange) => Promise<boolean>;
  readonly verifyWindowMs: number;
  readonly verifyPollMs: number;
  readonly clock?: () => number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly log: Logger;
}

export type ProgressListener = (taskId: string, step: TaskStep, detail: Record<string, unknown>) => void;

/** Carries out one signed task, end to end, reporting every step. */
export class TaskRunner {
  readonly #o: TaskRunnerOptions;
  readonly #clock: () => number;
  readonly #sleep: (ms: number) => Promise<void>;

  constructor(options: TaskRunnerOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#sleep = options.sleep ?? ((ms) => new Promise((r) => setTimeout(r, ms)));
  }

  async run(signed: SignedTask, progress: ProgressListener): Promise<TaskResult> {
    const o = this.#o;
    const finish = (taskId: string, outcome: TaskOutcome, message: string): TaskResult => ({
      taskId,
      outcome,
      message,
      finishedUnixMs: this.#clock(),
    });
    const refuse = (taskId: string, reason: string, message: string): TaskResult => {
      progress(taskId, "refused", { reason, message });
      o.log.warn({ taskId, reason }, message);
      return finish(taskId, TaskOutcome.TASK_OUTCOME_REFUSED, `${reason}: ${message}`);
    };

    const verified = await verifySignedTask(signed, {
      publicKeys: o.mediatorKeys,
      nonces: o.nonces,
      nowMs: this.#clock(),
    });
    if (!verified.ok)
      return refuse(verified.task?.taskId ?? correlationId(signed), verified.reason, verified.message);
    const { task, change } = verified;

    let approval: { ok: true } | { ok: false; message: string };
    try {
      approval = checkApprovalInTrail(await o.fetchAuditTrail(), task, o.mediatorKeys);
    } catch (error) {
      approval = { ok: false, message: `cannot read the audit trail: ${(error as Error).message}` };
    }
    if (!approval.ok) return refuse(task.taskId, "not-approved", approval.message);

    const safety = o.safety.check(change, this.#clock());
    if (!safety.ok) return refuse(task.taskId, safety.reason, safety.message);

    let credentials: TaskCredentials;
    try {
      credentials = await TaskCredentials.issue({
        kube: o.kube,
        executorToken: await o.executorToken(),
        namespace: o.namespace,
        taskId: task.taskId,
        action: change.action,
      });
    } catch (error) {
      o.log.error({ taskId: task.taskId, err: (error as Error).message }, "cannot obtain task credentials");
      return finish(task.taskId, TaskOutcome.TASK_OUTCOME_FAILED, `credentials: ${(error as Error).message}`);
    }
    progress(task.taskId, "credential-issue", credentials.toJSON());
    try {
      return await this.#act(task, change, credentials, progress, finish, refuse);
    } finally {
      try {
        await credentials.revoke();
        progress(task.taskId, "credential-revoke", { secretName: credentials.secretName });
      } catch (error) {
        o.log.error({ taskId: task.taskId, err: (error as Error).message }, "cannot revoke task credentials");
        progress(task.taskId, "credential-revoke", {
          secretName: credentials.secretName,
          error: (error as Error).message,
        });
      }
    }
  }

  async #act(
    task: Task,
    change: RemediationChange,
    credentials: TaskCredentials,
    progress: ProgressListener,
    finish: (taskId: string, outcome: TaskOutcome, message: string) => TaskResult,
    refuse: (taskId: string, reason: string, message: string) => TaskResult,
  ): Promise<TaskResult> {
    const o = this.#o;
    const kube = o.kube;
    const token = credentials.token;
    for (const access of requiredAccess(change)) {
      const review = await kube.call<{ status?: { allowed?: boolean; reason?: string } }>(token, {
        method: "POST",
        path: "/apis/authorization.k8s.io/v1/selfsubjectaccessreviews",
        body: {
          apiVersion: "authorization.k8s.io/v1",
          kind: "SelfSubjectAccessReview",
          spec: { resourceAttributes: access },
        },
      });
      if (!review.status?.allowed) {
        progress(task.taskId, "scope-check", { access, allowed: false });
        return refuse(
          task.taskId,
          "out-of-scope",
          `the task's credentials may not ${access.verb} ${access.resource}`,
        );
      }
    }
    progress(task.taskId, "scope-check", { allowed: true, checks: requiredAccess(change).length });

    try {
      const before = await kube.call<Record<string, unknown>>(token, {
        method: "GET",
        path: targetPath(change),
      });
      const request = await requestForChange(change, before, kube, token);
      await kube.call(token, { ...request, query: { ...request.query, dryRun: "All" } });
      progress(task.taskId, "dry-run", { ok: true });
      await kube.call(token, request);
      o.safety.record(change, this.#clock());
      progress(task.taskId, "execution", { ok: true, method: request.method, path: request.path });

      const deadline = this.#clock() + o.verifyWindowMs;
      for (;;) {
        if (await o.symptomCleared(task, change)) {
          progress(task.taskId, "verification", { cleared: true });
          return finish(task.taskId, TaskOutcome.TASK_OUTCOME_VERIFIED, "applied; the symptom cleared");
        }
        if (this.#clock() >= deadline) break;
        await this.#sleep(o.verifyPollMs);
      }
      progress(task.taskId, "verification", { cleared: false });
      const undo = rollbackOf(change, before);
      if (!undo) {
        return finish(
          task.taskId,
          TaskOutcome.TASK_OUTCOME_FAILED,
          "applied; the symptom did not clear and the action cannot be undone",
        );
      }
      await kube.call(token, undo);
      progress(task.taskId, "rollback", { method: undo.method, path: undo.path });
      return finish(
        task.taskId,
        TaskOutcome.TASK_OUTCOME_ROLLED_BACK,
        "the symptom did not clear; the change was rolled back",
      );
    } catch (error) {
      o.log.error({ taskId: task.taskId, err: (error as Error).message }, "task failed");
      return finish(task.taskId, TaskOutcome.TASK_OUTCOME_FAILED, (error as Error).message);
    }
  }
}

/**
 * The task id of a task refused before it was verified, read without trusting it: it only lets the
 * mediator match the refusal to the task it handed over.
 */
function correlationId(signed: SignedTask): string {
  try {
    return Task.decode(signed.task).taskId;
  } catch {
    return "";
  }
}
