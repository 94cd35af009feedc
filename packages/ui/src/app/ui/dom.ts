// DOM construction without innerHTML: every piece of data from the API becomes text, never markup.

type Child = Node | string | number | null | undefined | false | readonly Child[];
type Attrs = Record<string, string | number | boolean | null | undefined | ((event: Event) => void)>;

function append(parent: Node, child: Child): void {
  if (child === null || child === undefined || child === false) return;
  if (Array.isArray(child)) {
    for (const c of child as readonly Child[]) append(parent, c);
    return;
  }
  parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
}

/**
 * Creates an element: `on<event>` attributes become listeners, `true` booleans become empty
 * attributes, `false`/null/undefined are left out, `style` is set through the CSSOM.
 */
export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: Attrs = {},
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.slice(2).toLowerCase(), value);
    // Through the CSSOM: the Content-Security-Policy forbids style attributes in markup.
    else if (name === "style") el.style.cssText = String(value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  for (const c of children) append(el, c);
  return el;
}

/** Replaces an element's children. */
export function replaceChildren(el: Element, ...children: Child[]): void {
  el.replaceChildren();
  for (const c of children) append(el, c);
}

/** A table with a caption and column headers; `rows` are cells per row. */
export function table(
  caption: string,
  headers: readonly string[],
  rows: readonly (readonly Child[])[],
  attrs: Attrs = {},
): HTMLTableElement {
  return h(
    "table",
    attrs,
    h("caption", { class: "visually-hidden" }, caption),
    h(
      "thead",
      {},
      h(
        "tr",
        {},
        headers.map((t) => h("th", { scope: "col" }, t)),
      ),
    ),
    h(
      "tbody",
      {},
      rows.map((cells) =>
        h(
          "tr",
          {},
          cells.map((c) => h("td", {}, c)),
        ),
      ),
    ),
  );
}

/** A small coloured label, e.g. a state. */
export function badge(text: string, tone: string): HTMLSpanElement {
  return h("span", { class: `badge badge-${tone}` }, text);
}

/** A `<dl>` of name/value pairs. */
export function definitionList(pairs: readonly (readonly [string, Child])[]): HTMLDListElement {
  return h(
    "dl",
    { class: "pairs" },
    pairs.map(([k, v]) => [h("dt", {}, k), h("dd", {}, v)]),
  );
}

/** An SVG element (sparklines). */
export function svg(tag: string, attrs: Record<string, string | number>): SVGElement {
  const el = document.createElementNS("http://www.w3.org/2000/svg", tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  return el;
}
