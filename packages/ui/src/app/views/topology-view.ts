import { describeError } from "../api/api-client.js";
import { formatNumber } from "../format/format.js";
import { GraphCanvas } from "../graph/graph-canvas.js";
import {
  GraphModel,
  filterMask,
  searchEntities,
  type TopologyEntity,
  type TopologyRelation,
} from "../graph/graph-model.js";
import { HIGHLIGHT, kindColor } from "../graph/graph-style.js";
import { computeLayout } from "../graph/layout.js";
import { entityLink, formatRoute, type Route } from "../router.js";
import { type AppContext, type View } from "../state/app-context.js";
import { h, replaceChildren } from "../ui/dom.js";
import { EntityDetail } from "./entity-detail.js";

/** Entities per /api/v1/topology page (the API's maximum). */
const PAGE_LIMIT = 10_000;
/** Beyond this the UI asks for a namespace first rather than holding the whole cluster. */
const MAX_LOADED_ENTITIES = 50_000;
const TOPOLOGY_REFRESH_MS = 30_000;
const MAX_SEARCH_RESULTS = 12;
const ALL = "*";
const CLUSTER_SCOPED = "";

interface TopologyPage {
  entities?: TopologyEntity[];
  relations?: TopologyRelation[];
  continue?: string;
  total?: number;
}

/** What the topology view exposes for the browser test and the benchmark (`window.causewayDebug`). */
export interface TopologyDebug {
  readonly graph: GraphCanvas;
  /** Where an entity is drawn, in canvas pixels, or undefined when it is not shown. */
  readonly positionOf: (entityId: string) => [number, number] | undefined;
  loadMs: number;
  layoutMs: number;
  loadedAtMs: number;
  entities: number;
  relations: number;
}

/**
 * The topology graph: loads every entity (paged, up to 50,000) and relation, filters by
 * namespace and kind on the client (relayouting the kept ones), finds entities by name, and opens
 * an entity's detail on click. Entities with active symptoms and root-cause entities are ringed.
 */
export class TopologyView implements View {
  readonly element: HTMLElement;
  readonly debug: TopologyDebug;
  readonly #ctx: AppContext;
  readonly #graph: GraphCanvas;
  readonly #detail: EntityDetail;
  readonly #namespaceSelect: HTMLSelectElement;
  readonly #kindBox: HTMLFieldSetElement;
  readonly #searchInput: HTMLInputElement;
  readonly #searchResults: HTMLUListElement;
  readonly #status: HTMLParagraphElement;
  readonly #notice: HTMLParagraphElement;
  #model: GraphModel | undefined;
  #mask: Uint8Array | undefined;
  #loadedAtMs = 0;
  #loading: Promise<void> | undefined;
  #hiddenKinds = new Set<string>();
  #namespace = ALL;
  #selectedId = "";
  #matches = new Set<number>();
  #truncatedTotal = 0;

