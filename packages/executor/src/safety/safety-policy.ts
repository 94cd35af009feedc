import { changeNamespace, type RemediationChange } from "@causeway/remediation";

export interface SafetyLimits {
  /** Namespaces the executor may act in; empty means all but the denied ones. */
  readonly allowNamespaces: readonly string[];
  readonly denyNamespaces: readonly string[];
  /** kube-system is refused unless this is set. */
  readonly allowKubeSystem: boolean;
  /** At most this many actions on one target within `targetWindowMs`. */
  readonly maxActionsPerTarget: number;
  readonly targetWindowMs: number;
  /** At most this many actions in any `rateWindowMs`, across all targets. */
  readonly maxActionsPerRateWindow: number;
  readonly rateWindowMs: number;
  /** Bounds for `scale`. */
  readonly minReplicas: number;
  readonly maxReplicas: number;
}

export const DEFAULT_SAFETY_LIMITS: SafetyLimits = {
  allowNamespaces: [],
  denyNamespaces: [],
  allowKubeSystem: false,
  maxActionsPerTarget: 1,
  targetWindowMs: 60 * 60_000,
  maxActionsPerRateWindow: 5,
  rateWindowMs: 60_000,
  minReplicas: 1,
  maxReplicas: 50,
};

export type SafetyRefusal = "paused" | "namespace-denied" | "blast-radius" | "rate-limited" | "out-of-bounds";

function targetKey(change: RemediationChange): string {
  return `${change.target.kind}/${changeNamespace(change) ?? ""}/${change.target.name}`;
}

/** Blast-radius limits, a rate limit and a global pause: checked before any task acts. */
export class SafetyPolicy {
  readonly limits: SafetyLimits;
  #paused: string | undefined;
  readonly #history: { key: string; atMs: number }[] = [];

  constructor(limits: Partial<SafetyLimits> = {}) {
    this.limits = { ...DEFAULT_SAFETY_LIMITS, ...limits };
  }

  pause(reason: string): void {
    this.#paused = reason;
  }

  resume(): void {
    this.#paused = undefined;
  }

  get paused(): string | undefined {
    return this.#paused;
  }

  check(
    change: RemediationChange,
    nowMs: number,
  ): { ok: true } | { ok: false; reason: SafetyRefusal; message: string } {
    if (this.#paused !== undefined)
      return { ok: false, reason: "paused", message: `executor paused: ${this.#paused}` };
    const ns = changeNamespace(change);
    const l = this.limits;
    if (ns !== undefined) {
      if (ns === "kube-system" && !l.allowKubeSystem) {
        return { ok: false, reason: "namespace-denied", message: "kube-system is not allowed" };
      }
      if (
        l.denyNamespaces.includes(ns) ||
        (l.allowNamespaces.length > 0 && !l.allowNamespaces.includes(ns))
      ) {
        return { ok: false, reason: "namespace-denied", message: `namespace ${ns} is not allowed` };
      }
    }
    if (change.action === "scale" && (change.replicas < l.minReplicas || change.replicas > l.maxReplicas)) {
      return {
        ok: false,
        reason: "out-of-bounds",
        message: `replicas ${change.replicas} outside [${l.minReplicas}, ${l.maxReplicas}]`,
      };
    }
    const key = targetKey(change);
    const onTarget = this.#history.filter((h) => h.key === key && nowMs - h.atMs < l.targetWindowMs).length;
    if (onTarget >= l.maxActionsPerTarget) {
      return {
        ok: false,
        reason: "blast-radius",
        message: `${onTarget} action(s) on ${key} within the window`,
      };
    }
    const recent = this.#history.filter((h) => nowMs - h.atMs < l.rateWindowMs).length;
    if (recent >= l.maxActionsPerRateWindow) {
      return {
        ok: false,
        reason: "rate-limited",
        message: `${recent} action(s) within ${l.rateWindowMs} ms`,
      };
    }
    return { ok: true };
  }

  /** Counts an action that was carried out. */
  record(change: RemediationChange, nowMs: number): void {
    const horizon = Math.max(this.limits.targetWindowMs, this.limits.rateWindowMs);
    while (this.#history.length > 0 && nowMs - (this.#history[0]?.atMs ?? nowMs) >= horizon)
      this.#history.shift();
    this.#history.push({ key: targetKey(change), atMs: nowMs });
  }
}
