/** The views of the UI, in navigation order. */
export const VIEWS = [
  "topology",
  "symptoms",
  "rootcauses",
  "remediations",
  "audit",
  "egress",
  "agents",
] as const;
export type ViewName = (typeof VIEWS)[number];

export interface Route {
  readonly view: ViewName;
  /** Path after the view, e.g. a remediation id. */
  readonly id: string;
  readonly params: Readonly<Record<string, string>>;
}

/**
 * Routes live in the URL fragment (`#/topology?entity=pod/shop/a`, `#/remediations/r-1`), so links
 * survive reloads, work under any path prefix and never reach the server.
 */
export function parseRoute(hash: string): Route {
  const text = hash.replace(/^#\/?/, "");
  const q = text.indexOf("?");
  const path = q >= 0 ? text.slice(0, q) : text;
  const query = q >= 0 ? text.slice(q + 1) : "";
  const slash = path.indexOf("/");
  const head = slash >= 0 ? path.slice(0, slash) : path;
  let id = slash >= 0 ? path.slice(slash + 1) : "";
  try {
    id = decodeURIComponent(id);
  } catch {
    id = "";
  }
  const view = (VIEWS as readonly string[]).includes(head) ? (head as ViewName) : "topology";
  const params: Record<string, string> = {};
  for (const [k, v] of new URLSearchParams(query)) params[k] = v;
  return { view, id: view === head ? id : "", params };
}

export function formatRoute(
  view: ViewName,
  id = "",
  params: Readonly<Record<string, string | undefined>> = {},
): string {
  const search = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") search.set(k, v);
  const query = search.toString();
  return `#/${view}${id ? `/${encodeURIComponent(id)}` : ""}${query ? `?${query}` : ""}`;
}

/** The link that opens an entity in the topology view. */
export function entityLink(entityId: string): string {
  return formatRoute("topology", "", { entity: entityId });
}
