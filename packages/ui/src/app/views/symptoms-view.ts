import { formatAgo, formatNumber, formatTimestamp } from "../format/format.js";
import { entityLink, type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { h, replaceChildren, table } from "../ui/dom.js";

const MAX_ROWS = 2000;

/** Active symptoms, newest first, filterable by text (entity, type, source). */
export class SymptomsView implements View {
  readonly element: HTMLElement;
  readonly #ctx: AppContext;
  readonly #filter: HTMLInputElement;
  readonly #body: HTMLDivElement;
  readonly #summary: HTMLParagraphElement;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#filter = h("input", {
      id: "symptom-filter",
      type: "search",
      placeholder: "entity, type or source",
      oninput: () => this.#render(),
    });
    this.#summary = h("p", { role: "status", "aria-live": "polite" });
    this.#body = h("div", { class: "table-wrap" });
    this.element = h(
      "section",
      { class: "view", "aria-labelledby": "symptoms-title" },
      h("h1", { id: "symptoms-title" }, "Active symptoms"),
      h(
        "div",
        { class: "toolbar" },
        h("div", { class: "field" }, h("label", { for: "symptom-filter" }, "Filter"), this.#filter),
      ),
      this.#summary,
      this.#body,
    );
  }

  show(_route: Route): void {
    this.#render();
  }

  async refresh(): Promise<void> {
    this.#render();
    return Promise.resolve();
  }

  #render(): void {
    const now = this.#ctx.now();
    const q = this.#filter.value.trim().toLowerCase();
    const all = this.#ctx.data.symptoms.filter((s) => s.active);
    const rows = q
      ? all.filter((s) =>
          `${s.entityId} ${s.type} ${s.source} ${s.evidenceSummary}`.toLowerCase().includes(q),
        )
      : all;
    const total = this.#ctx.data.symptomsTotal;
    this.#summary.textContent = `${formatNumber(rows.length)} shown of ${formatNumber(total)} active symptoms.`;
    if (rows.length === 0) {
      replaceChildren(
        this.#body,
        h(
          "p",
          { class: "muted" },
          all.length === 0 ? "No active symptoms." : "No symptom matches the filter.",
        ),
      );
      return;
    }
    replaceChildren(
      this.#body,
      table(
        "Active symptoms",
        ["entity", "type", "since", "source", "evidence"],
        rows
          .slice(0, MAX_ROWS)
          .map((s) => [
            h("a", { href: entityLink(s.entityId) }, s.entityId),
            s.type,
            h(
              "time",
              { datetime: new Date(s.sinceUnixMs || 0).toISOString(), title: formatTimestamp(s.sinceUnixMs) },
              formatAgo(s.sinceUnixMs, now),
            ),
            s.source,
            s.evidenceSummary || "–",
          ]),
        { class: "data-table", id: "symptoms-table" },
      ),
      rows.length > MAX_ROWS
        ? h("p", { class: "muted" }, `First ${MAX_ROWS} shown; narrow the filter.`)
        : null,
    );
  }
}
