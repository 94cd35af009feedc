import { describeError } from "../api/api-client.js";
import { parseNdjson } from "../audit/ndjson.js";
import { verifyAuditChain, type ChainVerification } from "../audit/verify-chain.js";
import { formatTimestamp, shortHash } from "../format/format.js";
import { type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { badge, h, replaceChildren, table } from "../ui/dom.js";

const PAGE_ROWS = 200;
const MAX_DATA_CHARS = 240;

interface AuditRow {
  readonly seq: number;
  readonly timeUnixMs: number;
  readonly type: string;
  readonly actor: string;
  readonly subject: string;
  readonly data: string;
  readonly hash: string;
}

function row(value: unknown): AuditRow {
  const r = (value !== null && typeof value === "object" ? value : {}) as Record<string, unknown>;
  const data = JSON.stringify(r.data ?? {});
  return {
    seq: typeof r.seq === "number" ? r.seq : Number.NaN,
    timeUnixMs: typeof r.timeUnixMs === "number" ? r.timeUnixMs : 0,
    type: String(r.type ?? "?"),
    actor: String(r.actor ?? ""),
    subject: String(r.subject ?? ""),
    data: data.length > MAX_DATA_CHARS ? `${data.slice(0, MAX_DATA_CHARS)}…` : data,
    hash: String(r.hash ?? ""),
  };
}

/**
 * The audit trail from /api/v1/audit/export, newest first, filterable, with its integrity checked
 * in the browser: the hash chain, every record's hash and the checkpoint signatures against
 * /api/v1/audit/public-key. Re-verified only when the trail grows.
 */
export class AuditView implements View {
  readonly element: HTMLElement;
  readonly #ctx: AppContext;
  readonly #verification: HTMLDivElement;
  readonly #filter: HTMLInputElement;
  readonly #body: HTMLDivElement;
  #rows: AuditRow[] = [];
  #problems: { line: number; message: string }[] = [];
  #shown = PAGE_ROWS;
  #verifiedText = "";
  #result: ChainVerification | undefined;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#verification = h("div", { class: "verification", role: "status", "aria-live": "polite" });
    this.#filter = h("input", {
      id: "audit-filter",
      type: "search",
      placeholder: "type, actor or subject",
      oninput: () => {
        this.#shown = PAGE_ROWS;
        this.#render();
      },
    });
    this.#body = h("div", { class: "table-wrap" });
    this.element = h(
      "section",
      { class: "view", "aria-labelledby": "audit-title" },
      h("h1", { id: "audit-title" }, "Audit trail"),
      this.#verification,
      h(
        "div",
        { class: "toolbar" },
        h("div", { class: "field" }, h("label", { for: "audit-filter" }, "Filter"), this.#filter),
        h(
          "a",
          { href: ctx.api.url("api/v1/audit/export"), download: "causeway-audit.ndjson" },
          "Download NDJSON",
        ),
      ),
      this.#body,
    );
  }

  show(_route: Route): void {
    this.#render();
  }

  async refresh(): Promise<void> {
    let text: string;
    try {
      text = await this.#ctx.api.getText("api/v1/audit/export");
    } catch (error) {
      replaceChildren(this.#body, h("p", { class: "error", role: "alert" }, describeError(error)));
      throw error;
    }
    if (text === this.#verifiedText) return;
    const parsed = parseNdjson(text);
    this.#problems = parsed.problems.map((p) => ({ line: p.line, message: p.message }));
    this.#rows = parsed.values.map((v) => row(v.value)).reverse();
    this.#render();
    await this.#verify(
      parsed.values.map((v) => v.value),
      parsed.problems.length,
    );
    this.#verifiedText = text;
  }

  async #verify(records: unknown[], badLines: number): Promise<void> {
    if (badLines > 0) {
      this.#result = { ok: false, index: -1, seq: undefined, reason: `${badLines} line(s) are not JSON` };
      this.#renderVerification();
      return;
    }
    const subtle = globalThis.crypto?.subtle;
    if (!subtle) {
      this.#result = undefined;
      replaceChildren(
        this.#verification,
        badge("not verified", "muted"),
        " This page is not a secure context (https or localhost), so the browser offers no Web Crypto; verify with causeway-audit-verify.",
      );
      return;
    }
    replaceChildren(this.#verification, "Verifying the hash chain…");
    let publicKeyPem: string | undefined;
    try {
      publicKeyPem = await this.#ctx.api.getText("api/v1/audit/public-key");
    } catch {
      publicKeyPem = undefined;
    }
    this.#result = await verifyAuditChain(records, { subtle, ...(publicKeyPem ? { publicKeyPem } : {}) });
    this.#renderVerification();
  }

  #renderVerification(): void {
    const r = this.#result;
    if (!r) return;
    if (r.ok) {
      replaceChildren(
        this.#verification,
        badge("verified", "ok"),
        ` ${r.count} records, hash chain intact, ${
          r.checkpoints === 0
            ? "no signed checkpoint yet"
            : `${r.checkpoints} signed checkpoint(s)${r.signaturesChecked ? ", signatures valid" : ""}`
        }. Head `,
        h("code", { title: r.headHash }, shortHash(r.headHash, 16)),
        r.note ? h("span", { class: "muted" }, ` (${r.note})`) : null,
      );
    } else {
      replaceChildren(
        this.#verification,
        badge("BROKEN", "bad"),
        ` ${r.seq !== undefined ? `record seq ${r.seq}` : r.index >= 0 ? `record ${r.index + 1}` : "the export"}: ${r.reason}`,
      );
    }
  }

  #render(): void {
    const q = this.#filter.value.trim().toLowerCase();
    const rows = q
      ? this.#rows.filter((r) => `${r.type} ${r.actor} ${r.subject} ${r.data}`.toLowerCase().includes(q))
      : this.#rows;
    if (rows.length === 0 && this.#problems.length === 0) {
      replaceChildren(
        this.#body,
        h(
          "p",
          { class: "muted" },
          this.#rows.length === 0 ? "The audit trail is empty." : "No record matches.",
        ),
      );
      return;
    }
    replaceChildren(
      this.#body,
      this.#problems.length > 0
        ? h(
            "ul",
            { class: "error" },
            this.#problems.map((p) => h("li", {}, `line ${p.line}: ${p.message}`)),
          )
        : null,
      table(
        "Audit records, newest first",
        ["seq", "time", "type", "actor", "subject", "data", "hash"],
        rows
          .slice(0, this.#shown)
          .map((r) => [
            String(r.seq),
            formatTimestamp(r.timeUnixMs),
            r.type,
            r.actor,
            r.subject,
            h("code", { class: "audit-data" }, r.data),
            h("code", { title: r.hash }, shortHash(r.hash)),
          ]),
        { class: "data-table", id: "audit-table" },
      ),
      rows.length > this.#shown
        ? h(
            "button",
            {
              type: "button",
              onclick: () => {
                this.#shown += PAGE_ROWS;
                this.#render();
              },
            },
            `Show ${Math.min(PAGE_ROWS, rows.length - this.#shown)} more (${rows.length - this.#shown} older)`,
          )
        : null,
    );
  }
}
