/** What the check reads of the mediator's API. */
interface RemediationView {
  readonly rootCauseId?: string;
  /** Set when the mediator itself judges the symptom (preferred when present). */
  readonly symptomCleared?: boolean;
  readonly change?: { readonly target?: Readonly<Record<string, unknown>> };
}
interface RootCauseView {
  readonly id: string;
  readonly type: string;
  readonly remediation?: { readonly change?: { readonly target?: Readonly<Record<string, unknown>> } };
}

const sameTarget = (
  a: Readonly<Record<string, unknown>> | undefined,
  b: Readonly<Record<string, unknown>> | undefined,
) =>
  a !== undefined &&
  b !== undefined &&
  a.kind === b.kind &&
  a.name === b.name &&
  (a.namespace ?? "") === (b.namespace ?? "");

/**
 * Verification against the mediator's live analysis: a remediation's symptom has cleared when its
 * root cause is gone from /api/v1/rootcauses and no root cause of the same type proposes a change
 * to the same object (the fix did not just move the fault to a new pod), and that has held for
 * `stableMs` (a replaced pod can take a moment to fail again). A `symptomCleared` the mediator
 * reports itself takes precedence.
 */
export class RootCauseClearedCheck {
  readonly #fetchJson: (path: string) => Promise<unknown>;
  readonly #stableMs: number;
  readonly #clock: () => number;
  readonly #clearSince = new Map<string, number>();

  constructor(options: {
    readonly fetchJson: (path: string) => Promise<unknown>;
    readonly stableMs: number;
    readonly clock?: () => number;
  }) {
    this.#fetchJson = options.fetchJson;
    this.#stableMs = options.stableMs;
    this.#clock = options.clock ?? Date.now;
  }

  async cleared(remediationId: string): Promise<boolean> {
    const r = (await this.#fetchJson(
      `/api/v1/remediations/${encodeURIComponent(remediationId)}`,
    )) as RemediationView;
    if (typeof r.symptomCleared === "boolean") return r.symptomCleared;
    if (!r.rootCauseId) return false;
    const type = r.rootCauseId.slice(0, r.rootCauseId.indexOf(":"));
    const report = (await this.#fetchJson("/api/v1/rootcauses")) as { rootCauses?: readonly RootCauseView[] };
    const present = (report.rootCauses ?? []).some(
      (c) =>
        c.id === r.rootCauseId ||
        (c.type === type && sameTarget(c.remediation?.change?.target, r.change?.target)),
    );
    const now = this.#clock();
    if (present) {
      this.#clearSince.delete(remediationId);
      return false;
    }
    const since = this.#clearSince.get(remediationId) ?? now;
    this.#clearSince.set(remediationId, since);
    return now - since >= this.#stableMs;
  }
}
