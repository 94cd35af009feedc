import { randomUUID } from "node:crypto";
import { type AuditLog, type AuditRecord, type SigningKey } from "@causeway/audit";
import { TaskOutcome, type SignedTask } from "@causeway/protocol";
import { type AccessReviewer } from "./access-review.js";
import { changeNamespace, changeSha256, parseRemediationChange, type RemediationChange } from "./change.js";
import { buildTask, createApproval, signTask, type Approval } from "./task.js";

export type RemediationState =
  | "proposed"
  | "approved"
  | "rejected"
  | "executing"
  | "succeeded"
  | "failed"
  | "refused"
  | "verified"
  | "rolled-back";

export interface Remediation {
  readonly id: string;
  readonly state: RemediationState;
  readonly change: RemediationChange;
  readonly changeSha256: string;
  /** Why it is proposed: the root cause it addresses. */
  readonly reason: string;
  readonly rootCauseId?: string;
  readonly proposedUnixMs: number;
  readonly approval?: Approval;
  readonly rejection?: { readonly by: string; readonly reason: string; readonly atUnixMs: number };
  readonly taskId?: string;
  readonly result?: { readonly outcome: string; readonly message: string; readonly atUnixMs: number };
  readonly steps: readonly { readonly step: string; readonly atUnixMs: number; readonly detail: string }[];
}

/** The custom resource approvers need the `approve` verb on. */
export const APPROVE_RESOURCE = { group: "causeway.dev", resource: "remediations", verb: "approve" } as const;

export type LifecycleErrorCode = "not-found" | "unauthenticated" | "forbidden" | "conflict" | "invalid";

/** An expected refusal, mapped to HTTP by the mediator (404, 401, 403, 409, 400). */
export class LifecycleError extends Error {
  readonly code: LifecycleErrorCode;
  constructor(code: LifecycleErrorCode, message: string) {
    super(message);
    this.name = "LifecycleError";
    this.code = code;
  }
}

const OUTCOME_STATE: Readonly<Record<number, RemediationState>> = {
  [TaskOutcome.TASK_OUTCOME_REFUSED]: "refused",
  [TaskOutcome.TASK_OUTCOME_FAILED]: "failed",
  [TaskOutcome.TASK_OUTCOME_SUCCEEDED]: "succeeded",
  [TaskOutcome.TASK_OUTCOME_VERIFIED]: "verified",
  [TaskOutcome.TASK_OUTCOME_ROLLED_BACK]: "rolled-back",
};

/** The audit record type of a final outcome. */
const OUTCOME_RECORD: Readonly<Record<number, "refusal" | "execution" | "verification" | "rollback">> = {
  [TaskOutcome.TASK_OUTCOME_REFUSED]: "refusal",
  [TaskOutcome.TASK_OUTCOME_FAILED]: "execution",
  [TaskOutcome.TASK_OUTCOME_SUCCEEDED]: "execution",
  [TaskOutcome.TASK_OUTCOME_VERIFIED]: "verification",
  [TaskOutcome.TASK_OUTCOME_ROLLED_BACK]: "rollback",
};

/** Audit record types for the executor's progress steps. */
const STEP_RECORD = {
  "credential-issue": "credential-issue",
  "credential-revoke": "credential-revoke",
  "scope-check": "scope-check",
  "dry-run": "dry-run",
  execution: "execution",
  verification: "verification",
  rollback: "rollback",
  refused: "refusal",
} as const;

export interface RemediationLifecycleOptions {
  readonly audit: AuditLog;
  readonly signingKey: SigningKey;
  readonly reviewer: AccessReviewer;
  readonly approvalTtlMs?: number;
  readonly clock?: () => number;
}

/**
 * The remediation lifecycle in the mediator: proposed → approved or rejected → executing →
 * succeeded, failed or refused → verified or rolled back. Every transition is written to the
 * audit trail first; the state is rebuilt from the trail after a restart.
 */
export class RemediationLifecycle {
  readonly #o: RemediationLifecycleOptions;
  readonly #clock: () => number;
  readonly #items = new Map<string, Remediation>();
  readonly #byTask = new Map<string, string>();
  readonly #queue: SignedTask[] = [];
  readonly #waiters: ((task: SignedTask) => void)[] = [];

  constructor(options: RemediationLifecycleOptions) {
    this.#o = options;
    this.#clock = options.clock ?? Date.now;
    this.#restore(options.audit.records());
  }

