import { describeError } from "../api/api-client.js";
import { normalizeRemediation, type RemediationView } from "../api/normalize.js";
import { formatAgo, formatTimestamp } from "../format/format.js";
import { formatRoute, type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { badge, definitionList, h, replaceChildren, table } from "../ui/dom.js";

const STATE_TONES: Readonly<Record<string, string>> = {
  proposed: "warn",
  approved: "info",
  executing: "info",
  succeeded: "ok",
  verified: "ok",
  rejected: "muted",
  refused: "bad",
  failed: "bad",
  "rolled-back": "bad",
};

export function stateBadge(state: string): HTMLSpanElement {
  return badge(state, STATE_TONES[state] ?? "muted");
}

/**
 * Remediations: the list with states, and one remediation's exact change (JSON) and its SHA-256,
 * its steps, and approve/reject. Both send the user's own Kubernetes token (`Authorization:
 * Bearer`); approve sends the hash shown, so the mediator refuses (409) if the change differs from
 * what the approver saw; reject needs a reason. The API's 401/403/409 messages are shown as they are.
 */
export class RemediationsView implements View {
  readonly element: HTMLElement;
  readonly #ctx: AppContext;
  readonly #list: HTMLDivElement;
  readonly #info: HTMLDivElement;
  readonly #actions: HTMLDivElement;
  readonly #message: HTMLParagraphElement;
  #selectedId = "";
  /** id and state the action area was built for: rebuilt only when either changes. */
  #actionsFor = "";

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#list = h("div", { class: "table-wrap remediation-list" });
    this.#info = h("div", { class: "remediation-info" });
    this.#actions = h("div", { class: "remediation-actions" });
    this.#message = h("p", {
      class: "action-message",
      role: "alert",
      "aria-live": "assertive",
      hidden: true,
    });
    this.element = h(
      "section",
      { class: "view view-remediations", "aria-labelledby": "remediations-title" },
      h("h1", { id: "remediations-title" }, "Remediations"),
      this.#list,
      h(
        "section",
        { class: "remediation-detail", "aria-label": "Selected remediation" },
        this.#info,
        this.#message,
        this.#actions,
      ),
    );
  }

  show(route: Route): void {
    if (route.id !== this.#selectedId) {
      this.#selectedId = route.id;
      this.#showMessage("", "info");
    }
    this.#render();
  }

  async refresh(): Promise<void> {
    this.#render();
    return Promise.resolve();
  }

  #selected(): RemediationView | undefined {
    const all = this.#ctx.data.remediations;
    if (this.#selectedId) return all.find((r) => r.id === this.#selectedId);
    return all.find((r) => r.state === "proposed") ?? all[0];
  }

  #render(): void {
    const now = this.#ctx.now();
    const all = this.#ctx.data.remediations;
    const selected = this.#selected();
    if (all.length === 0) {
      replaceChildren(this.#list, h("p", { class: "muted" }, "No remediation has been proposed."));
    } else {
      replaceChildren(
        this.#list,
        table(
          "Remediations",
          ["id", "state", "action", "target", "proposed", "reason"],
          all.map((r) => [
            h(
              "a",
              {
                href: formatRoute("remediations", r.id),
                "aria-current": r.id === selected?.id ? "true" : null,
              },
              r.id,
            ),
            stateBadge(r.state),
            r.action,
            r.target,
            formatAgo(r.proposedUnixMs, now),
            r.reason,
          ]),
          { class: "data-table", id: "remediations-table" },
        ),
      );
    }
    if (!selected) {
      replaceChildren(
        this.#info,
        this.#selectedId ? h("p", { class: "error" }, `Remediation ${this.#selectedId} not found.`) : null,
      );
      replaceChildren(this.#actions);
      this.#actionsFor = "";
      return;
    }
    this.#renderInfo(selected, now);
    const key = `${selected.id}\u0000${selected.state}`;
    if (key !== this.#actionsFor) {
      this.#actionsFor = key;
      this.#renderActions(selected);
    }
  }

  #renderInfo(r: RemediationView, now: number): void {
    replaceChildren(
      this.#info,
      h("h2", { id: "remediation-title" }, `Remediation ${r.id} `, stateBadge(r.state)),
      definitionList([
        ["action", r.action],
        ["target", r.target],
        ["reason", r.reason || "–"],
        [
          "root cause",
          r.rootCauseId
            ? h("a", { href: formatRoute("rootcauses", "", { focus: r.rootCauseId }) }, r.rootCauseId)
            : "–",
        ],
        ["proposed", `${formatTimestamp(r.proposedUnixMs)} (${formatAgo(r.proposedUnixMs, now)})`],
        ...(r.approvedBy
          ? ([
              ["approved by", `${r.approvedBy}, valid until ${formatTimestamp(r.approvalExpiresUnixMs)}`],
            ] as const)
          : []),
        ...(r.rejection
          ? ([
              [
                "rejected by",
                `${r.rejection.by} at ${formatTimestamp(r.rejection.atUnixMs)}: ${r.rejection.reason}`,
              ],
            ] as const)
          : []),
        ...(r.result
          ? ([
              ["result", `${r.result.outcome} at ${formatTimestamp(r.result.atUnixMs)}: ${r.result.message}`],
            ] as const)
          : []),
      ]),
      h("h3", {}, "Exact change"),
      h("pre", { class: "change-json", id: "change-json", tabindex: 0 }, JSON.stringify(r.change, null, 2)),
      h(
        "p",
        {},
        "SHA-256 of the change (canonical JSON): ",
        h("code", { id: "change-sha256", class: "hash" }, r.changeSha256),
      ),
      r.steps.length > 0
        ? [
            h("h3", {}, "Steps"),
            table(
              "Execution steps",
              ["time", "step", "detail"],
              r.steps.map((s) => [formatTimestamp(s.atUnixMs), s.step, s.detail]),
              { class: "data-table compact", id: "remediation-steps" },
            ),
          ]
        : null,
    );
  }

  #renderActions(r: RemediationView): void {
    if (r.state !== "proposed") {
      replaceChildren(this.#actions);
      return;
    }
    const reasonId = `reject-reason-${r.id}`;
    const reason = h("textarea", { id: reasonId, rows: 2, required: true, maxlength: 1000 });
    const rejectForm = h(
      "form",
      {
        class: "reject-form",
        hidden: true,
        "aria-label": "Reject remediation",
        onsubmit: (e: Event) => {
          e.preventDefault();
          void this.#reject(r, reason.value);
        },
      },
      h("label", { for: reasonId }, "Reason for rejecting (recorded in the audit trail)"),
      reason,
      h(
        "div",
        { class: "button-row" },
        h("button", { type: "submit", class: "danger" }, "Confirm rejection"),
        h(
          "button",
          {
            type: "button",
            onclick: () => {
              rejectForm.hidden = true;
            },
          },
          "Cancel",
        ),
      ),
    );
    replaceChildren(
      this.#actions,
      h(
        "p",
        { class: "muted" },
        "Approving sends your Kubernetes token and the SHA-256 above; the mediator checks that you may approve remediations in the target's namespace.",
      ),
      h(
        "div",
        { class: "button-row" },
        h(
          "button",
          { type: "button", class: "primary", id: "approve-button", onclick: () => void this.#approve(r) },
          "Approve",
        ),
        h(
          "button",
          {
            type: "button",
            id: "reject-button",
            onclick: () => {
              rejectForm.hidden = false;
              reason.focus();
            },
          },
          "Reject…",
        ),
      ),
      rejectForm,
    );
  }

  #token(): string | undefined {
    const token = this.#ctx.tokens.get();
    if (token) return token;
    this.#showMessage("Enter your Kubernetes bearer token first (field at the top of the page).", "error");
    this.#ctx.askForToken();
    return undefined;
  }

  async #approve(r: RemediationView): Promise<void> {
    const token = this.#token();
    if (!token) return;
    await this.#post(
      r,
      "approve",
      { changeSha256: r.changeSha256 },
      token,
      (done) => `Approved by ${done.approvedBy || "you"}; the executor carries it out next.`,
    );
  }

  async #reject(r: RemediationView, reason: string): Promise<void> {
    if (reason.trim() === "") {
      this.#showMessage("A rejection needs a reason.", "error");
      return;
    }
    const token = this.#token();
    if (!token) return;
    await this.#post(
      r,
      "reject",
      { reason: reason.trim() },
      token,
      (done) => `Rejected by ${done.rejection?.by || "you"}.`,
    );
  }

  async #post(
    r: RemediationView,
    verb: "approve" | "reject",
    body: unknown,
    token: string,
    success: (done: RemediationView) => string,
  ): Promise<void> {
    const buttons = [...this.#actions.querySelectorAll("button")];
    for (const b of buttons) b.disabled = true;
    try {
      const answer = await this.#ctx.api.postJson<unknown>(
        `api/v1/remediations/${encodeURIComponent(r.id)}/${verb}`,
        body,
        token,
      );
      this.#showMessage(success(normalizeRemediation(answer)), "ok");
      await this.#ctx.refreshNow();
    } catch (error) {
      const text = describeError(error);
      this.#showMessage(`Could not ${verb}: ${text}`, "error");
    } finally {
      for (const b of buttons) b.disabled = false;
    }
  }

  #showMessage(text: string, tone: "ok" | "error" | "info"): void {
    this.#message.textContent = text;
    this.#message.className = `action-message ${tone}`;
    this.#message.hidden = text === "";
  }
}
