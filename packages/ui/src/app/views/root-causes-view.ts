import { type RootCauseView, type SymptomRefView } from "../api/normalize.js";
import { formatAgo, formatPercent } from "../format/format.js";
import { entityLink, formatRoute, type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { badge, h, replaceChildren } from "../ui/dom.js";

/**
 * The causal engine's ranking: per root cause its confidence, explanation, the symptoms it explains
 * and those it leaves unexplained, a link to its entity and to the remediation proposed for it.
 */
export class RootCausesView implements View {
  readonly element: HTMLElement;
  readonly #ctx: AppContext;
  readonly #list: HTMLOListElement;
  readonly #summary: HTMLParagraphElement;
  #focus = "";

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#summary = h("p", { role: "status", "aria-live": "polite" });
    this.#list = h("ol", { class: "rootcause-list", id: "rootcause-list" });
    this.element = h(
      "section",
      { class: "view", "aria-labelledby": "rootcauses-title" },
      h("h1", { id: "rootcauses-title" }, "Root causes"),
      this.#summary,
      this.#list,
    );
  }

  show(route: Route): void {
    this.#focus = route.params.focus ?? "";
    this.#render();
    if (this.#focus) document.getElementById(cardId(this.#focus))?.scrollIntoView({ block: "center" });
  }

  async refresh(): Promise<void> {
    this.#render();
    return Promise.resolve();
  }

  #render(): void {
    const { rootCauses, engine, remediations } = this.#ctx.data;
    this.#summary.textContent =
      rootCauses.length === 0
        ? `No root causes (engine: ${engine}).`
        : `${rootCauses.length} ranked, most likely first (engine: ${engine}).`;
    const now = this.#ctx.now();
    replaceChildren(
      this.#list,
      rootCauses.map((r) => {
        const proposal = remediations.find((m) => m.rootCauseId !== "" && m.rootCauseId === r.id);
        return this.#card(r, proposal ? { id: proposal.id, state: proposal.state } : undefined, now);
      }),
    );
  }

  #card(r: RootCauseView, proposal: { id: string; state: string } | undefined, now: number): HTMLLIElement {
    const confidence = Number.isFinite(r.confidence) ? r.confidence : 0;
    return h(
      "li",
      {
        class: `rootcause-card${r.primary ? "" : " alternative"}${r.id === this.#focus ? " focused" : ""}`,
        id: cardId(r.id),
        "data-rootcause-id": r.id,
        "data-entity-id": r.entityId,
      },
      h(
        "header",
        {},
        h("span", { class: "rank", "aria-label": `rank ${r.rank}` }, `#${r.rank}`),
        h("h2", {}, r.title),
        r.primary ? null : badge("alternative", "muted"),
        h(
          "span",
          { class: "confidence" },
          h("meter", { min: 0, max: 1, value: confidence, "aria-label": "confidence" }),
          ` ${Number.isFinite(r.confidence) ? formatPercent(r.confidence) : "–"} confidence`,
        ),
      ),
      h(
        "p",
        { class: "rootcause-entity" },
        "On ",
        h("a", { href: entityLink(r.entityId) }, r.entityLabel || r.entityId || "(unknown entity)"),
        r.startedUnixMs > 0 ? ` · started ${formatAgo(r.startedUnixMs, now)}` : "",
        r.type ? ` · ${r.type}` : "",
      ),
      r.explanation ? h("p", { class: "explanation" }, r.explanation) : null,
      symptomList("Explains", r.explained, "explained"),
      symptomList("Not explained", r.unexplained, "unexplained"),
      symptomList("Expected but absent", r.expectedAbsent, "absent"),
      h(
        "p",
        { class: "remediation-link" },
        proposal
          ? [
              "Remediation: ",
              h(
                "a",
                { href: formatRoute("remediations", proposal.id) },
                `${proposal.id} (${proposal.state})`,
              ),
              r.remediationSummary ? ` — ${r.remediationSummary}` : "",
            ]
          : r.remediationSummary
            ? `Remediation (not yet proposed): ${r.remediationSummary}`
            : "No remediation proposed.",
      ),
    );
  }
}

function cardId(rootCauseId: string): string {
  return `rc-${rootCauseId.replace(/[^A-Za-z0-9_-]/g, "_")}`;
}

function symptomList(title: string, list: readonly SymptomRefView[], kind: string): HTMLElement | null {
  if (list.length === 0) return null;
  return h(
    "details",
    { class: `symptom-list ${kind}`, open: kind === "explained" },
    h("summary", {}, `${title} (${list.length})`),
    h(
      "ul",
      {},
      list.map((s) =>
        h(
          "li",
          {},
          h("span", { class: "symptom-type" }, s.type),
          " on ",
          s.entityId ? h("a", { href: entityLink(s.entityId) }, s.entityId) : "?",
          s.detail ? h("span", { class: "muted" }, ` (${s.detail})`) : null,
        ),
      ),
    ),
  );
}