  list(): Remediation[] {
    return [...this.#items.values()].sort((a, b) => b.proposedUnixMs - a.proposedUnixMs);
  }

  get(id: string): Remediation {
    const item = this.#items.get(id);
    if (!item) throw new LifecycleError("not-found", `remediation ${id} not found`);
    return item;
  }

  /** Records a proposal; an identical change already proposed and open is returned as is. */
  async propose(input: { change: unknown; reason: string; rootCauseId?: string }): Promise<Remediation> {
    const parsed = parseRemediationChange(input.change);
    if (!parsed.ok) throw new LifecycleError("invalid", parsed.problems.join("; "));
    const hash = changeSha256(parsed.change);
    const open = [...this.#items.values()].find((r) => r.changeSha256 === hash && r.state === "proposed");
    if (open) return open;
    const id = `r-${randomUUID().slice(0, 8)}`;
    await this.#o.audit.append({
      type: "proposal",
      actor: "mediator",
      subject: `remediation/${id}`,
      data: {
        id,
        change: parsed.change,
        changeSha256: hash,
        reason: input.reason,
        rootCauseId: input.rootCauseId ?? null,
      },
    });
    const item: Remediation = {
      id,
      state: "proposed",
      change: parsed.change,
      changeSha256: hash,
      reason: input.reason,
      ...(input.rootCauseId ? { rootCauseId: input.rootCauseId } : {}),
      proposedUnixMs: this.#clock(),
      steps: [],
    };
    this.#items.set(id, item);
    return item;
  }

  /**
   * Approves with the approver's own Kubernetes token: TokenReview, then SubjectAccessReview for
   * `approve` on remediations.causeway.dev in the target's namespace. `expectedChangeSha256`, when
   * given, must match: the approver approves what they saw.
   */
  async approve(id: string, bearerToken: string, expectedChangeSha256?: string): Promise<Remediation> {
    const item = this.get(id);
    const user = await this.#authorize(item, bearerToken, "approve");
    if (item.state !== "proposed") throw new LifecycleError("conflict", `remediation ${id} is ${item.state}`);
    if (expectedChangeSha256 !== undefined && expectedChangeSha256 !== item.changeSha256) {
      throw new LifecycleError("conflict", "the change differs from the one shown to the approver");
    }
    const approval = createApproval({
      remediationId: id,
      change: item.change,
      approver: user,
      nowMs: this.#clock(),
      ...(this.#o.approvalTtlMs !== undefined ? { ttlMs: this.#o.approvalTtlMs } : {}),
    });
    const record = await this.#o.audit.append({
      type: "approval",
      actor: user,
      subject: `remediation/${id}`,
      data: { ...approval },
    });
    const task = buildTask(approval, item.change, record.hash);
    const signed = signTask(task, this.#o.signingKey);
    const next = { ...item, state: "approved" as const, approval, taskId: task.taskId };
    this.#items.set(id, next);
    this.#byTask.set(task.taskId, id);
    this.#enqueue(signed);
    return next;
  }