  constructor(ctx: AppContext) {
    this.#ctx = ctx;
    this.#namespaceSelect = h("select", { id: "ns-filter", onchange: () => this.#filtersChanged() });
    this.#kindBox = h("fieldset", { class: "kind-filter" }, h("legend", {}, "Kinds"));
    this.#searchInput = h("input", {
      id: "graph-search",
      type: "search",
      placeholder: "name or id",
      autocomplete: "off",
      oninput: () => this.#searchChanged(),
    });
    this.#searchResults = h("ul", { class: "search-results", "aria-label": "Matching entities" });
    this.#status = h(
      "p",
      { class: "graph-status", role: "status", "aria-live": "polite" },
      "Loading topology…",
    );
    this.#notice = h("p", { class: "notice", hidden: true });
    const graphArea = h("div", { class: "graph-area" });
    this.#detail = new EntityDetail(ctx, {
      onClose: () => {
        location.hash = formatRoute("topology");
      },
      onCentre: (id) => {
        const i = this.#model?.indexOf.get(id);
        if (i !== undefined) this.#graph.focus(i);
      },
    });
    const toolbar = h(
      "form",
      { class: "toolbar", "aria-label": "Topology filters", onsubmit: (e: Event) => e.preventDefault() },
      h("div", { class: "field" }, h("label", { for: "ns-filter" }, "Namespace"), this.#namespaceSelect),
      this.#kindBox,
      h(
        "div",
        { class: "field search-field" },
        h("label", { for: "graph-search" }, "Find entity"),
        this.#searchInput,
        this.#searchResults,
      ),
      h(
        "div",
        { class: "button-row" },
        h("button", { type: "button", onclick: () => this.#graph.fit() }, "Fit to screen"),
        h("button", { type: "button", onclick: () => void this.#load(true) }, "Reload topology"),
      ),
    );
    const legend = h(
      "ul",
      { class: "legend", "aria-label": "Legend" },
      ["node", "service", "deployment", "replicaset", "pod", "container", "process", "external"].map((k) =>
        h("li", {}, h("span", { class: "swatch", style: `background:${kindColor(k)}` }), k),
      ),
      h("li", {}, h("span", { class: "ring", style: `border-color:${HIGHLIGHT.symptom}` }), "active symptom"),
      h("li", {}, h("span", { class: "ring", style: `border-color:${HIGHLIGHT.rootCause}` }), "root cause"),
      h("li", {}, h("span", { class: "ring", style: `border-color:${HIGHLIGHT.match}` }), "search match"),
    );
    this.element = h(
      "section",
      { class: "view view-topology", "aria-labelledby": "topology-title" },
      h("h1", { id: "topology-title", class: "visually-hidden" }, "Topology"),
      toolbar,
      h("div", { class: "graph-meta" }, this.#status, legend),
      this.#notice,
      h("div", { class: "graph-layout" }, graphArea, this.#detail.element),
    );
    this.#graph = new GraphCanvas(graphArea, {
      onSelect: (i) => {
        const id = this.#model?.ids[i];
        if (id) location.hash = entityLink(id);
      },
      label:
        "Topology graph. Drag or use the arrow keys to pan, the wheel or + and - to zoom, 0 to fit, Enter to select the entity at the centre.",
    });
    this.debug = {
      graph: this.#graph,
      positionOf: (id) => {
        const i = this.#model?.indexOf.get(id);
        return i === undefined ? undefined : this.#graph.screenPosition(i);
      },
      loadMs: 0,
      layoutMs: 0,
      loadedAtMs: 0,
      entities: 0,
      relations: 0,
    };
  }

  show(route: Route): void {
    const entity = route.params.entity ?? "";
    if (route.params.ns !== undefined && route.params.ns !== this.#namespace) {
      this.#namespace = route.params.ns;
      this.#namespaceSelect.value = this.#namespace;
      this.#relayout(true);
    }
    this.#select(entity);
  }

  async refresh(): Promise<void> {
    const due = this.#ctx.now() - this.#loadedAtMs >= TOPOLOGY_REFRESH_MS;
    if (!this.#model || due) await this.#load(false);
    this.#updateHighlights();
    await this.#detail.refresh();
  }

  #select(entityId: string): void {
    const changed = entityId !== this.#selectedId;
    this.#selectedId = entityId;
    if (entityId === "") {
      this.#detail.close();
    } else {
      this.#detail.open(entityId);
      const i = this.#model?.indexOf.get(entityId);
      if (changed && i !== undefined) {
        if (this.#mask && this.#mask[i] === 0) {
          // A hidden entity was asked for: show every kind of its namespace.
          this.#namespace = this.#model?.namespaces[i] ?? ALL;
          this.#hiddenKinds.clear();
          this.#syncControls();
          this.#relayout(true);
        }
        this.#graph.focus(i);
      }
    }
    this.#updateHighlights();
  }

  #load(force: boolean): Promise<void> {
    if (this.#loading) return this.#loading;
    this.#loading = (async () => {
      const started = performance.now();
      try {
        const entities: TopologyEntity[] = [];
        const relations: TopologyRelation[] = [];
        let cont: string | undefined;
        let total = 0;
        do {
          const query = new URLSearchParams({ limit: String(PAGE_LIMIT) });
          if (cont) query.set("continue", cont);
          if (this.#truncatedTotal > 0 && this.#namespace !== ALL) query.set("namespace", this.#namespace);
          const page = await this.#ctx.api.getJson<TopologyPage>(`api/v1/topology?${query.toString()}`);
          entities.push(...(page.entities ?? []));
          relations.push(...(page.relations ?? []));
          total = page.total ?? entities.length;
          cont = page.continue;
        } while (cont && entities.length < MAX_LOADED_ENTITIES);
        this.#truncatedTotal = cont ? total : 0;
        const model = GraphModel.build(entities, relations);
        this.debug.loadMs = performance.now() - started;
        const first = !this.#model;
        this.#model = model;
        this.#loadedAtMs = this.#ctx.now();
        this.debug.loadedAtMs = performance.now();
        this.debug.entities = model.size;
        this.debug.relations = model.edgeCount;
        this.#syncControls();
        // Refit only when asked to: a periodic reload keeps the reader's pan and zoom.
        this.#relayout(first || force);
        const i = model.indexOf.get(this.#selectedId);
        if (first && i !== undefined) this.#graph.focus(i);
        this.#notice.hidden = this.#truncatedTotal === 0;
        this.#notice.textContent =
          this.#truncatedTotal > 0
            ? `The cluster has ${formatNumber(this.#truncatedTotal)} entities; ${formatNumber(model.size)} are loaded. Choose a namespace and reload to see the rest.`
            : "";
      } catch (error) {
        this.#status.textContent = `Cannot load the topology: ${describeError(error)}`;
        throw error;
      } finally {
        this.#loading = undefined;
      }
    })();
    return this.#loading;
  }

  #syncControls(): void {
    const model = this.#model;
    if (!model) return;
    const namespaces = model.namespaceList();
    if (this.#namespace !== ALL && !namespaces.includes(this.#namespace)) namespaces.push(this.#namespace);
    replaceChildren(
      this.#namespaceSelect,
      h("option", { value: ALL }, `All namespaces (${namespaces.length})`),
      namespaces.map((ns) => h("option", { value: ns }, ns === CLUSTER_SCOPED ? "(cluster-scoped)" : ns)),
    );
    this.#namespaceSelect.value = this.#namespace;
    const legend = this.#kindBox.querySelector("legend");
    replaceChildren(
      this.#kindBox,
      legend,
      model.kindCounts().map(({ kind, count }) => {
        const id = `kind-${kind.replace(/[^a-z0-9-]/gi, "_")}`;
        return h(
          "label",
          { for: id, class: "check" },
          h("input", {
            id,
            type: "checkbox",
            value: kind,
            checked: !this.#hiddenKinds.has(kind),
            onchange: (e: Event) => {
              const input = e.target as HTMLInputElement;
              if (input.checked) this.#hiddenKinds.delete(kind);
              else this.#hiddenKinds.add(kind);
              this.#filtersChanged();
            },
          }),
          ` ${kind} (${formatNumber(count)})`,
        );
      }),
    );
  }

  #filtersChanged(): void {
    this.#namespace = this.#namespaceSelect.value;
    this.#relayout(true);
    this.#searchChanged();
  }

  #relayout(refit: boolean): void {
    const model = this.#model;
    if (!model) return;
    const kinds = new Set(model.kinds.filter((k) => !this.#hiddenKinds.has(k)));
    const mask = filterMask(model, {
      ...(this.#namespace !== ALL ? { namespace: this.#namespace } : {}),
      ...(this.#hiddenKinds.size > 0 ? { kinds } : {}),
    });
    const started = performance.now();
    const layout = computeLayout(model, mask);
    this.debug.layoutMs = performance.now() - started;
    this.#mask = mask;
    this.#graph.setGraph(model, layout, { refit });
    this.#updateHighlights();
    let edges = 0;
    for (let e = 0; e < model.edgeCount; e++)
      if (mask[model.edgeFrom[e] as number] === 1 && mask[model.edgeTo[e] as number] === 1) edges++;
    this.#status.textContent = `Showing ${formatNumber(layout.placed)} of ${formatNumber(model.size)} entities and ${formatNumber(edges)} relations (layout ${Math.round(this.debug.layoutMs)} ms).`;
    this.element.dataset.entitiesShown = String(layout.placed);
  }

  #searchChanged(): void {
    const model = this.#model;
    const q = this.#searchInput.value;
    const found = model ? searchEntities(model, q, 500, this.#mask) : [];
    this.#matches = new Set(found);
    replaceChildren(
      this.#searchResults,
      found.slice(0, MAX_SEARCH_RESULTS).map((i) =>
        h(
          "li",
          {},
          h(
            "button",
            {
              type: "button",
              class: "link-button",
              onclick: () => {
                location.hash = entityLink(model?.ids[i] ?? "");
              },
            },
            `${model?.kinds[i] ?? ""} ${model?.namespaces[i] ? `${model.namespaces[i]}/` : ""}${model?.names[i] ?? ""}`,
          ),
        ),
      ),
      q.trim() !== "" && found.length === 0 ? h("li", { class: "muted" }, "No match.") : null,
      found.length > MAX_SEARCH_RESULTS
        ? h("li", { class: "muted" }, `${found.length - MAX_SEARCH_RESULTS}+ more, ringed in the graph`)
        : null,
    );
    this.#updateHighlights();
  }

  #updateHighlights(): void {
    const model = this.#model;
    if (!model) return;
    const symptomatic = new Set<number>();
    for (const s of this.#ctx.data.symptoms) {
      if (!s.active) continue;
      const i = model.indexOf.get(s.entityId);
      if (i !== undefined) symptomatic.add(i);
    }
    const rootCauses = new Set<number>();
    for (const r of this.#ctx.data.rootCauses) {
      const i = model.indexOf.get(r.entityId);
      if (i !== undefined) rootCauses.add(i);
    }
    this.#graph.setHighlights({
      symptomatic,
      rootCauses,
      matches: this.#matches,
      selected: model.indexOf.get(this.#selectedId) ?? -1,
    });
  }
}
