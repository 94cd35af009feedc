import { ApiError, describeError } from "../api/api-client.js";
import {
  normalizeEntityDetail,
  normalizeSeries,
  type EntityDetailView,
  type SeriesView,
} from "../api/normalize.js";
import { formatAgo, formatTimestamp, formatValue } from "../format/format.js";
import { entityLink, formatRoute } from "../router.js";
import { type AppContext } from "../state/app-context.js";
import { badge, definitionList, h, replaceChildren, svg, table } from "../ui/dom.js";
import { sparklineGeometry } from "../ui/sparkline.js";

const SPARKLINE_WIDTH = 220;
const SPARKLINE_HEIGHT = 36;
const SERIES_MINUTES = 15;

type SeriesState =
  { kind: "ok"; series: SeriesView[] } | { kind: "absent" } | { kind: "error"; message: string };

/**
 * The side panel for one entity: its symptoms, root causes on it, a sparkline per series (from
 * VictoriaMetrics through /api/v1/entities/{id}/series; a mediator without that route shows a
 * note), Warning events, attributes and relations as links.
 */
export class EntityDetail {
  readonly element: HTMLElement;
  readonly #ctx: AppContext;
  readonly #onClose: () => void;
  readonly #onCentre: (id: string) => void;
  #entityId = "";
  #generation = 0;

  constructor(ctx: AppContext, options: { onClose: () => void; onCentre: (id: string) => void }) {
    this.#ctx = ctx;
    this.#onClose = options.onClose;
    this.#onCentre = options.onCentre;
    this.element = h("aside", { class: "detail-panel", "aria-label": "Entity detail", hidden: true });
  }

  get entityId(): string {
    return this.#entityId;
  }