  /** Rejects; a reason is required. */
  async reject(id: string, bearerToken: string, reason: string): Promise<Remediation> {
    if (reason.trim() === "") throw new LifecycleError("invalid", "a rejection needs a reason");
    const item = this.get(id);
    const user = await this.#authorize(item, bearerToken, "approve");
    if (item.state !== "proposed") throw new LifecycleError("conflict", `remediation ${id} is ${item.state}`);
    await this.#o.audit.append({
      type: "rejection",
      actor: user,
      subject: `remediation/${id}`,
      data: { reason },
    });
    const next = {
      ...item,
      state: "rejected" as const,
      rejection: { by: user, reason, atUnixMs: this.#clock() },
    };
    this.#items.set(id, next);
    return next;
  }

  /** The next approved task for an executor; waits until one is approved. */
  nextTask(): Promise<SignedTask> {
    const ready = this.#queue.shift();
    if (ready) return Promise.resolve(ready);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  /** Puts back a task taken by `nextTask` that could not be handed over (its session closed). */
  requeue(task: SignedTask): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(task);
    else this.#queue.unshift(task);
  }

  /** Records that a task was handed to an executor. */
  async dispatched(taskId: string, executorId: string): Promise<void> {
    const id = this.#byTask.get(taskId);
    if (!id) return;
    await this.#o.audit.append({
      type: "dispatch",
      actor: "mediator",
      subject: `remediation/${id}`,
      data: { taskId, executorId },
    });
    this.#update(id, (r) => ({ ...r, state: "executing" }));
  }

  /** Records an executor's progress step; refusals of unknown tasks are recorded too. */
  async progress(taskId: string, step: string, detail: string, executorId: string): Promise<void> {
    const id = this.#byTask.get(taskId);
    const type = STEP_RECORD[step as keyof typeof STEP_RECORD];
    if (!type) return;
    if (!id) {
      if (type === "refusal") {
        await this.#o.audit.append({
          type,
          actor: `executor/${executorId}`,
          subject: `task/${taskId || "unknown"}`,
          data: { taskId, step, detail },
        });
      }
      return;
    }
    await this.#o.audit.append({
      type,
      actor: `executor/${executorId}`,
      subject: `remediation/${id}`,
      data: { taskId, step, detail },
    });
    this.#update(id, (r) => ({ ...r, steps: [...r.steps, { step, detail, atUnixMs: this.#clock() }] }));
  }

  /** Records a task's final outcome. */
  async finished(taskId: string, outcome: TaskOutcome, message: string, executorId: string): Promise<void> {
    const id = this.#byTask.get(taskId);
    const state = OUTCOME_STATE[outcome];
    if (!id || !state) return;
    await this.#o.audit.append({
      type: OUTCOME_RECORD[outcome] ?? "execution",
      actor: `executor/${executorId}`,
      subject: `remediation/${id}`,
      data: { taskId, outcome: state, message },
    });
    this.#update(id, (r) => ({ ...r, state, result: { outcome: state, message, atUnixMs: this.#clock() } }));
  }

  async #authorize(item: Remediation, bearerToken: string, verb: string): Promise<string> {
    const refuse = async (
      code: "unauthenticated" | "forbidden",
      actor: string,
      message: string,
    ): Promise<never> => {
      // A refused approval changes nothing, but it is recorded.
      await this.#o.audit.append({
        type: "refusal",
        actor,
        subject: `remediation/${item.id}`,
        data: { verb, reason: code, message },
      });
      throw new LifecycleError(code, message);
    };
    if (bearerToken.trim() === "")
      return refuse("unauthenticated", "anonymous", "a bearer token is required");
    const user = await this.#o.reviewer.authenticate(bearerToken);
    if (!user)
      return refuse("unauthenticated", "anonymous", "the token was not accepted by the Kubernetes API");
    const namespace = changeNamespace(item.change);
    const decision = await this.#o.reviewer.authorize(user, {
      verb,
      group: APPROVE_RESOURCE.group,
      resource: APPROVE_RESOURCE.resource,
      name: item.id,
      ...(namespace ? { namespace } : {}),
    });
    if (!decision.allowed) {
      return refuse(
        "forbidden",
        user.username,
        `${user.username} may not ${verb} remediations.causeway.dev${namespace ? ` in ${namespace}` : ""}`,
      );
    }
    return user.username;
  }

  #enqueue(task: SignedTask): void {
    const waiter = this.#waiters.shift();
    if (waiter) waiter(task);
    else this.#queue.push(task);
  }

  #update(id: string, f: (r: Remediation) => Remediation): void {
    const item = this.#items.get(id);
    if (item) this.#items.set(id, f(item));
  }

  /** Rebuilds states from the audit trail. Approved tasks not yet dispatched are not re-sent: they expire. */
  #restore(records: readonly AuditRecord[]): void {
    for (const record of records) {
      const id = record.subject.startsWith("remediation/")
        ? record.subject.slice("remediation/".length)
        : undefined;
      if (!id) continue;
      const data = record.data as Record<string, unknown>;
      if (record.type === "proposal") {
        const parsed = parseRemediationChange(data.change);
        if (!parsed.ok) continue;
        this.#items.set(id, {
          id,
          state: "proposed",
          change: parsed.change,
          changeSha256: String(data.changeSha256),
          reason: String(data.reason ?? ""),
          ...(typeof data.rootCauseId === "string" ? { rootCauseId: data.rootCauseId } : {}),
          proposedUnixMs: record.timeUnixMs,
          steps: [],
        });
      } else if (record.type === "approval") {
        this.#update(id, (r) => ({ ...r, state: "approved", approval: data as unknown as Approval }));
      } else if (record.type === "rejection") {
        this.#update(id, (r) => ({
          ...r,
          state: "rejected",
          rejection: { by: record.actor, reason: String(data.reason), atUnixMs: record.timeUnixMs },
        }));
      } else if (record.type === "dispatch") {
        const taskId = String(data.taskId);
        this.#byTask.set(taskId, id);
        this.#update(id, (r) => ({ ...r, state: "executing", taskId }));
      } else if (
        (record.type === "verification" || record.type === "rollback") &&
        typeof data.outcome === "string"
      ) {
        const state = data.outcome as RemediationState;
        this.#update(id, (r) => ({
          ...r,
          state,
          result: { outcome: state, message: String(data.message ?? ""), atUnixMs: record.timeUnixMs },
        }));
      }
    }
  }
}
