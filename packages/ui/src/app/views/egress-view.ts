import { ApiError, describeError } from "../api/api-client.js";
import { normalizeEgress } from "../api/normalize.js";
import { formatBytes, formatTimestamp, shortHash } from "../format/format.js";
import { type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { h, replaceChildren, table } from "../ui/dom.js";

/** The egress ledger: every message that left the cluster, newest first, with totals per category. */
export class EgressView implements View {
  readonly element: HTMLElement;
  readonly #ctx: AppContext;
  readonly #body: HTMLDivElement;
  readonly #summary: HTMLParagraphElement;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#summary = h("p", { role: "status", "aria-live": "polite" });
    this.#body = h("div", { class: "table-wrap" });
    this.element = h(
      "section",
      { class: "view", "aria-labelledby": "egress-title" },
      h("h1", { id: "egress-title" }, "Egress ledger"),
      h("p", { class: "muted" }, "Everything sent upstream, after masking. Nothing else leaves the cluster."),
      this.#summary,
      this.#body,
    );
  }

  show(_route: Route): void {}

  async refresh(): Promise<void> {
    let ledger;
    try {
      ledger = normalizeEgress(await this.#ctx.api.getJson<unknown>("api/v1/egress?limit=1000"));
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) {
        this.#summary.textContent =
          "This mediator has no egress ledger: upstream forwarding is not part of it, so nothing leaves the cluster.";
        replaceChildren(this.#body);
        return;
      }
      replaceChildren(this.#body, h("p", { class: "error", role: "alert" }, describeError(error)));
      throw error;
    }
    const { entries, note } = ledger;
    const byCategory = new Map<string, { count: number; bytes: number }>();
    for (const e of entries) {
      const c = byCategory.get(e.category) ?? { count: 0, bytes: 0 };
      c.count++;
      c.bytes += Number.isFinite(e.bytes) ? e.bytes : 0;
      byCategory.set(e.category, c);
    }
    const totalBytes = [...byCategory.values()].reduce((s, c) => s + c.bytes, 0);
    this.#summary.textContent =
      entries.length === 0
        ? `Nothing has been sent upstream${note ? ` (${note})` : ""}.`
        : `${entries.length} messages, ${formatBytes(totalBytes)} in the ledger${note ? ` (${note})` : ""}.`;
    if (entries.length === 0) {
      replaceChildren(this.#body);
      return;
    }
    replaceChildren(
      this.#body,
      table(
        "Totals per category",
        ["category", "messages", "bytes"],
        [...byCategory]
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, c]) => [k, String(c.count), formatBytes(c.bytes)]),
        { class: "data-table compact" },
      ),
      table(
        "Egress ledger entries",
        ["#", "time", "category", "size", "summary", "sha256", "resend"],
        entries.map((e) => [
          String(e.seq),
          formatTimestamp(e.atUnixMs),
          e.category,
          formatBytes(e.bytes),
          e.summary || "–",
          h("code", { title: e.sha256 }, shortHash(e.sha256)),
          e.resend ? "yes" : "",
        ]),
        { class: "data-table", id: "egress-table" },
      ),
    );
  }
}