  open(entityId: string): void {
    if (entityId === this.#entityId && !this.element.hidden) return;
    this.#entityId = entityId;
    this.element.hidden = false;
    replaceChildren(this.element, this.#header(entityId, entityId), h("p", { class: "muted" }, "Loading…"));
    void this.refresh();
  }

  close(): void {
    this.#entityId = "";
    this.#generation++;
    this.element.hidden = true;
    replaceChildren(this.element);
  }

  async refresh(): Promise<void> {
    const id = this.#entityId;
    if (!id) return;
    const generation = ++this.#generation;
    const path = `api/v1/entities/${encodeURIComponent(id)}`;
    const [detail, series] = await Promise.all([
      this.#ctx.api.getJson<unknown>(path).then(
        (body) => normalizeEntityDetail(body),
        (error: unknown) => error as Error,
      ),
      this.#ctx.api.getJson<unknown>(`${path}/series?minutes=${SERIES_MINUTES}`).then(
        (body): SeriesState => ({ kind: "ok", series: normalizeSeries(body) }),
        (error: unknown): SeriesState =>
          error instanceof ApiError && error.status === 404
            ? { kind: "absent" }
            : { kind: "error", message: describeError(error) },
      ),
    ]);
    if (generation !== this.#generation) return;
    if (detail instanceof Error) {
      replaceChildren(
        this.element,
        this.#header(id, id),
        h(
          "p",
          { class: "error", role: "alert" },
          detail instanceof ApiError ? detail.describe() : detail.message,
        ),
      );
      return;
    }
    this.#render(detail, series);
  }

  #header(title: string, id: string): HTMLElement {
    return h(
      "header",
      { class: "detail-header" },
      h("h2", { id: "entity-detail-title" }, title),
      h("code", { class: "entity-id" }, id),
      h(
        "div",
        { class: "button-row" },
        h("button", { type: "button", onclick: () => this.#onCentre(id) }, "Centre in graph"),
        h(
          "button",
          { type: "button", onclick: () => this.#onClose(), "aria-label": "Close entity detail" },
          "Close",
        ),
      ),
    );
  }

  #render(d: EntityDetailView, series: SeriesState): void {
    const now = this.#ctx.now();
    const e = d.entity;
    const title = `${e.kind} ${e.namespace ? `${e.namespace}/` : ""}${e.name}`;
    const rootCauses = this.#ctx.data.rootCauses.filter((r) => r.entityId === e.id);
    const active = d.symptoms.filter((s) => s.active);
    replaceChildren(
      this.element,
      this.#header(title, e.id),
      rootCauses.length > 0
        ? h(
            "section",
            { class: "callout callout-rootcause" },
            h("h3", {}, "Root cause here"),
            rootCauses.map((r) =>
              h(
                "p",
                {},
                h("a", { href: formatRoute("rootcauses", "", { focus: r.id }) }, `#${r.rank} ${r.title}`),
              ),
            ),
          )
        : null,
      h("section", {}, h("h3", {}, `Symptoms (${active.length} active)`), this.#symptoms(d, now)),
      h("section", {}, h("h3", {}, `Series (last ${SERIES_MINUTES} min)`), this.#series(series)),
      d.warningEvents.length > 0
        ? h(
            "section",
            {},
            h("h3", {}, "Warning events"),
            table(
              "Warning events",
              ["reason", "message", "count", "last"],
              d.warningEvents.map((w) => [
                w.reason,
                w.message,
                String(w.count),
                formatAgo(w.lastUnixMs, now),
              ]),
            ),
          )
        : null,
      h(
        "section",
        {},
        h("h3", {}, "Attributes"),
        definitionList([
          ["kind", e.kind],
          ["namespace", e.namespace || "(cluster-scoped)"],
          ["sources", e.sources.join(", ") || "–"],
          ["updated", `${formatTimestamp(e.updatedUnixMs)} (${formatAgo(e.updatedUnixMs, now)})`],
          ...Object.entries(e.attributes)
            .sort(([a], [b]) => (a < b ? -1 : 1))
            .map(([k, v]) => [k, v] as const),
        ]),
      ),
      h(
        "section",
        {},
        h("h3", {}, `Relations (${d.outgoing.length} out, ${d.incoming.length} in)`),
        h(
          "ul",
          { class: "relations" },
          d.outgoing.map((r) =>
            h(
              "li",
              {},
              h("span", { class: "rel-type" }, `${r.type} →`),
              " ",
              h("a", { href: entityLink(r.toId) }, r.toId),
            ),
          ),
          d.incoming.map((r) =>
            h(
              "li",
              {},
              h("span", { class: "rel-type" }, `← ${r.type}`),
              " ",
              h("a", { href: entityLink(r.fromId) }, r.fromId),
            ),
          ),
        ),
      ),
    );
  }

  #symptoms(d: EntityDetailView, now: number): HTMLElement {
    if (d.symptoms.length === 0) return h("p", { class: "muted" }, "No symptoms.");
    const sorted = [...d.symptoms].sort(
      (a, b) => Number(b.active) - Number(a.active) || b.sinceUnixMs - a.sinceUnixMs,
    );
    return table(
      "Symptoms of this entity",
      ["type", "state", "since", "source", "evidence"],
      sorted.map((s) => [
        s.type,
        s.active ? badge("active", "bad") : badge("cleared", "ok"),
        formatAgo(s.sinceUnixMs, now),
        s.source,
        s.evidenceSummary || "–",
      ]),
    );
  }

  #series(state: SeriesState): HTMLElement {
    if (state.kind === "absent")
      return h("p", { class: "muted" }, "This mediator does not serve series for entities yet.");
    if (state.kind === "error") return h("p", { class: "error" }, state.message);
    if (state.series.length === 0) return h("p", { class: "muted" }, "No series for this entity.");
    return h(
      "ul",
      { class: "sparklines" },
      state.series.map((s) => {
        const g = sparklineGeometry(s.points, SPARKLINE_WIDTH, SPARKLINE_HEIGHT);
        const chart = svg("svg", {
          width: SPARKLINE_WIDTH,
          height: SPARKLINE_HEIGHT,
          viewBox: `0 0 ${SPARKLINE_WIDTH} ${SPARKLINE_HEIGHT}`,
          role: "img",
          "aria-label": g
            ? `${s.name}: ${g.count} points from ${formatValue(g.min, s.unit)} to ${formatValue(g.max, s.unit)}, last ${formatValue(g.last, s.unit)}`
            : `${s.name}: no points`,
          class: "sparkline",
        });
        if (g)
          chart.append(
            svg("polyline", { points: g.points, fill: "none", stroke: "currentColor", "stroke-width": 1.5 }),
          );
        return h(
          "li",
          {},
          h("span", { class: "series-name" }, s.name),
          chart,
          h(
            "span",
            { class: "series-range" },
            g
              ? `last ${formatValue(g.last, s.unit)} · ${formatValue(g.min, s.unit)}–${formatValue(g.max, s.unit)}`
              : "no points",
          ),
        );
      }),
    );
  }
}
