import { describeError } from "../api/api-client.js";
import { normalizeAgents } from "../api/normalize.js";
import { formatAgo, formatDuration, formatNumber } from "../format/format.js";
import { type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { badge, h, replaceChildren, table } from "../ui/dom.js";

/** Every agent the mediator knows: connected or not, lag, sequences, drops, eBPF or degraded. */
export class AgentsView implements View {
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
      { class: "view", "aria-labelledby": "agents-title" },
      h("h1", { id: "agents-title" }, "Agents"),
      this.#summary,
      this.#body,
    );
  }

  show(_route: Route): void {}

  async refresh(): Promise<void> {
    let agents;
    try {
      agents = normalizeAgents(await this.#ctx.api.getJson<unknown>("api/v1/agents"));
    } catch (error) {
      replaceChildren(this.#body, h("p", { class: "error", role: "alert" }, describeError(error)));
      throw error;
    }
    const now = this.#ctx.now();
    const connected = agents.filter((a) => a.connected).length;
    this.#summary.textContent = `${connected} of ${agents.length} agents connected.`;
    if (agents.length === 0) {
      replaceChildren(this.#body, h("p", { class: "muted" }, "No agent has connected yet."));
      return;
    }
    replaceChildren(
      this.#body,
      table(
        "Agents",
        [
          "agent",
          "node",
          "state",
          "version",
          "eBPF",
          "last seen",
          "lag",
          "acked seq",
          "unacked",
          "dropped",
          "duplicates",
          "messages",
        ],
        agents.map((a) => [
          a.agentId,
          a.nodeName || "–",
          a.connected ? badge(`connected (${a.openStreams})`, "ok") : badge("disconnected", "bad"),
          a.version || "–",
          a.ebpf
            ? "yes"
            : h(
                "span",
                { title: a.degradedReasons.join("; ") },
                a.degradedReasons.length ? `degraded: ${a.degradedReasons.join("; ")}` : "no",
              ),
          formatAgo(a.lastSeenUnixMs, now),
          formatDuration(a.lagMs),
          formatNumber(a.ackedSeq),
          formatNumber(a.unackedMessages),
          a.droppedMessages > 0 ? badge(formatNumber(a.droppedMessages), "bad") : "0",
          formatNumber(a.duplicates),
          formatNumber(a.messages),
        ]),
        { class: "data-table", id: "agents-table" },
      ),
    );
  }
}
